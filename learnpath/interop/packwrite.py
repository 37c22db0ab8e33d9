"""Append imported questions to a lesson file of a content pack, the pack staying the source of truth.

All or nothing: the new lesson text is validated with the whole pack (learnpath.content.pack, on a
shadow copy of symlinks in which only that lesson file is new) and checked to read back as exactly the
questions meant; only then does it replace the file, atomically (temp file + rename in the folder).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from learnpath.content.pack import QUESTIONS_MARKER, PackError, load_pack, load_topics, parse_lesson


class ImportRefused(Exception):
    """The import wrote nothing; `problems` says why (each with file:line where one applies)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@contextlib.contextmanager
def lesson_lock(pack_root: Path | str, slug: str):
    """Serialises imports into one lesson (read, validate, write), so two at once cannot lose each other's
    questions: an advisory lock on a file beside the lessons, held until the write is done."""
    lock_path = Path(pack_root) / "lessons" / f".{slug}.import-lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line Markdown reads best as a literal block; PyYAML falls back to quoting when it cannot.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(questions: list[dict[str, Any]]) -> str:
    return yaml.dump(questions, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=4096)


class LessonTarget:
    """A lesson of a pack that questions are being imported into: its existing keys, topics, vocabulary."""

    def __init__(self, pack_root: Path | str, slug: str):
        self.root = Path(pack_root)
        self.slug = slug
        self.path = self.root / "lessons" / f"{slug}.md"
        if not self.path.is_file():
            raise ImportRefused([f"{self.path}: no such lesson (the lesson file must exist: lessons/{slug}.md)"])
        problems: list = []
        self.vocabulary = load_topics(self.root, problems)
        lesson = parse_lesson(self.path, f"lessons/{self.path.name}", self.vocabulary, problems)
        if problems or lesson is None:
            raise ImportRefused([f"{self.root / p.path}:{p.line}: {p.message}" for p in problems]
                                + [f"{self.path}: fix the lesson before importing into it"])
        self.topics = list(lesson.topics)
        self.keys = {q.key for q in lesson.questions}
        go_dir = self.root / "go" / slug  # Go exercises are questions of the lesson too (their folder is the key)
        if go_dir.is_dir():
            self.keys |= {p.name for p in go_dir.iterdir() if p.is_dir()}
        self.text = self.path.read_text(encoding="utf-8")

    def write(self, questions: list[dict[str, Any]], cache_path: Path | None = None) -> None:
        """Append `questions`, validate the pack with them, write the lesson file atomically."""
        if not questions:
            raise ImportRefused(["no questions to import"])
        text = self.text.replace("\r\n", "\n")
        if not text.endswith("\n"):
            text += "\n"
        has_marker = any(line.strip() == QUESTIONS_MARKER for line in text.split("\n"))
        if not has_marker:
            text += f"\n{QUESTIONS_MARKER}\n"
        new_text = text + to_yaml(questions)
        self._validate(new_text, questions, cache_path)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.slug}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(new_text)
            os.chmod(tmp, self.path.stat().st_mode & 0o777)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _validate(self, new_text: str, questions: list[dict[str, Any]], cache_path: Path | None) -> None:
        with tempfile.TemporaryDirectory(prefix="learnpath-import-") as shadow_dir:
            shadow = Path(shadow_dir)
            for entry in self.root.iterdir():
                if entry.name != "lessons":
                    (shadow / entry.name).symlink_to(entry.resolve())
            (shadow / "lessons").mkdir()
            for entry in (self.root / "lessons").iterdir():
                if entry.name != self.path.name:
                    (shadow / "lessons" / entry.name).symlink_to(entry.resolve())
            (shadow / "lessons" / self.path.name).write_text(new_text, encoding="utf-8")
            try:
                pack = load_pack(shadow, cache_path=cache_path)
            except PackError as exc:
                raise ImportRefused([f"{self.root / p.path}:{p.line}: {p.message}" for p in exc.problems]
                                    + ["the pack would not validate with these questions; nothing was written"]) from None
        parsed = {q.key: q for q in pack.lessons[self.slug].questions}
        for question in questions:  # the YAML must read back as exactly what was meant
            got = parsed.get(question["id"])
            if got is None or got.prompt != question["prompt"].strip() or got.kind != question["kind"]:
                raise ImportRefused([f"{self.path}: question {question['id']!r} does not read back as written "
                                     "(a bug in the writer); nothing was written"])


def append(pack_root: Path | str, slug: str, make_questions, cache_path: Path | None = None):
    """Under the lesson's lock: read the lesson, `make_questions(target)` -> (questions, warnings), validate
    and write them. Returns (target, questions, warnings); raises ImportRefused with nothing written."""
    with lesson_lock(pack_root, slug):
        target = LessonTarget(pack_root, slug)
        questions, warnings = make_questions(target)
        target.write(questions, cache_path=cache_path)
    return target, questions, warnings
