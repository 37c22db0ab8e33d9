"""Admin console pages. Thin views over admin services; every one behind admin_required, every
form with its CSRF token."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from learnpath.accounts.forms import ConfirmForm
from learnpath.admin import admin_required, bp, services
from learnpath.errors import error_response
from learnpath.extensions import db
from learnpath.models import Course, User
from learnpath.models.accounts import ROLES


class DeleteLearnerForm(FlaskForm):
    email = StringField("Type the account's email address to confirm", validators=[DataRequired(), Length(max=254)])


def _acting_admin() -> User:
    return current_user._get_current_object()


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.get("/")
@admin_required
def index():
    return render_template("admin/index.html", overview=services.overview())


@bp.get("/learners")
@admin_required
def learners():
    try:
        listing = services.listing_from(request.args)
    except services.AdminError as exc:
        return error_response(400, str(exc))
    return render_template("admin/learners.html", listing=listing,
                           sorts=services.SORTS, shows=services.SHOWS)


@bp.get("/learners/<int:user_id>")
@admin_required
def learner(user_id: int):
    record = services.learner(user_id)
    if record is None:
        abort(404)
    return render_template("admin/learner.html", record=record, confirm=ConfirmForm(),
                           delete=DeleteLearnerForm(prefix="delete"), roles=ROLES)


def _act(user_id: int, action, done: str):
    """Run one action on a learner and come back to their page with what happened."""
    _confirmed()
    target = _target(user_id)
    try:
        message = action(target)
    except services.AdminError as exc:
        flash(str(exc), "error")
    else:
        flash(message or done.format(email=target.email), "success" if message is None else "info")
    return redirect(url_for("admin.learner", user_id=user_id))


@bp.post("/learners/<int:user_id>/disable")
@admin_required
def disable(user_id: int):
    return _act(user_id, lambda t: None if services.set_disabled(_acting_admin(), t, True)
                else f"{t.email} was disabled already.", "{email} is disabled: every session and token has ended.")


@bp.post("/learners/<int:user_id>/enable")
@admin_required
def enable(user_id: int):
    return _act(user_id, lambda t: None if services.set_disabled(_acting_admin(), t, False)
                else f"{t.email} was enabled already.", "{email} can log in again.")


@bp.post("/learners/<int:user_id>/role")
@admin_required
def role(user_id: int):
    wanted = request.form.get("role", "")
    return _act(user_id, lambda t: None if services.set_role(_acting_admin(), t, wanted)
                else f"{t.email} is {wanted} already.", "{email} is now " + ("an admin." if wanted == "admin" else "a learner."))


@bp.post("/learners/<int:user_id>/reset-link")
@admin_required
def reset_link(user_id: int):
    return _act(user_id, lambda t: services.send_reset_link(_acting_admin(), t),
                "A password-reset link was mailed to {email}.")


@bp.post("/learners/<int:user_id>/delete")
@admin_required
def delete(user_id: int):
    target = _target(user_id)
    form = DeleteLearnerForm(prefix="delete")
    if form.validate_on_submit():
        email = target.email
        try:
            services.delete_learner(_acting_admin(), target, form.email.data)
        except services.AdminError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(f"The account {email} and all its history were deleted.", "success")
            return redirect(url_for("admin.learners"))
    elif not form.email.errors:
        form.email.errors.append("Type the account's email address to confirm the deletion.")
    record = services.learner(user_id)
    return render_template("admin/learner.html", record=record, confirm=ConfirmForm(), delete=form, roles=ROLES), 400


@bp.get("/courses")
@admin_required
def courses():
    return render_template("admin/courses.html", courses=services.courses())


@bp.get("/courses/<slug>")
@admin_required
def course(slug: str):
    found = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if found is None:
        abort(404)
    return render_template("admin/course.html", report=services.course_report(found))


@bp.get("/content")
@admin_required
def content():
    return render_template("admin/content.html", state=services.content_state())
