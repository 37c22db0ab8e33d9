"""Shared steps for the browser tests: accounts, answering the fixture pack's quizzes by visible
text (option ids are opaque and option order is shuffled), axe-core, screenshots."""
from __future__ import annotations

import itertools
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Callable

from playwright.sync_api import Locator, Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_users = itertools.count(1)


def new_email(prefix: str = "learner") -> str:
    """A fresh address per call: every test gets its own account on the shared server."""
    return f"{prefix}{next(_users)}-{os.getpid()}@example.com"


def sign_up(page: Page, name: str = "Ada", email: str | None = None) -> str:
    """Sign up through the real form (real CSRF token); ends logged in on the home page."""
    email = email or new_email()
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status").filter(has_text=f"Welcome, {name}!")).to_be_visible()
    return email


# ---- the fixture pack's quizzes ----------------------------------------------------------------

# tests/fixtures/pack/lessons/tcp.md
HANDSHAKE = "Put the steps of the three-way handshake in order."
HANDSHAKE_ORDER = ["Client sends SYN", "Server sends SYN-ACK", "Client sends ACK"]
RELIABLE = "Which mechanisms make a byte stream over IP reliable?"
RELIABLE_RIGHT = ["Sequence numbers", "Acknowledgements", "Retransmission"]
RELIABLE_ALL = [*RELIABLE_RIGHT, "The IP TTL"]
TRANSPORT = "Which transport protocol does HTTP/1.1 normally run on?"
RTT = "A handshake takes how many round trips before the client can send data?"
# tests/fixtures/pack/lessons/packets.md
TTL = "What does a router do to the TTL of a packet it forwards?"
INDEPENDENT = "Packets of one flow may take different paths."
# tests/fixtures/pack/lessons/rest.md (the sql question runs on datasets/shop: data.sql is what
# learners see, hidden.sql is the second dataset the grader also checks)
IDEMPOTENT = "Which method is idempotent?"
CUSTOMERS_SQL = "List the name of every customer who has at least one order"
CUSTOMERS_REFERENCE = ("SELECT c.name, COUNT(*) AS orders\nFROM customers c JOIN orders o ON o.customer_id = c.id\n"
                       "GROUP BY c.name")


def question(page: Page, prompt: str) -> Locator:
    return page.locator("fieldset.question").filter(has_text=prompt)


def answer_ordering(page: Page, prompt: str, order: list[str]) -> None:
    """Give each item (by its visible text) its position in `order`."""
    fieldset = question(page, prompt)
    for position, text in enumerate(order, start=1):
        fieldset.get_by_label(f"Position of: {text}", exact=True).select_option(str(position))


def answer_choices(page: Page, prompt: str, picked: list[str], all_choices: list[str]) -> None:
    fieldset = question(page, prompt)
    for text in all_choices:
        fieldset.get_by_label(text, exact=True).set_checked(text in picked)


def answer_single(page: Page, prompt: str, text: str) -> None:
    question(page, prompt).get_by_label(text, exact=True).check()


def answer_text(page: Page, prompt: str, value: str) -> None:
    question(page, prompt).get_by_role("textbox").fill(value)


def answer_tcp_quiz(page: Page, *, wrong: bool) -> None:
    """All four tcp questions; wrong=True gets all but the numeric one wrong."""
    if wrong:
        answer_ordering(page, HANDSHAKE, HANDSHAKE_ORDER[1:] + HANDSHAKE_ORDER[:1])  # none in place: 0 points
        answer_choices(page, RELIABLE, ["The IP TTL"], RELIABLE_ALL)
        answer_text(page, TRANSPORT, "UDP")
    else:
        answer_ordering(page, HANDSHAKE, HANDSHAKE_ORDER)
        answer_choices(page, RELIABLE, RELIABLE_RIGHT, RELIABLE_ALL)
        answer_text(page, TRANSPORT, "TCP")
    answer_text(page, RTT, "1")


def result_heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1, name=re.compile(r"^Your result: "))


# ---- the app's database (the live server runs in this process) --------------------------------

def schedule_cards(app, email: str, due_now: Callable[[str], bool] = lambda prompt_html: True) -> int:
    """Make the learner's review cards whose question prompt satisfies `due_now` due an hour ago,
    and all their other cards due tomorrow; returns how many are due now. Only the due dates
    move: FSRS state (stability, difficulty, step) stays as the quizzes left it."""
    import sqlalchemy as sa

    from learnpath.extensions import db
    from learnpath.models import ReviewCard, User
    from learnpath.review.services import now_utc

    now = now_utc()
    with app.app_context():
        try:
            user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
            assert user_id is not None, f"no user {email}"
            cards = db.session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user_id)).all()
            due = 0
            for card in cards:
                if due_now(card.question.prompt_html):
                    card.due, due = now - timedelta(hours=1), due + 1
                else:
                    card.due = now + timedelta(days=1)
            db.session.commit()
            return due
        finally:
            db.session.remove()


def review_answers(app, email: str) -> list[tuple[str, bool, str | None]]:
    """(question prompt html, correct, confidence) of the learner's review answers, oldest first."""
    import sqlalchemy as sa

    from learnpath.extensions import db
    from learnpath.models import Answer, Question, User

    with app.app_context():
        try:
            return [tuple(row) for row in db.session.execute(
                sa.select(Question.prompt_html, Answer.correct, Answer.confidence)
                .join(Question, Question.id == Answer.question_id).join(User, User.id == Answer.user_id)
                .where(User.email == email, Answer.attempt_id.is_(None)).order_by(Answer.id))]
        finally:
            db.session.remove()


# ---- the keyboard: where the focus is, and Tab until it is where a test wants it -------------

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // the question the control belongs to: a quiz's fieldset, or a result's item (its report form)
  const fieldset = el.closest('fieldset.question') || el.closest('li.result');
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


# ---- screenshots -------------------------------------------------------------------------------

def screenshot(page: Page, name: str, docs: bool = False) -> Path:
    """Full-page PNG in artifacts/screenshots/ (kept by CI). With docs=True also in
    docs/screenshots/ (committed, shown in the README), but only when the file is missing or
    UPDATE_DOCS_SCREENSHOTS=1: the pages show dates, so rewriting them on every run would churn."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    if docs:
        target = DOCS_SCREENSHOTS / f"{name}.png"
        if not target.exists() or os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return path


# ---- axe-core ----------------------------------------------------------------------------------

_AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
    summary: v.nodes.length ? v.nodes[0].failureSummary : '',
  }));
}"""


def axe_violations(page: Page, tags: list[str] = WCAG_TAGS) -> list[dict]:
    """Run axe-core (by default the WCAG 2.0/2.1 A and AA rules) on the current page. The page's context
    must have bypass_csp=True: the app's CSP (script-src 'self') blocks the inlined axe script."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(_AXE_RUN, tags)


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for target in v["targets"][:3]:
            lines.append(f"    at {target}")
        if v["summary"]:
            lines.extend(f"    {line}" for line in v["summary"].splitlines()[:4])
    return "\n".join(lines)
