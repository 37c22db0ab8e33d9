"""Quizzes completed with the keyboard alone: Tab, Space, arrow keys, typing and Enter. No clicks,
no programmatic focus: every control is reached by tabbing, which also checks that the focus order
reaches every answer and that each focused control shows a focus ring (:focus-visible, an outline
of at least 3:1 contrast against its background)."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import HANDSHAKE_ORDER, RELIABLE_RIGHT, result_heading

pytestmark = pytest.mark.browser

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const fieldset = el.closest('fieldset.question');
  const style = getComputedStyle(el);
  // the color the focus ring (outline-offset: 2px) is drawn on: the nearest opaque background
  const behind = (node) => {
    for (; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (bg !== 'transparent' && !bg.endsWith(', 0)')) return bg;
    }
    return getComputedStyle(document.documentElement).backgroundColor;
  };
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', field: el.getAttribute('name') || '', value: el.value || '',
    checked: !!el.checked, name: el.getAttribute('aria-label') || (el.labels && el.labels.length
      ? el.labels[0].innerText.trim() : (el.innerText || '').trim()),
    prompt: fieldset?.querySelector('.prompt')?.innerText.trim() ?? '',
    focusVisible: el.matches(':focus-visible'),
    outline: [style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor],
    around: behind(el.parentElement),
  };
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(_FOCUSED)


def _luminance(css_color: str) -> float:
    r, g, b = (float(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", css_color)[:3])
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def assert_focus_ring(el: dict, what: str) -> None:
    """Visible focus (WCAG 2.4.7) with a ring of >= 3:1 against what it is drawn on (1.4.11)."""
    assert el["focusVisible"], f"focus on {what} is not visible (:focus-visible does not match)"
    style, width, color = el["outline"]
    assert style != "none" and width >= 2, f"focus on {what} has no outline ({el['outline']})"
    ratio = contrast(color, el["around"])
    assert ratio >= 3, f"focus ring on {what}: {color} on {el['around']} is {ratio:.2f}:1, below 3:1"


def answer(kind: str) -> Callable[[dict], bool]:
    """An answer control of this input type: named q<question id> (not e.g. the optional
    confidence-<id> radios that follow each question)."""
    return lambda el: el["type"] == kind and re.fullmatch(r"q\d+", el["field"]) is not None


def tab_to(page: Page, wanted: Callable[[dict], bool], what: str, limit: int = 30) -> dict:
    """Press Tab until the focused element satisfies `wanted`; fail after `limit` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        el = focused(page)
        if el is None:
            continue
        seen.append(f"{el['tag']}[{el['type']}] {el['name']!r}")
        if wanted(el):
            assert_focus_ring(el, what)
            return el
    raise AssertionError(f"Tab never reached {what}; focus went through:\n  " + "\n  ".join(seen))


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
