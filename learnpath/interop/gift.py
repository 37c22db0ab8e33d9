"""Moodle GIFT in and out (docs: https://docs.moodle.org/en/GIFT_format).

The parser follows Moodle's own reader (question/format/gift/format.php) rule for rule, so a file
Moodle accepts reads the same here: blank lines separate questions, `//` lines are comments,
`\\` escapes `~ = # { } :` and `\\` (and `\\n` is a newline), `::Title::`, an optional `[format]` tag,
one `{...}` answer block whose content decides the type (empty: essay; `#…`: numerical; any `~`:
multiple choice, single-answer when an `=` is present; `=` with `->`: matching; `T`/`F`/`TRUE`/
`FALSE`: true/false; otherwise short answer), `%weight%` answer weights, `#feedback`, and
`####general feedback`. Where Moodle is lenient with something it cannot mean (an unclosed title,
a second answer block, a bad number) we refuse with the line instead of guessing.

Export writes what that reader reads back: every text escaped (newlines as `\\n`), prompts tagged
`[markdown]`, and a `// learnpath: {...}` comment before each question (Moodle ignores comments)
that carries what GIFT has no place for (choice ids, topics, difficulty, a numeric unit), so an
export of our pack re-imports as the same questions.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from learnpath.quiz.kinds.numeric import MAX_MAGNITUDE, format_number

# Escaped specials become private-use characters while the structure is parsed (as Moodle's
# "&&058;" placeholders), then turn back into the plain characters.
_ESCAPES = {"\\": "\ue000", ":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004", "}": "\ue005",
            "~": "\ue006", "n": "\ue007"}
_UNESCAPE = {placeholder: ("\n" if char == "n" else char) for char, placeholder in _ESCAPES.items()}
_PLACEHOLDERS = re.compile("[\ue000-\ue007]")
_BLANK = "\ue008"  # where a missing-word answer block stood, until the text is Markdown
_PRIVATE = re.compile("[\ue000-\ue008]")
WEIGHT_RE = re.compile(r"^%(-*[0-9]{1,2}\.?[0-9]*)%")  # Moodle's $giftanswerweightregex
FORMATS = ("moodle", "html", "plain", "markdown")
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
META_PREFIX = "// learnpath:"
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EXPORTABLE = ("single", "multiple", "true_false", "short_text", "numeric")


class GiftError(Exception):
    """Every problem of a file, each `file:line: message`; nothing is imported when there is one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Answer:
    text: str
    fraction: float  # Moodle's: 1 = full credit, 0 = none, negative = a penalty
    feedback: str
    line: int


@dataclass
class GiftQuestion:
    """One question as GIFT states it, mapped to one of our kinds."""

    line: int
    title: str | None
    kind: str  # single | multiple | true_false | short_text | numeric
    prompt: str  # Markdown
    general_feedback: str
    answers: list[Answer] = field(default_factory=list)
    truth: bool | None = None  # true/false
    numbers: list[tuple[float, float, float, str, int]] = field(default_factory=list)  # (answer, tol, fraction, feedback, line)
    wrong_feedback: str = ""
    category: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class GiftFile:
    questions: list[GiftQuestion]
    warnings: list[str]


# ---- reading -----------------------------------------------------------------------------------

