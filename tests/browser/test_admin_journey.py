"""Issue 18's "done when", in a real browser: the admin console used the way an operator uses it.

An admin made on the command line (`flask users create-admin`, through click's runner with the
password on stdin) logs in through the form, opens Admin from the menu, finds a learner, mails
them a reset link (it lands in the outbox), disables the account (the learner's open session ends
and the login form refuses them) and enables it again. Then a learner reports a problem under a
question of a quiz result, the admin finds that question flagged by item analysis (seeded here: a
cohort of first attempts that all miss it) with its statistics and its line in the content pack,
resolves the report with a note in the triage queue, and the learner reads "Resolved" and the note
on their account page. The report and the resolution are done with the keyboard alone.

The app is this module's own (served like every browser test's, on a fresh SQLite database with the
fixture pack), so the seeded cohort and the admin never meet the other tests' learners; any
unhandled exception while it serves, and any console error in the pages, fails the test.
"""
from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email import policy
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import got_request_exception
from playwright.sync_api import Browser, Page, expect

from learnpath import mail
from learnpath.extensions import db
from tests.browser.conftest import FIXTURE_PACK, ConsoleWatch, app_with_pack, serving, watched_page
from tests.browser.helpers import PASSWORD, TTL, focused, screenshot, sign_up, tab_to

pytestmark = pytest.mark.browser

ADMIN_EMAIL, ADMIN_NAME = "olive.ops@example.com", "Olive Ops"
COHORT = 12  # first attempts that miss the TTL question: more than the 10 item analysis needs to flag it
TTL_WRONG, TTL_RIGHT = "Increments it", "Decrements it by one"
PACKETS_FILE = "lessons/packets.md"
# Every first attempt missed it, and with the same wrong choice, the top third's favourite.
FLAGS = "facility < 0.2 strong learners prefer a wrong choice"
TTL_LINE = next(number for number, line in enumerate((FIXTURE_PACK / PACKETS_FILE).read_text().splitlines(), start=1)
                if line.strip() == "- id: ttl")


@dataclass
class Console:
    url: str
    app: object
    errors: list[BaseException] = field(default_factory=list)


def _create_admin_on_the_command_line(app) -> None:
    """`flask users create-admin`, the password piped in on stdin as a script would."""
    result = app.test_cli_runner().invoke(args=["users", "create-admin", ADMIN_EMAIL, "--name", ADMIN_NAME],
                                          input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert f"Created the admin account {ADMIN_EMAIL}" in result.output


def _seed_cohort(app) -> None:
    """COHORT learners, each with one submitted first attempt at the packets quiz: all miss the TTL
    question (the same wrong choice), half get the true/false one right. Written by the quiz service
    the pages use, so item analysis reads the same rows a real cohort leaves."""
    from learnpath.models import Lesson, User
    from learnpath.quiz import services as quiz

    with app.app_context():
        try:
            lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "packets"))
            for n in range(COHORT):
                user = User(email=f"cohort{n}@example.com", name=f"Cohort learner {n}")
                user.set_password(PASSWORD)
                db.session.add(user)
                db.session.commit()
                attempt, _ = quiz.start_attempt(user.id, lesson)
                by_key = {q.key: q for q in quiz.attempt_questions(attempt)}
                quiz.submit(attempt, {by_key["ttl"].id: "inc", by_key["independent"].id: n % 2 == 0})
        finally:
            db.session.remove()


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    app = app_with_pack(tmp_path_factory.mktemp("admin-db") / "admin.sqlite3", FIXTURE_PACK, "admin-browser-secret")
    _create_admin_on_the_command_line(app)
    _seed_cohort(app)
    served = Console(url="", app=app)

    def record(sender, exception, **extra):
        served.errors.append(exception)

    got_request_exception.connect(record, app)
    with serving(app) as url:
        served.url = url
        yield served
    got_request_exception.disconnect(record, app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_console_app_errors(console):
    console.errors.clear()
    yield
    assert not console.errors, f"the app raised while serving the browser: {console.errors!r}"


def log_in(page: Page, email_address: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email_address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")


def outbox(app) -> list[email.message.EmailMessage]:
    folder = mail.outbox_path(app)
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def count_learners(app) -> int:
    """Accounts with the learner role (the cohort, and whoever the tests signed up so far)."""
    from learnpath.models import User

    with app.app_context():
        try:
            return db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "learner"))
        finally:
            db.session.remove()


