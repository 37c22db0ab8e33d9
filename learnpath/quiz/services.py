"""Quiz attempts: start/resume, present (whitelisted), save drafts, submit exactly once, results.

The browser and the API only ever see `present()`'s output: prompt, kind, opaque option ids
and option texts in a per-attempt shuffled order. Keys, accepted answers and explanations stay
on the server until the attempt is submitted.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import limits
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only
from flask import current_app

from learnpath import throttle
from learnpath.extensions import db, prepared
from learnpath.models import Answer, Attempt, Lesson, Question, User
from learnpath.models._types import utcnow
from learnpath.progress import services as progress
from learnpath.quiz.grading import correct_response, grade

OPTION_FIELD = {"single": "choices", "multiple": "choices", "ordering": "items"}
MAX_SQL_CHARS = 20_000


class AnswerError(ValueError):
    """A malformed answer value; the message names the field."""


# ---- presentation ------------------------------------------------------------------------------

def public_id(question_id: int, key: str) -> str:
    """An opaque, stable id for a choice/item: reveals nothing about the file's ids or order."""
    return _public_id(current_app.config["SECRET_KEY"], question_id, key)


@functools.lru_cache(maxsize=65_536)  # a few options per question: the whole catalog several times over
def _public_id(secret: str, question_id: int, key: str) -> str:
    return hmac.new(secret.encode(), f"{question_id}:{key}".encode(), hashlib.sha256).hexdigest()[:10]


def _shuffled(options: list[dict], seed: int, question_id: int, never_identity: bool) -> list[dict]:
    shuffled = list(options)
    random.Random(f"{seed}:{question_id}").shuffle(shuffled)
    if never_identity and len(shuffled) > 1 and shuffled == options:
        shuffled = shuffled[1:] + shuffled[:1]  # an ordering shown in order would give the answer away
    return shuffled


def present(question: Question, seed: int) -> dict[str, Any]:
    """The whitelist of what a learner may see before submitting."""
    view: dict[str, Any] = {"id": question.id, "kind": question.kind, "prompt_html": question.prompt_html}
    field_name = OPTION_FIELD.get(question.kind)
    if field_name:
        options = _shuffled(question.spec[field_name], seed, question.id, question.kind == "ordering")
        view[field_name] = [{"id": public_id(question.id, o["id"]), "text": o["html"]} for o in options]
    if question.kind == "numeric" and question.spec.get("unit"):
        view["unit"] = question.spec["unit"]
    if question.kind == "sql":
        view["dataset"] = question.spec["dataset"]
    return view


# ---- answers: public form -> file ids ----------------------------------------------------------

def _key_for(question: Question) -> dict[str, str]:
    field_name = OPTION_FIELD[question.kind]
    return {public_id(question.id, o["id"]): o["id"] for o in question.spec[field_name]}


def parse_value(question: Question, value: Any, field: str) -> Any:
    """Check an API answer's type and map opaque ids to file ids. None means unanswered."""
    if value is None:
        return None
    kind = question.kind
    if kind == "single":
        if not isinstance(value, str):
            raise AnswerError(f"{field}: a single-choice answer is one choice id (a string)")
        key = _key_for(question).get(value)
        if key is None:
            raise AnswerError(f"{field}: unknown choice id {value!r}")
        return key
    if kind in ("multiple", "ordering"):
        what = "choice" if kind == "multiple" else "item"
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError(f"{field}: a {kind} answer is a list of {what} ids")
        keys = _key_for(question)
        unknown = [v for v in value if v not in keys]
        if unknown:
            raise AnswerError(f"{field}: unknown {what} id {unknown[0]!r}")
        if len(set(value)) != len(value):
            raise AnswerError(f"{field}: an {what} id is repeated")
        return [keys[v] for v in value]
    if kind == "true_false":
        if not isinstance(value, bool):
            raise AnswerError(f"{field}: a true/false answer is true or false")
        return value
    if kind == "short_text":
        if not isinstance(value, str):
            raise AnswerError(f"{field}: a short text answer is a string")
        if len(value) > 500:
            raise AnswerError(f"{field}: answer is longer than 500 characters")
        return value
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AnswerError(f"{field}: a numeric answer is a finite number")
        return float(value)
    if kind == "sql":
        if not isinstance(value, str):
            raise AnswerError(f"{field}: a SQL answer is a query (a string)")
        if len(value) > MAX_SQL_CHARS:
            raise AnswerError(f"{field}: the query is longer than {MAX_SQL_CHARS:,} characters")
        return value
    raise AnswerError(f"{field}: unsupported question kind {kind!r}")


