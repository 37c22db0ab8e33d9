"""Full-text search over lesson titles, summaries and bodies, native to each database.

The query language is the same on both databases: every word must match (AND), "quoted words"
must match as a phrase, and the last word also matches as a prefix (results while typing) unless
it closes a quoted phrase. Lessons holding all the words side by side rank first.

SQLite: an FTS5 table `lesson_fts` (rowid = lesson id, porter stemming) kept up to date by the
content import, ranked with bm25 (title weighted 10x, summary 4x).
PostgreSQL: a stored, weighted tsvector column `lesson.search_vector` that the database computes
from the title, summary and text (migration 0010), with a GIN index. Its `learnpath_english`
configuration stems English words but keeps stop words, as FTS5 does, and punctuation is turned
into spaces first, so that PostgreSQL's parser sees the words FTS5's unicode61 tokenizer sees (no
special tokens for "database/sql", "node.js", "3.14"): "the", "to be or not" or "http/2" find the
same lessons on both databases. Ranked with ts_rank.

The database matches, counts (the true total) and ranks; the page of hits is then labelled with its
courses and highlighted here, in Python, so titles and snippets come out the same on both
databases: a snippet is a window of one block of the lesson (a heading, a paragraph, a list item),
cut at spaces, holding the most query words. Text is HTML-escaped before <mark> is added, so
lesson text can never inject markup.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from learnpath.models import Course, CourseLesson

# Objects the migrations create outside the ORM metadata; autogenerate/`db check` ignore them.
SEARCH_OBJECTS = ("lesson_fts", "ix_lesson_search", "search_vector")


def is_search_object(obj, name, type_, reflected, compare_to) -> bool:
    return bool(reflected and name and name.startswith(SEARCH_OBJECTS))


PER_PAGE = 20
MAX_PAGE = 1000
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
SNIPPET_CHARS = 220  # about 35 words
SNIPPET_CONTEXT = 40  # characters shown before the first match
PG_CONFIG = "learnpath_english"
# A word as FTS5's unicode61 tokenizer sees one: letters and digits; '_' and punctuation separate.
WORD_RE = re.compile(r"[^\W_]+")


# ---- the query ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[tuple[str, ...], ...]  # in query order; a quoted phrase is one group, a bare word its own
    prefix_last: bool  # the last word also matches as a prefix
    truncated: bool  # the text was longer than MAX_QUERY_CHARS or had more than MAX_QUERY_WORDS words

    @property
    def words(self) -> list[str]:
        return [w for g in self.groups for w in g]

    def near(self) -> ParsedQuery | None:
        """Every word side by side in query order: the lessons that rank first."""
        if len(self.groups) < 2:
            return None
        return ParsedQuery((tuple(self.words),), self.prefix_last, self.truncated)

    def fts5(self) -> str:
        # Each word is letters and digits only, so inside double quotes nothing is FTS5 syntax.
        match = " ".join('"' + " ".join(g) + '"' for g in self.groups)
        return match + "*" if self.prefix_last else match

    def tsquery(self) -> str:
        parts = []
        for gi, group in enumerate(self.groups):
            last_group = gi == len(self.groups) - 1
            lexemes = [f"'{w}'" + (":*" if last_group and wi == len(group) - 1 and self.prefix_last else "")
                       for wi, w in enumerate(group)]
            parts.append("(" + " <-> ".join(lexemes) + ")")
        return " & ".join(parts)


def parse_query(text: str) -> ParsedQuery:
    """Words outside quotes are ANDed; words inside a pair of double quotes form a phrase.
    An unclosed quote is a phrase being typed: its last word is a prefix."""
    truncated = len(text) > MAX_QUERY_CHARS
    segments = text[:MAX_QUERY_CHARS].lower().split('"')
    closed_quotes = len(segments) % 2 == 1  # an even count of '"' splits into an odd count of segments
    groups: list[tuple[str, ...]] = []
    last_closed_phrase = False
    budget = MAX_QUERY_WORDS
    for i, segment in enumerate(segments):
        words = WORD_RE.findall(segment)
        if len(words) > budget:
            words, truncated = words[:budget], True
        if not words:
            continue
        budget -= len(words)
        quoted = i % 2 == 1
        if quoted:
            groups.append(tuple(words))
        else:
            groups.extend((w,) for w in words)
        last_closed_phrase = quoted and (closed_quotes or i < len(segments) - 1)
    return ParsedQuery(tuple(groups), bool(groups) and not last_closed_phrase, truncated)


# ---- results -----------------------------------------------------------------------------------

@dataclass
class CourseLabel:
    slug: str
    title: str


@dataclass
class Hit:
    slug: str
    title: str
    summary: str
    title_html: str
    snippet_html: str
    rank: float
    courses: list[CourseLabel] = field(default_factory=list)


@dataclass
class SearchPage:
    query: ParsedQuery
    hits: list[Hit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """1-based number of the first hit on this page (0 when the page is empty)."""
        return (self.page - 1) * self.per_page + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0


def page_number(raw: str | None) -> int:
    """The page a request asks for (1 when absent); ValueError, with a message to show, otherwise."""
    if raw is None or raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ValueError(f"'page' must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)


def search(session: Session, text: str, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
    """One page of lessons matching `text`, best first, with the total count of matches."""
    query = parse_query(text)
    if not query.groups:
        return SearchPage(query, [], 0, page, per_page)
    offset = (page - 1) * per_page
    if session.get_bind().dialect.name == "sqlite":
        rows, total = _sqlite_page(session, query, offset, per_page)
    else:
        rows, total = _postgres_page(session, query, offset, per_page)
    matcher = _Matcher(query)
    hits = [Hit(r.slug, r.title, r.summary, matcher.highlight(r.title),
                _snippet(r.summary or "", r.body_text or "", matcher), float(r.score)) for r in rows]
    _label_courses(session, hits, [r.id for r in rows])
    return SearchPage(query, hits, total, page, per_page)


def _sqlite_page(session: Session, query: ParsedQuery, offset: int, limit: int):
    near = query.near()
    params = {"match": query.fts5(), "limit": limit, "offset": offset}
    near_sql = "0"
    if near is not None:
        near_sql = "l.id IN (SELECT rowid FROM lesson_fts WHERE lesson_fts MATCH :near)"
        params["near"] = near.fts5()
    # bm25() cannot sit beside a window function: the matches are ranked in a CTE first.
    rows = session.execute(sa.text(
        "WITH matched AS MATERIALIZED (SELECT rowid AS id, bm25(lesson_fts, 10.0, 4.0, 1.0) AS bm25 "
        "FROM lesson_fts WHERE lesson_fts MATCH :match) "
        "SELECT l.id, l.slug, l.title, l.summary, l.body_text, -m.bm25 AS score, "
        f"{near_sql} AS near, count(*) OVER () AS total "
        "FROM matched m JOIN lesson l ON l.id = m.id WHERE NOT l.retired "
        "ORDER BY near DESC, score DESC, l.slug LIMIT :limit OFFSET :offset"
    ), params).all()
    return _with_total(rows, offset, lambda: session.scalar(sa.text(
        "SELECT count(*) FROM lesson_fts JOIN lesson l ON l.id = lesson_fts.rowid "
        "WHERE lesson_fts MATCH :match AND NOT l.retired"), {"match": params["match"]}))


def _postgres_page(session: Session, query: ParsedQuery, offset: int, limit: int):
    near = query.near()
    params = {"q": query.tsquery(), "near": (near or query).tsquery(), "limit": limit, "offset": offset}
    rows = session.execute(sa.text(
        "SELECT id, slug, title, summary, body_text, ts_rank(search_vector, q) AS score, "
        "search_vector @@ nq AS near, count(*) OVER () AS total "
        f"FROM lesson, to_tsquery('{PG_CONFIG}', :q) q, to_tsquery('{PG_CONFIG}', :near) nq "
        "WHERE NOT retired AND search_vector @@ q "
        "ORDER BY near DESC, score DESC, slug LIMIT :limit OFFSET :offset"
    ), params).all()
    return _with_total(rows, offset, lambda: session.scalar(sa.text(
        f"SELECT count(*) FROM lesson WHERE NOT retired AND search_vector @@ to_tsquery('{PG_CONFIG}', :q)"
    ), {"q": params["q"]}))


def _with_total(rows, offset: int, count_matches) -> tuple[list, int]:
    """The page's rows and the number of all matches: read beside every row (count(*) OVER ()), or
    counted apart when the page is past the last one and holds no row to read it from."""
    if rows or offset == 0:
        return rows, rows[0].total if rows else 0
    return rows, count_matches()


def _label_courses(session: Session, hits: list[Hit], lesson_ids: list[int]) -> None:
    """Each hit's active courses, in catalog order: one query for the page."""
    if not hits:
        return
    by_lesson: dict[int, list[CourseLabel]] = {}
    for lesson_id, slug, title in session.execute(
        sa.select(CourseLesson.lesson_id, Course.slug, Course.title).join(Course, Course.id == CourseLesson.course_id)
        .where(CourseLesson.lesson_id.in_(lesson_ids), ~Course.retired).order_by(Course.position, Course.slug)
    ):
        by_lesson.setdefault(lesson_id, []).append(CourseLabel(slug, title))
    for hit, lesson_id in zip(hits, lesson_ids):
        hit.courses = by_lesson.get(lesson_id, [])


