"""One JSON shape per resource, used by the API and the account export alike.

Plain dicts of plain values (times in ISO 8601 UTC). What an endpoint adds for its own purpose (a
quiz's presented questions, a result under the review policy) it adds to these, under other keys.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from learnpath.catalog.services import CourseSummary
from learnpath.content.render import plain_text
from learnpath.models import Answer, Attempt, Course, Enrollment, Lesson, Question, Track
from learnpath.progress.services import Certificate, CourseStats


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def course_ref(course: Course) -> dict[str, Any]:
    """A course where another resource names it."""
    return {"slug": course.slug, "title": course.title}


def lesson_ref(lesson: Lesson) -> dict[str, Any]:
    return {"slug": lesson.slug, "title": lesson.title}


def course_summary(track: Track, summary: CourseSummary) -> dict[str, Any]:
    course = summary.course
    return {"slug": course.slug, "title": course.title, "summary": course.summary, "track": track.slug,
            "lesson_count": summary.lesson_count}


def course(course: Course, syllabus: list[tuple[int, Lesson]]) -> dict[str, Any]:
    return {
        "slug": course.slug, "title": course.title, "summary": course.summary, "track": course.track.slug,
        "pass_mark": course.pass_mark,
        "lessons": [{"position": pos, "slug": l.slug, "title": l.title, "read_minutes": l.read_minutes,
                     "question_count": l.question_count} for pos, l in syllabus],
    }


def course_progress(course: Course, stats: CourseStats | None) -> dict[str, Any]:
    return {
        "slug": course.slug, "title": course.title, "lessons_total": stats.total if stats else 0,
        "lessons_completed": stats.completed if stats else 0, "lessons_read": stats.read if stats else 0,
        "quizzes_passed": stats.quizzes_passed if stats else 0, "percent": stats.percent if stats else 0,
        "grade": stats.grade if stats else None,
    }


def lesson(lesson: Lesson, courses: list[Course]) -> dict[str, Any]:
    return {
        "slug": lesson.slug, "title": lesson.title, "summary": lesson.summary, "read_minutes": lesson.read_minutes,
        "topics": [t.slug for t in lesson.topics], "body_html": lesson.body_html, "toc_html": lesson.toc_html,
        "question_count": lesson.question_count, "pool_size": lesson.question_count,
        "draw": min(lesson.draw or lesson.question_count, lesson.question_count), "courses": [c.slug for c in courses],
    }


def enrollment(enrollment: Enrollment, course: Course) -> dict[str, Any]:
    """`unenrolled_at` is when the learner left the course (null while enrolled); leaving keeps the history."""
    return {"course": course.slug, "course_title": course.title, "enrolled_at": iso(enrollment.enrolled_at),
            "completed_at": iso(enrollment.completed_at), "unenrolled_at": iso(enrollment.unenrolled_at),
            "certificate_code": enrollment.certificate_code}


def certificate(found: Certificate) -> dict[str, Any]:
    return {
        "verification_id": found.verification_id, "status": found.status, "learner": found.learner,
        "course": {"slug": found.course_slug, "title": found.course_title},
        "completed_at": found.completed_at.isoformat(), "percent": found.percent,
        "course_test_passed": found.tested, "revoked_at": iso(found.revoked_at),
        "url": url_for("progress.certificate", code=found.verification_id, _external=True),
    }


def attempt(attempt: Attempt) -> dict[str, Any]:
    """An attempt's identity and state; `submitted_at` only once submitted. Its scope says what it
    covers: a lesson's quiz, a course's final test or a topic's practice (quiz.scopes); the other two
    targets are null. Marks are not here: what a learner may see of a result depends on the review
    policy, which the caller applies."""
    lesson, course, topic = attempt.lesson, attempt.course, attempt.topic
    out: dict[str, Any] = {
        "attempt_id": attempt.id, "scope": attempt.scope,
        "lesson": lesson.slug if lesson else None, "lesson_title": lesson.title if lesson else None,
        "course": course.slug if course else None, "topic": topic.slug if topic else None,
        "status": attempt.status, "started_at": iso(attempt.started_at), "deadline_at": iso(attempt.deadline_at)}
    if attempt.submitted_at is not None:
        out["submitted_at"] = iso(attempt.submitted_at)
    return out


def answer(answer: Answer, question: Question, response_text: str) -> dict[str, Any]:
    """A stored answer, readable: the question's prompt and the answer as text beside the ids
    (`response_text` is quiz.services.answer_text's: a choice's text, the typed answer, the SQL)."""
    return {
        "question_id": question.id, "question": question.key, "prompt": plain_text(question.prompt_html),
        "answer": response_text, "response": answer.response, "correct": answer.correct, "points": answer.points,
        "revision": answer.revision, "variant": answer.variant, "answered_at": iso(answer.answered_at),
        "time_ms": answer.time_ms,  # the question's time on screen in its quiz, when measured
    }
