"""Saving part of an attempt's draft: the answers, notes and times of some questions, merged in the database.

A page of a paged quiz posts only its own questions, and two tabs may save different pages of
the same attempt at once. Reading the draft, changing it in Python and writing it back would
let the later write undo the earlier one; the merge is one UPDATE whose new value is computed
from the row's current value instead (PostgreSQL re-reads a row changed under it before
updating it; SQLite runs one writer at a time), so every page's answers survive.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from learnpath.extensions import db, prepared


@prepared
def _merge_update(dialect: str):
    if dialect == "postgresql":
        def merged(column: str) -> str:
            current = (f"CASE WHEN jsonb_typeof({column}::jsonb) = 'object' THEN {column}::jsonb "
                       f"ELSE '{{}}'::jsonb END")
            return f"((({current}) - CAST(:{column}_keys AS text[])) || CAST(:{column}_values AS jsonb))::json"
    else:
        # json_patch is RFC 7396 merge-patch: a null removes a key. Removing first, then adding,
        # replaces each value whole (a merge-patch alone would merge nested objects).
        def merged(column: str) -> str:
            return f"json_patch(json_patch(coalesce({column}, '{{}}'), :{column}_keys), :{column}_values)"
    return sa.text(f"UPDATE attempt SET draft = {merged('draft')}, notes = {merged('notes')}, "
                   f"times_ms = {_larger_times(dialect)} WHERE id = :attempt_id AND status = 'in_progress'")


def _larger_times(dialect: str) -> str:
    """attempt.times_ms merged with :times_values, keeping the larger total of each question (a page
    posts a question's total so far: a stale page must not lower it)."""
    if dialect == "postgresql":
        return ("(SELECT coalesce(json_object_agg(key, ms), '{}'::json) FROM (SELECT key, max(value::bigint) AS ms FROM ("
                "SELECT key, value FROM json_each_text(CASE WHEN json_typeof(attempt.times_ms) = 'object' "
                "THEN attempt.times_ms ELSE '{}'::json END) "
                "UNION ALL SELECT key, value FROM json_each_text(CAST(:times_values AS json))) AS sent GROUP BY key) AS merged)")
    return ("(SELECT json_group_object(key, ms) FROM (SELECT key, max(value) AS ms FROM ("
            "SELECT key, value FROM json_each(CASE WHEN json_type(attempt.times_ms) = 'object' THEN attempt.times_ms "
            "ELSE '{}' END) UNION ALL SELECT key, value FROM json_each(:times_values)) GROUP BY key))")


def _params(column: str, dialect: str, values: dict[int, Any]) -> dict[str, Any]:
    keys = [str(qid) for qid in values]
    kept = {str(qid): value for qid, value in values.items() if value is not None}
    removed: Any = keys if dialect == "postgresql" else json.dumps(dict.fromkeys(keys))
    return {f"{column}_keys": removed, f"{column}_values": json.dumps(kept)}


def merge(attempt_id: int, responses: dict[int, Any], notes: dict[int, dict[str, Any]] | None = None,
          times: dict[int, int] | None = None) -> bool:
    """Set these questions' saved responses (None: unanswered) and notes, and raise their times to
    `times` (ms so far) where larger; leave every other question's as stored. False when the attempt
    is no longer in progress. Does not commit."""
    dialect = db.session.get_bind().dialect.name
    params = {"attempt_id": attempt_id, **_params("draft", dialect, responses), **_params("notes", dialect, notes or {}),
              "times_values": json.dumps({str(qid): ms for qid, ms in (times or {}).items()})}
    return db.session.execute(_merge_update(), params).rowcount == 1


def note(flagged: bool, confidence: str | None) -> dict[str, Any] | None:
    """One question's notes as stored (None: nothing to keep)."""
    if not flagged and confidence is None:
        return None
    return {"flagged": flagged, **({"confidence": confidence} if confidence else {})}
