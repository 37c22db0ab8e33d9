"""True or false: a statement whose `answer` is true or false."""
from __future__ import annotations

from learnpath.quiz.kinds.base import WRONG, AnswerError, Grade, Kind, single_text

FORM_VALUES = {"true": True, "false": False}


class TrueFalse(Kind):
    name = "true_false"
    fields = frozenset({"answer"})
    example = {"answer": False}

    def read_spec(self, reader):
        answer = reader.get("answer")
        if not isinstance(answer, bool):
            reader.problem("answer", "'answer' must be true or false")
        return {"answer": bool(answer)}

    def parse_api(self, spec, value, field, ids):
        if value is None:
            return None
        if not isinstance(value, bool):
            raise AnswerError(field, "a true/false answer is true or false")
        return value

    def parse_form(self, spec, form, name, ids):
        value = single_text(form, name, name)
        if value is None:
            return None
        if value not in FORM_VALUES:
            raise AnswerError(name, "choose True or False")
        return FORM_VALUES[value]

    def form_values(self, spec, response, name, ids):
        return {name: ["true" if response else "false"]}

    def grade(self, spec, response, runner=None):
        if not isinstance(response, bool):
            return WRONG
        return Grade(True, 1.0) if response is spec["answer"] else WRONG

    def correct_response(self, spec):
        return spec["answer"]

    def describe(self, spec, response):
        return {"value": bool(response)}


KIND = TrueFalse()
