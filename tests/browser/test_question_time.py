"""Time on each question in a real browser: quiz.js fills the hidden time-<id> fields while the page is
visible, stops while the tab is hidden, and the submit stores the times on the answers."""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from learnpath.extensions import db
from learnpath.models import Answer, Attempt
from tests.browser.helpers import sign_up

pytestmark = pytest.mark.browser

HIDDEN_MS = 3000

# Page Visibility as a browser tab switch reports it (headless chromium has no tabs to switch).
SET_VISIBILITY = """(state) => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => state === "hidden"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_the_quiz_page_measures_visible_time_and_the_submit_stores_it(page: Page, live_server):
    sign_up(page, name="Timer")
    page.goto("/lessons/tcp/quiz")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.locator("fieldset.question")).to_have_count(4)
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    started = time.monotonic()  # the page has loaded: it cannot have measured anything before this

    page.wait_for_timeout(1500)  # question 1 on screen, tab visible
    page.evaluate(SET_VISIBILITY, "hidden")
    page.wait_for_timeout(HIDDEN_MS)  # none of this may count
    page.evaluate(SET_VISIBILITY, "visible")
    page.wait_for_timeout(500)

    # "Submit answers" with nothing answered saves the page (and its times), then the summary submits.
    page.get_by_role("button", name="Submit answers").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/summary$"))
    elapsed_ms = (time.monotonic() - started) * 1000
    page.get_by_role("button", name="Submit all and finish").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    with live_server.app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "submitted"
        times = db.session.scalars(sa.select(Answer.time_ms).where(Answer.attempt_id == attempt_id).order_by(Answer.id)).all()
        db.session.remove()
    assert len(times) == 4 and None not in times, times  # every question's field was sent (0: never on screen)
    total = sum(times)
    # At least most of the 2 s visible (a loaded machine may start the script late), and never the hidden 3 s.
    assert 1500 <= total <= elapsed_ms - HIDDEN_MS, (times, elapsed_ms)
    assert max(times) > 0 and times[0] > 0  # question 1, at the top, was on screen the whole time
