"""Search: AND of words, quoted phrases, prefix on the last word, true totals with paging, snippets
cut at spaces with the matched words highlighted, course labels; hostile queries never 500.

Runs on SQLite (FTS5) and, with LEARNPATH_TEST_DATABASE_URL, on PostgreSQL (tsvector): the
expected results are the same on both.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from flask_migrate import upgrade

from learnpath import create_app, search as search_engine
from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db
from tests.conftest import build_app, dispose

FILLER_LESSONS = 120  # every one says "common": a query with more matches than five pages

SPECIAL = {
    # slug: (title, summary, body)
    "window-functions": ("Window functions in SQL", "Ranking rows.",
                         "## Over\n\nA window function computes across related rows while keeping every row."),
    "windows-and-functions": ("Windows and functions", "Two ideas.",
                              "## Apart\n\nThe browser window opened. Later, the function returned a value."),
    "only-window": ("Only a window", "Glass.", "A window lets light in."),
    "only-function": ("Only a function", "Maths.", "A function maps inputs to outputs."),
    "raft-lesson": ("Consensus", "Agreeing on a log.",
                    "## Raft\n\nRaft (Ongaro and Ousterhout, 2014) splits consensus into leader election and "
                    "log replication.\n\n**Build**: implement a replicated log.\n\n"
                    "Consensus systems (*ZAB*, *Raft*) give linearizable operations."),
    "markup-lesson": ("Escaping", "Text that looks like markup.",
                      "Write `<script>alert(1)</script>` in a code span: a searchable zebrafish word."),
}


def _write_pack(root: Path) -> Path:
    lessons = root / "lessons"
    lessons.mkdir(parents=True)
    (root / "topics.yaml").write_text("misc: Miscellany\n")
    fillers = [f"note-{i:03d}" for i in range(FILLER_LESSONS)]
    for slug in fillers:
        number = int(slug[-3:])
        (lessons / f"{slug}.md").write_text(
            f"---\nslug: {slug}\ntitle: Note {number}\nsummary: A common note, number {number}.\ntopics: [misc]\n---\n"
            f"## Part {number}\n\nThis is the common paragraph of note {number}, about nothing in particular.\n")
    for slug, (title, summary, body) in SPECIAL.items():
        (lessons / f"{slug}.md").write_text(
            f"---\nslug: {slug}\ntitle: {title}\nsummary: {summary}\ntopics: [misc]\n---\n{body}\n")
    special = list(SPECIAL)
    (root / "catalog.yaml").write_text(
        "tracks:\n"
        "  - slug: data\n    title: Data\n    courses:\n"
        f"      - slug: sql-course\n        title: SQL Course\n        summary: Queries.\n"
        f"        lessons: [{', '.join(special)}]\n"
        "  - slug: systems\n    title: Systems\n    courses:\n"
        f"      - slug: notes-course\n        title: Notes Course\n        summary: Many notes.\n"
        f"        lessons: [{', '.join(fillers)}]\n"
        f"      - slug: consensus-course\n        title: Consensus Course\n        summary: Agreement.\n"
        f"        lessons: [raft-lesson, window-functions]\n")
    return root


@pytest.fixture(scope="module")
def search_pack(tmp_path_factory) -> Path:
    return _write_pack(tmp_path_factory.mktemp("search-pack"))


@pytest.fixture(scope="module")
def app(search_pack, databases, tmp_path_factory):
    """One catalog for the whole module (searching writes nothing): importing it per test is slow."""
    folder = tmp_path_factory.mktemp("search-db")
    url = databases.create("search", folder)
    app = build_app(url, folder / "instance")
    with app.app_context():
        upgrade()
        import_pack(load_pack(search_pack))
    yield app
    dispose(app)
    databases.drop(url)


def _slugs(app, query: str, page: int = 1) -> set[str]:
    with app.app_context():
        return {h.slug for h in search_engine.search(db.session, query, page).hits}


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_words_are_anded_and_quoted_phrases_honoured(app):
    assert _slugs(app, "window") == {"window-functions", "windows-and-functions", "only-window"}
    # Both words, anywhere: not "either word".
    assert _slugs(app, "window function") == {"window-functions", "windows-and-functions"}
    # A quoted phrase: the words side by side, in order.
    assert _slugs(app, '"window function"') == {"window-functions"}
    assert _slugs(app, '"function window"') == set()
    with app.app_context():
        found = search_engine.search(db.session, "window function")
    # Lessons holding the words side by side rank first, whatever each database's score says.
    assert [h.slug for h in found.hits][0] == "window-functions"


def test_last_word_matches_as_a_prefix_while_typing(app):
    assert _slugs(app, "zebraf") == {"markup-lesson"}
    assert _slugs(app, "window func") == {"window-functions", "windows-and-functions"}
    # An unclosed quote is a phrase being typed: its last word is a prefix too.
    assert _slugs(app, '"window func') == {"window-functions"}
    # A closed phrase is complete: no prefix.
    assert _slugs(app, '"zebraf"') == set()
    # Only the last word is a prefix.
    assert _slugs(app, "zebraf common") == set()


def test_no_match_says_so(app, client):
    with app.app_context():
        found = search_engine.search(db.session, "kangaroo")
    assert (found.total, found.hits) == (0, [])
    page = client.get("/search?q=kangaroo").get_data(as_text=True)
    assert "0 results for “kangaroo”" in page and "Every word has to appear" in page
    body = client.get("/api/v1/search?q=kangaroo").get_json()
    assert body["total"] == 0 and body["results"] == []


def test_more_than_a_hundred_matches_are_counted_and_paged(app, client):
    seen: list[str] = []
    for page in range(1, 8):
        with app.app_context():
            found = search_engine.search(db.session, "common", page)
        assert found.total == FILLER_LESSONS
        assert len(found.hits) == (20 if page <= 6 else 0)
        seen += [h.slug for h in found.hits]
    assert len(seen) == len(set(seen)) == FILLER_LESSONS  # every match on exactly one page

    first = client.get("/search?q=common").get_data(as_text=True)
    assert "120 results for “common” · showing 1–20" in first and "Page 1 of 6" in first
    assert 'rel="next" href="/search?q=common&amp;page=2"' in first and 'rel="prev"' not in first
    last = client.get("/search?q=common&page=6").get_data(as_text=True)
    assert "showing 101–120" in last and 'rel="next"' not in last and 'rel="prev"' in last
    beyond = client.get("/search?q=common&page=9")
    assert beyond.status_code == 200 and "only 6 pages" in beyond.get_data(as_text=True)

    api = client.get("/api/v1/search?q=common&page=2").get_json()
    assert api["total"] == FILLER_LESSONS and api["page"] == 2 and api["per_page"] == 20
    assert len(api["results"]) == 20 and not {r["slug"] for r in api["results"]} & set(seen[:20])
    assert client.get("/api/v1/search?q=common&page=7").get_json() == {
        "query": "common", "page": 7, "per_page": 20, "total": FILLER_LESSONS, "results": []}


def test_every_lesson_matching_a_common_word_is_counted(app, client):
    # "the" is a stop word for PostgreSQL's English configuration: ours keeps it, as FTS5 does.
    with app.app_context():
        found = search_engine.search(db.session, "the")
    assert found.total >= FILLER_LESSONS and len(found.hits) == 20


def test_snippets_are_cut_at_words_and_not_mangled(app):
    with app.app_context():
        hits = {h.slug: h for h in search_engine.search(db.session, "raft").hits}
        build = search_engine.search(db.session, "build implement").hits
        zab = search_engine.search(db.session, "zab raft").hits
        body = db.session.execute(db.text("SELECT body_text FROM lesson WHERE slug = 'raft-lesson'")).scalar()
    snippet = hits["raft-lesson"].snippet_html
    assert "<mark>Raft</mark> (Ongaro and Ousterhout" in snippet
    assert "Raft Raft" not in _text(snippet)  # the heading is not glued to its paragraph
    assert [h.slug for h in build] == ["raft-lesson"]
    assert "<mark>Build</mark>: <mark>implement</mark> a replicated log." in build[0].snippet_html
    assert "(<mark>ZAB</mark>, <mark>Raft</mark>) give linearizable operations." in zab[0].snippet_html
    # Cut at spaces: the snippet's text is a run of whole words of one line of the lesson.
    for hit in [*hits.values(), *build, *zab]:
        text = _text(hit.snippet_html).strip("…")
        if hit.slug == "raft-lesson":
            line = next(l for l in [hit.summary, *body.split("\n")] if text in l)
            start = line.index(text)
            assert start == 0 or line[start - 1] == " "
            assert start + len(text) == len(line) or line[start + len(text)] == " "


def test_long_lines_are_cut_at_spaces_with_ellipses():
    from learnpath.search import _Matcher, _snippet, parse_query

    words = [f"word{i}" for i in range(200)]
    line = " ".join(words[:100] + ["target"] + words[100:])
    snippet = _snippet("A summary.", line, _Matcher(parse_query("target")))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>target</mark>" in snippet
    inner = _text(snippet).strip("…")
    assert inner in line and all(w in words or w == "target" for w in inner.split())
    assert len(inner) <= search_engine.SNIPPET_CHARS


def test_results_are_labelled_with_their_courses(app, client):
    with app.app_context():
        hit = search_engine.search(db.session, '"window function"').hits[0]
    assert [c.slug for c in hit.courses] == ["sql-course", "consensus-course"]
    page = client.get('/search?q="window function"').get_data(as_text=True)
    assert 'In <a href="/courses/sql-course">SQL Course</a>, <a href="/courses/consensus-course">' in page
    assert 'href="/lessons/window-functions?course=sql-course"' in page
    api = client.get('/api/v1/search?q="window function"').get_json()["results"][0]
    assert api["courses"] == [{"slug": "sql-course", "title": "SQL Course"},
                              {"slug": "consensus-course", "title": "Consensus Course"}]


def test_lesson_text_is_escaped_in_snippets(app, client):
    page = client.get("/search?q=zebrafish").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<mark>zebrafish</mark>" in page


HOSTILE = [
    '"', '""', '"""', "*", "**", "NEAR(a b)", "a OR b", "AND", "NOT", "-", "^", ":", "'", "\\", "''", "(((",
    '"unclosed phrase', "title:raft", "{raft zab}", "raft*", "ra*ft", "%", "_", "a'b", "x" * 1000, "ü" * 300,
    "日本語の検索", "🙂 raft", "\u200b", "\x00", "raft\x00zab", "  ", "DROP TABLE lesson;--", "$1", "@@", "<->", "!!",
    " ".join(["raft"] * 50),
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, query):
    page = client.get("/search", query_string={"q": query})
    api = client.get("/api/v1/search", query_string={"q": query})
    if "\x00" in query:  # refused before any view runs, as everywhere (tests/test_hostile.py)
        assert page.status_code == api.status_code == 400
        return
    assert page.status_code == 200, query
    if len(query) > search_engine.MAX_QUERY_CHARS:
        assert api.status_code == 400 and "at most 200 characters" in api.get_json()["error"]["message"]
    else:
        assert api.status_code == 200 and isinstance(api.get_json()["total"], int), query


def test_long_queries_are_cut_and_say_so(client):
    page = client.get("/search", query_string={"q": "raft " * 300}).get_data(as_text=True)
    assert "Only the first 12 words" in page


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "1e3", "99999999999999999999", "١"])
def test_bad_page_numbers_are_a_clear_400(client, page):
    html_page = client.get("/search", query_string={"q": "common", "page": page})
    assert html_page.status_code == 400
    assert "&#39;page&#39; must be a whole number from 1 to 1000." in html_page.get_data(as_text=True)
    api = client.get("/api/v1/search", query_string={"q": "common", "page": page})
    assert api.status_code == 400 and "'page' must be a whole number" in api.get_json()["error"]["message"]


def test_snippet_prefers_the_word_as_typed():
    from learnpath.search import _Matcher, _snippet, parse_query

    # Both lines match "numbered" once stemmed; the one with the word as typed is shown.
    assert _snippet("Sequence numbers.", "Every byte is numbered.", _Matcher(parse_query("numbered"))) == \
        "Every byte is <mark>numbered</mark>."
    assert _snippet("Sequence numbers.", "Every byte is numbered.", _Matcher(parse_query("numbers"))) == \
        "Sequence <mark>numbers</mark>."