def _protect(text: str) -> str:
    """Backslash escapes -> placeholders, left to right (`\\\\#` is a backslash then a comment `#`)."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text, flags=re.DOTALL)


def _restore(text: str) -> str:
    return _PLACEHOLDERS.sub(lambda m: _UNESCAPE[m.group(0)], text)


def _markdown_escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", text)


def _with_format(text: str, default: str) -> tuple[str, str]:
    """A leading `[format]` tag read off (unknown tags stay text, as in Moodle); the text trimmed."""
    text = text.strip()
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            fmt, text = text[1:end], text[end + 1:]
    return _restore(text).strip(), fmt


def _as_markdown(text: str, fmt: str) -> str:
    # markdown stays Markdown; Moodle's auto-format and HTML read well as Markdown (raw HTML passes
    # through the renderer and is sanitized); plain text must not turn into Markdown.
    return _markdown_escape(text) if fmt == "plain" else text


def _blocks(lines: list[str]) -> Iterable[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based number of their first line."""
    start, block = 0, []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse(text: str, filename: str = "<gift>") -> GiftFile:
    """Read a GIFT file. Raises GiftError with every problem (file:line) found."""
    problems: list[str] = []
    warnings: list[str] = []
    questions: list[GiftQuestion] = []
    if "\ufeff" == text[:1]:
        text = text[1:]
    if _PRIVATE.search(text):
        problems.append(f"{filename}:{text.count(chr(10), 0, _PRIVATE.search(text).start()) + 1}: "
                        "characters U+E000-U+E008 (private use) are not supported")
        raise GiftError(problems)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    category: str | None = None
    for start, block in _blocks(text.split("\n")):
        meta: dict[str, Any] = {}
        kept = []
        for offset, line in enumerate(block):
            stripped = line.strip()
            if stripped.startswith("//"):
                if stripped.startswith(META_PREFIX):
                    try:
                        meta = json.loads(stripped[len(META_PREFIX):])
                    except ValueError:
                        problems.append(f"{filename}:{start + offset}: the '{META_PREFIX}' comment is not valid JSON")
                    if not isinstance(meta, dict):
                        meta = {}
                kept.append("")  # keeps line numbers; Moodle blanks comment lines the same way
            else:
                kept.append(line)
        body = _protect("\n".join(kept))
        if not body.strip():
            continue

        def line_at(pos: int, body: str = body, start: int = start) -> int:
            return start + body.count("\n", 0, pos)

        lead = len(body) - len(body.lstrip())
        if body.strip().startswith("$CATEGORY:"):
            category = _restore(body.strip()[len("$CATEGORY:"):]).strip()
            continue
        try:
            question = _question(body, lead, line_at, filename, warnings)
        except _Refused as exc:
            problems.append(f"{filename}:{line_at(exc.pos)}: {exc.message}")
            continue
        question.category, question.meta = category, meta
        questions.append(question)
    if problems:
        raise GiftError(problems)
    return GiftFile(questions, warnings)


class _Refused(Exception):
    def __init__(self, pos: int, message: str):
        super().__init__(message)
        self.pos, self.message = pos, message


def _question(body: str, pos: int, line_at, filename: str, warnings: list[str]) -> GiftQuestion:
    line = line_at(pos)

    def warn(at: int, message: str) -> None:
        warnings.append(f"{filename}:{line_at(at)}: {message}")
    title = None
    if body.startswith("::", pos):
        end = body.find("::", pos + 2)
        if end < 0:
            raise _Refused(pos, "the title opened by '::' is not closed by '::' (escape a literal colon as \\:)")
        title = _restore(body[pos + 2:end]).strip()
        pos = end + 2
    text_end = len(body.rstrip())
    open_at, close_at = body.find("{", pos), body.find("}", pos)
    if open_at < 0 and close_at < 0:
        raise _Refused(pos, "a description (text with no answer block {...}) is not a question: learnpath has no "
                            "description kind (put the text in the lesson instead)")
    if open_at < 0 or close_at < 0 or close_at < open_at:
        at = close_at if open_at < 0 or close_at < open_at else open_at
        raise _Refused(at, "unbalanced braces: an answer block is '{' ... '}' (escape literal braces as \\{ \\})")
    if body.find("{", close_at) >= 0 or body.find("}", close_at + 1) >= 0:
        extra = min(p for p in (body.find("{", close_at), body.find("}", close_at + 1)) if p >= 0)
        raise _Refused(extra, "a second answer block: a question has one '{...}' (escape literal braces as \\{ \\}; "
                              "blank lines separate questions)")
    before, after = body[pos:open_at], body[close_at + 1:text_end]
    # Moodle: answers at the end leave the text as it is; answers inside it are the missing word.
    question_text = before + (_BLANK + after if after.strip() else "")
    answer_text = body[open_at + 1:close_at]
    inner = open_at + 1 + (len(answer_text) - len(answer_text.lstrip()))
    answer_text = answer_text.strip()
    general = ""
    gf = answer_text.rfind("####")
    if gf >= 0:
        general, answer_text = answer_text[gf + 4:], answer_text[:gf].rstrip()
    prompt, fmt = _with_format(question_text, "moodle")
    general, _ = _with_format(general, fmt)
    prompt, general = _as_markdown(prompt, fmt), _as_markdown(general, fmt)
    prompt = prompt.replace(_BLANK, "\\_" * 5)  # an escaped blank: never read as emphasis or a rule
    if not prompt:
        raise _Refused(pos, "the question has no text")
    question = GiftQuestion(line=line, title=title, kind="", prompt=prompt,
                            general_feedback=general)

    def answer_line(offset: int) -> int:
        return line_at(inner + offset)

    if not answer_text:
        raise _Refused(open_at, "an essay question ({} with no answer) cannot be graded: learnpath has no essay kind")
    if answer_text[0] == "#":
        _numerical(question, answer_text, fmt, answer_line, inner, warn)
    elif "~" in answer_text:
        _choices(question, answer_text, fmt, answer_line, inner, warn)
    elif "=" in answer_text and "->" in answer_text:
        raise _Refused(open_at, "a matching question ('=item -> match') is not supported: learnpath has no matching "
                                "kind (ask it as several single-choice questions)")
    else:
        check = answer_text.split("#", 1)[0].strip() if answer_text.find("#") > 0 else answer_text
        if check in ("T", "TRUE", "F", "FALSE"):
            bits = answer_text.split("#", 2)
            question.kind, question.truth = "true_false", bits[0].strip() in ("T", "TRUE")
            texts = [_as_markdown(*_with_format(b, fmt)) for b in bits[1:]]
            wrong, right = (texts + ["", ""])[:2]
            question.answers = [Answer("", 0, wrong, answer_line(0)), Answer("", 1, right, answer_line(0))]
        else:
            _short(question, answer_text, fmt, answer_line, inner, warn)
    return question


