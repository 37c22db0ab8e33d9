"""The learner's data export: everything we hold about them as JSON a person can read (titles,
prompts and answers as text beside the ids), and their answers as a CSV for a spreadsheet.

The shapes are learnpath.serializers', the same the API returns. A fixed number of queries
whatever the history.
"""
from __future__ import annotations

import csv
import io
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath import serializers
from learnpath.catalog.services import LESSON_LINK
from learnpath.content.render import plain_text
from learnpath.extensions import db
from learnpath.models import (Answer, Attempt, Course, CourseLesson, Enrollment, Lesson, LessonProgress, Question,
                              QuestionReport, ReviewCard, User)
from learnpath.progress.services import Certificate
from learnpath.quiz.services import answer_text
from learnpath.timezones import local_time, zone

iso = serializers.iso
CSV_COLUMNS = ("date", "course", "lesson", "question", "answer", "correct", "points", "source")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _answers(user_id: int) -> list[tuple[Answer, Question]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(Answer, Question).join(Question, Question.id == Answer.question_id)
        .where(Answer.user_id == user_id).order_by(Answer.id))]


def export_json(user: User) -> dict[str, Any]:
    """Everything we hold about the learner, in plain JSON."""
    enrollments = db.session.execute(
        sa.select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user.id).order_by(Enrollment.enrolled_at)).all()
    progress = db.session.execute(
        sa.select(LessonProgress, Lesson).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id).options(LESSON_LINK)).all()
    # A course test or a topic's practice has no lesson (quiz.scopes): each target is loaded up front.
    attempts = db.session.scalars(
        sa.select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.id)
        .options(so.joinedload(Attempt.lesson), so.joinedload(Attempt.course), so.joinedload(Attempt.topic))).all()
    cards = db.session.execute(
        sa.select(ReviewCard, Question, Lesson).join(Question, Question.id == ReviewCard.question_id)
        .join(Lesson, Lesson.id == Question.lesson_id).where(ReviewCard.user_id == user.id).order_by(ReviewCard.id)
        .options(LESSON_LINK)).all()
    problem_reports = db.session.execute(
        sa.select(QuestionReport, Question, Lesson).join(Question, Question.id == QuestionReport.question_id)
        .join(Lesson, Lesson.id == Question.lesson_id).where(QuestionReport.user_id == user.id)
        .order_by(QuestionReport.id).options(LESSON_LINK)).all()
    by_attempt: dict[int, list[dict[str, Any]]] = {}
    reviews = []
    for answer, question in _answers(user.id):
        shown = serializers.answer(answer, question, answer_text(question, answer.response))
        (by_attempt.setdefault(answer.attempt_id, []) if answer.attempt_id is not None else reviews).append(shown)
    return {
        "account": {"email": user.email, "name": user.name, "created_at": iso(user.created_at),
                    "time_zone": user.time_zone},
        "enrollments": [serializers.enrollment(e, c) for e, c in enrollments],
        "certificates": [serializers.certificate(Certificate(
            e.certificate_code, user.name, c.slug, c.title, e.completed_at, e.certificate_percent,
            e.certificate_revoked_at)) for e, c in enrollments if e.certificate_code and e.completed_at],
        "lessons": [{"lesson": lesson.slug, "lesson_title": lesson.title, "read_at": iso(p.read_at),
                     "best_percent": p.best_percent, "attempts": p.attempts_count, "completed_at": iso(p.completed_at)}
                    for p, lesson in progress],
        "attempts": [serializers.attempt(a) | {"percent": a.percent, "answers": by_attempt.get(a.id, [])}
                     for a in attempts],
        "review": {
            "desired_retention": user.desired_retention,
            "cards": [{"lesson": lesson.slug, "lesson_title": lesson.title, "question_id": question.id,
                       "question": question.key, "prompt": plain_text(question.prompt_html),
                       "due": iso(c.due), "stability": c.stability, "difficulty": c.difficulty, "reviews": c.reviews,
                       "lapses": c.lapses} for c, question, lesson in cards],
            "answers": reviews,
        },
        "problem_reports": [{"lesson": lesson.slug, "question": question.key, "reason": r.reason, "comment": r.comment,
                             "status": r.status, "created_at": iso(r.created_at), "closed_at": iso(r.closed_at),
                             "note": r.note} for r, question, lesson in problem_reports],
    }


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _course_titles(user_id: int, lesson_ids: set[int]) -> dict[int, str]:
    """The course each lesson is shown under: one the learner enrolled in, else its first active course."""
    rows = db.session.execute(
        sa.select(CourseLesson.lesson_id, Course.title, Enrollment.id.is_not(None))
        .join(Course, Course.id == CourseLesson.course_id)
        .outerjoin(Enrollment, sa.and_(Enrollment.course_id == Course.id, Enrollment.user_id == user_id))
        .where(CourseLesson.lesson_id.in_(lesson_ids), ~Course.retired)
        .order_by(CourseLesson.lesson_id, Enrollment.id.is_(None), Course.position)).all()
    titles: dict[int, str] = {}
    for lesson_id, title, _ in rows:
        titles.setdefault(lesson_id, title)
    return titles


def export_csv(user: User) -> str:
    """One row per answer (quiz and review), oldest first, dated in the learner's time zone."""
    answers = _answers(user.id)
    lessons = {l.id: l for l in db.session.scalars(
        sa.select(Lesson).where(Lesson.id.in_({q.lesson_id for _, q in answers})).options(LESSON_LINK))}
    courses = _course_titles(user.id, set(lessons))
    tz = zone(user.time_zone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for answer, question in answers:
        lesson = lessons[question.lesson_id]
        writer.writerow([safe_cell(cell) for cell in (
            local_time(answer.answered_at, tz, "%Y-%m-%d %H:%M"), courses.get(lesson.id, ""), lesson.title,
            plain_text(question.prompt_html), answer_text(question, answer.response),
            "yes" if answer.correct else "no", answer.points, "quiz" if answer.attempt_id is not None else "review",
        )])
    return out.getvalue()
