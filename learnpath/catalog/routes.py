from flask import abort, render_template, request
from flask_login import current_user

from learnpath import search as search_engine
from learnpath.catalog import bp, services
from learnpath.extensions import db
from learnpath.pagecache import cached_page
from learnpath.progress import services as progress


@bp.get("/")
@cached_page
def home():
    tracks = services.course_summaries()
    total_minutes = sum(s.minutes for _, summaries in tracks for s in summaries)
    resume = progress.continue_where_left_off(current_user.id) if current_user.is_authenticated else None
    return render_template("catalog/home.html", tracks=tracks, total_minutes=total_minutes, resume=resume)


@bp.get("/courses/<slug>")
@cached_page
def course(slug: str):
    course = services.get_course(slug) or abort(404)
    lessons = services.syllabus(course)
    states, enrollment, stats = {}, None, None
    if current_user.is_authenticated:
        from learnpath.models import Enrollment
        import sqlalchemy as sa

        enrollment = db.session.scalar(sa.select(Enrollment).filter_by(user_id=current_user.id, course_id=course.id))
        states = progress.lesson_states(current_user.id, [l.id for _, l in lessons])
        found = progress.course_stats(current_user.id, [course.id])
        stats = found[0] if found else None
    from learnpath.review.paths import paths_containing

    return render_template(
        "catalog/course.html", course=course, lessons=lessons, states=states, enrollment=enrollment, stats=stats,
        total_minutes=sum(l.read_minutes for _, l in lessons), paths=paths_containing(course),
    )


@bp.get("/lessons/<slug>")
@cached_page
def lesson(slug: str):
    lesson = services.get_lesson(slug) or abort(404)
    courses = services.lesson_courses(lesson)
    context = services.lesson_context(lesson, courses, request.args.get("course"))
    state = None
    if current_user.is_authenticated:
        state = progress.lesson_states(current_user.id, [lesson.id]).get(lesson.id)
    return render_template("catalog/lesson.html", lesson=lesson, courses=courses, ctx=context, state=state)


@bp.get("/search")
@cached_page
def search():
    query = request.args.get("q", "")[:200]
    hits = search_engine.search(db.session, query) if query.strip() else []
    return render_template("catalog/search.html", query=query, hits=hits)