def parse_confidences(questions: list[Question], form) -> dict[int, str]:
    return {q.id: form[f"confidence-{q.id}"] for q in questions if form.get(f"confidence-{q.id}") in ("sure", "unsure")}


def parse_form(question: Question, form) -> Any:
    """Read one question's answer from an HTML form; anything malformed counts as unanswered."""
    name = f"q{question.id}"
    kind = question.kind
    try:
        if kind == "multiple":
            picked = form.getlist(name)
            return parse_value(question, picked, name) if picked else None
        if kind == "ordering":
            keys = _key_for(question)
            positions = {}
            for pid in keys:
                raw = form.get(f"{name}-{pid}", "")
                if not raw.isdigit():
                    return None
                positions[pid] = int(raw)
            if len(set(positions.values())) != len(positions):
                return None  # two items given the same position
            return parse_value(question, sorted(positions, key=positions.get), name)
        raw = form.get(name)
        if raw is None or raw.strip() == "":
            return None
        if kind == "true_false":
            return {"true": True, "false": False}.get(raw)
        if kind == "numeric":
            return parse_value(question, float(raw.replace(",", "").strip()), name)
        return parse_value(question, raw, name)
    except (AnswerError, ValueError):
        return None


def public_response(question: Question, response: Any) -> Any:
    """A stored response (file ids) back in the public form the learner used (opaque ids)."""
    if response is None or question.kind not in OPTION_FIELD:
        return response
    if isinstance(response, list):
        return [public_id(question.id, key) for key in response]
    return public_id(question.id, response)


# ---- attempts ----------------------------------------------------------------------------------

def active_questions(lesson: Lesson) -> list[Question]:
    return list(db.session.scalars(
        sa.select(Question).where(Question.lesson_id == lesson.id, ~Question.retired).order_by(Question.position)
    ))


MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL; anything larger cannot exist (and must not reach the driver)


def get_own_attempt(user_id: int, attempt_id: int) -> Attempt | None:
    """Another learner's attempt is indistinguishable from a missing one."""
    if not 0 < attempt_id <= MAX_ID:
        return None
    attempt = db.session.get(Attempt, attempt_id)
    return attempt if attempt is not None and attempt.user_id == user_id else None


def open_attempt(user_id: int, lesson: Lesson) -> Attempt | None:
    return db.session.scalar(sa.select(Attempt).where(
        Attempt.user_id == user_id, Attempt.lesson_id == lesson.id, Attempt.status == "in_progress"
    ).order_by(Attempt.id.desc()).limit(1))


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
    carried: dict[str, float] = {}
    retake_of = None
    if only_missed:
        retake_of = latest_submitted(user_id, lesson)
        if retake_of:
            right = {a.question_id for a in retake_of.answers if a.correct} | {int(k) for k in retake_of.carried or {}}
            carried = {str(qid): 1.0 for qid in ids if qid in right}
            ids = [qid for qid in ids if qid not in right] or ids
            if len(ids) == len(questions):
                carried = {}
    attempt = Attempt(
        user_id=user_id, lesson_id=lesson.id, seed=secrets.randbelow(2**31), question_ids=ids,
        carried=carried, retake_of_id=retake_of.id if retake_of else None, draft={},
    )
    db.session.add(attempt)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()  # only reads came before: nothing else is lost
        winner = open_attempt(user_id, lesson)
        if winner is None:  # submitted between the insert and this read: start afresh
            return start_attempt(user_id, lesson, only_missed)
        return winner, False
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
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    limit = limits.parse(current_app.config["RATELIMIT_SQL_RUN"])  # Flask-Limiter's notation, e.g. "60 per minute"
    return throttle.allow(f"sql-run:{learner_key}"[:300], limit.amount, timedelta(seconds=limit.get_expiry()))


