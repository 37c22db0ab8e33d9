"""POST /questions/<id>/report: a learner reports a problem with a question they have answered."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from learnpath.accounts import services as accounts
from learnpath.admin import reports
from learnpath.models.reports import COMMENT_MAX, REPORT_REASONS
from learnpath.reports.forms import ReportForm

bp = Blueprint("reports", __name__)


@bp.app_template_global()
def report_reasons() -> dict[str, str]:
    return REPORT_REASONS


@bp.app_template_global()
def report_comment_max() -> int:
    return COMMENT_MAX


def _back(target: str | None) -> str:
    """Only a path on this site (no scheme, no //host): the form must not redirect elsewhere."""
    return accounts.safe_next(target) or url_for("accounts.account") + "#reports"


@bp.post("/questions/<int:question_id>/report")
@login_required
def report(question_id: int):
    question = reports.reportable(current_user.id, question_id)
    if question is None:
        abort(404)  # not a question, or not one this learner has answered
    form = ReportForm()
    status = 400
    if form.validate_on_submit():
        try:
            filed = reports.file_report(current_user.id, question.id, form.reason.data, form.comment.data)
        except reports.ReportError as error:
            form[error.field if error.field in form else "reason"].errors = [error.message]
            status = error.status
        else:
            flash("Thank you: your report was sent. You can follow it on your account page." if filed.created else
                  "You have already reported this question; your report is still open.", "success")
            return redirect(_back(form.next.data))
    return render_template("reports/report.html", question=question, form=form, back=_back(form.next.data)), status
