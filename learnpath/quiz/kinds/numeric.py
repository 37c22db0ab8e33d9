"""Numeric: a number within `tolerance` of `answer`, with an optional unit.

Typed numbers are read strictly: ASCII digits, one decimal point, an optional exponent, and the
question's unit after them if the learner types it. A decimal comma is refused with a message
rather than read as a thousands separator (``1,5`` was once graded as 15).
"""
from __future__ import annotations

import math
import re
import unicodedata

from learnpath.quiz.kinds.base import WRONG, AnswerError, Grade, Kind, single_text

MAX_MAGNITUDE = 1e15  # beyond any answer in a pack, and floats are exact integers below 2**53
MAX_CHARS = 40  # the input's maxlength
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
DECIMAL_COMMA_RE = re.compile(r"[+-]?[0-9]+(?:,[0-9]+)+(?:\.[0-9]*)?")


def format_number(value: float) -> str:
    """The shortest text that reads back as the same float, without a trailing '.0'."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _bounded(value: int | float, field: str) -> float:
    if isinstance(value, float) and not math.isfinite(value):
        raise AnswerError(field, "a numeric answer is a finite number")
    if abs(value) > MAX_MAGNITUDE:  # compared before float(): float() of a huge int overflows
        raise AnswerError(field, f"the number is too large (at most {MAX_MAGNITUDE:.0e} in size)")
    return float(value)


def parse_number(raw: str, field: str, unit: str = "") -> float:
    """A typed number, read strictly; every refusal says what to write instead."""
    text = raw.strip()
    if unit and text.casefold().endswith(unit.casefold()):
        text = text[: -len(unit)].strip()
    if len(text) > MAX_CHARS:
        raise AnswerError(field, f"the number is longer than {MAX_CHARS} characters")
    if NUMBER_RE.fullmatch(text):
        return _bounded(float(text), field)
    if DECIMAL_COMMA_RE.fullmatch(text):
        suggestion = text.replace(",", ".", 1) if text.count(",") == 1 and "." not in text else "1.5"
        raise AnswerError(field, f"use a decimal point: {suggestion}, not {text} "
                                 "(and write thousands without separators: 1000, not 1,000)")
    odd = next((ch for ch in text if ch not in "0123456789" and (ch.isdigit() or ch.isnumeric()
                                                                 or unicodedata.category(ch) == "Nd")), None)
    if odd is not None:
        raise AnswerError(field, f"write the number with the digits 0-9 (found {odd!r})")
    if text.lstrip("+-").casefold() in ("nan", "inf", "infinity"):
        raise AnswerError(field, "a numeric answer is a finite number")
    raise AnswerError(field, f"{text[:MAX_CHARS]!r} is not a number (write e.g. 42, -1.5 or 3e6)")


class Numeric(Kind):
    name = "numeric"
    fields = frozenset({"answer", "tolerance", "unit"})
    example = {"answer": 1.5, "tolerance": 0.25, "unit": "RTT"}

    def read_spec(self, reader):
        answer = reader.number("answer")
        tolerance = reader.number("tolerance", 0)
        if answer is None:
            reader.problem("answer", "'answer' must be a number")
        elif abs(answer) > MAX_MAGNITUDE:
            reader.problem("answer", f"'answer' must be at most {MAX_MAGNITUDE:.0e} in size")
        if tolerance is None or tolerance < 0:
            reader.problem("tolerance", "'tolerance' must be a number >= 0")
        unit = reader.get("unit", "")
        if not isinstance(unit, str):
            reader.problem("unit", "'unit' must be text")
            unit = ""
        return {"answer": answer, "tolerance": tolerance or 0.0, "unit": unit.strip()}

    def present(self, spec, ids, rng):
        return {"unit": spec["unit"]} if spec.get("unit") else {}

    def parse_api(self, spec, value, field, ids):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AnswerError(field, "a numeric answer is a finite number")
        return _bounded(value, field)

    def parse_form(self, spec, form, name, ids):
        raw = single_text(form, name, name)
        return None if raw is None else parse_number(raw, name, spec.get("unit", ""))

    def form_values(self, spec, response, name, ids):
        return {name: [format_number(response)]}

    def grade(self, spec, response, runner=None):
        if isinstance(response, bool) or not isinstance(response, (int, float)) or not math.isfinite(response):
            return WRONG
        # A hair of slack so that 0.1 + 0.2-style float noise never fails an exact answer.
        ok = abs(response - spec["answer"]) <= spec.get("tolerance", 0.0) + 1e-9
        return Grade(True, 1.0) if ok else WRONG

    def correct_response(self, spec):
        return spec["answer"]

    def describe(self, spec, response):
        return {"number": format_number(response), "unit": spec.get("unit", "")}

    def describe_correct(self, spec):
        tolerance = spec.get("tolerance") or 0
        return {**self.describe(spec, spec["answer"]), "tolerance": format_number(tolerance) if tolerance else ""}


KIND = Numeric()
