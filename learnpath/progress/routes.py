from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from learnpath.catalog import services as catalog
from learnpath.extensions import db
from learnpath.models import Course, Enrollment, User
from learnpath.progress import bp, cache as dashboard_cache, charts, services
from learnpath.review import services as review


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


@bp.get("/dashboard")
@login_required
def dashboard():
    now = review.now_utc()
    body = dashboard_cache.dashboard_body(current_user, now, lambda: _dashboard_body(current_user, now))
    return render_template("progress/dashboard.html", body=body)


def _dashboard_body(user: User, now: datetime) -> tuple[str, datetime]:
    """The dashboard's content, and the first moment its time-dependent figures change: the next
    UTC midnight (streak, heat map) or the next review card falling due (due count, what next)."""
    uid = user.id
    today = now.date()
    enrollments = db.session.execute(
        sa.select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == uid, Enrollment.unenrolled_at.is_(None), ~Course.retired)
        .order_by(Enrollment.enrolled_at)
    ).all()
    course_ids = [c.id for _, c in enrollments]
    stats = {s.course_id: s for s in services.course_stats(uid, course_ids)}
    activity = services.daily_activity(uid)
    current_streak, longest_streak = services.streaks(list(activity), today)
    cells, heat_width = charts.heatmap(activity, today)
    active_last_year = sum(1 for c in cells if c.count)
    answers_last_year = sum(c.count for c in cells)
    results = services.recent_results(uid)
    mastery = review.topic_mastery(uid, now, user.desired_retention)
    weakest = [m for m in mastery if m.level != "mastered"][:5]
    due, next_due = review.due_summary(uid, now)
    body = render_template(
        "progress/_dashboard_body.html", enrollments=enrollments, stats=stats,
        next_up=services.next_lessons(uid, course_ids), totals=services.totals(uid),
        trend=charts.trend([(r.submitted_at, r.percent, r.title) for r in reversed(results)]),
        topics=services.topic_accuracy(uid), active_last_year=active_last_year, answers_last_year=answers_last_year,
        current_streak=current_streak, longest_streak=longest_streak,
        heatmap_svg=charts.heatmap_svg(cells, heat_width, f"Activity calendar: {answers_last_year} answers on "
                                                          f"{active_last_year} days in the last 365 days"),
        recent=results[:8], resume=services.continue_where_left_off(uid), mastery=mastery, weakest=weakest,
        weakest_lessons=review.lessons_for_topics([m.slug for m in weakest]),
        next_action=review.what_next(user, now, mastery, due), due=due,
    )
    midnight = datetime.combine(today + timedelta(days=1), time.min, timezone.utc)
    return body, min(midnight, next_due or midnight)


@bp.get("/certificates/<code>")
def certificate(code: str):
    row = db.session.execute(
        sa.select(Enrollment, Course, User).join(Course, Course.id == Enrollment.course_id)
        .join(User, User.id == Enrollment.user_id).where(Enrollment.certificate_code == code)
    ).first() or abort(404)
    enrollment, course, user = row
    return render_template("progress/certificate.html", enrollment=enrollment, course=course, learner=user)
