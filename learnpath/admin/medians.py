"""Medians inside a GROUP BY, on PostgreSQL and SQLite alike: the one helper every admin figure uses.

PostgreSQL computes the median itself (percentile_cont(0.5)); SQLite has no percentile function, so
the same aggregate hands back the group's values (group_concat) and `read_median` finishes in Python.
Either way the median of an even count is the mean of the two middle values (percentile_cont
interpolates; statistics.median averages), and NULL values are left out.
"""
from __future__ import annotations

import statistics
from typing import Any

import sqlalchemy as sa

from learnpath.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def median_of(value: Any) -> Any:
    """An aggregate to put in a GROUP BY query; read its result with `read_median`."""
    if _dialect() == "postgresql":
        return sa.func.percentile_cont(0.5).within_group(value)
    return sa.func.group_concat(value)


def read_median(aggregate: Any) -> float | None:
    """The median from `median_of`'s result: None for a group with no values."""
    if aggregate is None:
        return None
    if isinstance(aggregate, str):  # SQLite: "4000,1000,9000"
        return median([float(v) for v in aggregate.split(",")])
    return float(aggregate)


def median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def seconds_between(start: Any, end: Any) -> Any:
    """end − start in seconds, as a number the median can take (timestamps stored by UTCDateTime)."""
    if _dialect() == "postgresql":
        return sa.func.extract("epoch", end - start)
    # SQLite keeps the times as text; julianday() reads them (to the millisecond, hence the rounding).
    return sa.func.round((sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0, 3)
