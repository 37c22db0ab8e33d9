"""SQL exercises in a real browser, under the app's real Content-Security-Policy (no bypass_csp).

With JavaScript, "Run query" (static/js/sqllab.js) POSTs to /api/v1/questions/<id>/run and draws
the table in place: no navigation, the rest of the form untouched. Without JavaScript the same
button submits the quiz form with action=run-<id> and the server renders the page again with the
table. Both must show the rows of the visible dataset (tests/fixtures/pack/datasets/shop/data.sql)
and a refusal for anything but one SELECT; a submitted query is graded on the hidden rows too.
The `page` fixture fails any test whose page logs a console error (a CSP violation, a JS error).
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.helpers import (
    CUSTOMERS_REFERENCE, CUSTOMERS_SQL, IDEMPOTENT, answer_single, question, result_heading, sign_up,
)

pytestmark = pytest.mark.browser

LIST_CUSTOMERS = "SELECT name, city FROM customers ORDER BY id"
CUSTOMER_CELLS = ["Ada", "London", "Grace", "NULL", "Linus", "Helsinki"]  # data.sql, NULL shown as such
DROP = "DROP TABLE customers"
REFUSED = "Only queries that read data (SELECT / WITH) can run here, not DROP."
GRADED_RIGHT = "Same result as the reference query on the sample rows and on a hidden dataset."


def expect_customers_table(output: Locator) -> None:
    expect(output.locator("p.meta")).to_have_text(re.compile(r"^3 rows · [\d.]+ ms$"))
    expect(output.locator("table thead th")).to_have_text(["name", "city"])
    expect(output.locator("table tbody tr")).to_have_count(3)
    expect(output.locator("table tbody td")).to_have_text(CUSTOMER_CELLS)


def run_in_place(page: Page, console_watch) -> None:
    """Run a query and a refused one with sqllab.js: each answered by the API, drawn without a
    page load (the URL, a marker set on <body> and the typed text all survive).

    The refusal comes as HTTP 400, and chromium itself logs every 4xx fetch response as a console
    error ("Failed to load resource"): no script can prevent that. That one message, for this
    request, is allowed and checked for; any other console error still fails the test."""
    sql = question(page, CUSTOMERS_SQL)
    box = sql.get_by_role("textbox", name="Your query")
    run = sql.get_by_role("button", name="Run query")
    output = sql.locator(".run-result")
    question_id = run.get_attribute("data-run-question")
    assert question_id and question_id.isdigit()
    expect(output).to_have_attribute("aria-live", "polite")
    expect(output.locator("table")).to_have_count(0)

    url = page.url
    loads: list[str] = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    page.evaluate("document.body.dataset.marker = 'same-document'")  # any reload or navigation drops it
    answer_single(page, IDEMPOTENT, "PUT")  # another answer in the form: must still be there afterwards

    box.click()
    page.keyboard.type(LIST_CUSTOMERS)
    api = f"/api/v1/questions/{question_id}/run"
    with page.expect_response(lambda r: r.url.endswith(api) and r.request.method == "POST") as ran:
        run.click()
    assert ran.value.status == 200, ran.value.text()
    assert ran.value.request.post_data_json == {"sql": LIST_CUSTOMERS}
    expect_customers_table(output)
    expect(run).to_be_enabled()  # disabled only while the request is in flight

    box.fill(DROP)
    console_watch.allow(r"console\.error: Failed to load resource: the server responded with a status of 400 "
                        rf"\(BAD REQUEST\) \(http://127\.0\.0\.1:\d+{re.escape(api)}\)")
    with page.expect_console_message(lambda m: m.type == "error") as logged, \
            page.expect_response(lambda r: r.url.endswith(api)) as refused:
        run.click()
    assert refused.value.status == 400
    assert console_watch.tolerated == [f"console.error: {logged.value.text} ({refused.value.url})"]
    assert refused.value.json()["error"]["message"] == REFUSED
    expect(output.locator("p.error")).to_have_text(REFUSED)
    expect(output.locator("table")).to_have_count(0)  # the earlier table is replaced, not kept

    expect(page).to_have_url(url)
    expect(page.locator("body")).to_have_attribute("data-marker", "same-document")
    assert loads == [], f"Run query navigated the page: {loads}"
    expect(box).to_have_value(DROP)
    expect(question(page, IDEMPOTENT).get_by_label("PUT", exact=True)).to_be_checked()


def submit_reference_query(page: Page, visitor: bool = False) -> Locator:
    """Submit with the reference query (the PUT answer is already ticked); returns the SQL result item.
    A visitor's result never shows right answers (issue 14's review policy), a learner's does."""
    question(page, CUSTOMERS_SQL).get_by_role("textbox", name="Your query").fill(CUSTOMERS_REFERENCE)
    expect(question(page, IDEMPOTENT).get_by_label("PUT", exact=True)).to_be_checked()
    page.get_by_role("button", name="Submit answers").click()
    expect(result_heading(page)).to_have_text("Your result: 100.0%")
    item = page.locator(".results-list > li").filter(has_text=CUSTOMERS_SQL)
    expect(item.get_by_role("heading", level=2)).to_contain_text("Correct")
    expect(item.locator("dt").filter(has_text="Feedback").locator("+ dd")).to_have_text(GRADED_RIGHT)
    expect(item.locator("dt").filter(has_text="A reference solution")).to_have_count(0 if visitor else 1)
    return item


