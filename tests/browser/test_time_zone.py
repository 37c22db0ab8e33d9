"""The learner's time zone comes from the browser on the first page after sign-up (a local script,
allowed by the CSP), and the account page shows and changes it; without JavaScript UTC stays."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import sign_up

pytestmark = pytest.mark.browser


def test_browser_zone_is_stored_after_sign_up(browser: Browser, browser_context_args):
    context = browser.new_context(**{**browser_context_args, "timezone_id": "Asia/Kolkata"})
    page = context.new_page()  # no CSP bypass: the script must run under the app's policy
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    with page.expect_response(lambda r: r.url.endswith("/account/time-zone/detected")) as detected:
        sign_up(page, name="Indira")
    assert detected.value.status == 204
    page.goto("/account")
    expect(page.get_by_label("Your time zone")).to_have_value("Asia/Kolkata")
    expect(page.locator("script[src$='timezone.js']")).to_have_count(0)  # known now: not sent again
    page.get_by_label("Your time zone").select_option("America/Los_Angeles")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_role("status")).to_contain_text("Time zone saved: America/Los_Angeles")
    expect(page.get_by_label("Your time zone")).to_have_value("America/Los_Angeles")
    assert not errors, errors
    context.close()


def test_without_javascript_the_zone_stays_utc_until_chosen(browser: Browser, browser_context_args):
    context = browser.new_context(**{**browser_context_args, "timezone_id": "Pacific/Kiritimati",
                                     "java_script_enabled": False})
    page = context.new_page()
    sign_up(page, name="Teuea")
    page.goto("/account")
    expect(page.get_by_label("Your time zone")).to_have_value("UTC")
    expect(page.locator("#time_zone-hint")).to_contain_text("Not known yet, so UTC is used.")
    page.get_by_label("Your time zone").select_option("Pacific/Kiritimati")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_label("Your time zone")).to_have_value("Pacific/Kiritimati")
    context.close()
