from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from learnpath import lane
from learnpath.catalog import services as catalog
from learnpath.catalog.learner import common_parts, flask_visit
from learnpath.pagecache import shell, slot
from learnpath.progress import cache as dashboard_cache, dashboard as parts, services
from learnpath.progress.forms import TimeZoneForm
from learnpath.review import services as review
from learnpath.timezones import canonical_zone

bp = Blueprint("progress", __name__)


@bp.post("/courses/<slug>/enroll")
@login_required
def enroll(slug: str):
    course = catalog.get_course(slug) or abort(404)
    _, created = services.enroll(current_user.id, course)
    flash(f"You are enrolled in {course.title}." if created else "You were already enrolled.", "success")
    if request.form.get("then") == "start":  # the course page's Start button: enroll, then read
        lesson = services.course_state(current_user.id, course, catalog.first_lesson(course)).lesson
        if lesson is not None:
            return redirect(url_for("catalog.lesson", slug=lesson.slug, course=course.slug))
    return redirect(url_for("catalog.course", slug=course.slug))


@bp.post("/courses/<slug>/unenroll")
@login_required
def unenroll(slug: str):
    course = catalog.get_course(slug) or abort(404)
    if services.unenroll(current_user.id, course.id):
        flash(f"You left {course.title}. Your progress, answers and any certificate are kept: "
              "enroll again to pick up where you left off.", "success")
    else:
        flash(f"You are not enrolled in {course.title}.", "success")
    return redirect(url_for("catalog.course", slug=course.slug))


@bp.post("/lessons/<slug>/read")
@login_required
def mark_read(slug: str):
    lesson = catalog.get_lesson(slug) or abort(404)
    services.mark_read(current_user.id, lesson)
    flash("Marked as read." + (" Now take the practice quiz to complete the lesson." if lesson.question_count else ""), "success")
    return redirect(url_for("catalog.lesson", slug=lesson.slug, course=request.form.get("course") or None))


@bp.post("/account/time-zone")
@login_required
def set_time_zone():
    """The account page's time-zone form."""
    form = TimeZoneForm()
    if not form.validate_on_submit():
        abort(400, description=" ".join(form.time_zone.errors) or "Choose a time zone from the list.")
    services.set_time_zone(current_user.id, form.time_zone.data)
    flash(f"Time zone saved: {canonical_zone(form.time_zone.data)}. Your days begin at midnight there and times are shown in it.",
          "success")
    return redirect(url_for("accounts.account") + "#time-zone")


@bp.post("/account/time-zone/detected")
@login_required
def time_zone_detected():
    """Sent once by static/js/timezone.js while the learner's zone is unknown; never overrides one set."""
    form = TimeZoneForm()
    if not form.validate_on_submit():
        return {"error": {"status": 400, "message": " ".join(form.time_zone.errors) or "Unknown time zone."}}, 400
    services.set_time_zone(current_user.id, form.time_zone.data, only_if_unknown=True)
    return "", 204


@bp.get("/dashboard")
@login_required
def dashboard():
    if not current_app.config["LEARNER_SHELLS"]:
        now = review.now_utc()
        return render_template("progress/dashboard.html", body=Markup(_body(current_user, now).decode()))
    # The page around the body is everyone's: a shell, like the signed-in catalog pages' (pagecache.shell).
    frame = shell(("dashboard",), lambda: (render_template("progress/dashboard.html", body=slot("body"), slot=slot), None))
    visit = flask_visit()
    return frame.fill({**common_parts(visit), "body": _body(visit.user, review.now_utc())})


@lane.page("/dashboard", "progress.dashboard", exact=True)
def _fast_dashboard(visit: lane.Visit, _: str) -> bytes:
    """The dashboard on the signed-in fast path: the kept body (progress/cache.py) or, after a write, one
    rendered from the learner's parts (progress/dashboard.py), both reads, in the shared frame."""
    if visit.query:
        raise lane.NeedsFlask("a query string")
    frame = shell(("dashboard",), lane.not_rendered)
    return frame.fill({**common_parts(visit), "body": _body(visit.user, review.now_utc(), visit.conn)})


def _body(user, now, conn=None) -> bytes:
    # `user`: the User, or on the fast path its Learner (id, time zone, progress version, created_at) and
    # `conn` the fast path's connection (no ORM session is opened for the reads).
    def render():
        lane.need_request()  # templates read url_for and the like
        return parts.render(user, now, conn)
    return dashboard_cache.dashboard_body(user, now, render)


@bp.get("/certificates/<code>")
def certificate(code: str):
    """The public verification page of a certificate; `code` is its verification id."""
    found = services.find_certificate(code) or abort(404)
    return render_template("progress/certificate.html", certificate=found)
