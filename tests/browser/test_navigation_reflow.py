"""The search, course-list, course, path and error pages at phone widths (320 and 390 px), light and
dark: nothing in their content reaches past the right edge (WCAG 2.2 SC 1.4.10) and axe-core finds
no serious or critical violation. The leave-course and Start buttons work in a real browser with the
real CSRF token.

Only the page's own content (<main>) is measured here: the signed-in header (410 px wide today) is
reworked into a menu, and the whole page measured on every page, by the global reflow test."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import axe_violations, describe_violations, sign_up
from tests.browser.test_accessibility import PATH_SLUG, add_learning_path

pytestmark = pytest.mark.browser

VISITOR_PAGES = [
    "/courses", "/courses?track=networking", "/courses/net-basics", "/search?q=tcp", "/search?q=the",
    "/search?q=zebra", "/paths", f"/paths/{PATH_SLUG}", "/nowhere", "/logout", "/search?q=tcp&page=0",
]
LEARNER_PAGES = ["/courses/net-basics", "/courses/api-course", f"/paths/{PATH_SLUG}"]
BLOCKING = {"serious", "critical"}
# The elements of <main> whose right edge is past the viewport's (what makes a page scroll sideways).
_PAST_THE_EDGE = """() => {
  const width = document.documentElement.clientWidth;
  return [document.querySelector('main'), ...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`);
}"""


@pytest.fixture(scope="module")
def learner_state(browser: Browser, browser_context_args, live_server) -> dict:
    """A learner enrolled in Net Basics (through its Start button), not in API Course."""
    add_learning_path(live_server.app)
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_up(page, name="Lin")
    page.goto("/courses/net-basics")
    page.get_by_role("button", name="Start this course").click()
    expect(page).to_have_url(re.compile(r"/lessons/packets\?course=net-basics$"))
    state = context.storage_state()
    context.close()
    return state


def _check(page, path: str) -> list[str]:
    page.goto(path)
    problems = []
    too_wide = page.evaluate(_PAST_THE_EDGE)
    if too_wide:
        problems.append(f"{path}: reaches past the right edge: {too_wide}")
    violations = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    if violations:
        problems.append(f"{path}:\n{describe_violations(violations)}")
    return problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 390])
def test_pages_reflow_at_phone_widths(browser: Browser, browser_context_args, learner_state, width, scheme):
    problems = []
    for state, paths in ((None, VISITOR_PAGES), (learner_state, LEARNER_PAGES)):
        context = browser.new_context(**{**browser_context_args, "viewport": {"width": width, "height": 800}},
                                      color_scheme=scheme, bypass_csp=True, storage_state=state)
        page = context.new_page()
        for path in paths:
            problems += _check(page, path)
        context.close()
    assert not problems, f"{width} px, {scheme}:\n" + "\n".join(problems)


def test_leave_and_rejoin_a_course_in_the_browser(browser: Browser, browser_context_args, learner_state):
    context = browser.new_context(**browser_context_args, storage_state=learner_state)
    page = context.new_page()
    page.goto("/courses/net-basics")
    expect(page.get_by_role("link", name="Start Net Basics")).to_have_attribute("href", "/lessons/packets?course=net-basics")
    page.get_by_role("button", name="Leave this course").click()
    expect(page.get_by_role("status")).to_contain_text("You left Net Basics.")
    page.get_by_role("button", name="Enroll again and continue").click()
    expect(page).to_have_url(re.compile(r"/lessons/packets\?course=net-basics$"))
    context.close()
