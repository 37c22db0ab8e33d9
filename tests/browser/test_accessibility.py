"""axe-core (WCAG 2.0/2.1, levels A and AA) on the key pages, in light and dark color schemes.

Fails on any violation of impact "serious" or "critical" and prints, for each one, the rule id,
impact, help text and the first offending selectors. The contexts here use bypass_csp=True: the
app's Content-Security-Policy (script-src 'self') would block the inlined axe script.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import (
    HANDSHAKE, INDEPENDENT, TTL, answer_single, answer_tcp_quiz, axe_violations, describe_violations, question,
    result_heading, schedule_cards, sign_up,
)

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(13, 17, 23)"}  # --bg in app.css


@dataclass(frozen=True)
class Learner:
    """A learner with some history: packets passed, tcp read and failed once, a tcp retake open,
    review cards for all six questions answered."""
    storage_state: dict
    result_url: str
    quiz_url: str
    email: str
    app: object  # the live server's app, to move review cards' due dates


PATH_SLUG = "net-to-api"


def add_learning_path(app) -> None:
    """The fixture pack defines no learning path: add one (both courses) so /paths has a card
    with a progress bar and /paths/<slug> has steps."""
    import sqlalchemy as sa

    from learnpath.extensions import db
    from learnpath.models import Course, Path, PathCourse

    with app.app_context():
        try:
            if db.session.scalar(sa.select(Path).where(Path.slug == PATH_SLUG)) is None:
                courses = [db.session.scalar(sa.select(Course).where(Course.slug == slug))
                           for slug in ("net-basics", "api-course")]
                db.session.add(Path(slug=PATH_SLUG, title="From packets to APIs", summary="Networks first, then HTTP APIs.",
                                    position=0, steps=[PathCourse(course_id=c.id, position=i) for i, c in enumerate(courses)]))
                db.session.commit()
        finally:
            db.session.remove()


@pytest.fixture(scope="module")
def learner(browser: Browser, browser_context_args, live_server) -> Learner:
    add_learning_path(live_server.app)
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    email = sign_up(page, name="Grace")
    page.goto("/courses/net-basics")
    page.get_by_role("button", name="Start this course").click()
    expect(page.get_by_role("status")).to_contain_text("You are enrolled")

    page.goto("/lessons/packets?course=net-basics")
    page.get_by_role("button", name="Mark as read").click()
    page.get_by_role("link", name="Take the practice quiz (2 questions)").click()
    page.get_by_role("button", name="Start the quiz").click()
    answer_single(page, TTL, "Decrements it by one")
    question(page, INDEPENDENT).get_by_label("True", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(result_heading(page)).to_have_text("Your result: 100.0%")

    page.goto("/lessons/tcp?course=net-basics")
    page.get_by_role("button", name="Mark as read").click()
    page.get_by_role("link", name="Take the practice quiz (4 questions)").click()
    page.get_by_role("button", name="Start the quiz").click()
    answer_tcp_quiz(page, wrong=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(result_heading(page)).to_have_text("Your result: 25.0%")
    result_url = page.url
    page.get_by_role("button", name="Retake the quiz").click()  # left open: the "quiz in progress" page
    expect(page.locator("fieldset.question")).to_have_count(4)
    quiz_url = page.url
    state = context.storage_state()
    context.close()
    return Learner(storage_state=state, result_url=result_url, quiz_url=quiz_url, email=email, app=live_server.app)


def _signup_with_errors(page: Page) -> None:
    page.goto("/signup")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".field.has-error")).to_have_count(3)


def _visitor_result(page: Page) -> None:
    page.goto("/lessons/packets/quiz")
    answer_single(page, TTL, "Leaves it alone")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".notice")).to_contain_text("This result was not saved")


def _paths(page: Page) -> None:
    page.goto("/paths")
    expect(page.get_by_role("progressbar", name="From packets to APIs progress")).to_be_visible()


def _path(page: Page) -> None:
    page.goto(f"/paths/{PATH_SLUG}")
    expect(page.get_by_role("progressbar", name="Path progress")).to_be_visible()
    expect(page.locator("ol.path-steps > li")).to_have_count(2)


def _topic(page: Page) -> None:
    page.goto("/topics/tcp")
    expect(page.locator("main")).to_contain_text("Your level:")  # the learner's mastery of the topic


def _review_due(page: Page, learner: Learner) -> None:
    """/review showing a card: the handshake (ordering) question made due, the others not."""
    assert schedule_cards(learner.app, learner.email, lambda prompt: HANDSHAKE in prompt) == 1
    page.goto("/review")
    expect(page.locator("#review-form .prompt")).to_have_text(HANDSHAKE)
    expect(page.get_by_role("status")).to_contain_text("1 question due")


def _review_nothing_due(page: Page, learner: Learner) -> None:
    assert schedule_cards(learner.app, learner.email, lambda prompt: False) == 0
    page.goto("/review")
    expect(page.get_by_role("status")).to_have_text("Nothing is due right now.")


@dataclass(frozen=True)
class Target:
    logged_in: bool
    open: Callable[[Page, Learner], None]


PAGES = {
    # a learner's pages, with data
    "home": Target(True, lambda page, l: page.goto("/")),
    "course": Target(True, lambda page, l: page.goto("/courses/net-basics")),
    "lesson": Target(True, lambda page, l: page.goto("/lessons/tcp?course=net-basics")),
    "quiz": Target(True, lambda page, l: page.goto(l.quiz_url)),
    "quiz-start": Target(True, lambda page, l: page.goto("/lessons/packets/quiz?course=net-basics")),
    "result": Target(True, lambda page, l: page.goto(l.result_url)),
    "dashboard": Target(True, lambda page, l: page.goto("/dashboard")),
    "paths": Target(True, lambda page, l: _paths(page)),
    "path": Target(True, lambda page, l: _path(page)),
    "review-due": Target(True, _review_due),
    "review-nothing-due": Target(True, _review_nothing_due),
    "review-settings": Target(True, lambda page, l: page.goto("/review/settings")),
    "topic": Target(True, lambda page, l: _topic(page)),
    "account": Target(True, lambda page, l: page.goto("/account")),
    # a visitor's pages
    "login": Target(False, lambda page, l: page.goto("/login")),
    "signup": Target(False, lambda page, l: page.goto("/signup")),
    "signup-errors": Target(False, lambda page, l: _signup_with_errors(page)),
    "visitor-result": Target(False, lambda page, l: _visitor_result(page)),
    "search": Target(False, lambda page, l: page.goto("/search?q=tcp")),
    "quiz-sql": Target(False, lambda page, l: page.goto("/lessons/rest/quiz")),  # SQL exercise widgets
}


@pytest.fixture(scope="module")
def axe_pages(browser: Browser, browser_context_args, learner: Learner, axe_js):
    """One context (with bypass_csp) and one page per audience for the whole module. Each test
    navigates the shared page: a warm renderer injects and runs axe several times faster than a
    fresh page per test, which keeps this module's run time down as pages are added."""
    contexts = {
        True: browser.new_context(**browser_context_args, bypass_csp=True, storage_state=learner.storage_state),
        False: browser.new_context(**browser_context_args, bypass_csp=True),
    }
    yield {audience: context.new_page() for audience, context in contexts.items()}
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_axe_violations(name: str, axe_pages, learner: Learner):
    """One page load per page; axe runs on it in the light, then the dark color scheme."""
    target = PAGES[name]
    page = axe_pages[target.logged_in]
    target.open(page, learner)
    expect(page.locator("main h1")).to_be_visible()
    failures = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == BACKGROUND[scheme]
        violations = axe_violations(page)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        minor = [v for v in violations if v["impact"] not in BLOCKING]
        if minor:  # shown with -s or on failure; not failing
            print(f"{name} ({scheme}): minor/moderate axe findings:\n{describe_violations(minor)}")
        if blocking:
            failures.append(f"{scheme} color scheme: {len(blocking)} serious/critical violation(s)\n"
                            + describe_violations(blocking))
    assert not failures, f"axe (WCAG 2.0/2.1 A+AA) on {name} ({page.url}):\n" + "\n".join(failures)


def test_axe_harness_reports_violations(axe_pages):
    """The harness itself: a page with known problems must produce violations, or a silently
    broken injection would make every page pass."""
    page = axe_pages[False]
    page.set_content('<!doctype html><html lang="en"><title>t</title><body><main><h1>Broken</h1>'
                     '<p style="color:#bbb;background:#fff">low contrast</p><img src="data:,">'
                     '<input type="text"></main></body></html>')
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert {"color-contrast", "image-alt", "label"} <= set(found), found
    assert {found["color-contrast"], found["image-alt"], found["label"]} <= BLOCKING
