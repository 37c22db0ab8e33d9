"""End-to-end journeys in a real browser, against the real app with CSRF on."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    INDEPENDENT, RELIABLE, RELIABLE_ALL, RELIABLE_RIGHT, TRANSPORT, TTL, answer_choices, answer_ordering,
    answer_single, answer_tcp_quiz, answer_text, HANDSHAKE, HANDSHAKE_ORDER, question, result_heading,
    screenshot, sign_up,
)

pytestmark = pytest.mark.browser


def test_learner_signs_up_studies_fails_retakes_missed_and_sees_progress(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Learn backend systems, one article at a time")
    screenshot(page, "home")

    sign_up(page, name="Ada")
    page.get_by_role("link", name="Net Basics").click()
    expect(page).to_have_url(re.compile(r"/courses/net-basics$"))
    page.get_by_role("button", name="Start this course").click()
    expect(page).to_have_url(re.compile(r"/lessons/packets\?course=net-basics$"))  # enrolled, and reading lesson 1
    expect(page.get_by_role("status")).to_have_text("You are enrolled in Net Basics.")
    page.get_by_role("link", name="Net Basics", exact=True).first.click()
    expect(page.get_by_role("progressbar", name="Course progress")).to_be_visible()
    screenshot(page, "course")

    page.get_by_role("link", name="TCP: reliable streams").click()
    expect(page).to_have_url(re.compile(r"/lessons/tcp\?course=net-basics$"))
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Lesson 2 of 2")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as read.")
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(page.locator(".lesson header .badge")).to_have_text("◐ read")
    page.reload()  # the flash message is gone on reload: a clean page for the docs screenshot
    expect(page.get_by_role("status")).to_have_count(0)
    screenshot(page, "lesson", docs=True)

    page.get_by_role("link", name="Take the practice quiz (4 questions)").click()
    page.get_by_role("button", name="Start the quiz").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+\?course=net-basics$"))
    expect(page.locator("fieldset.question")).to_have_count(4)
    answer_tcp_quiz(page, wrong=True)
    screenshot(page, "quiz")
    page.get_by_role("button", name="Submit answers").click()

    expect(result_heading(page)).to_have_text("Your result: 25.0%")
    expect(page.locator("p.score")).to_contain_text("✗ Not passed yet — 1 of 4 points")
    items = page.locator(".results-list > li")
    expect(items).to_have_count(4)
    expect(page.get_by_role("heading", level=2, name=re.compile(r": Incorrect"))).to_have_count(3)
    expect(page.get_by_role("heading", level=2, name=re.compile(r": Correct"))).to_have_count(1)
    expect(items.filter(has_text=TRANSPORT)).to_contain_text("Incorrect")
    expect(items.filter(has_text=TRANSPORT).locator("dd").first).to_have_text("UDP")
    for explanation in ("Three messages open a connection.", "the TTL only limits hops", "HTTP/1.1 runs over TCP.",
                        "The client may send with its ACK after one round trip."):
        expect(page.locator(".explanation").filter(has_text=explanation)).to_have_count(1)
    screenshot(page, "result")

    page.get_by_role("button", name="Retake only the questions I missed").click()
    expect(page.locator(".lead")).to_contain_text("3 questions (the ones you missed last time; 1 correct answer carried over)")
    expect(page.locator("fieldset.question")).to_have_count(3)
    answer_ordering(page, HANDSHAKE, HANDSHAKE_ORDER)
    answer_choices(page, RELIABLE, RELIABLE_RIGHT, RELIABLE_ALL)
    answer_text(page, TRANSPORT, "Transmission Control Protocol")
    page.get_by_role("button", name="Submit answers").click()
    expect(result_heading(page)).to_have_text("Your result: 100.0%")
    expect(page.locator("p.score")).to_contain_text("✓ Passed — 4 of 4 points (including 1 carried over")
    expect(page.get_by_role("button", name="Retake only the questions I missed")).to_have_count(0)

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    stats = page.locator("ul.stats")
    expect(stats.locator("li").filter(has_text="quiz passed")).to_have_text("1 quiz passed")
    expect(stats.locator("li").filter(has_text="lesson completed")).to_have_text("1 lesson completed")
    expect(stats.locator("li").filter(has_text="questions answered")).to_have_text("7 questions answered")
    card = page.locator(".card").filter(has=page.get_by_role("link", name="Net Basics"))
    expect(card.get_by_role("progressbar", name="Net Basics progress")).to_have_attribute("value", "50")
    expect(card).to_contain_text("1 of 2 lessons completed · grade 100%")
    expect(card.get_by_role("link", name="How packets travel")).to_be_visible()  # the next lesson
    recent = page.get_by_role("region", name="Recent attempts").locator("tbody tr")
    expect(recent).to_have_count(2)
    screenshot(page, "dashboard", docs=True)


def test_visitor_tries_a_quiz_and_is_told_the_result_is_not_saved(page: Page):
    page.goto("/lessons/packets")
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    page.get_by_role("link", name="Take the practice quiz (2 questions)").click()
    expect(page).to_have_url(re.compile(r"/lessons/packets/quiz(\?course=net-basics)?$"))
    expect(page.locator(".notice")).to_contain_text("You are trying this quiz as a visitor: it will be graded but not saved.")
    answer_single(page, TTL, "Increments it")
    question(page, INDEPENDENT).get_by_label("True", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()

    expect(page).to_have_url(re.compile(r"/lessons/packets/quiz/try$"))
    expect(result_heading(page)).to_have_text("Your result: 50.0%")
    expect(page.locator(".notice")).to_contain_text("This result was not saved")
    expect(page.locator(".notice").get_by_role("link", name="Sign up")).to_have_attribute("href", "/signup")
    expect(page.get_by_role("heading", level=2, name=re.compile(r": Incorrect"))).to_have_count(1)
    expect(page.locator(".explanation").filter(has_text="Each hop decrements the TTL")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Retake"))).to_have_count(0)
    expect(page.get_by_role("link", name="Try again")).to_be_visible()


def test_header_search_finds_a_lesson_by_a_word_in_its_body(page: Page):
    page.goto("/")
    box = page.get_by_role("search").get_by_role("searchbox", name="Search lessons")
    box.fill("numbered")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=numbered$"))
    expect(page.get_by_role("status")).to_have_text("1 result for “numbered”")
    hit = page.locator("ol.results > li")
    expect(hit).to_have_count(1)
    expect(hit.get_by_role("link", name="TCP: reliable streams")).to_have_attribute("href", "/lessons/tcp?course=net-basics")
    # the snippet highlights the matched body word ("Every byte is numbered.")
    expect(hit.locator("mark").filter(has_text=re.compile(r"^numbered$"))).to_have_count(1)
    expect(hit.get_by_text("Every byte is numbered.")).to_be_visible()
    # the box keeps the query on the results page
    expect(page.locator("#site-q")).to_have_value("numbered")
    hit.get_by_role("link", name="TCP: reliable streams").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TCP: reliable streams")