@prepared
def _questions_query(dialect: str):
    return sa.select(Question).where(Question.id.in_(sa.bindparam("ids", expanding=True)))


def _questions_by_id(ids: list[int]) -> dict[int, Question]:
    return {q.id: q for q in db.session.scalars(_questions_query(), {"ids": ids})}


def attempt_questions(attempt: Attempt) -> list[Question]:
    by_id = _questions_by_id(attempt.question_ids)
    return [by_id[qid] for qid in attempt.question_ids if qid in by_id]


def save_draft(attempt: Attempt, responses: dict[int, Any]) -> None:
    if attempt.status != "in_progress":
        return
    attempt.draft = {str(qid): value for qid, value in responses.items() if value is not None}
    db.session.commit()


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


def grade_responses(questions: list[Question], responses: dict[int, Any], carried: dict[str, float],
                    pass_mark: int) -> Result:
    items = []
    for q in questions:
        response = responses.get(q.id)
        g = grade(q.kind, q.spec, response) if response is not None else None
        items.append(QuestionResult(q, response, bool(g and g.correct), g.points if g else 0.0, g.feedback if g else ""))
    score = sum(i.points for i in items) + sum(carried.values())
    max_score = float(len(items) + len(carried))
    percent = round(100 * score / max_score, 1) if max_score else 100.0
    return Result(round(score, 4), max_score, percent, percent >= pass_mark, items)


_LESSON_FOR_PROGRESS = [load_only(Lesson.id, Lesson.question_count)]  # what recording progress reads


@prepared
def _submit_update(dialect: str):
    attempt = Attempt.__table__.c
    return sa.update(Attempt.__table__).where(
        attempt.id == sa.bindparam("attempt_id"), attempt.status == "in_progress",
    ).values(status="submitted", draft={}, **{name: sa.bindparam(name) for name in
                                             ("submitted_at", "score", "max_score", "percent", "passed")})


@prepared
def _answer_insert(dialect: str):
    return sa.insert(Answer.__table__)


def submit(attempt: Attempt, responses: dict[int, Any], confidences: dict[int, str] | None = None,
           questions: list[Question] | None = None) -> tuple[Result, bool]:
    """Grade and record once. Returns (result, first): `first` is False for a repeated submit.

    The status flip is one conditional UPDATE: of two concurrent submits exactly one matches
    `status='in_progress'`; the other rolls back and reads the stored result. Grading and every
    read that can happen first happen before it: on SQLite that UPDATE takes the database's
    write lock, and a short write section is what keeps concurrent submits from queueing.
    """
    questions = questions if questions is not None else attempt_questions(attempt)
    lesson = db.session.get(Lesson, attempt.lesson_id, options=_LESSON_FOR_PROGRESS)
    result = grade_responses(questions, responses, attempt.carried or {}, progress.pass_mark(lesson.id))
    user_id, confidences = attempt.user_id, confidences or {}
    topics = progress.topics_of([q.id for q in questions])
    retention = db.session.get(User, user_id).desired_retention  # the signed-in user: no query
    now = utcnow()
    won = db.session.execute(_submit_update(), {
        "attempt_id": attempt.id, "submitted_at": now, "score": result.score, "max_score": result.max_score,
        "percent": result.percent, "passed": result.passed,
    }).rowcount == 1
    if not won:
        db.session.rollback()
        db.session.refresh(attempt)
        return stored_result(attempt), False
    db.session.execute(_answer_insert(), [
        {"attempt_id": attempt.id, "user_id": user_id, "question_id": item.question.id, "response": item.response,
         "correct": item.correct, "points": item.points, "revision": item.question.revision,
         "feedback": item.feedback or None, "confidence": confidences.get(item.question.id), "answered_at": now}
        for item in result.items
    ])
    progress.record_attempt(user_id, lesson, result.percent, result.passed, now)
    progress.record_answer_stats(user_id, [(i.question.id, i.correct) for i in result.items], now, topics)
    # Every answered question becomes (or updates) a spaced-review card, in the same transaction.
    from learnpath.review import services as review

    review.record_answers(user_id, [(i.question.id, i.correct, confidences.get(i.question.id))
                                    for i in result.items if i.response is not None], now, retention)
    # The result's catalog rows were not changed: keep them loaded through the commit rather than
    # reload them. Only the attempt, changed by the UPDATE above, is out of date.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    session.expire(attempt)
    return result, True


