import re

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from learnpath import lane, search as search_engine
from learnpath.catalog import learner, services
from learnpath.pagecache import cached_page, shell, slot
from learnpath.paths.services import paths_containing
from learnpath.progress import services as progress
from learnpath.quiz import course_test, services as quiz
from learnpath.quiz.scopes import PRACTICE_QUESTIONS
from learnpath.review import services as review

bp = Blueprint("catalog", __name__)


@bp.get("/")
@cached_page
def home():
    tracks = services.course_summaries()
    total_minutes = sum(s.minutes for _, summaries in tracks for s in summaries)
    resume = progress.continue_where_left_off(current_user.id) if current_user.is_authenticated else None
    return render_template("catalog/home.html", tracks=tracks, total_minutes=total_minutes, resume=resume)


@bp.get("/courses")
@cached_page
def courses():
    tracks = services.course_summaries()
    track_slug = request.args.get("track")
    shown = [(t, summaries) for t, summaries in tracks if track_slug in (None, "", t.slug)]
    if not shown:
        abort(404)
    return render_template("catalog/courses.html", tracks=tracks, shown=shown, track_slug=track_slug or None)


@bp.get("/courses/<slug>")
@cached_page
def course(slug: str):
    if current_user.is_authenticated and current_app.config["LEARNER_SHELLS"]:
        return _learner_course(slug, learner.flask_visit())
    course = services.get_course(slug) or abort(404)
    lessons = services.syllabus(course)
    states, where = {}, None
    if current_user.is_authenticated:
        states = progress.lesson_states(current_user.id, [l.id for _, l in lessons])
        where = progress.course_state(current_user.id, course, lessons[0][1] if lessons else None)
    return render_template(
        "catalog/course.html", course=course, lessons=lessons, states=states, where=where,
        total_minutes=sum(l.read_minutes for _, l in lessons), paths=paths_containing(course),
        test=course_test.state(current_user.id if current_user.is_authenticated else None, course,
                               where.stats if where else None, sum(l.question_count for _, l in lessons)),
    )


@bp.get("/lessons/<slug>")
@cached_page
def lesson(slug: str):
    if current_user.is_authenticated and current_app.config["LEARNER_SHELLS"]:
        return _learner_lesson(slug, request.args.get("course"), learner.flask_visit())
    lesson = services.get_lesson(slug) or abort(404)
    courses = services.lesson_courses(lesson)
    context = services.lesson_context(lesson, courses, request.args.get("course"))
    state = None
    if current_user.is_authenticated:
        state = progress.lesson_states(current_user.id, [lesson.id]).get(lesson.id)
    return render_template("catalog/lesson.html", lesson=lesson, courses=courses, ctx=context, state=state)


def _learner_course(slug: str, visit: lane.Visit) -> bytes:
    """A signed-in course page: the shared shell, rendered once per catalog version, and the learner's
    parts spliced in (their lessons' flags, enrollment and progress, the course test: three queries).
    The signed-in fast path serves only shells already rendered."""
    def render():
        course = services.get_course(slug) or abort(404)
        lessons = services.syllabus(course)
        html = render_template(
            "catalog/course.html", course=course, lessons=lessons, states={}, where=None, slot=slot,
            total_minutes=sum(l.read_minutes for _, l in lessons), paths=paths_containing(course), test=None)
        return html, learner.CoursePage.of(course, [l for _, l in lessons])

    found = shell(("course", slug), lane.not_rendered if visit.fast else render)
    return found.fill(learner.course_parts(found.meta, visit))


def _learner_lesson(slug: str, course_slug: str | None, visit: lane.Visit) -> bytes:
    """A signed-in lesson page: the shared shell and the learner's flags (one query) spliced in."""
    def render_for(wanted: str | None):
        def render():
            lesson = services.get_lesson(slug) or abort(404)
            courses = services.lesson_courses(lesson)
            context = services.lesson_context(lesson, courses, wanted)
            html = render_template("catalog/lesson.html", lesson=lesson, courses=courses, ctx=context, state=None,
                                   slot=slot)
            return html, learner.LessonPage(lesson.id, lesson.slug, context.course.slug if context.course else None,
                                            tuple(c.slug for c in courses))
        return lane.not_rendered if visit.fast else render

    # Shells are keyed by the lesson's own courses only: any other ?course= value shows the default
    # page, so arbitrary values cannot fill the worker's cache and push everyone's pages out.
    found = shell(("lesson", slug, None), render_for(None))
    if course_slug and course_slug != found.meta.course_slug and course_slug in found.meta.courses:
        found = shell(("lesson", slug, course_slug), render_for(course_slug))
    return found.fill(learner.lesson_parts(found.meta, visit))


# The fast path's share of the two views above: only paths and query strings they would serve as is.
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")
_COURSE_ARG = re.compile(r"course=([a-z0-9][a-z0-9-]{0,119})")


@lane.page("/lessons/", "catalog.lesson")
def _fast_lesson(visit: lane.Visit, slug: str) -> bytes:
    query = visit.query
    course = _COURSE_ARG.fullmatch(query) if query else None
    if not _SLUG.fullmatch(slug) or (query and course is None):
        raise lane.NeedsFlask(slug)
    return _learner_lesson(slug, course.group(1) if course else None, visit)


@lane.page("/courses/", "catalog.course")
def _fast_course(visit: lane.Visit, slug: str) -> bytes:
    if not _SLUG.fullmatch(slug) or visit.query:
        raise lane.NeedsFlask(slug)
    return _learner_course(slug, visit)


@bp.get("/search")
@cached_page
def search():
    query = request.args.get("q", "")
    try:
        page = search_engine.page_number(request.args.get("page"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    result = services.search(query, page) if query.strip() else None
    return render_template("catalog/search.html", query=query[:search_engine.MAX_QUERY_CHARS], result=result,
                           max_words=search_engine.MAX_QUERY_WORDS)


@bp.get("/topics/<slug>")
@cached_page
def topic(slug: str):
    page = services.topic_page(slug) or abort(404)
    mastery = review.topic_mastery_of(current_user, slug) if current_user.is_authenticated else None
    questions = [(quiz.reference(question), lesson) for question, lesson in page.questions]  # calculated: real numbers
    return render_template("catalog/topic.html", topic=page.topic, lessons=page.lessons, questions=questions,
                           mastery=mastery, practice_size=PRACTICE_QUESTIONS)
