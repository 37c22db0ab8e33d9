"""Admin console pages. Thin views over admin services; every one behind admin_required."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from learnpath.admin import admin_required, bp
from learnpath.extensions import db
from learnpath.models import AuditEntry


@bp.get("/")
@admin_required
def index():
    recent = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(20)).all()
    return render_template("admin/index.html", audit=recent)
