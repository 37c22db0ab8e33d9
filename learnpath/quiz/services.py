"""Quiz attempts: start/resume, present (whitelisted), save drafts, submit exactly once, results.

The browser and the API only ever see `present()`'s output: prompt, kind, opaque option ids
and option texts in a per-attempt shuffled order. Keys, accepted answers and explanations stay
on the server until the attempt is submitted.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import json
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import limits
import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import current_app
from werkzeug.datastructures import MultiDict

from learnpath import statements, throttle
from learnpath.content.render import plain_text
from learnpath.extensions import db, prepared
from learnpath.golab import lab as golab
from learnpath.models import Answer, Attempt, Dataset, Lesson, Question, User
from learnpath.progress import services as progress
from learnpath.quiz import catalog_cache, drafts, grading, kinds, pools, review_policy, scopes, variants
from learnpath.review import services as review
from learnpath.quiz.kinds import AnswerError, FormData, Grade, PublicIds, correct_response  # noqa: F401  (for the views)
from learnpath.quiz.variants import bind, bind_stored, reference, review_seed  # noqa: F401  (for the views)
from learnpath.sqllab import datasets
from learnpath.sqllab.engine import MAX_SQL_CHARS  # noqa: F401  (the API's limit for a query)


# ---- presentation ------------------------------------------------------------------------------

def public_id(question_id: int, key: str) -> str:
    """An opaque, stable id for a choice/item: reveals nothing about the file's ids or order."""
    return _public_id(current_app.config["SECRET_KEY"], question_id, key)


@functools.lru_cache(maxsize=65_536)  # a few options per question: the whole catalog several times over
def _public_id(secret: str, question_id: int, key: str) -> str:
    return hmac.new(secret.encode(), f"{question_id}:{key}".encode(), hashlib.sha256).hexdigest()[:10]


def _ids(question: Question) -> PublicIds:
    secret = current_app.config["SECRET_KEY"]
    return lambda key: _public_id(secret, question.id, key)


def present(question: Question, seed: int) -> dict[str, Any]:
    """The whitelist of what a learner may see before submitting (the kind adds its own fields)."""
    view: dict[str, Any] = {"id": question.id, "kind": question.kind, "prompt_html": question.prompt_html}
    rng = random.Random(f"{seed}:{question.id}")  # per attempt and question: stable on reload
    view.update(kinds.get(question.kind).present(question.spec, _ids(question), rng))
    return view


# ---- answers: public form -> file ids ----------------------------------------------------------

def parse_value(question: Question, value: Any, field: str) -> Any:
    """Check an API answer and map opaque ids to file ids. None means unanswered; AnswerError names the field."""
    return kinds.get(question.kind).parse_api(question.spec, value, field, _ids(question))


def form_name(question: Question) -> str:
    return f"q{question.id}"


def parse_form(question: Question, form: FormData) -> Any:
    """Read one question's answer from an HTML form: a response, None (unanswered) or AnswerError."""
    return kinds.get(question.kind).parse_form(question.spec, form, form_name(question), _ids(question))


def parse_forms(questions: list[Question], form: FormData) -> tuple[dict[int, Any], dict[int, str]]:
    """Every question's answer from the quiz form, and what is wrong with the malformed ones (by question id)."""
    responses: dict[int, Any] = {}
    errors: dict[int, str] = {}
    for question in questions:
        try:
            responses[question.id] = parse_form(question, form)
        except AnswerError as exc:
            responses[question.id], errors[question.id] = None, exc.problem
    return responses, errors


def parse_confidences(questions: list[Question], form) -> dict[int, str]:
    return {q.id: form[f"confidence-{q.id}"] for q in questions if form.get(f"confidence-{q.id}") in ("sure", "unsure")}


# ---- time on each question (item analysis' median time) ---------------------------------------
#
# The quiz page's script measures how long each question is on screen and posts the question's total
# so far (not an increment: a repeated post counts once) in a hidden field time-<id>; the API takes
# the same totals as `time_ms`. The attempt keeps the largest total it was sent per question, so a
# stale page (the back button, a second tab) never lowers it.

