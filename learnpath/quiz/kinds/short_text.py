"""Short text: a typed answer compared with the accepted answers, ignoring case and whitespace."""
from __future__ import annotations

import re

from learnpath.quiz.kinds.base import WRONG, Grade, Kind, single_text, text_answer

MAX_CHARS = 500


def normalize_text(text: str) -> str:
    """Case- and whitespace-insensitive form used to compare short text answers."""
    return re.sub(r"\s+", "", text).casefold()


class ShortText(Kind):
    name = "short_text"
    fields = frozenset({"accepted"})
    example = {"accepted": ["TCP", "Transmission Control Protocol"]}

    def read_spec(self, reader):
        accepted = reader.get("accepted")
        if not isinstance(accepted, list) or not accepted or not all(
            isinstance(a, (str, int, float)) and not isinstance(a, bool) and str(a).strip() for a in accepted
        ):
            reader.problem("accepted", "'accepted' must be a non-empty list of answers")
            return {}
        return {"accepted": [str(a).strip() for a in accepted]}

    def parse_api(self, spec, value, field, ids):
        if value is None:
            return None
        return text_answer(value, field, "a short text answer", MAX_CHARS)

    def parse_form(self, spec, form, name, ids):
        value = single_text(form, name, name)
        return None if value is None else text_answer(value, name, "a short text answer", MAX_CHARS)

    def form_values(self, spec, response, name, ids):
        return {name: [response]}

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
