"""Moodle's Aiken format (https://docs.moodle.org/en/Aiken_format): single-answer multiple choice.

    What is the correct answer to this question?
    A. Is it this one?
    B) Maybe this answer?
    ANSWER: B

A question is its text (one line; following lines before the first option are joined to it), then
options `A.` or `A)` (a capital letter, the mark, a space), then `ANSWER: X`. Blank lines between
questions are optional. Every problem names its line; one problem refuses the whole file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from learnpath.interop.gift import prompt_hash

OPTION_RE = re.compile(r"^([A-Z])[.)]\s+(.*\S)\s*$")
ANSWER_RE = re.compile(r"^ANSWER\s*:\s*(.*?)\s*$")


class AikenError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class AikenQuestion:
    line: int
    prompt: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (letter, text)
    answer: str = ""


def parse(text: str, filename: str = "<aiken>") -> list[AikenQuestion]:
    problems: list[str] = []
    questions: list[AikenQuestion] = []
    current: AikenQuestion | None = None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")

    def close(at_line: int) -> None:
        # A question that never reached its ANSWER line: say so at its first line.
        nonlocal current
        if current is not None:
            problems.append(f"{filename}:{current.line}: question has no 'ANSWER: X' line "
                            f"(reached line {at_line} without one)")
        current = None

    lines = text.split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        option, answer = OPTION_RE.match(line), ANSWER_RE.match(line)
        if answer:
            if current is None:
                problems.append(f"{filename}:{number}: 'ANSWER:' without a question before it")
                continue
            letter = answer.group(1)
            letters = [letter for letter, _ in current.options]
            if len(current.options) < 2:
                problems.append(f"{filename}:{number}: question at line {current.line} has "
                                f"{len(current.options)} option(s); it needs at least 2 (A. ... B. ...)")
            elif not re.fullmatch(r"[A-Z]", letter):
                problems.append(f"{filename}:{number}: 'ANSWER:' must be followed by one option letter "
                                f"(got {letter!r})")
            elif letter not in letters:
                problems.append(f"{filename}:{number}: answer {letter} is not one of the options "
                                f"({', '.join(letters)})")
            current.answer = letter
            questions.append(current)
            current = None
        elif option and current is not None and (current.options or current.prompt):
            letter, option_text = option.groups()
            if any(letter == seen for seen, _ in current.options):
                problems.append(f"{filename}:{number}: option {letter} appears twice")
            current.options.append((letter, option_text))
        elif option:
            problems.append(f"{filename}:{number}: option {option.group(1)} before any question text")
        elif current is not None and current.options:
            close(number)
            current = AikenQuestion(number, line)
        elif current is not None:
            current.prompt += "\n" + line  # question text over several lines
        else:
            current = AikenQuestion(number, line)
    close(len(lines))
    if len(questions) > 0 and any(len(q.options) > 8 for q in questions):
        for q in questions:
            if len(q.options) > 8:
                problems.append(f"{filename}:{q.line}: {len(q.options)} options; a single-choice question has at most 8")
    if not questions and not problems:
        problems.append(f"{filename}:1: no questions found")
    if problems:
        raise AikenError(problems)
    return questions


def to_pack(q: AikenQuestion, used: set[str], topics: list[str], difficulty: int) -> dict[str, Any]:
    key, n = prompt_hash(q.prompt), 2
    base = key
    while key in used:
        key, n = f"{base}-{n}", n + 1
    used.add(key)
    choices: list[dict[str, Any]] = []
    for letter, text in q.options:
        choice: dict[str, Any] = {"id": letter.lower(), "text": text}
        if letter == q.answer:
            choice["correct"] = True
        choices.append(choice)
    right = dict(q.options)[q.answer]
    return {"id": key, "kind": "single", "prompt": q.prompt, "choices": choices,
            "explanation": f"The right answer: {right}" + ("" if right[-1:] in ".!?" else "."), "topics": list(topics), "difficulty": difficulty}