MAX_TIME_MS = 30 * 60 * 1000
"""A question's time is capped at 30 minutes: more is an idle tab left open. The cap is stored rather
than dropped, so the slowest answers still rank as the slowest in a median (dropping them would pull
it down)."""


def capped_time(ms: int) -> int:
    return min(ms, MAX_TIME_MS)


def parse_form_times(questions: list[Question], form: FormData) -> dict[int, int]:
    """The posted questions' times (ms so far). A blank or malformed field (not ASCII digits) is left
    out, as not measured: the field is filled in by a script, and a page must never fail on it."""
    times = {}
    for question in questions:
        raw = form.get(f"time-{question.id}") or ""
        if raw.isascii() and raw.isdigit():
            # Past 10 digits it is over the cap anyway; int() of a huge string is slow, so skip it.
            times[question.id] = MAX_TIME_MS if len(raw) > 10 else capped_time(int(raw))
    return times


def parse_api_times(value: Any, question_ids: dict[str, int]) -> dict[int, int]:
    """The API's `time_ms`: {question id: whole milliseconds so far, or null (not measured)}.
    AnswerError names a bad entry; values over the cap are capped."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AnswerError("time_ms", "must be an object mapping question ids to milliseconds.")
    times = {}
    for key, ms in value.items():
        if str(key) not in question_ids:
            raise AnswerError(f"time_ms.{str(key)[:40]}", "not a question of this attempt.")
        if ms is None:
            continue
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
            raise AnswerError(f"time_ms.{key}", "a whole number of milliseconds, 0 or more (round it).")
        times[question_ids[str(key)]] = capped_time(ms)
    return times


def saved_times(attempt: Attempt) -> dict[int, int]:
    return {int(qid): ms for qid, ms in (attempt.times_ms or {}).items() if isinstance(ms, int)}


def times_to_record(attempt: Attempt, posted: dict[int, int] | None = None) -> dict[int, int]:
    """What a submit records per question: the larger of the saved and the just-posted total."""
    times = saved_times(attempt)
    for qid, ms in (posted or {}).items():
        times[qid] = max(ms, times.get(qid, 0))
    return times


def form_values(questions: list[Question], responses: dict[int, Any]) -> MultiDict:
    """The form fields that show saved responses (a draft) in the quiz form."""
    values = MultiDict()
    for question in questions:
        response = responses.get(question.id)
        if response is not None:
            kind = kinds.get(question.kind)
            for name, posted in kind.form_values(question.spec, response, form_name(question), _ids(question)).items():
                values.setlist(name, posted)
    return values


def public_response(question: Question, response: Any) -> Any:
    """A stored response (file ids) back in the public form the learner used (opaque ids)."""
    if response is None:
        return None
    return kinds.get(question.kind).public_response(question.spec, response, _ids(question))


def public_correct(question: Question) -> Any:
    """The right answer in the API's terms once it may be shown; None for a kind that never shows it (go)."""
    return kinds.get(question.kind).public_correct(question.spec, _ids(question))


def grade(question: Question, response: Any) -> Grade:
    return grading.grade(question.kind, question.spec, response)


# ---- attempts ----------------------------------------------------------------------------------

def submitted_attempts(user_id: int, lesson_id: int) -> list[Attempt]:
    """The learner's submitted attempts at a lesson's quiz, latest first."""
    return list(db.session.scalars(sa.select(Attempt).where(
        Attempt.user_id == user_id, Attempt.lesson_id == lesson_id, Attempt.status == "submitted"
    ).order_by(Attempt.submitted_at.desc())))


def active_questions(lesson: Lesson) -> list[Question]:
    return list(db.session.scalars(
        sa.select(Question).where(Question.lesson_id == lesson.id, ~Question.retired).order_by(Question.position)
    ))


MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL; anything larger cannot exist (and must not reach the driver)


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """An attempt as a plain row (the API's submit: no ORM object), with the attributes of `Attempt`
    that submitting, scopes and results read."""

    id: int
    user_id: int
    scope: str
    lesson_id: int | None
    course_id: int | None
    topic_id: int | None
    deadline_at: datetime | None
    status: str
    seed: int
    question_ids: list[int]
    carried: dict[str, Any] | None
    draft: dict[str, Any] | None
    notes: dict[str, Any] | None
    times_ms: dict[str, Any] | None
    submitted_at: datetime | None
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None


def _attempt_row_query(dialect: str):
    columns = Attempt.__table__.c
    return sa.select(*(columns[name] for name in AttemptRow.__dataclass_fields__)).where(
        columns.id == sa.bindparam("attempt_id"), columns.user_id == sa.bindparam("user_id"))


_ATTEMPT_ROW = statements.Query(_attempt_row_query)


def own_attempt_row(user_id: int, attempt_id: int) -> AttemptRow | None:
    """`get_own_attempt` as a plain row: one statement on the driver's cursor."""
    if not 0 < attempt_id <= MAX_ID:
        return None
    row = _ATTEMPT_ROW.first(db.session.connection(), {"attempt_id": attempt_id, "user_id": user_id})
    return AttemptRow(*row) if row is not None else None


def get_own_attempt(user_id: int, attempt_id: int) -> Attempt | None:
    """Another learner's attempt is indistinguishable from a missing one."""
    if not 0 < attempt_id <= MAX_ID:
        return None
    attempt = db.session.get(Attempt, attempt_id)
    return attempt if attempt is not None and attempt.user_id == user_id else None


SCOPE_COLUMNS = {"lesson": Attempt.lesson_id, "course_test": Attempt.course_id, "topic": Attempt.topic_id}


def open_attempt(user_id: int, lesson: Lesson) -> Attempt | None:
    return open_scoped(user_id, "lesson", lesson.id)


def open_scoped(user_id: int, scope: str, target_id: int) -> Attempt | None:
    """The learner's open attempt of a lesson, a course test or a topic's practice."""
    return db.session.scalar(sa.select(Attempt).where(
        Attempt.user_id == user_id, Attempt.scope == scope, SCOPE_COLUMNS[scope] == target_id,
        Attempt.status == "in_progress",
    ).order_by(Attempt.id.desc()).limit(1))


def insert_open(attempt: Attempt) -> tuple[Attempt, bool] | None:
    """Insert a new open attempt: (attempt, True), or (the open one a concurrent request inserted first,
    False). The database allows one open attempt per learner and scope (uq_attempt_open*): the loser of
    the insert rolls back (only reads came before) and returns the winner's. None: the winner was
    submitted in between; the caller starts afresh."""
    db.session.add(attempt)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        target = getattr(attempt, SCOPE_COLUMNS[attempt.scope].key)
        winner = open_scoped(attempt.user_id, attempt.scope, target)
        return (winner, False) if winner is not None else None
    return attempt, True


def latest_submitted(user_id: int, lesson: Lesson) -> Attempt | None:
    return db.session.scalar(sa.select(Attempt).where(
        Attempt.user_id == user_id, Attempt.lesson_id == lesson.id, Attempt.status == "submitted"
    ).order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(1))