def _split(answer_text: str, marks: str) -> list[tuple[int, str]]:
    """Split before each mark character (kept), with each piece's offset; leading blank piece dropped."""
    pieces, start = [], 0
    for i, ch in enumerate(answer_text):
        if ch in marks and i > start:
            pieces.append((start, answer_text[start:i]))
            start = i
    pieces.append((start, answer_text[start:]))
    return [(o, p) for o, p in pieces if p.strip()]


def _weight(text: str) -> tuple[float | None, str]:
    match = WEIGHT_RE.match(text)
    if not match:
        return None, text
    raw = match.group(1)
    negative = raw.startswith("-")
    value = float(raw.lstrip("-") or 0) / 100
    return (-value if negative else value), text[match.end():]


def _feedback(text: str, fmt: str, markdown: bool = True) -> tuple[str, str]:
    """An answer and its `#feedback`. A short answer is compared as typed (markdown=False): no escapes added."""
    head, _, feedback = text.partition("#")
    answer, answer_fmt = _with_format(head, fmt)
    return (_as_markdown(answer, answer_fmt) if markdown else answer), _as_markdown(*_with_format(feedback, fmt))


def _choices(question: GiftQuestion, answer_text: str, fmt: str, answer_line, inner: int, warn) -> None:
    single = "=" in answer_text
    for offset, piece in _split(answer_text, "~="):
        line = answer_line(offset)
        if piece[0] not in "~=":
            raise _Refused(inner + offset, "text before the first answer: each answer starts with '=' (right) or '~' (wrong)")
        mark, rest = piece[0], piece[1:].lstrip()
        weight, rest = (1.0, rest) if mark == "=" else _weight(rest)
        text, feedback = _feedback(rest, fmt)
        if not text:
            raise _Refused(inner + offset, "an empty answer")
        question.answers.append(Answer(text, 0.0 if weight is None else weight, feedback, line))
    if len(question.answers) < 2:
        raise _Refused(inner, "a multiple-choice question needs at least 2 answers")
    full = [a for a in question.answers if a.fraction >= 1]
    positive = [a for a in question.answers if a.fraction > 0]
    if single:
        question.kind = "single"
        if len(full) != 1:
            raise _Refused(inner, f"a single-answer question needs exactly one full-credit answer ('=' or ~%100%), "
                                  f"found {len(full)} (for several right answers write them as ~%50% ... weights)")
        if len(question.answers) > 8:
            raise _Refused(inner, f"a single-answer question has at most 8 answers (found {len(question.answers)})")
        partial = [a for a in question.answers if 0 < a.fraction < 1]
        if partial:
            warn(inner, f"partial-credit weights on a single-answer question are dropped "
                            "(learnpath's single choice scores 0 or 1)")
    else:
        question.kind = "multiple"
        if not positive:
            raise _Refused(inner, "no answer carries credit: give the right answers a positive weight (~%50%...)")
        if len(question.answers) > 10:
            raise _Refused(inner, f"a multiple-answer question has at most 10 answers (found {len(question.answers)})")
        share = 1 / len(positive)
        # Moodle adds the weights of the picks (clamped to 0..1); ours is max(0, right - wrong) / n.
        # The two agree exactly when every right answer weighs 1/n and every wrong one -1/n.
        uniform = all(abs(a.fraction - share) < 0.001 for a in positive) and all(
            abs(a.fraction + share) < 0.001 for a in question.answers if a.fraction <= 0)
        if not uniform:
            warn(inner, f"weights are mapped to learnpath's partial credit (each right pick "
                            "+1/n, each wrong pick -1/n of n right answers); the answers with a positive weight are the right ones")


