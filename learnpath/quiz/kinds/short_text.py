"""Short text: a typed answer compared with the accepted answers, ignoring case and whitespace."""
from __future__ import annotations

import re

from learnpath.quiz.kinds.base import WRONG, Grade, TextKind


def normalize_text(text: str) -> str:
    """Case- and whitespace-insensitive form used to compare short text answers."""
    return re.sub(r"\s+", "", text).casefold()


class ShortText(TextKind):
    name = "short_text"
    fields = frozenset({"accepted"})
    max_chars, label = 500, "a short text answer"
    example = {"accepted": ["TCP", "Transmission Control Protocol"]}

    def read_spec(self, reader):
        accepted = reader.get("accepted")
        if not isinstance(accepted, list) or not accepted or not all(
            isinstance(a, (str, int, float)) and not isinstance(a, bool) and str(a).strip() for a in accepted
        ):
            reader.problem("accepted", "'accepted' must be a non-empty list of answers")
            return {}
        return {"accepted": [str(a).strip() for a in accepted]}

    def grade(self, spec, response, runner=None):
        if not isinstance(response, str) or not response.strip():
            return WRONG
        given = normalize_text(response)
        return Grade(True, 1.0) if any(given == normalize_text(a) for a in spec["accepted"]) else WRONG

    def correct_response(self, spec):
        return spec["accepted"][0]

    def describe(self, spec, response):
        return {"typed": response}

    def describe_correct(self, spec):
        # The first accepted answer is the answer; the others are spellings also accepted, shown apart.
        return {"typed": spec["accepted"][0], "also": spec["accepted"][1:]}


KIND = ShortText()