def start_attempt(user_id: int, lesson: Lesson, only_missed: bool = False) -> tuple[Attempt, bool]:
    """Resume the open attempt if there is one; otherwise start a full one or a 'missed only' one.
    Returns (attempt, created).

    A missed-only attempt asks the questions the learner has not yet got right in the latest
    attempt (answered wrong, skipped, or added since; for a retake, what it carried counts as
    right) and carries over the points of the rest, so its score is comparable with a full one.

    The database allows one open attempt per learner and lesson (uq_attempt_open): when two
    requests start at once, the one that loses the insert returns the winner's attempt.
    """
    existing = open_attempt(user_id, lesson)
    if existing:
        return existing, False
    questions = active_questions(lesson)
    ids = [q.id for q in questions]
    seed = secrets.randbelow(2**31)
    carried: dict[str, float] = {}
    retake_of = None
    if only_missed:
        retake_of = latest_submitted(user_id, lesson)
        if retake_of:
            if lesson.draw:  # a drawn attempt: what it asked, not the whole pool, is what can be missed
                asked = set(retake_of.question_ids) | {int(k) for k in retake_of.carried or {}}
                ids = [qid for qid in ids if qid in asked] or ids
            base = len(ids)
            right = {a.question_id for a in retake_of.answers if a.correct} | {int(k) for k in retake_of.carried or {}}
            carried = {str(qid): 1.0 for qid in ids if qid in right}
            ids = [qid for qid in ids if qid not in right] or ids
            if len(ids) == base:
                carried = {}
    if retake_of is None:  # a full attempt: a fresh draw from the pool, unseen questions first
        ids = [q.id for q in pools.draw_for(user_id, questions, lesson.draw, seed)]
    inserted = insert_open(Attempt(
        user_id=user_id, scope="lesson", lesson_id=lesson.id, seed=seed, question_ids=ids,
        carried=carried, retake_of_id=retake_of.id if retake_of else None, draft={},
    ))
    if inserted is None:  # the winner was submitted between the insert and the read: start afresh
        return start_attempt(user_id, lesson, only_missed)
    attempt, created = inserted
    if not created:
        return attempt, False
    progress.touch_lesson(user_id, lesson.id)
    db.session.commit()
    return attempt, True


# ---- SQL runs: one quota for every path that runs a learner's query ---------------------------

SQL_RUNS_REFUSED = "You have run many queries in a short time. Wait a minute, then try again."


def runs_sql(questions: list[Question]) -> bool:
    return any(q.kind == "sql" for q in questions)


def take_sql_run(learner_key: str):
    """Count one request that runs SQL (a Run, a submit or a review with SQL questions) against
    RATELIMIT_SQL_RUN, shared by every worker; a throttle.Refusal when it is used up."""
    return _take_run("RATELIMIT_SQL_RUN", "sql-run", learner_key)


GO_RUNS_REFUSED = "You have run Go code many times in a short time. Wait a minute, then try again."


def runs_go(questions: list[Question]) -> bool:
    return any(q.kind == "go" for q in questions)


def take_go_run(learner_key: str):
    """Count one request that runs Go (a Run, a submit or a review with Go exercises) against
    RATELIMIT_GO_RUN; a throttle.Refusal when it is used up."""
    return _take_run("RATELIMIT_GO_RUN", "go-run", learner_key)


@dataclass(frozen=True)
class RunRefused:
    message: str
    status: int  # 503: the Go lab is unavailable; 429: the quota is used up
    retry_after: int | None = None


def go_refusal(questions: list[Question], responses: dict[int, Any], learner_key: str) -> RunRefused | None:
    """Why the answered Go exercises among `questions` cannot run now, or None: the Go lab is
    unavailable here (503), or the learner's Go quota is used up (429; counts one request)."""
    if not any(q.kind == "go" and responses.get(q.id) is not None for q in questions):
        return None
    if reason := golab.unavailable_reason():
        return RunRefused(reason, 503)
    if refusal := take_go_run(learner_key):
        return RunRefused(f"{GO_RUNS_REFUSED} (about {refusal.retry_after} s)", 429, refusal.retry_after)
    return None


def _take_run(setting: str, prefix: str, learner_key: str):
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    limit = limits.parse(current_app.config[setting])  # Flask-Limiter's notation, e.g. "60 per minute"
    return throttle.allow(f"{prefix}:{learner_key}"[:300], limit.amount, timedelta(seconds=limit.get_expiry()))


@prepared
def _questions_query(dialect: str):
    return sa.select(Question).where(Question.id.in_(sa.bindparam("ids", expanding=True)))


def _questions_by_id(ids: list[int]) -> dict[int, Question]:
    return {q.id: q for q in db.session.scalars(_questions_query(), {"ids": ids})}


def attempt_questions(attempt: Attempt) -> list[Question]:
    """The attempt's questions in order, each bound to the attempt's variant (calculated questions' values)."""
    by_id = _questions_by_id(attempt.question_ids)
    return [variants.bind(by_id[qid], attempt.seed) for qid in attempt.question_ids if qid in by_id]


