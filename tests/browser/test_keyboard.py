"""Quizzes completed with the keyboard alone: Tab, Space, arrow keys, typing and Enter. No clicks,
no programmatic focus: every control is reached by tabbing, which also checks that the focus order
reaches every answer and that each focused control shows a focus ring (:focus-visible, an outline
of at least 3:1 contrast against its background)."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import HANDSHAKE_ORDER, RELIABLE_RIGHT, focused, result_heading, tab_to

pytestmark = pytest.mark.browser


def answer(kind: str) -> Callable[[dict], bool]:
    """An answer control of this input type: named q<question id> (not e.g. the optional
    confidence-<id> radios that follow each question)."""
    return lambda el: el["type"] == kind and re.fullmatch(r"q\d+", el["field"]) is not None


def test_tcp_quiz_by_keyboard_alone(page: Page):
    page.goto("/lessons/tcp")
    first = tab_to(page, lambda el: True, "the first focusable element", limit=1)
    assert first["name"] == "Skip to content", "the skip link should be the first Tab stop"
    tab_to(page, lambda el: el["name"].startswith("Take the practice quiz"), "the quiz link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/lessons/tcp/quiz(\?course=[\w-]+)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice quiz")

    # Ordering: each <select> (shuffled) is set with the arrow keys to its item's position.
    for _ in HANDSHAKE_ORDER:
        el = tab_to(page, lambda el: el["tag"] == "select", "an ordering select")
        item = el["name"].removeprefix("Position of: ")
        want = HANDSHAKE_ORDER.index(item) + 1
        current = int(el["value"] or 0)  # each select starts on the empty choice, just above 1
        key = "ArrowDown" if want > current else "ArrowUp"
        for _ in range(abs(want - current)):
            page.keyboard.press(key)
        assert focused(page)["value"] == str(want), f"{item!r} should be at position {want}"

    # Multiple choice: Space ticks the three right checkboxes (shown in shuffled order).
    ticked = []
    for _ in range(4):
        el = tab_to(page, answer("checkbox"), "a checkbox")
        if el["name"] in RELIABLE_RIGHT:
            page.keyboard.press("Space")
            assert focused(page)["checked"]
            ticked.append(el["name"])
    assert sorted(ticked) == sorted(RELIABLE_RIGHT)

    el = tab_to(page, answer("text"), "the short text answer")
    assert "HTTP/1.1" in el["prompt"]
    page.keyboard.type("tcp")
    el = tab_to(page, answer("text"), "the numeric answer")
    assert el["name"] == "Your answer (in RTT)"
    page.keyboard.type("1")
    page.keyboard.press("Enter")  # never submits the quiz (issue 14): the focus moves on instead
    expect(page).to_have_url(re.compile(r"/lessons/tcp/quiz(\?course=[\w-]+)?$"))
    assert focused(page)["field"] != "q" and focused(page)["name"] != "Your answer (in RTT)"
    tab_to(page, lambda el: el["tag"] == "button" and el["name"] == "Submit answers", "the submit button", limit=8)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/lessons/tcp/quiz/try$"))
    expect(result_heading(page)).to_have_text("Your result: 100.0%")
    expect(page.locator("p.score")).to_contain_text("✓ Passed — 4 of 4 points")
    expect(page.get_by_role("heading", level=2, name=re.compile(r": Correct"))).to_have_count(4)


def test_radio_quiz_by_keyboard_alone_in_dark_mode(page: Page):
    page.emulate_media(color_scheme="dark")
    page.goto("/lessons/packets/quiz")
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice quiz")

    # Single choice: Tab enters the group, ArrowDown moves and selects (wrapping round); the
    # options are shuffled per visit, so press until the right one is reached.
    el = tab_to(page, answer("radio"), "the first radio group")
    assert "TTL" in el["prompt"]
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        el = focused(page)
        if el["name"] == "Decrements it by one":
            break
    assert el["name"] == "Decrements it by one" and el["checked"]

    # True/false: Tab leaves the first group for the next answer group; Space selects the focused radio.
    el = tab_to(page, answer("radio"), "the true/false group", limit=5)
    assert "different paths" in el["prompt"] and el["name"] == "True"
    page.keyboard.press("Space")
    assert focused(page)["checked"]

    tab_to(page, lambda el: el["tag"] == "button" and el["name"] == "Submit answers", "the submit button", limit=5)
    page.keyboard.press("Enter")
    expect(result_heading(page)).to_have_text("Your result: 100.0%")
    expect(page.locator(".notice")).to_contain_text("This result was not saved")
