"""What `flask content import` did each time it ran: shown on the admin console's content page."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath.extensions import db
from learnpath.models._types import UTCDateTime, utcnow

IMPORT_STATUSES = ("imported", "refused")


class ContentImport(db.Model):
    """One run of the content import: its summary, or the problems that made it refuse the pack.

    A refused import changes nothing in the catalog, so this row is the only trace of it; it is
    written after the import's own transaction has rolled back.
    """

    __tablename__ = "content_import"
    __table_args__ = (sa.CheckConstraint("status IN ('imported', 'refused')", name="status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    finished_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(500), default="")  # the pack's path as given
    status: so.Mapped[str] = so.mapped_column(sa.String(12))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # "created 3 lessons; updated 1 questions"
    # The validation problems ("lessons/tcp.md:12: ...") when refused; capped (PROBLEMS_KEPT).
    problems: so.Mapped[list[Any]] = so.mapped_column(sa.JSON, default=list)
    problem_count: so.Mapped[int] = so.mapped_column(default=0)
    catalog_version: so.Mapped[str | None] = so.mapped_column(sa.String(32))


PROBLEMS_KEPT = 500  # a pack broken everywhere could list thousands; the count says how many in all