def cached_questions(attempt: Attempt | AttemptRow) -> list[Any]:
    """`attempt_questions` from the worker's catalog cache (catalog_cache): plain rows, no statement once cached."""
    by_id = catalog_cache.questions(attempt.question_ids)
    return [variants.bind(by_id[qid], attempt.seed) for qid in attempt.question_ids if qid in by_id]


def save_draft(attempt: Attempt, responses: dict[int, Any], notes: dict[int, dict[str, Any] | None] | None = None,
               times: dict[int, int] | None = None) -> None:
    """Save the responses (None: unanswered), notes and times of the questions given; the others keep theirs."""
    if attempt.status != "in_progress" or scopes.overdue(attempt):  # after a deadline nothing new is kept
        return
    drafts.merge(attempt.id, responses, notes, times)
    db.session.commit()


def saved_responses(attempt: Attempt, questions: list[Question]) -> dict[int, Any]:
    draft = attempt.draft or {}
    return {q.id: draft.get(str(q.id)) for q in questions}


def saved_confidences(attempt: Attempt) -> dict[int, str]:
    return {int(qid): n["confidence"] for qid, n in (attempt.notes or {}).items()
            if isinstance(n, dict) and n.get("confidence") in ("sure", "unsure")}


def to_grade(attempt: Attempt, questions: list[Question], posted: dict[int, Any] | None = None,
             notes: dict[int, dict[str, Any] | None] | None = None, times: dict[int, int] | None = None,
             ) -> tuple[dict[int, Any], dict[int, str], dict[int, int]]:
    """The responses, confidences and times a submit records: the saved draft, with what a page has
    just posted (its questions' answers and notes) in place of what was saved for them."""
    responses = {**saved_responses(attempt, questions), **(posted or {})}
    notes = notes or {}
    confidences = {qid: c for qid, c in saved_confidences(attempt).items() if qid not in notes}
    confidences.update({qid: n["confidence"] for qid, n in notes.items() if n and n.get("confidence")})
    return responses, confidences, times_to_record(attempt, times)


def parse_notes(questions: list[Question], form) -> dict[int, dict[str, Any] | None]:
    """The posted questions' "flag for later" boxes and confidences, as stored in Attempt.notes."""
    confidences = parse_confidences(questions, form)
    return {q.id: drafts.note(form.get(f"flag-{q.id}") == "1", confidences.get(q.id)) for q in questions}


@dataclass
class QuestionResult:
    question: Question
    response: Any
    correct: bool
    points: float
    feedback: str = ""


@dataclass
class Result:
    score: float
    max_score: float
    percent: float
    passed: bool
    items: list[QuestionResult] = field(default_factory=list)
    submitted_at: datetime | None = None  # set by the submit that recorded it


def grade_responses(questions: list[Question], responses: dict[int, Any], carried: dict[str, float],
                    pass_mark: int) -> Result:
    items = []
    for q in questions:
        response = responses.get(q.id)
        g = grade(q, response) if response is not None else None
        items.append(QuestionResult(q, response, bool(g and g.correct), g.points if g else 0.0, g.feedback if g else ""))
    score = sum(i.points for i in items) + sum(carried.values())
    max_score = float(len(items) + len(carried))
    percent = round(100 * score / max_score, 1) if max_score else 100.0
    return Result(round(score, 4), max_score, percent, percent >= pass_mark, items)


def _build_submit_update(dialect: str):
    attempt = Attempt.__table__.c
    return sa.update(Attempt.__table__).where(
        attempt.id == sa.bindparam("attempt_id"), attempt.status == "in_progress",
    ).values(status="submitted", draft={}, **{name: sa.bindparam(name) for name in
                                             ("submitted_at", "score", "max_score", "percent", "passed")})


