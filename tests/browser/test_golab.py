"""The Go lab in a real browser, under the app's real Content-Security-Policy, with the real sandbox:
open a lesson's quiz holding a Go exercise, type into the CodeMirror editor (Tab indents; Esc, then Tab,
leaves it), Run (static/js/golab.js: the JSON API, queued then polled) and see a failing visible test with
got/want, fix the code, Submit, see the grade. The code typed is saved as a draft and comes back on reload.
Any console error (a CSP violation, a script error) fails the test."""
from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import FIXTURE_PACK, served_pack, watched_page
from tests.browser.helpers import PASSWORD, new_email
from tests.golab_support import go_sandbox  # noqa: F401 - a fixture
from tests.test_golab_quiz import EXERCISE, SOLUTION

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def go_site(tmp_path_factory, go_sandbox):  # noqa: F811 - the fixture
    """The app with the fixture pack plus one Go exercise (lesson tcp), served with CSRF on."""
    root = tmp_path_factory.mktemp("go-site")
    pack = root / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    shutil.copytree(EXERCISE, pack / "go" / "tcp" / "sum-of-ints")
    (pack / "topics.yaml").write_text((pack / "topics.yaml").read_text() + "go: Go\n")
    with served_pack(root / "go.sqlite3", pack, "go-browser-secret") as url:
        yield url


@pytest.fixture
def go_page(browser: Browser, browser_context_args, go_site):
    with watched_page(browser, browser_context_args, go_site) as page:
        yield page


def test_type_run_fix_submit(go_page):
    page = go_page
    page.goto("/signup")
    page.get_by_label("Name").fill("Gopher")
    page.get_by_label("Email").fill(new_email("gopher"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.goto("/lessons/tcp/quiz")
    page.get_by_role("button", name=re.compile("Start")).first.click()

    exercise = page.locator(".golab")
    editor = exercise.locator(".cm-content")
    expect(editor).to_be_visible()
    expect(exercise.locator("textarea")).to_be_hidden()  # the editor replaced it on screen
    expect(exercise.locator(".go-source .highlight")).to_contain_text("func TestSumSmall")
    expect(exercise).to_contain_text("TestHiddenNegative")

    # Type: Tab indents inside the editor.
    editor.locator(".cm-line", has_text="// TODO").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("_ = xs")
    code = exercise.locator("textarea").input_value()
    assert "\t\t_ = xs" in code or "\t_ = xs" in code
    # Esc, then Tab, leaves the editor for the next control (the Run button).
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(exercise.get_by_role("button", name="Run tests")).to_be_focused()

    # Run: the starter's `return 0` fails TestSumSmall, with got/want.
    exercise.get_by_role("button", name="Run tests").click()
    output = exercise.locator(".go-run")
    expect(output.locator(".go-status")).to_have_text("Some tests fail", timeout=60_000)
    expect(output.locator("li.fail")).to_contain_text("TestSumSmall")
    expect(output.locator("li.fail .go-message")).to_contain_text("Sum([1 2 3]) = 0, want 6")
    expect(output.locator("li.pass")).to_contain_text("TestSumEmpty")

    # The draft is saved as the learner types: a reload shows the typed code.
    expect(exercise.locator(".go-saved")).to_contain_text("Draft saved", timeout=10_000)
    page.reload()
    expect(page.locator(".golab .cm-content")).to_contain_text("_ = xs")

    # Fix: select everything and paste the fixed file (a paste: no auto-indent or auto-closed braces), Run, Submit.
    exercise = page.locator(".golab")
    content = exercise.locator(".cm-content")
    content.click()
    page.keyboard.press("Control+a")
    content.evaluate("""(el, text) => {
      const data = new DataTransfer();
      data.setData("text/plain", text);
      el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""", SOLUTION)
    assert exercise.locator("textarea").input_value() == SOLUTION
    exercise.get_by_role("button", name="Run tests").click()
    expect(exercise.locator(".go-run .go-status")).to_have_text("All visible tests pass", timeout=60_000)

    page.get_by_role("button", name="Submit answers").last.click()
    # The quiz's other questions are unanswered: the summary lists them first, then the real submit.
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit the quiz?")
    page.get_by_role("button", name="Submit all and finish").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("result", timeout=60_000)
    expect(page.locator("main")).to_contain_text("All 4 tests pass.")
    assert "SECRET-HIDDEN-MESSAGE" not in page.content()


def test_editor_follows_dark_mode(go_page):
    page = go_page
    page.emulate_media(color_scheme="dark")
    page.goto("/lessons/tcp/quiz")
    editor = page.locator(".golab .cm-editor")
    expect(editor).to_be_visible()
    background = editor.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(40, 44, 52)", background  # one-dark
    page.emulate_media(color_scheme="light")
    expect(editor).not_to_have_css("background-color", "rgb(40, 44, 52)")
