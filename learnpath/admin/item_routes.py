"""Admin pages for item analysis: /admin/questions (flagged first) and /admin/questions/<id>."""
from __future__ import annotations

from flask import abort, render_template, request

from learnpath.admin import admin_required, bp, items, reports
from learnpath.extensions import db
from learnpath.models import Question

PER_PAGE = 100


def _page() -> int:
    value = request.args.get("page", "1")
    if not (value.isascii() and value.isdigit() and len(value) <= 7) or int(value) < 1:
        abort(400, description="'page' must be a whole number from 1 to 9999999.")
    return int(value)


@bp.get("/questions")
@admin_required
def questions():
    flagged_only = request.args.get("flagged") == "1"
    page = _page()
    stats = items.analyse()
    shown = [item for item in stats if item.flags] if flagged_only else stats
    pages = max(1, -(-len(shown) // PER_PAGE))
    rows = shown[(page - 1) * PER_PAGE: page * PER_PAGE]
    return render_template(
        "admin/items.html", rows=rows, total=len(shown), flagged_count=sum(1 for s in stats if s.flags),
        flagged_only=flagged_only, page=page, pages=pages, alphas=items.lesson_alphas(),
        open_reports=reports.open_counts([r.question_id for r in rows]), min_attempts=items.flag_threshold(),
        flag_labels=items.FLAG_LABELS, too_hard=items.TOO_HARD, too_easy=items.TOO_EASY)


@bp.get("/questions/<int:question_id>")
@admin_required
def question(question_id: int):
    if question_id > reports.MAX_ID:
        abort(404)
    q = db.get_or_404(Question, question_id)
    found = items.analyse([q.id])
    question_reports = reports.queue(question_id=q.id)
    return render_template("admin/items_detail.html", q=q, stats=found[0] if found else None,
                           reports=question_reports, min_attempts=items.flag_threshold(),
                           flag_labels=items.FLAG_LABELS)
