"""Pure graders, one per question kind: (spec, response) -> Grade. No database, no request.

`spec` is the question's graded parts as stored at import (docs/content-format.md); `response`
is the learner's answer already mapped to the file's ids (choice/item keys) by the caller.
Unknown or malformed responses grade as wrong; they never raise.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Grade:
    correct: bool
    points: float  # 0..1
    feedback: str = ""


Grader = Callable[[dict[str, Any], Any], Grade]
GRADERS: dict[str, Grader] = {}


def grader(kind: str) -> Callable[[Grader], Grader]:
    def register(fn: Grader) -> Grader:
        GRADERS[kind] = fn
        return fn
    return register


def grade(kind: str, spec: dict[str, Any], response: Any) -> Grade:
    return GRADERS[kind](spec, response)


WRONG = Grade(False, 0.0)


def _correct_ids(spec: dict[str, Any]) -> set[str]:
    return {c["id"] for c in spec["choices"] if c["correct"]}


@grader("single")
def grade_single(spec: dict[str, Any], response: Any) -> Grade:
    if not isinstance(response, str):
        return WRONG
    return Grade(True, 1.0) if response in _correct_ids(spec) else WRONG


@grader("multiple")
def grade_multiple(spec: dict[str, Any], response: Any) -> Grade:
    """Partial credit: max(0, right picks - wrong picks) / correct choices; correct only if exact."""
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        return WRONG
    picked = set(response)
    correct = _correct_ids(spec)
    right = len(picked & correct)
    wrong = len(picked - correct)  # unknown ids count as wrong picks
    points = max(0, right - wrong) / len(correct)
    return Grade(picked == correct, round(points, 4))


@grader("true_false")
def grade_true_false(spec: dict[str, Any], response: Any) -> Grade:
    if not isinstance(response, bool):
        return WRONG
    return Grade(True, 1.0) if response is spec["answer"] else WRONG


def normalize_text(text: str) -> str:
    """Case- and whitespace-insensitive form used to compare short text answers."""
    return re.sub(r"\s+", "", text).casefold()


@grader("short_text")
def grade_short_text(spec: dict[str, Any], response: Any) -> Grade:
    if not isinstance(response, str) or not response.strip():
        return WRONG
    given = normalize_text(response)
    return Grade(True, 1.0) if any(given == normalize_text(a) for a in spec["accepted"]) else WRONG


@grader("numeric")
def grade_numeric(spec: dict[str, Any], response: Any) -> Grade:
    if isinstance(response, bool) or not isinstance(response, (int, float)) or not math.isfinite(response):
        return WRONG
    # A hair of slack so that 0.1 + 0.2-style float noise never fails an exact answer.
    ok = abs(response - spec["answer"]) <= spec.get("tolerance", 0.0) + 1e-9
    return Grade(True, 1.0) if ok else WRONG


@grader("ordering")
def grade_ordering(spec: dict[str, Any], response: Any) -> Grade:
    """Partial credit: items in their correct position / items; correct only if all are."""
    expected = [item["id"] for item in spec["items"]]
    if not isinstance(response, list) or sorted(map(str, response)) != sorted(expected):
        return WRONG
    in_place = sum(1 for given, want in zip(response, expected) if given == want)
    return Grade(in_place == len(expected), round(in_place / len(expected), 4))


def correct_response(kind: str, spec: dict[str, Any]) -> Any:
    """The right answer in response form (file ids), for the result page."""
    if kind == "single":
        return next(iter(_correct_ids(spec)))
    if kind == "multiple":
        return [c["id"] for c in spec["choices"] if c["correct"]]
    if kind == "true_false":
        return spec["answer"]
    if kind == "short_text":
        return spec["accepted"][0]
    if kind == "numeric":
        return spec["answer"]
    if kind == "ordering":
        return [item["id"] for item in spec["items"]]
    if kind == "sql":
        return spec["reference"]
    raise KeyError(kind)


@grader("sql")
def grade_sql(spec: dict[str, Any], response: Any) -> Grade:
    """Run the learner's query and the reference on the visible rows, then on the hidden rows."""
    from learnpath.sqllab import datasets, engine

    if not isinstance(response, str) or not response.strip():
        return WRONG
    for variant in datasets.VARIANTS:
        expected = datasets.reference_result(spec["dataset"], spec["dataset_version"], variant, spec["reference"])
        try:
            got = engine.run(datasets.path(spec["dataset"], spec["dataset_version"], variant), response)
        except engine.SqlError as exc:
            return Grade(False, 0.0, exc.message)
        difference = engine.compare(expected, got, ordered=spec.get("ordered", False),
                                    match_columns=spec.get("match_columns", False))
        if difference:
            if variant == "hidden":
                return Grade(False, 0.0, "Right on the sample rows, but wrong on a second, hidden dataset with the same "
                                         "schema: the query depends on the particular rows (hard-coded values, LIMIT, "
                                         "a lucky order). Make it follow the task's rule for any data.")
            return Grade(False, 0.0, difference)
    return Grade(True, 1.0, "Same result as the reference query on the sample rows and on a hidden dataset.")
