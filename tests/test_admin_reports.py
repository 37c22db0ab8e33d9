"""Report a problem: the form under answered questions, validation, rate limit, idempotency under
concurrency, the admin triage queue, the learner's account page, closing on import, and the admin API."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from learnpath.admin import reports
from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db
from learnpath.models import AuditEntry, Question, QuestionReport, User
from learnpath.quiz import services
from tests.conftest import FIXTURE_PACK, api_token
from tests.test_admin_items import add_attempt, build_fixture, make_user, questions_of
from tests.test_quiz import _answers, _start


def _question(slug: str, key: str) -> int:
    return questions_of(slug)[key].id


def _answered(app, email="ada@example.com") -> tuple[int, int]:
    """(user id, tcp/reliable id) for a learner with a submitted tcp attempt."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        add_attempt(user, "tcp", {"handshake": 1, "reliable": 0, "port": 1, "rtt": 1})
        db.session.commit()
        return user.id, _question("tcp", "reliable")


def _promote(app, email: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(role="admin"))
        db.session.commit()


def test_result_page_offers_the_form_and_a_report_is_stored_with_the_revision(app, client, auth):
    auth.signup()
    attempt_id = _start(client, "tcp")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    with app.app_context():
        qid = _question("tcp", "reliable")
        revision = db.session.get(Question, qid).revision
    assert page.count("Report a problem with this question") == 4
    assert f'action="/questions/{qid}/report"' in page
    response = client.post(f"/questions/{qid}/report", data={"reason": "unclear", "comment": " Which stream? ",
                                                            "next": f"/attempts/{attempt_id}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt_id}"
    assert "your report was sent" in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    with app.app_context():
        [report] = db.session.scalars(sa.select(QuestionReport)).all()
        assert (report.question_id, report.revision, report.reason, report.comment, report.status) == (
            qid, revision, "unclear", "Which stream?", "open")
    account = client.get("/account").get_data(as_text=True)
    assert "Problem reports" in account and "Open: waiting for a look" in account and "The question is unclear" in account


def test_visitor_result_has_no_report_form(client, app):
    with app.app_context():
        ttl = db.session.get(Question, _question("packets", "ttl"))
        key = next(c["id"] for c in ttl.spec["choices"] if c["correct"])
        answer = services.public_id(ttl.id, key)
    page = client.post("/lessons/packets/quiz/try", data={f"q{ttl.id}": answer}).get_data(as_text=True)
    assert "Your result" in page and "Report a problem" not in page


@pytest.mark.parametrize("data, message", [
    ({"reason": "other", "comment": "   "}, "a comment is required"),
    ({"reason": "typo", "comment": "x" * 1001}, "1000 characters"),
    ({"reason": "because", "comment": ""}, "Not a valid choice"),
    ({"comment": "no reason"}, "Choose what is wrong"),
])
def test_bad_reports_are_refused_with_the_reason(app, client, auth, data, message):
    auth.signup()
    _, qid = _answered(app)
    response = client.post(f"/questions/{qid}/report", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionReport)) == 0


def test_only_answered_questions_can_be_reported(app, client, auth):
    assert client.post("/questions/1/report", data={"reason": "typo"}).status_code == 302  # to the login page
    auth.signup()
    with app.app_context():
        qid = _question("packets", "ttl")
    assert client.post(f"/questions/{qid}/report", data={"reason": "typo"}).status_code == 404
    assert client.post("/questions/999999/report", data={"reason": "typo"}).status_code == 404


def test_an_offsite_next_is_not_followed(app, client, auth):
    auth.signup()
    _, qid = _answered(app)
    response = client.post(f"/questions/{qid}/report", data={"reason": "typo", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/account#reports"


def test_reporting_twice_keeps_one_open_report(app, client, auth):
    auth.signup()
    _, qid = _answered(app)
    client.post(f"/questions/{qid}/report", data={"reason": "typo"})
    again = client.post(f"/questions/{qid}/report", data={"reason": "wrong_key"}, follow_redirects=True)
    assert "already reported this question" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(QuestionReport.reason)).all() == ["typo"]


def test_concurrent_reports_of_one_revision_store_one(app, auth):
    auth.signup()
    user_id, qid = _answered(app)
    barrier = threading.Barrier(6)
    outcomes, errors = [], []

    def send():
        try:
            with app.app_context():
                barrier.wait()
                outcomes.append(reports.file_report(user_id, qid, "typo", "").created)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(repr(exc))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == [False] * 5 + [True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionReport)) == 1


def test_reports_are_rate_limited_per_learner(app, auth):
    auth.signup()
    user_id, qid = _answered(app)
    with app.app_context():
        for _ in range(reports.RATE_LIMIT):
            reports.file_report(user_id, qid, "typo", "")
        with pytest.raises(reports.ReportError) as refused:
            reports.file_report(user_id, qid, "typo", "")
    assert refused.value.status == 429 and refused.value.retry_after > 0


def test_rate_limit_answer_on_the_form(app, client, auth):
    auth.signup()
    _, qid = _answered(app)
    for _ in range(reports.RATE_LIMIT):
        client.post(f"/questions/{qid}/report", data={"reason": "typo"})
    response = client.post(f"/questions/{qid}/report", data={"reason": "typo"})
    assert response.status_code == 429 and "reports in the last hour" in response.get_data(as_text=True)


def test_admin_pages_are_404_for_learners_and_visitors(app, client, auth):
    for path in ("/admin/questions", "/admin/questions/1", "/admin/reports"):
        assert client.get(path).status_code == 404
    assert client.post("/admin/reports/1", data={"action": "resolve"}).status_code == 404
    auth.signup()
    for path in ("/admin/questions", "/admin/questions/1", "/admin/reports"):
        assert client.get(path).status_code == 404
    assert client.post("/admin/reports/1", data={"action": "resolve"}).status_code == 404


def test_admin_resolves_a_report_and_the_learner_sees_it(app, client, auth):
    auth.signup()
    _, qid = _answered(app)
    client.post(f"/questions/{qid}/report", data={"reason": "wrong_key", "comment": "TTL is not it"})
    auth.logout()
    auth.signup(email="boss@example.com", name="Boss")
    _promote(app, "boss@example.com")
    queue = client.get("/admin/reports").get_data(as_text=True)
    assert "tcp/reliable" in queue and "TTL is not it" in queue and "ada@example.com" in queue and "tcp.md:36" in queue
    with app.app_context():
        report_id = db.session.scalar(sa.select(QuestionReport.id))
    assert client.post(f"/admin/reports/{report_id}", data={"action": "explode"}).status_code == 302
    response = client.post(f"/admin/reports/{report_id}", data={"action": "resolve", "note": "Fixed the wording."},
                           follow_redirects=True)
    assert f"Report {report_id} resolved" in response.get_data(as_text=True)
    again = client.post(f"/admin/reports/{report_id}", data={"action": "dismiss"}, follow_redirects=True)
    assert "is not open" in again.get_data(as_text=True)
    with app.app_context():
        report = db.session.get(QuestionReport, report_id)
        assert (report.status, report.note) == ("resolved", "Fixed the wording.")
        [entry] = db.session.scalars(sa.select(AuditEntry)).all()
        assert entry.action == "report.resolve" and entry.target == f"report {report_id} on tcp/reliable"
    index = client.get("/admin/").get_data(as_text=True)
    assert "report.resolve" in index and 'href="/admin/questions?flagged=1"' in index and 'href="/admin/reports?status=open"' in index
    auth.logout()
    auth.login()
    account = client.get("/account").get_data(as_text=True)
    assert "Resolved" in account and "Fixed the wording." in account


def test_open_reports_come_first_in_the_queue(app, auth):
    auth.signup()
    user_id, qid = _answered(app)
    with app.app_context():
        handshake = _question("tcp", "handshake")
        first = reports.file_report(user_id, qid, "typo", "").report.id
        second = reports.file_report(user_id, handshake, "unclear", "").report.id
        admin = make_user("Root", role="admin")
        db.session.commit()
        reports.close(first, "dismiss", "", admin.id)
        assert [r.id for r in reports.queue()] == [second, first]
        assert [r.id for r in reports.queue("dismissed")] == [first]


def test_an_import_that_edits_a_question_closes_its_open_reports(app, auth, pack_copy):
    auth.signup()
    user_id, qid = _answered(app)
    with app.app_context():
        handshake = _question("tcp", "handshake")
        reports.file_report(user_id, qid, "typo", "")
        reports.file_report(user_id, handshake, "typo", "")
    lesson = pack_copy / "lessons" / "tcp.md"
    lesson.write_text(lesson.read_text().replace("Which mechanisms make", "Which mechanisms, exactly, make"))
    with app.app_context():
        upgrade()
        result = import_pack(load_pack(pack_copy))
        assert result.reports_closed == 1 and "closed 1 problem reports" in result.summary()
        by_question = {r.question_id: r for r in db.session.scalars(sa.select(QuestionReport))}
        assert (by_question[qid].status, by_question[qid].note) == ("edited", "question edited")
        assert by_question[handshake].status == "open"
        # The edited question can be reported again: a new revision, a new report.
        assert reports.file_report(user_id, qid, "typo", "").created


def test_reimport_fills_question_lines_left_empty_by_the_migration(app):
    with app.app_context():
        db.session.execute(sa.update(Question).values(source_line=None))
        db.session.commit()
        import_pack(load_pack(FIXTURE_PACK))
        assert db.session.scalar(sa.select(Question.source_line).where(Question.id == _question("tcp", "reliable"))) == 36


def test_admin_item_pages_show_flags_statistics_and_pack_location(app, client, auth):
    with app.app_context():
        build_fixture()
    auth.signup(email="boss@example.com", name="Boss")
    _promote(app, "boss@example.com")
    app.config["ITEM_ANALYSIS_MIN_ATTEMPTS"] = 6
    page = client.get("/admin/questions?flagged=1").get_data(as_text=True)
    assert "tcp/port" in page and "tcp/rtt" in page and "tcp/reliable" not in page
    assert "tcp.md:47" in page and "discrimination ≤ 0" in page and "first submitted attempt" in page
    assert "0.27" in page  # α of the tcp quiz, 0.266667 (tests/test_admin_items.py)
    full = client.get("/admin/questions").get_data(as_text=True)
    assert full.index("tcp/port") < full.index("tcp/reliable")  # flagged first
    with app.app_context():
        qid = _question("tcp", "reliable")
    detail = client.get(f"/admin/questions/{qid}").get_data(as_text=True)
    assert "70.7" in detail and "100.0" in detail and "50.0%" in detail and "33.3%" in detail  # DI, DE, shares
    assert client.get("/admin/questions?page=x").status_code == 400
    assert client.get("/admin/reports?status=nope").status_code == 400
    assert client.get("/admin/questions/99999999999").status_code == 404


def test_admin_api_is_404_for_everyone_but_admins(app, client):
    learner = {"Authorization": f"Bearer {api_token(client)}"}
    for path in ("/api/v1/admin/questions?flagged=1", "/api/v1/admin/reports?status=open"):
        assert client.get(path).status_code == 404
        assert client.get(path, headers=learner).status_code == 404


def test_admin_api_lists_flagged_questions_and_reports(app, client):
    token = api_token(client, email="boss@example.com")
    headers = {"Authorization": f"Bearer {token}"}
    _promote(app, "boss@example.com")
    with app.app_context():
        users = build_fixture()
        reliable = _question("tcp", "reliable")
        reports.file_report(users["C"].id, reliable, "wrong_key", "ttl?")
    app.config["ITEM_ANALYSIS_MIN_ATTEMPTS"] = 6
    body = client.get("/api/v1/admin/questions?flagged=1", headers=headers).get_json()
    flagged = {q["key"]: q for q in body["questions"]}
    assert set(flagged) == {"port", "rtt"}
    assert flagged["port"]["flags"] == ["not_discriminating"]
    assert flagged["port"]["discrimination_index"] == pytest.approx(-19.2450, abs=5e-5)
    assert flagged["port"]["discriminative_efficiency"] == pytest.approx(-20.0, abs=5e-5)
    assert flagged["port"]["location"] == {"file": flagged["port"]["location"]["file"], "line": 47}
    assert flagged["port"]["location"]["file"].endswith("lessons/tcp.md")
    assert [q for q in body["quizzes"] if q["lesson"] == "tcp"][0]["alpha"] == pytest.approx(0.266667, abs=5e-6)
    assert client.get("/api/v1/admin/questions?flagged=maybe", headers=headers).status_code == 400
    listed = client.get("/api/v1/admin/reports?status=open", headers=headers).get_json()["reports"]
    assert [(r["question_key"], r["reason"], r["user"]["email"]) for r in listed] == [("reliable", "wrong_key", "c@example.com")]
    assert client.get("/api/v1/admin/reports?status=closed", headers=headers).status_code == 400


def test_learner_api_files_a_report_once(app, client):
    token = api_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    _, qid = _answered(app, email="api@example.com")
    first = client.post(f"/api/v1/questions/{qid}/reports", json={"reason": "typo"}, headers=headers)
    assert first.status_code == 201 and first.get_json()["report"]["status"] == "open"
    again = client.post(f"/api/v1/questions/{qid}/reports", json={"reason": "typo"}, headers=headers)
    assert again.status_code == 200 and again.get_json()["created"] is False
    bad = client.post(f"/api/v1/questions/{qid}/reports", json={"reason": "other"}, headers=headers)
    assert bad.status_code == 400 and "comment is required" in bad.get_json()["error"]["message"]
    assert client.post("/api/v1/questions/99999/reports", json={"reason": "typo"}, headers=headers).status_code == 404


def test_review_result_offers_the_form(app, client, auth):
    from datetime import timedelta

    from learnpath.models import ReviewCard
    from learnpath.review import services as review
    from tests.test_admin_items import T0

    auth.signup()
    with app.app_context():
        learner = db.session.scalar(sa.select(User.id))
        ttl = _question("packets", "ttl")
        review.record_answers(learner, [(ttl, False, None)], T0 - timedelta(days=2), 0.9)
        db.session.commit()
        card_id = db.session.scalar(sa.select(ReviewCard.id))
        wrong = services.public_id(ttl, "inc")
    result = client.post(f"/review/{card_id}", data={f"q{ttl}": wrong}, follow_redirects=True)
    page = result.get_data(as_text=True)
    assert "Report a problem with this question" in page and f'action="/questions/{ttl}/report"' in page
    sent = client.post(f"/questions/{ttl}/report", data={"reason": "outdated", "next": result.request.path})
    assert sent.status_code == 302 and sent.headers["Location"] == result.request.path
    with app.app_context():
        assert db.session.scalar(sa.select(QuestionReport.reason).where(QuestionReport.question_id == ttl)) == "outdated"


def test_admin_pages_have_a_fixed_query_budget(app, client, auth):
    from tests.conftest import sql_statements

    auth.signup(email="boss@example.com", name="Boss")
    _promote(app, "boss@example.com")

    def count(path):
        response, statements = sql_statements(app, lambda: client.get(path))
        assert response.status_code == 200
        return len(statements)

    with app.app_context():
        build_fixture()
        qid = _question("tcp", "reliable")
    paths = ("/admin/questions", f"/admin/questions/{qid}", "/admin/reports", "/api/v1/admin/questions")
    small = {path: count(path) for path in paths}
    with app.app_context():
        for n in range(30):  # five times the learners, and their reports
            user = make_user(f"More{n}")
            add_attempt(user, "tcp", {"handshake": n % 2, "reliable": 1, "port": n % 3 // 2, "rtt": 1},
                        {"reliable": ["seq", "acks", "retx"]})
            add_attempt(user, "packets", {"ttl": n % 2, "independent": 1}, {"ttl": "dec" if n % 2 else "keep"})
            db.session.commit()
            reports.file_report(user.id, qid, "typo", "")
    for path in paths:
        assert count(path) == small[path], path
    # The list and the API read the quizzes' median times too (one query).
    assert small == {"/admin/questions": 10, f"/admin/questions/{qid}": 8, "/admin/reports": 3, "/api/v1/admin/questions": 9}


def test_the_learners_data_export_includes_their_reports(app, client, auth):
    auth.signup()
    attempt_id = _start(client, "tcp")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    with app.app_context():
        qid = _question("tcp", "reliable")
    client.post(f"/questions/{qid}/report", data={"reason": "other", "comment": "Two keys?"})
    data = client.get("/account/export").get_json()
    assert [(r["lesson"], r["question"], r["reason"], r["comment"], r["status"]) for r in data["problem_reports"]] == [
        ("tcp", "reliable", "other", "Two keys?", "open")]


def test_the_forms_carry_a_working_csrf_token(make_app):
    import re

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()

    def token(path):
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)

    client.post("/signup", data={"email": "ada@example.com", "password": "correct horse battery", "name": "Ada",
                                 "csrf_token": token("/signup")})
    _, qid = _answered(app)
    assert client.post(f"/questions/{qid}/report", data={"reason": "typo"}).status_code == 400  # no token
    sent = client.post(f"/questions/{qid}/report", data={"reason": "typo", "csrf_token": token("/account")})
    assert sent.status_code == 302
    _promote(app, "ada@example.com")
    with app.app_context():
        report_id = db.session.scalar(sa.select(QuestionReport.id))
    queue_token = token("/admin/reports")
    assert client.post(f"/admin/reports/{report_id}", data={"action": "resolve"}).status_code in (302, 400)
    with app.app_context():
        assert db.session.get(QuestionReport, report_id).status == "open"  # refused without the token
    client.post(f"/admin/reports/{report_id}", data={"action": "resolve", "csrf_token": queue_token})
    with app.app_context():
        assert db.session.get(QuestionReport, report_id).status == "resolved"


def test_admin_pages_and_api_show_the_median_times(app, client, auth):
    """tests/test_admin_items.py's timed fixture: handshake 4000 ms over 3 timed answers, reliable 4000
    over 4, the tcp quiz 7500 over 4 timed attempts."""
    from tests.test_admin_items import build_timed_fixture

    auth.signup(email="boss@example.com", name="Boss")
    _promote(app, "boss@example.com")
    with app.app_context():
        build_timed_fixture()
        handshake, port = _question("tcp", "handshake"), _question("tcp", "port")
    page = client.get("/admin/questions").get_data(as_text=True)
    assert "not recorded" not in page and "Median time (n timed)" in page
    row = page[page.index("tcp/handshake"):]
    row = row[:row.index("</tr>")]
    assert '4.0 s <span class="meta">(3)</span>' in row
    quiz = page[page.index("(tcp"):]
    assert '7.5 s <span class="meta">(4)</span>' in quiz[:quiz.index("</tr>")]
    detail = client.get(f"/admin/questions/{handshake}").get_data(as_text=True)
    assert "not recorded" not in detail and "4.0 s" in detail and "over 3 timed answers of 6" in detail
    assert "over 1 timed answer of 6" in client.get(f"/admin/questions/{port}").get_data(as_text=True)

    token = api_token(app.test_client(), email="api-boss@example.com")
    _promote(app, "api-boss@example.com")
    body = client.get("/api/v1/admin/questions", headers={"Authorization": f"Bearer {token}"}).get_json()
    by_key = {q["key"]: q for q in body["questions"] if q["lesson"] == "tcp"}
    assert {k: (q["timed_answers"], q["median_time_ms"]) for k, q in by_key.items()} == {
        "handshake": (3, 4000.0), "reliable": (4, 4000.0), "port": (1, 500.0), "rtt": (3, 2000.0)}
    [tcp] = [q for q in body["quizzes"] if q["lesson"] == "tcp"]
    assert (tcp["timed_attempts"], tcp["median_time_ms"]) == (4, 7500.0)
    assert "median_seconds" not in by_key["handshake"]