def test_learner_runs_sql_in_place_under_csp_and_submits_a_correct_query(page: Page, console_watch):
    sign_up(page, name="Edgar")
    page.goto("/lessons/rest/quiz")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    csp = page.evaluate("() => fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp  # the real policy is in force
    expect(page.locator("fieldset.question")).to_have_count(2)

    run_in_place(page, console_watch)
    submit_reference_query(page)
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))  # the learner's saved result
    expect(page.get_by_role("button", name="Retake the quiz")).to_be_visible()


def test_visitor_runs_sql_through_the_api_without_a_session(page: Page, console_watch):
    """Not logged in: the page still carries a CSRF meta tag, so sqllab.js takes over the button;
    the API accepts the run as an anonymous JSON request (rate-limited by IP, nothing stored)."""
    page.goto("/lessons/rest/quiz")
    expect(page.locator(".notice")).to_contain_text("You are trying this quiz as a visitor")
    run_in_place(page, console_watch)
    submit_reference_query(page, visitor=True)
    expect(page).to_have_url(re.compile(r"/lessons/rest/quiz/try$"))
    expect(page.locator(".notice")).to_contain_text("This result was not saved")


def test_run_button_without_javascript_posts_the_form(browser: Browser, browser_context_args):
    """JavaScript off: "Run query" is a plain submit button (action=run-<id>); the server renders
    the quiz again with the table under the query. As a visitor (POST .../quiz/try) and as a
    learner (POST /attempts/<id>, which also saves the draft), who then submits and is graded."""
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    try:
        for who in ("visitor", "learner"):
            if who == "learner":
                sign_up(page, name="Noscript")
                page.goto("/lessons/rest/quiz")
                page.get_by_role("button", name="Start the quiz").click()
                expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
                posted_to = re.compile(r"/attempts/\d+$")
            else:
                page.goto("/lessons/rest/quiz")
                posted_to = re.compile(r"/lessons/rest/quiz/try$")
            assert page.evaluate("() => document.body.dataset.marker = 'x'") == "x"
            sql = question(page, CUSTOMERS_SQL)
            expect(sql.locator(".run-result table")).to_have_count(0)
            answer_single(page, IDEMPOTENT, "PUT")
            sql.get_by_role("textbox", name="Your query").fill(LIST_CUSTOMERS)
            with page.expect_navigation():
                sql.get_by_role("button", name="Run query").click()
            expect(page).to_have_url(posted_to)
            sql = question(page, CUSTOMERS_SQL)  # a new document: the form is rendered again...
            expect(page.locator("body")).not_to_have_attribute("data-marker", "x")
            expect(page.get_by_role("heading", level=1)).to_have_text("Practice quiz")
            expect_customers_table(sql.locator(".run-result"))
            # ...keeping the query and the other answers
            expect(sql.get_by_role("textbox", name="Your query")).to_have_value(LIST_CUSTOMERS)
            expect(question(page, IDEMPOTENT).get_by_label("PUT", exact=True)).to_be_checked()

            sql.get_by_role("textbox", name="Your query").fill(DROP)
            sql.get_by_role("button", name="Run query").click()
            sql = question(page, CUSTOMERS_SQL)
            expect(sql.locator(".run-result p.error")).to_have_text(REFUSED)
            expect(sql.locator(".run-result table")).to_have_count(0)

            if who == "learner":  # (a visitor's submission is graded by the same code: see the test above)
                page.goto(page.url)  # GET the attempt again: the run saved the answers as a draft
                expect(question(page, CUSTOMERS_SQL).get_by_role("textbox", name="Your query")).to_have_value(DROP)
                expect(question(page, IDEMPOTENT).get_by_label("PUT", exact=True)).to_be_checked()
                submit_reference_query(page)
                expect(page.get_by_role("button", name="Retake the quiz")).to_be_visible()
    finally:
        context.close()