_submit_update = statements.Statement(_build_submit_update)
_answer_insert = statements.Statement(lambda dialect: sa.insert(Answer.__table__), columns=(
    "attempt_id", "user_id", "question_id", "response", "correct", "points", "revision", "feedback", "confidence",
    "answered_at", "variant", "time_ms"))


def submit(attempt: Attempt | AttemptRow, responses: dict[int, Any], confidences: dict[int, str] | None = None,
           questions: list[Any] | None = None, times: dict[int, int] | None = None,
           desired_retention: float | None = None) -> tuple[Result, bool]:
    """Grade and record once. Returns (result, first): `first` is False for a repeated submit.
    `desired_retention`: the learner's (review scheduling), when the caller has it without the ORM user.

    The status flip is one conditional UPDATE: of two concurrent submits exactly one matches
    `status='in_progress'`; the other rolls back and reads the stored result. Grading and every
    read that can happen first happen before it: on SQLite that UPDATE takes the database's
    write lock, and a short write section is what keeps concurrent submits from queueing.
    The catalog rows it reads (questions, their topics, the lesson) come from the worker's
    catalog cache; every write is a prepared Core statement, the per-answer ones one executemany each.
    """
    questions = questions if questions is not None else cached_questions(attempt)
    now = scopes.now()
    if scopes.overdue(attempt, now):  # past a timed test's deadline: only what was saved before it counts
        responses, confidences = scopes.counted_responses(attempt, responses, now), {}
    lesson = catalog_cache.lesson(attempt.lesson_id) if attempt.lesson_id else None
    result = grade_responses(questions, responses, attempt.carried or {}, scopes.pass_mark(attempt))
    user_id, confidences = attempt.user_id, confidences or {}
    times = times_to_record(attempt) if times is None else times  # e.g. a timed test closed at its deadline
    cached = catalog_cache.questions([q.id for q in questions])
    topics = {qid: q.topic_ids for qid, q in cached.items()}
    retention = (desired_retention if desired_retention is not None
                 else db.session.get(User, user_id).desired_retention)  # the signed-in user: no query
    won = _submit_update.execute({
        "attempt_id": attempt.id, "submitted_at": now, "score": result.score, "max_score": result.max_score,
        "percent": result.percent, "passed": result.passed,
    }) == 1
    if not won:
        db.session.rollback()
        if isinstance(attempt, Attempt):
            db.session.refresh(attempt)
        else:
            attempt = own_attempt_row(attempt.user_id, attempt.id)
        return stored_result(attempt), False
    _answer_insert.execute([
        {"attempt_id": attempt.id, "user_id": user_id, "question_id": item.question.id, "response": item.response,
         "correct": item.correct, "points": item.points, "revision": item.question.revision,
         "feedback": item.feedback or None, "confidence": confidences.get(item.question.id), "answered_at": now,
         "variant": variants.values_of(item.question), "time_ms": times.get(item.question.id)}
        for item in result.items
    ])
    scopes.record_submit(attempt, lesson, result.percent, result.passed, now)
    progress.record_answer_stats(user_id, [(i.question.id, i.correct) for i in result.items], now, topics)
    # Every question asked becomes (or updates) a spaced-review card, in the same transaction: a blank
    # is a "don't know", rated Again like a wrong answer, so what a learner skips comes back too.
    review.record_answers(user_id, [(i.question.id, i.correct, confidences.get(i.question.id))
                                    for i in result.items], now, retention)
    # Nothing loaded was changed but the attempt (by the UPDATE above): keep the rest loaded through
    # the commit (the signed-in user among them) rather than reload it.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    if isinstance(attempt, Attempt):  # only what the UPDATE changed: its id stays readable without a query
        session.expire(attempt, ["status", "draft", "submitted_at", "score", "max_score", "percent", "passed"])
    result.submitted_at = now
    return result, True


def stored_result(attempt: Attempt | AttemptRow) -> Result:
    answers = list(db.session.scalars(
        sa.select(Answer).where(Answer.attempt_id == attempt.id).options(joinedload(Answer.question))
    ))
    by_question = {a.question_id: a for a in answers}
    items = [QuestionResult(variants.bind_stored(a.question, a.variant, attempt.seed), a.response, a.correct, a.points,
                            a.feedback or "")
             for qid in attempt.question_ids if (a := by_question.get(qid))]
    return Result(attempt.score or 0.0, attempt.max_score or 0.0, attempt.percent or 0.0, bool(attempt.passed), items,
                  attempt.submitted_at)


