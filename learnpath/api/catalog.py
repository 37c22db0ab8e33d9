"""Read-only catalog: courses, lessons, search, certificate verification."""
from __future__ import annotations

from flask import jsonify, request, url_for

from learnpath import search as search_engine, serializers
from learnpath.api.base import BadRequest, area
from learnpath.catalog import services as catalog
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
    return jsonify(courses=[serializers.course_summary(track, s)
                            for track, summaries in catalog.course_summaries() for s in summaries])


@bp.get("/courses/<slug>")
def course(slug: str):
    course = course_or_404(slug)
    return jsonify(serializers.course(course, catalog.syllabus(course)))


@bp.get("/lessons/<slug>")
def lesson(slug: str):
    lesson = lesson_or_404(slug)
    return jsonify(serializers.lesson(lesson, catalog.lesson_courses(lesson)))


@bp.get("/search")
def search():
    query = request.args.get("q", "")
    if len(query) > search_engine.MAX_QUERY_CHARS:
        raise BadRequest(f"'q' must be at most {search_engine.MAX_QUERY_CHARS} characters.")
    try:
        page = search_engine.page_number(request.args.get("page"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    found = catalog.search(query, page)
    return jsonify(query=query, page=page, per_page=found.per_page, total=found.total, results=[
        {"slug": h.slug, "title": h.title, "summary": h.summary, "snippet_html": h.snippet_html,
         "url": url_for("catalog.lesson", slug=h.slug), "rank": round(h.rank, 6),
         "courses": [serializers.course_ref(c) for c in h.courses]} for h in found.hits
    ])


@bp.get("/certificates/<code>")
def certificate(code: str):
    """Verify a certificate by its verification id: public, like the page it prints from."""
    found = progress.find_certificate(code)
    if found is None:
        raise BadRequest(f"No certificate {code[:64]!r}.", 404)
    return jsonify(serializers.certificate(found))
