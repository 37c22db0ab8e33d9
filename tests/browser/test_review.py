"""Spaced review in a real browser, answered with review.js's keyboard shortcuts alone: 1-9 pick an
option, s / u set the confidence, Enter checks, n or Enter goes on. No clicks on the review pages.

Cards are made due through the app's database (the live server runs in this process): a wrong
quiz answer schedules its card about a minute ahead, and the test moves it into the past rather
than waiting. The `page` fixture fails the test if a page logs a console error.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    INDEPENDENT, TTL, answer_single, question, result_heading, review_answers, schedule_cards, sign_up,
)

pytestmark = pytest.mark.browser

# the fixture pack's packets quiz: prompt -> (the right option, a wrong one), by visible text
PACKETS = {TTL: ("Decrements it by one", "Increments it"), INDEPENDENT: ("True", "False")}


def press_option(page: Page, text: str) -> None:
    """Press the digit of the option labelled `text` (single choice options are shuffled per card)."""
    labels = [label.strip() for label in page.locator("#review-form label.option").all_inner_texts()]
    assert text in labels, f"{text!r} not among the options {labels}"
    digit = str(labels.index(text) + 1)
    page.keyboard.press(digit)
    option = page.locator("#review-form label.option").nth(int(digit) - 1).locator("input")
    expect(option).to_be_checked()
    expect(option).to_be_focused()


def test_review_session_with_keyboard_shortcuts_only(page: Page, live_server):
    email = sign_up(page, name="Hopper")
    page.goto("/lessons/packets/quiz")
    page.get_by_role("button", name="Start the quiz").click()
    answer_single(page, TTL, PACKETS[TTL][1])
    question(page, INDEPENDENT).get_by_label(PACKETS[INDEPENDENT][1], exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(result_heading(page)).to_have_text("Your result: 0.0%")

    # Two cards, due in a minute or so: nothing due yet.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.get_by_role("status")).to_have_text("Nothing is due right now.")
    expect(page.locator("main")).to_contain_text(re.compile(r"Your next question comes back on \d{2} \w{3} \d{4} at"))

    assert schedule_cards(live_server.app, email) == 2
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("2 questions due · this session: 0 reviewed, 0 right")

    # Card 1, answered right and sure: digit, s, Enter. Card 2 wrong and not sure: digit, u, Enter.
    plan = [(True, "s", "sure"), (False, "u", "unsure")]
    shown = []
    for number, (right, key, confidence) in enumerate(plan, start=1):
        expect(page.locator("#review-form")).to_be_visible()
        prompt = page.locator("#review-form .prompt").inner_text().strip()
        assert prompt in PACKETS and prompt not in shown, prompt
        shown.append(prompt)
        press_option(page, PACKETS[prompt][0 if right else 1])
        page.keyboard.press(key)
        expect(page.get_by_role("radio", name="Sure" if key == "s" else "Not sure", exact=True)).to_be_checked()
        page.keyboard.press("Enter")

        expect(page).to_have_url(re.compile(r"/review/answers/\d+$"))
        expect(page.locator(".result-head")).to_have_text(re.compile(r"Correct$" if right else r"Incorrect$"))
        expect(page.locator(".result")).to_contain_text(re.compile(r"Next review of this question: .+ UTC\."))
        left = len(plan) - number
        expect(page.get_by_role("status")).to_have_text(
            f"This session: {number} reviewed, 1 right · {left} still due.")
        expect(page.locator("#next-card")).to_have_text("Next question" if left else "Finish")
        page.keyboard.press("n" if left else "Enter")

    expect(page).to_have_url(re.compile(r"/review$"))
    expect(page.get_by_role("status")).to_have_text("Session complete: 2 questions reviewed, 1 right (50%).")
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()

    # What was stored: one review answer per card, with the confidence the s / u keys chose.
    stored = review_answers(live_server.app, email)
    assert [(correct, confidence) for _, correct, confidence in stored] == [(True, "sure"), (False, "unsure")], stored
    assert [re.sub(r"<[^>]+>", "", html).strip() for html, _, _ in stored] == shown
