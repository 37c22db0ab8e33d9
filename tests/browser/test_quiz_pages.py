"""The paged quiz page in a real browser (issue 14), by keyboard alone: a 50-question quiz paged
ten at a time, Enter in a text field that saves nothing away and submits nothing, a question
flagged for later, the summary listing the unanswered and flagged questions, and the submit.
Runs on its own server with tests/fixtures/paged_pack."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import served_pack, watched_page
from tests.browser.helpers import REPO_ROOT, result_heading, sign_up
from tests.browser.test_keyboard import focused, tab_to

pytestmark = pytest.mark.browser

PAGED_PACK = REPO_ROOT / "tests" / "fixtures" / "paged_pack"


@pytest.fixture(scope="module")
def paged_url(tmp_path_factory):
    with served_pack(tmp_path_factory.mktemp("paged-db") / "paged.sqlite3", PAGED_PACK, "paged-test-secret") as url:
        yield url


@pytest.fixture
def paged(browser: Browser, browser_context_args, paged_url):
    with watched_page(browser, browser_context_args, paged_url) as page:
        yield page


def _button(name: str):
    return lambda el: el["tag"] == "button" and el["name"] == name


def test_a_fifty_question_quiz_paged_by_keyboard_alone(paged: Page):
    page = paged
    sign_up(page, name="Grace")
    page.goto("/lessons/long-quiz/quiz")
    tab_to(page, _button("Start the quiz"), "the start button", limit=40)
    page.keyboard.press("Enter")
    expect(page.locator(".quiz-progress")).to_contain_text("Page 1 of 5")
    expect(page.locator("fieldset.question")).to_have_count(10)
    attempt_url = page.url

    # Question 1 (true/false): Tab reaches the group, Space picks the focused radio ("True").
    el = tab_to(page, lambda el: el["type"] == "radio" and el["field"].startswith("q"), "question 1's answer", limit=40)
    assert "Statement number 1" in el["prompt"] and el["name"] == "True"
    page.keyboard.press("Space")
    # Question 2: flag it for later with Space on its checkbox.
    el = tab_to(page, lambda el: el["name"] == "Flag for later" and "question 2" in el["prompt"], "question 2's flag",
                limit=40)
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    # Question 3 (short text): type the answer and press Enter: nothing is submitted, the focus moves on.
    el = tab_to(page, lambda el: el["type"] == "text" and el["field"].startswith("q"), "question 3's text box")
    assert "question 3" in el["prompt"]
    page.keyboard.type("kiwi3")
    page.keyboard.press("Enter")
    expect(page).to_have_url(attempt_url)
    assert focused(page)["name"] != "Your answer"

    # Next page → (saves this page) through to page 5, by Tab and Enter only.
    for number in range(2, 6):
        tab_to(page, _button("Next page →"), "the Next page button", limit=120)
        page.keyboard.press("Enter")
        expect(page.locator(".quiz-progress")).to_contain_text(f"Page {number} of 5 · 2 of 50 answered")
        expect(page.locator("fieldset.question legend").first).to_contain_text(f"Question {number * 10 - 9} of 50")

    # The panel shows what was saved: 1 and 3 answered, 2 flagged.
    expect(page.get_by_role("button", name="Question 2, not answered, flagged")).to_have_count(1)
    expect(page.get_by_role("button", name="Question 3, answered")).to_have_count(1)

    # "Submit answers" with questions unanswered: the summary lists them before anything is submitted.
    tab_to(page, _button("Submit answers"), "the submit button", limit=120)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/summary$"))
    expect(page.get_by_role("status")).to_contain_text("2 of 50 questions answered · 1 flagged for later")
    expect(page.get_by_role("heading", name="Not answered (48)")).to_be_visible()
    expect(page.locator("#unanswered a")).to_have_count(48)
    expect(page.locator("#unanswered li").first).to_contain_text("Page 1: Question 2, Question 4, Question 5")
    expect(page.locator("#flagged").get_by_role("link", name="Question 2", exact=True)).to_have_attribute(
        "href", re.compile(r"\?page=1#question-\d+$"))

    # A link goes back to the flagged question's page, still flagged; then submit from the summary.
    tab_to(page, lambda el: el["tag"] == "a" and el["name"] == "Question 2" and el["value"] == "", "the flagged link",
           limit=80)
    page.keyboard.press("Enter")
    expect(page.locator(".quiz-progress")).to_contain_text("Page 1 of 5")
    expect(page.locator("fieldset.question").filter(has_text="question 2").get_by_label("Flag for later")).to_be_checked()
    page.go_back()
    tab_to(page, _button("Submit all and finish"), "the final submit", limit=80)
    page.keyboard.press("Enter")
    expect(result_heading(page)).to_have_text("Your result: 4.0%")
    expect(page.locator("p.score")).to_contain_text("2 of 50 points")