def _short(question: GiftQuestion, answer_text: str, fmt: str, answer_line, inner: int, warn) -> None:
    question.kind = "short_text"
    for offset, piece in _split(answer_text, "="):
        if piece[0] != "=":
            raise _Refused(inner + offset, "a short answer is written '=answer' (or T/F for true/false)")
        weight, rest = _weight(piece[1:].lstrip())
        text, feedback = _feedback(rest, fmt, markdown=False)
        if not text:
            raise _Refused(inner + offset, "an empty answer")
        question.answers.append(Answer(text, 1.0 if weight is None else weight, feedback, answer_line(offset)))
    if not any(a.fraction >= 1 for a in question.answers):
        raise _Refused(inner, "a short-answer question needs at least one full-credit answer")
    if any(a.fraction < 1 for a in question.answers):
        warn(inner, f"answers with less than full credit are dropped (learnpath's short "
                        "answers score 0 or 1)")


def _number(text: str, pos: int) -> float:
    text = text.strip()
    if not NUMBER_RE.fullmatch(text):
        raise _Refused(pos, f"{text!r} is not a number")
    value = float(text)
    if abs(value) > MAX_MAGNITUDE:
        raise _Refused(pos, f"{text} is too large (at most 1e15)")
    return value


def _numerical(question: GiftQuestion, answer_text: str, fmt: str, answer_line, inner: int, warn) -> None:
    question.kind = "numeric"
    body = answer_text[1:]
    tilde = body.find("~")
    if tilde >= 0:
        question.wrong_feedback = _feedback(body[tilde + 1:], fmt)[1]
        body = body[:tilde]
    pieces = _split(body, "=")
    if not pieces:
        raise _Refused(inner, "a numerical question needs an answer ({#42}, {#42:0.5} or {#40..44})")
    for offset, piece in pieces:
        at = inner + 1 + offset
        if piece[0] == "=":
            piece = piece[1:].lstrip()
        weight, piece = _weight(piece)
        value = _restore(piece.partition("#")[0]).strip()
        feedback = _feedback(piece, fmt)[1]
        if value.find("..") > 0:
            low, high = (_number(part, at) for part in value.split("..", 1))
            if low > high:
                raise _Refused(at, f"the range {value} runs backwards (write min..max)")
            answer, tolerance = (low + high) / 2, (high - low) / 2
        elif value.find(":") > 0:
            raw_answer, raw_tolerance = value.split(":", 1)
            answer, tolerance = _number(raw_answer, at), _number(raw_tolerance, at)
            if tolerance < 0:
                raise _Refused(at, "a tolerance is a number >= 0")
        else:
            answer, tolerance = _number(value, at), 0.0
        question.numbers.append((answer, tolerance, 1.0 if weight is None else weight, feedback, answer_line(offset + 1)))
    full = [n for n in question.numbers if n[2] >= 1]
    if not full:
        raise _Refused(inner, "a numerical question needs a full-credit answer")
    if len({(n[0], n[1]) for n in full}) > 1:
        raise _Refused(inner, "several different full-credit numerical answers: learnpath's numeric kind has one "
                              "answer with a tolerance (write one range that covers them, e.g. {#1..5})")
    if len(full) != len(question.numbers):
        warn(inner, f"numerical answers with less than full credit are dropped "
                        "(learnpath's numeric answers score 0 or 1)")