def stored_result(attempt: Attempt) -> Result:
    answers = list(db.session.scalars(
        sa.select(Answer).where(Answer.attempt_id == attempt.id).options(joinedload(Answer.question))
    ))
    by_question = {a.question_id: a for a in answers}
    items = [QuestionResult(a.question, a.response, a.correct, a.points, a.feedback or "")
             for qid in attempt.question_ids if (a := by_question.get(qid))]
    return Result(attempt.score or 0.0, attempt.max_score or 0.0, attempt.percent or 0.0, bool(attempt.passed), items)


# ---- what a result shows -----------------------------------------------------------------------

def describe(question: Question, response: Any) -> str:
    """A learner-facing rendering (HTML-safe text or pre-rendered inline HTML) of a response."""
    if response is None:
        return "<em>no answer</em>"
    field_name = OPTION_FIELD.get(question.kind)
    if field_name:
        html_by_key = {o["id"]: o["html"] for o in question.spec[field_name]}
        keys = response if isinstance(response, list) else [response]
        parts = [html_by_key.get(k, "<em>(removed option)</em>") for k in keys]
        return " → ".join(parts) if question.kind == "ordering" else "; ".join(parts)
    if question.kind == "true_false":
        return "True" if response else "False"
    from markupsafe import escape

    if question.kind == "sql":
        return f'<pre class="sql"><code>{escape(response)}</code></pre>'

    text = f"{response:g}" if isinstance(response, float) else str(response)
    unit = question.spec.get("unit") if question.kind == "numeric" else ""
    return str(escape(f"{text} {unit}".strip()))


def describe_correct(question: Question) -> str:
    if question.kind == "short_text":
        from markupsafe import escape

        return " / ".join(str(escape(a)) for a in question.spec["accepted"])
    if question.kind == "numeric":
        tol = question.spec.get("tolerance") or 0
        base = describe(question, question.spec["answer"])
        return f"{base} (± {tol:g})" if tol else base
    return describe(question, correct_response(question.kind, question.spec))


def run_query(question: Question, sql: str) -> dict[str, Any]:
    """Run a learner's query on the visible rows of the question's dataset (no grading)."""
    from learnpath.sqllab import datasets, engine

    result = engine.run(datasets.path(question.spec["dataset"], question.spec["dataset_version"]), sql)
    return {"columns": result.columns, "rows": [[_jsonable(v) for v in row] for row in result.rows],
            "truncated": result.truncated, "elapsed_ms": result.elapsed_ms}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def dataset_previews(questions: list[Question]) -> dict[str, str]:
    from learnpath.models import Dataset

    names = {q.spec["dataset"] for q in questions if q.kind == "sql"}
    if not names:
        return {}
    return {d.name: d.preview_html for d in db.session.scalars(sa.select(Dataset).where(Dataset.name.in_(names)))}


def result_payload(result: Result) -> dict[str, Any]:
    return {
        "score": result.score, "max_score": result.max_score, "percent": result.percent, "passed": result.passed,
        "results": [
            {
                "question_id": i.question.id, "correct": i.correct, "points": i.points,
                "answer": public_response(i.question, i.response),
                "correct_answer": public_response(i.question, correct_response(i.question.kind, i.question.spec)),
                "explanation_html": i.question.explanation_html,
                "feedback": i.feedback,
            }
            for i in result.items
        ],
    }
