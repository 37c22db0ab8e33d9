"""Single choice: one right choice among 2-8; the learner picks one."""
from __future__ import annotations

from learnpath.quiz.kinds.base import WRONG, AnswerError, Grade, OptionKind, correct_ids, single_text


class Single(OptionKind):
    name = "single"
    fields = frozenset({"choices"})
    option_field, what = "choices", "choice"
    example = {"choices": [{"id": "put", "text": "`PUT`", "correct": True}, {"id": "post", "text": "`POST`"},
                           {"id": "patch", "text": "`PATCH`"}]}

    def read_spec(self, reader):
        choices = reader.options("choices", 2, 8, with_correct=True)
        if choices is None:
            return {}
        found = sum(c["correct"] for c in choices)
        if found != 1:
            reader.problem("choices", f"a single-choice question needs exactly one correct choice (found {found})")
        return {"choices": choices}

    def _key(self, spec, value, field, ids):
        key = self.keys(spec, ids).get(value)
        if key is None:
            raise AnswerError(field, f"unknown choice id {value!r}")
        return key

    def parse_api(self, spec, value, field, ids):
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise AnswerError(field, "a single-choice answer is one choice id (a string)")
        return self._key(spec, value, field, ids)

    def parse_form(self, spec, form, name, ids):
        value = single_text(form, name, name)
        return None if value is None else self._key(spec, value, name, ids)

    def form_values(self, spec, response, name, ids):
        return {name: [ids(response)]}

    def grade(self, spec, response, runner=None):
        if not isinstance(response, str):
            return WRONG
        return Grade(True, 1.0) if response in correct_ids(spec) else WRONG

    def correct_response(self, spec):
        return correct_ids(spec)[0]


KIND = Single()
