"""Read-only catalog: courses, lessons, search, certificate verification."""
from __future__ import annotations

from flask import jsonify, request, url_for

from learnpath import search as search_engine
from learnpath.api.base import BadRequest, area
from learnpath.catalog import services as catalog
from learnpath.extensions import db
from learnpath.progress import services as progress

bp = area("catalog")


def course_or_404(slug: str):
    return catalog.get_course(slug) or _missing(f"course {slug!r}")


def lesson_or_404(slug: str):
    return catalog.get_lesson(slug) or _missing(f"lesson {slug!r}")


def _missing(what: str):
    raise BadRequest(f"No {what}.", 404)


@bp.get("/courses")
def courses():
    return jsonify(courses=[
        {"slug": s.course.slug, "title": s.course.title, "summary": s.course.summary, "track": track.slug,
         "lesson_count": s.lesson_count}
        for track, summaries in catalog.course_summaries() for s in summaries
    ])


@bp.get("/courses/<slug>")
def course(slug: str):
    course = course_or_404(slug)
    return jsonify(
        slug=course.slug, title=course.title, summary=course.summary, track=course.track.slug,
        pass_mark=course.pass_mark,
        lessons=[{"position": pos, "slug": l.slug, "title": l.title, "read_minutes": l.read_minutes,
                  "question_count": l.question_count} for pos, l in catalog.syllabus(course)],
    )


@bp.get("/lessons/<slug>")
def lesson(slug: str):
    lesson = lesson_or_404(slug)
    return jsonify(
        slug=lesson.slug, title=lesson.title, summary=lesson.summary, read_minutes=lesson.read_minutes,
        topics=[t.slug for t in lesson.topics], body_html=lesson.body_html, toc_html=lesson.toc_html,
        question_count=lesson.question_count, pool_size=lesson.question_count,
        draw=min(lesson.draw or lesson.question_count, lesson.question_count), courses=[c.slug for c in catalog.lesson_courses(lesson)],
    )


@bp.get("/search")
def search():
    query = request.args.get("q", "")
    if len(query) > search_engine.MAX_QUERY_CHARS:
        raise BadRequest(f"'q' must be at most {search_engine.MAX_QUERY_CHARS} characters.")
    try:
        page = search_engine.page_number(request.args.get("page"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    found = search_engine.search(db.session, query, page)
    return jsonify(query=query, page=page, per_page=found.per_page, total=found.total, results=[
        {"slug": h.slug, "title": h.title, "summary": h.summary, "snippet_html": h.snippet_html,
         "url": url_for("catalog.lesson", slug=h.slug), "rank": round(h.rank, 6),
         "courses": [{"slug": c.slug, "title": c.title} for c in h.courses]} for h in found.hits
    ])


@bp.get("/certificates/<code>")
def certificate(code: str):
    """Verify a certificate by its verification id: public, like the page it prints from."""
    found = progress.find_certificate(code)
    if found is None:
        raise BadRequest(f"No certificate {code[:64]!r}.", 404)
    return jsonify(
        verification_id=found.verification_id, status=found.status, learner=found.learner,
        course={"slug": found.course_slug, "title": found.course_title},
        completed_at=found.completed_at.isoformat(), percent=found.percent, course_test_passed=found.tested,
        revoked_at=found.revoked_at.isoformat() if found.revoked_at else None,
        url=url_for("progress.certificate", code=found.verification_id, _external=True),
    )
