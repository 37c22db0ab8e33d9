"""Admin triage of learners' problem reports: /admin/reports (open first), resolve or dismiss with a note."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length

from learnpath.admin import admin_required, bp, reports
from learnpath.models.reports import REPORT_STATUSES


class CloseForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(list(reports.CLOSING), message="The action must be resolve or dismiss.")])
    note = TextAreaField("Note", validators=[Length(max=reports.NOTE_MAX)])


@bp.get("/reports")
@admin_required
def report_queue():
    status = request.args.get("status") or None
    if status is not None and status not in REPORT_STATUSES:
        abort(400, description=f"'status' must be one of {', '.join(REPORT_STATUSES)}.")
    return render_template("admin/reports.html", rows=reports.queue(status), status=status, statuses=REPORT_STATUSES,
                           counts=reports.counts(), form=CloseForm())


@bp.post("/reports/<int:report_id>")
@admin_required
def close_report(report_id: int):
    form = CloseForm()
    if not form.validate_on_submit():
        problems = [message for errors in form.errors.values() for message in errors]
        flash(" ".join(problems) or "The form could not be used; reload the page and try again.", "error")
        return redirect(url_for("admin.report_queue"))
    closed = reports.close(report_id, form.action.data, form.note.data, current_user.id)
    if closed is None:
        flash(f"Report {report_id} is not open (already closed, or no such report).", "error")
    else:
        flash(f"Report {report_id} {closed.status}.", "success")
    return redirect(url_for("admin.report_queue"))