# ---- mapping to the pack -------------------------------------------------------------------------

def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].strip("-")


def prompt_hash(prompt: str) -> str:
    return "q-" + hashlib.sha256(prompt.encode()).hexdigest()[:8]


def _explanation(q: GiftQuestion, right: str) -> str:
    parts = [q.general_feedback] if q.general_feedback else []
    notes = []
    if q.kind == "true_false":
        wrong, good = q.answers[0].feedback, q.answers[1].feedback
        if good:
            notes.append(f"- {'True' if q.truth else 'False'}: {good}")
        if wrong:
            notes.append(f"- {'False' if q.truth else 'True'}: {wrong}")
    elif q.kind == "numeric":
        notes += [f"- {format_number(n[0])}: {n[3]}" for n in q.numbers if n[3]]
        if q.wrong_feedback:
            notes.append(f"- Any other answer: {q.wrong_feedback}")
    else:
        notes += [f"- {a.text}: {a.feedback}" for a in q.answers if a.feedback]
    if notes:
        parts.append("\n".join(notes))
    return "\n\n".join(parts) if parts else f"The right answer: {right}" + ("" if right[-1:] in ".!?" else ".")


def to_pack(q: GiftQuestion, used: set[str], topics: list[str], difficulty: int, vocabulary: dict[str, str]) -> dict[str, Any]:
    """A GIFT question as a pack question (the mapping written to the lesson's YAML)."""
    meta = q.meta if q.meta.get("kind") == q.kind else {}
    key = meta.get("id") if isinstance(meta.get("id"), str) and SLUG_RE.match(meta.get("id")) else None
    key = key or (slugify(q.title) if q.title else "") or prompt_hash(q.prompt)
    base, n = key, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    used.add(key)
    own_topics = meta.get("topics") if isinstance(meta.get("topics"), list) else None
    if own_topics is None and q.category:
        leaf = slugify(q.category.rsplit("/", 1)[-1])
        own_topics = [leaf] if leaf in vocabulary else None
    out: dict[str, Any] = {"id": key, "kind": q.kind, "prompt": q.prompt}
    if q.kind in ("single", "multiple"):
        ids = meta.get("choices")
        if not (isinstance(ids, list) and len(ids) == len(q.answers) and len(set(ids)) == len(ids)
                and all(isinstance(i, str) and SLUG_RE.match(i) for i in ids)):
            ids = [chr(ord("a") + i) for i in range(len(q.answers))]
        out["choices"] = []
        for choice_id, answer in zip(ids, q.answers):
            choice: dict[str, Any] = {"id": choice_id, "text": answer.text}
            if answer.fraction >= 1 if q.kind == "single" else answer.fraction > 0:
                choice["correct"] = True
            out["choices"].append(choice)
        right = ", ".join(a.text for a, c in zip(q.answers, out["choices"]) if c.get("correct"))
    elif q.kind == "true_false":
        out["answer"] = q.truth
        right = "True" if q.truth else "False"
    elif q.kind == "short_text":
        out["accepted"] = [a.text for a in q.answers if a.fraction >= 1]
        right = out["accepted"][0]
    else:
        answer, tolerance = next((n[0], n[1]) for n in q.numbers if n[2] >= 1)
        out["answer"] = int(answer) if answer == int(answer) else answer
        out["tolerance"] = int(tolerance) if tolerance == int(tolerance) else tolerance
        if isinstance(meta.get("unit"), str) and meta["unit"]:
            out["unit"] = meta["unit"]
        right = format_number(answer) + (f" ± {format_number(tolerance)}" if tolerance else "")
    out["explanation"] = q.general_feedback if meta and q.general_feedback else _explanation(q, right)
    out["topics"] = own_topics or list(topics)
    meta_difficulty = meta.get("difficulty")
    out["difficulty"] = meta_difficulty if meta_difficulty in (1, 2, 3) else difficulty
    return out