# ---- highlighting and snippets -----------------------------------------------------------------

# Both databases stem words (Porter on SQLite, Snowball on PostgreSQL). Highlighting only needs to
# spot the words that made a lesson match, so a few common English endings are cut from both sides
# instead: "caching", "cached" and "cache" all become "cach".
_ENDINGS = ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s", "e")


def _fold(word: str) -> str:
    """Lower case without accents, as FTS5's unicode61 tokenizer compares words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _root(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


class _Matcher:
    def __init__(self, query: ParsedQuery):
        words = [_fold(w) for w in query.words]
        self.words = words
        self.roots = {_root(w): i for i, w in enumerate(words)}
        self.prefix = (words[-1], len(words) - 1) if query.prefix_last and words else None
        self.term_count = len(set(self.roots.values()) | ({self.prefix[1]} if self.prefix else set()))
        # Whole words starting like a query word: found by the regex engine, confirmed by term().
        starts = sorted({*self.roots, *([self.prefix[0]] if self.prefix else [])}, key=len, reverse=True)
        self._candidates = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, starts)) + r")[^\W_]*",
                                      re.IGNORECASE)
        self._seen: dict[str, int | None] = {}

    def term(self, token: str) -> int | None:
        """The index of the query word this text word matches, or None."""
        if token not in self._seen:
            folded = _fold(token)
            found = self.roots.get(_root(folded))
            if found is None and self.prefix and folded.startswith(self.prefix[0]):
                found = self.prefix[1]
            self._seen[token] = found
        return self._seen[token]

    def as_typed(self, token: str, term: int) -> bool:
        """The word as the learner typed it ("numbered"), not only a form of it ("numbers")."""
        folded = _fold(token)
        return folded == self.words[term] or bool(self.prefix and term == self.prefix[1] and folded.startswith(self.prefix[0]))

    def hits(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[re.Match, int]]:
        """The words of text[start:end] matching the query, with the query word each matches."""
        found = []
        for m in self._candidates.finditer(text, start, len(text) if end is None else end):
            term = self.term(m.group())
            if term is not None:
                found.append((m, term))
        return found

    def highlight(self, text: str, start: int = 0, end: int | None = None) -> str:
        """text[start:end], escaped, with every matching word in <mark>."""
        end = len(text) if end is None else end
        out, last = [], start
        for m, _ in self.hits(text, start, end):
            out.append(html.escape(text[last:m.start()]))
            out.append(f"<mark>{html.escape(m.group())}</mark>")
            last = m.end()
        out.append(html.escape(text[last:end]))
        return "".join(out)


def _best_window(hits: list[tuple[re.Match, int]], term_count: int) -> tuple[int, int]:
    """(number of distinct query words, offset of the first) of the SNIPPET_CHARS-long stretch
    holding the most distinct query words, the earliest of equals."""
    best, counts, right = (0, 0), {}, 0
    for left, (first, _) in enumerate(hits):
        while right < len(hits) and hits[right][0].end() <= first.start() + SNIPPET_CHARS:
            counts[hits[right][1]] = counts.get(hits[right][1], 0) + 1
            right += 1
        if len(counts) > best[0]:
            best = (len(counts), first.start())
            if len(counts) == term_count:
                break  # every query word in one stretch: nothing later does better
        term = hits[left][1]
        counts[term] -= 1
        if not counts[term]:
            del counts[term]
    return best


def _snippet(summary: str, body_text: str, matcher: _Matcher) -> str:
    """The best stretch of one block (the summary or a line of the body: a heading, a paragraph, a
    list item), cut at spaces, with '…' where it cuts the block; the summary's start when no block
    holds a query word (a match in the title only)."""
    best = None  # ((distinct words, words as typed, block length up to 80 characters), block, offset of the first match)
    for block in [summary, *body_text.split("\n")]:
        hits = matcher.hits(block)
        if not hits:
            continue
        distinct, first = _best_window(hits, matcher.term_count)
        as_typed = len({term for m, term in hits if matcher.as_typed(m.group(), term)})
        score = (distinct, as_typed, min(len(block), 80))  # a bare heading loses to a sentence with the same words
        if best is None or score > best[0]:
            best = (score, block, first)
    _, block, first = best or (None, summary, 0)
    start = max(0, min(first - SNIPPET_CONTEXT, len(block) - SNIPPET_CHARS))
    if start > 0:
        start = block.rfind(" ", 0, start + 1) + 1
    end = len(block)
    if start + SNIPPET_CHARS < end:
        cut = block.rfind(" ", first + 1, start + SNIPPET_CHARS)
        end = cut if cut > 0 else (block.find(" ", start + SNIPPET_CHARS) % (len(block) + 1) or len(block))
    return ("…" if start > 0 else "") + matcher.highlight(block, start, end) + ("…" if end < len(block) else "")


# ---- the SQLite index --------------------------------------------------------------------------

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