def flash(page: Page):
    """The flashed message (a role=status paragraph; a quiz result's score is another status)."""
    return page.locator("main p.flash[role=status]")


def admin_section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name=name).click()


# ---- learners: find, reset link, disable, enable ----------------------------------------------------

def test_admin_from_the_command_line_finds_a_learner_mails_a_reset_link_disables_and_enables(
        browser: Browser, browser_context_args, console: Console):
    learner_email = "grace.hopper@example.com"
    refused = ConsoleWatch()
    # Chromium logs a page served with an error status (the login form's 403 for a disabled account)
    # as "Failed to load resource"; that one message is expected, and asserted on below.
    refused.allow(r"console\.error: Failed to load resource: the server responded with a status of 403 "
                  rf"\(FORBIDDEN\) \({re.escape(console.url)}/login(\?\S*)?\)")
    with watched_page(browser, browser_context_args, console.url, refused) as learner, \
            watched_page(browser, browser_context_args, console.url) as admin:
        sign_up(learner, name="Grace Hopper", email=learner_email)

        log_in(admin, ADMIN_EMAIL)
        main_menu = admin.get_by_role("navigation", name="Main")
        expect(main_menu.get_by_role("link", name=ADMIN_NAME)).to_be_visible()
        main_menu.get_by_role("link", name="Admin").click()
        expect(admin).to_have_url(re.compile(r"/admin/$"))
        expect(admin.get_by_role("heading", level=1)).to_have_text("Admin")
        stats = admin.locator("ul.stats")
        expect(stats.locator("li").filter(has_text="admin")).to_have_text("1 admin")
        expect(stats.locator("li").filter(has_text="learners")).to_have_text(f"{count_learners(console.app)} learners")
        # The command line's own entry in the audit log.
        expect(admin.get_by_role("row").filter(has_text="create-admin")).to_contain_text("command line")

        admin_section(admin, "Learners")
        expect(admin.get_by_role("heading", level=1)).to_have_text("Learners")
        search = admin.get_by_role("search")
        search.get_by_label("Email or name").fill("hopper")
        search.get_by_role("button", name="Search").click()
        expect(admin).to_have_url(re.compile(r"/admin/learners\?q=hopper&"))
        expect(admin.locator("main p.meta")).to_have_text("1 account matching “hopper”.")
        rows = admin.locator("main table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text("Grace Hopper")
        rows.get_by_role("link", name=learner_email).click()

        expect(admin.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
        expect(admin.locator("p.lead")).to_have_text(learner_email)
        screenshot(admin, "admin-learner")

        # A reset link, mailed (no MAIL_SERVER: it lands in the app's outbox), that opens the reset form.
        assert outbox(console.app) == []
        admin.get_by_role("button", name="Send a password-reset link").click()
        expect(flash(admin)).to_have_text(f"A password-reset link was mailed to {learner_email}.")
        [message] = outbox(console.app)
        assert message["To"] == learner_email and message["Subject"] == "Reset your learnpath password"
        [link] = re.findall(r"https?://\S+/password/reset/\S+", message.get_content())
        learner.goto(urlsplit(link).path)
        expect(learner.get_by_role("heading", level=1)).to_have_text("Choose a new password")

        # Disabling ends the learner's open session at once and the login form refuses them ...
        admin.get_by_role("button", name="Disable the account").click()
        expect(flash(admin)).to_have_text(f"{learner_email} is disabled: every session and token has ended.")
        expect(admin.locator("p.lead .badge")).to_contain_text("disabled since")
        expect(admin.get_by_role("button", name="Disable the account")).to_have_count(0)
        learner.goto("/account")
        expect(learner).to_have_url(re.compile(r"/login\?next=%2Faccount$"))
        expect(flash(learner)).to_have_text("Log in to continue.")
        learner.get_by_label("Email").fill(learner_email)
        learner.get_by_label("Password").fill(PASSWORD)
        with learner.expect_response(lambda r: urlsplit(r.url).path == "/login" and r.request.method == "POST") as posted:
            learner.get_by_role("button", name="Log in").click()
        assert posted.value.status == 403
        expect(learner.locator("main")).to_contain_text(
            "This account is disabled. Ask the people who run this site to enable it again.")
        assert len(refused.tolerated) == 1, refused.tolerated

        # ... and enabling lets them in again, with the password they had.
        admin.get_by_role("button", name="Enable the account").click()
        expect(flash(admin)).to_have_text(f"{learner_email} can log in again.")
        expect(admin.locator("p.lead .badge")).to_have_count(0)
        log_in(learner, learner_email)
        learner.goto("/account")
        expect(learner.get_by_role("heading", level=1)).to_have_text("Your account")

        # Every action is in the audit log on the console's front page, newest first, with who did it.
        admin_section(admin, "Admin")
        audit = admin.get_by_role("table").locator("tbody tr")
        expect(audit.locator("td:nth-child(3)")).to_have_text(["enable", "disable", "send-reset-link", "create-admin"])
        for row in range(3):
            expect(audit.nth(row).locator("td:nth-child(2)")).to_have_text(ADMIN_EMAIL)
            expect(audit.nth(row).locator("td:nth-child(4)")).to_have_text(learner_email)


# ---- questions: a report, item analysis, triage, and the learner's answer ---------------------------

def test_learner_reports_a_flagged_question_and_sees_the_admins_resolution(
        browser: Browser, browser_context_args, console: Console):
    learner_email = "linus.report@example.com"
    comment = "Does the last router before the host count as forwarding?"
    note = "Yes: every router that forwards it, the last one too. The prompt now says so."
    with watched_page(browser, browser_context_args, console.url) as learner, \
            watched_page(browser, browser_context_args, console.url) as admin:
        sign_up(learner, name="Linus", email=learner_email)
        learner.goto("/lessons/packets")
        learner.get_by_role("link", name="Take the practice quiz (2 questions)").click()
        learner.get_by_role("button", name="Start the quiz").click()
        expect(learner).to_have_url(re.compile(r"/attempts/\d+"))
        result_path = urlsplit(learner.url).path
        ttl = learner.locator("fieldset.question").filter(has_text=TTL)
        ttl.get_by_label(TTL_WRONG, exact=True).check()
        learner.locator("fieldset.question").filter(has_text="different paths").get_by_label("True", exact=True).check()
        learner.get_by_role("button", name="Submit answers").click()
        expect(learner.get_by_role("heading", level=1)).to_have_text("Your result: 50.0%")

        # The report, keyboard only: Tab to the TTL question's "Report a problem", Enter opens it,
        # the arrow key picks a reason, type the comment, Tab to the button, Enter sends.
        item = learner.locator("li.result").filter(has_text=TTL)
        expect(item.locator("details.report-problem")).not_to_have_attribute("open", "")
        tab_to(learner, lambda el: el["tag"] == "summary" and TTL in el["prompt"],
               "the TTL question's “Report a problem”", limit=60)
        learner.keyboard.press("Enter")
        expect(item.locator("details.report-problem")).to_have_attribute("open", "")
        el = tab_to(learner, lambda el: el["type"] == "radio", "the first reason", limit=3)
        assert el["name"] == "The marked answer is wrong" and not el["checked"]
        learner.keyboard.press("ArrowDown")
        el = focused(learner)
        assert el["name"] == "The question is unclear" and el["checked"], el
        tab_to(learner, lambda el: el["tag"] == "textarea", "the comment", limit=2)
        learner.keyboard.type(comment)
        tab_to(learner, lambda el: el["tag"] == "button" and el["name"] == "Send the report", "the send button", limit=2)
        learner.keyboard.press("Enter")
        expect(learner).to_have_url(re.compile(rf"{re.escape(result_path)}$"))  # back where the learner was
        expect(flash(learner)).to_have_text(
            "Thank you: your report was sent. You can follow it on your account page.")

        learner.goto("/account")
        reports = learner.locator("#reports + p + .table-scroll tbody tr")
        expect(reports).to_have_count(1)
        expect(reports.locator("td")).to_have_text([
            re.compile(r"\d{4}-\d\d-\d\d"), "How packets travel, question “ttl”", "The question is unclear",
            "Open: waiting for a look"])

        # Item analysis: the TTL question is flagged (every first attempt missed it), with its figures,
        # its open report and the line of the content pack to fix.
        log_in(admin, ADMIN_EMAIL)
        admin.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
        admin_section(admin, "Questions")
        expect(admin.get_by_role("heading", level=1)).to_have_text("Item analysis")
        admin.get_by_role("link", name=re.compile(r"^Flagged only \(\d+\)$")).click()
        expect(admin).to_have_url(re.compile(r"/admin/questions\?flagged=1$"))
        flagged = admin.locator("table.item-table tbody tr").filter(has=admin.get_by_role("link", name="packets/ttl"))
        expect(flagged).to_have_count(1)
        attempts = COHORT + 1  # the cohort and this learner's first attempt
        # Median time: one timed answer, this learner's (the cohort answered through the API, untimed).
        expect(flagged.locator("td")).to_have_text([
            "packets/ttl 1 open report", TTL, str(attempts), "0.0", "—", "—", re.compile(r"^\S.* \(1\)$"), FLAGS,
            f"{PACKETS_FILE}:{TTL_LINE}"], use_inner_text=True)
        screenshot(admin, "admin-questions-flagged")
        flagged.get_by_role("link", name="packets/ttl").click()

        expect(admin.get_by_role("heading", level=1)).to_have_text("packets/ttl")
        expect(admin.locator("p.meta code").first).to_have_text(f"{PACKETS_FILE}:{TTL_LINE}")
        figures = admin.locator("dl.stats")
        for term, value in (("First attempts that held it", str(attempts)), ("Facility (mean mark, 0–1)", "0.0"),
                            ("Flags", FLAGS)):
            expect(figures.locator(f"dt:text-is('{term}') + dd")).to_have_text(value)
        choices = admin.locator("table tbody tr")
        expect(choices.filter(has_text=TTL_WRONG).locator("td")).to_have_text(
            [f"{TTL_WRONG} (inc)", "", str(attempts), "100.0%", re.compile(r"\d+")])
        expect(choices.filter(has_text=TTL_RIGHT).locator("td").nth(1)).to_have_text("✓ correct")
        expect(admin.locator("main")).to_contain_text("The question is unclear · open")

        # Triage: resolve with a note, keyboard only from the note to the button.
        admin_section(admin, "Reports")
        expect(admin.get_by_role("heading", level=1)).to_have_text("Problem reports")
        report = admin.locator("ol.report-queue > li").filter(has_text=learner_email)
        expect(report).to_have_count(1)
        expect(report.get_by_role("heading", level=2)).to_have_text(
            re.compile(r"^#\d+ · packets/ttl · The question is unclear · open$"))
        expect(report.locator("blockquote")).to_have_text(comment)
        expect(report.locator("p.meta code")).to_have_text(f"{PACKETS_FILE}:{TTL_LINE}")
        report_id = report.get_attribute("id").removeprefix("report-")
        tab_to(admin, lambda el: el["tag"] == "textarea" and el["field"] == "note" and
               admin.evaluate("document.activeElement.id") == f"note-{report_id}", "the report's note", limit=60)
        admin.keyboard.type(note)
        tab_to(admin, lambda el: el["tag"] == "button" and el["name"] == "Resolve", "Resolve", limit=2)
        admin.keyboard.press("Enter")
        expect(flash(admin)).to_have_text(f"Report {report_id} resolved.")
        resolved = admin.locator(f"#report-{report_id}")
        expect(resolved.locator(".tag")).to_have_text("resolved")
        expect(resolved).to_contain_text(note)
        expect(resolved.locator("form")).to_have_count(0)
        screenshot(admin, "admin-reports-resolved")

        learner.reload()
        expect(reports.locator("td").nth(3)).to_have_text(f"Resolved — {note}")