# ---- writing -------------------------------------------------------------------------------------

def escape(text: str) -> str:
    """Moodle's repchar: the reserved characters escaped, newlines as \\n (GIFT questions are one block)."""
    out = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r", "").replace("\n", "\\n")


def _text(text: str, tag_always: bool = False) -> str:
    """Escaped text; tagged [markdown] when asked, or when it would otherwise start with a format tag
    (which the reader would take off) or a %weight%."""
    escaped = escape(text)
    starts_with_tag = re.match(r"\[(moodle|html|plain|markdown)\]", text) is not None
    return ("[markdown]" if tag_always or starts_with_tag else "") + escaped


def _weight_text(fraction: float) -> str:
    value = round(fraction * 100, 5)
    return f"%{format_number(value)}%"


def export_question(key: str, kind: str, prompt: str, explanation: str, spec: dict[str, Any],
                    topics: list[str], difficulty: int) -> str:
    """One question in GIFT (ends with a newline), or a `//` comment line for a kind GIFT cannot hold."""
    if kind not in EXPORTABLE:
        return f"// skipped {key!r}: learnpath's {kind} kind has no GIFT form\n"
    if kind == "short_text" and any("->" in accepted for accepted in spec["accepted"]):
        # Moodle reads any answer block with '=' and '->' as matching, and '-' '>' have no escape.
        return f"// skipped {key!r}: an accepted answer contains '->', which GIFT reads as a matching question\n"
    meta: dict[str, Any] = {"id": key, "kind": kind, "topics": topics, "difficulty": difficulty}
    lines = []
    if kind in ("single", "multiple"):
        meta["choices"] = [c["id"] for c in spec["choices"]]
        right = [c for c in spec["choices"] if c["correct"]]
        share = 1 / len(right)
        for choice in spec["choices"]:
            text = _text(choice["text"])
            if kind == "single":
                # An explicit %0% keeps a wrong answer that starts with "%50%" from reading as a weight.
                mark = "=" if choice["correct"] else ("~%0%" if text.startswith("%") else "~")
            else:
                mark = "~" + _weight_text(share if choice["correct"] else -share)
            lines.append(f"\t{mark}{text}")
        body = "{\n" + "\n".join(lines) + f"\n\t####{_text(explanation)}\n}}"
    elif kind == "true_false":
        body = "{" + ("TRUE" if spec["answer"] else "FALSE") + f"####{_text(explanation)}}}"
    elif kind == "short_text":
        for accepted in spec["accepted"]:
            text = _text(accepted)
            lines.append("\t=" + ("%100%" if text.startswith("%") else "") + text)
        body = "{\n" + "\n".join(lines) + f"\n\t####{_text(explanation)}\n}}"
    else:
        if spec.get("unit"):
            meta["unit"] = spec["unit"]
        answer = f"{format_number(spec['answer'])}:{format_number(spec.get('tolerance') or 0)}"
        body = "{#\n\t=" + answer + f"\n\t####{_text(explanation)}\n}}"
    comment = META_PREFIX + " " + json.dumps(meta, ensure_ascii=False, separators=(", ", ": "))
    return f"{comment}\n::{escape(key)}::{_text(prompt, tag_always=True)}{body}\n"


def export_lessons(lessons: Iterable[Any], heading: str = "") -> tuple[str, int, int]:
    """GIFT for these lessons (LessonSpec objects): the text, questions written, questions skipped."""
    out = [f"// {heading}\n" if heading else "", "// Exported by learnpath. GIFT format (Moodle); "
                                                   "the '// learnpath:' comments keep ids for a re-import.\n"]
    written = skipped = 0
    for lesson in lessons:
        out.append(f"\n$CATEGORY: $course$/learnpath/{lesson.slug}\n")
        for q in lesson.questions:
            text = export_question(q.key, q.kind, q.prompt, q.explanation, q.spec, q.topics, q.difficulty)
            if not text.startswith("// skipped"):
                written += 1
            else:
                skipped += 1
            out.append("\n" + text)
    return "".join(out), written, skipped