# ---- what a result shows -----------------------------------------------------------------------

def describe(question: Question, response: Any) -> dict[str, Any] | None:
    """What the kind's partial shows for a response (None: no answer). Plain data: HTML is in the templates."""
    return None if response is None else kinds.get(question.kind).describe(question.spec, response)


def describe_correct(question: Question) -> dict[str, Any]:
    return kinds.get(question.kind).describe_correct(question.spec)


def answer_text(question: Question, response: Any) -> str:
    """A response as plain text for people (the data export): a choice's text, the typed answer, the
    SQL, the number with its unit. Read from the kind's `describe`, so every kind has one."""
    described = describe(question, response)
    if described is None:
        return ""
    if "options" in described:  # None: an option removed from the question since
        return "; ".join("(an option since removed)" if o is None else plain_text(o) for o in described["options"])
    if "number" in described:
        return f"{described['number']} {described.get('unit') or ''}".strip()
    if isinstance(described.get("value"), bool):
        return "true" if described["value"] else "false"
    for key in ("typed", "code"):
        if isinstance(described.get(key), str):
            return described[key]
    # A kind with another shape: its text values, else the stored response as JSON.
    texts = [v for v in described.values() if isinstance(v, str)]
    return "; ".join(texts) if texts else json.dumps(response, ensure_ascii=False)


def format_score(value: float) -> str:
    """A score for people: at most two decimals, no trailing zeros (9.33, 50, 0.5)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def format_credit(points: float) -> str:
    """One question's points: "1 point", "0 points", or partial credit as a fraction ("1/3 credit")."""
    if points >= 1:
        return "1 point"
    if points <= 0:
        return "0 points"
    fraction = Fraction(points).limit_denominator(12)
    if abs(float(fraction) - points) < 1e-3:
        return f"{fraction.numerator}/{fraction.denominator} credit"
    return f"{format_score(points)} credit"


def run_query(question: Question, sql: str) -> dict[str, Any]:
    """Run a learner's query on the visible rows of the question's dataset version (no grading)."""
    result = datasets.store().run(question.spec["dataset"], question.spec["dataset_version"], sql)
    return {"columns": result.columns, "rows": [[_jsonable(v) for v in row] for row in result.rows],
            "truncated": result.truncated, "elapsed_ms": result.elapsed_ms}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def dataset_previews(questions: list[Question]) -> dict[str, str]:
    names = {q.spec["dataset"] for q in questions if q.kind == "sql"}
    if not names:
        return {}
    return {d.name: d.preview_html for d in db.session.scalars(sa.select(Dataset).where(Dataset.name.in_(names)))}


def graded_item(question: Question, response: Any, correct: bool, points: float, feedback: str | None,
                show: review_policy.Visibility) -> dict[str, Any]:
    """One graded answer as JSON (a quiz result's item, a review card's answer): what the review
    policy holds back is null."""
    return {
        "question_id": question.id, "correct": correct if show.correctness else None,
        "points": points if show.marks else None,
        "answer": public_response(question, response),
        "correct_answer": public_correct(question) if show.right_answer else None,
        "explanation_html": question.explanation_html if show.explanation else None,
        "feedback": feedback if show.explanation else None,
    }


def result_payload(result: Result, show: review_policy.Visibility = review_policy.EVERYTHING) -> dict[str, Any]:
    """A result as JSON; what the review policy holds back is null, and `review` says what and why."""
    marks = show.marks
    return {
        "score": result.score if marks else None, "max_score": result.max_score if marks else None,
        "percent": result.percent if marks else None, "passed": result.passed, "review": show.as_dict(),
        "results": [graded_item(i.question, i.response, i.correct, i.points, i.feedback, show) for i in result.items],
    }
