"""Full-text search over lesson titles, summaries and bodies, native to each database.

SQLite: an FTS5 table `lesson_fts` (rowid = lesson id) kept up to date by the content import,
ranked with bm25 (title weighted 10x, summary 4x) and highlighted with snippet().
PostgreSQL: a weighted tsvector expression with a GIN index (created by the migration),
ranked with ts_rank and highlighted with ts_headline. Both return the same `Hit` shape.
Highlights arrive with control-character markers and are HTML-escaped before <mark> is added,
so lesson text can never inject markup.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

START, END = "\x02", "\x03"
# Objects the migration creates outside the ORM metadata; autogenerate/`db check` ignore them.
SEARCH_OBJECTS = ("lesson_fts", "ix_lesson_search")


def is_search_object(obj, name, type_, reflected, compare_to) -> bool:
    return bool(reflected and name and name.startswith(SEARCH_OBJECTS))
MAX_QUERY_TERMS = 12
PG_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(body_text, '')), 'C')"
)


@dataclass
class Hit:
    slug: str
    title: str
    summary: str
    title_html: str
    snippet_html: str
    rank: float


def _terms(query: str) -> list[str]:
    return re.findall(r"\w+", query.lower())[:MAX_QUERY_TERMS]


def _marked_to_html(text: str) -> str:
    return html.escape(text).replace(START, "<mark>").replace(END, "</mark>")


def reindex(session: Session, lesson_ids: list[int]) -> None:
    if session.get_bind().dialect.name != "sqlite" or not lesson_ids:
        return  # PostgreSQL's index is an expression index: always current.
    for start in range(0, len(lesson_ids), 500):
        chunk = lesson_ids[start:start + 500]
        params = {f"id{i}": lid for i, lid in enumerate(chunk)}
        placeholders = ", ".join(f":{k}" for k in params)
        session.execute(sa.text(f"DELETE FROM lesson_fts WHERE rowid IN ({placeholders})"), params)
        session.execute(sa.text(
            "INSERT INTO lesson_fts (rowid, title, summary, body) "
            f"SELECT id, title, summary, body_text FROM lesson WHERE retired = 0 AND id IN ({placeholders})"
        ), params)


def search(session: Session, query: str, limit: int = 20) -> list[Hit]:
    terms = _terms(query)
    if not terms:
        return []
    if session.get_bind().dialect.name == "sqlite":
        # Every term must match; the last one also as a prefix, so results appear while typing.
        match = " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*'
        rows = session.execute(sa.text(
            "SELECT l.slug, l.title, l.summary, "
            "highlight(lesson_fts, 0, :s, :e) AS title_hl, "
            "snippet(lesson_fts, 2, :s, :e, '…', 24) AS body_hl, "
            "snippet(lesson_fts, 1, :s, :e, '…', 24) AS summary_hl, "
            "bm25(lesson_fts, 10.0, 4.0, 1.0) AS rank "
            "FROM lesson_fts JOIN lesson l ON l.id = lesson_fts.rowid "
            "WHERE lesson_fts MATCH :match ORDER BY rank LIMIT :limit"
        ), {"match": match, "s": START, "e": END, "limit": limit}).all()
        hits = []
        for row in rows:
            snippet = row.body_hl if START in (row.body_hl or "") else row.summary_hl
            hits.append(Hit(row.slug, row.title, row.summary, _marked_to_html(row.title_hl),
                            _marked_to_html(snippet or row.summary), -row.rank))
        return hits
    tsquery = " & ".join(f"{t}:*" if i == len(terms) - 1 else t for i, t in enumerate(terms))
    rows = session.execute(sa.text(
        f"SELECT slug, title, summary, ts_rank({PG_VECTOR}, q) AS rank, "
        "ts_headline('english', title, q, :opts_title) AS title_hl, "
        "ts_headline('english', coalesce(summary, '') || ' ' || coalesce(body_text, ''), q, :opts) AS body_hl "
        f"FROM lesson, to_tsquery('english', :q) q WHERE NOT retired AND ({PG_VECTOR}) @@ q "
        "ORDER BY rank DESC, slug LIMIT :limit"
    ), {
        "q": tsquery, "limit": limit,
        "opts": f"StartSel={START}, StopSel={END}, MaxWords=35, MinWords=15, MaxFragments=1",
        "opts_title": f"StartSel={START}, StopSel={END}, HighlightAll=true",
    }).all()
    return [Hit(r.slug, r.title, r.summary, _marked_to_html(r.title_hl), _marked_to_html(r.body_hl), float(r.rank))
            for r in rows]
