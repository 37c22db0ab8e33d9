"""Compare search on two databases holding the same catalog: totals, result sets and snippets.

    .venv/bin/python tools/search_compare.py sqlite:///instance/learnpath.sqlite3 \
        postgresql+psycopg://postgres@127.0.0.1:5432/learnpath the "window function" '"window function"' raft

Each query prints the two totals and whether the matching lessons and their snippets are the same;
the order within a page may differ (bm25 on SQLite, ts_rank on PostgreSQL).
"""
from __future__ import annotations

import sys

from learnpath import create_app, search
from learnpath.extensions import db


def results(url: str, queries: list[str]) -> dict[str, tuple[int, dict[str, str]]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "compare"})
    with app.app_context():
        out = {}
        for query in queries:
            found = search.search(db.session, query, per_page=search.MAX_PAGE)
            out[query] = (found.total, {h.slug: h.snippet_html for h in found.hits})
        return out


def main(first: str, second: str, queries: list[str]) -> int:
    a, b = results(first, queries), results(second, queries)
    differ = 0
    for query in queries:
        (total_a, hits_a), (total_b, hits_b) = a[query], b[query]
        same = total_a == total_b and hits_a == hits_b
        differ += not same
        print(f"{query!r}: {total_a} / {total_b} {'same' if same else 'DIFFERENT'}")
        if set(hits_a) != set(hits_b):
            print(f"    only in the first: {sorted(set(hits_a) - set(hits_b))}; "
                  f"only in the second: {sorted(set(hits_b) - set(hits_a))}")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
