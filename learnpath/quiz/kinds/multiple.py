"""Multiple choice: one or more right choices among 2-10; partial credit for right picks minus wrong ones."""
from __future__ import annotations

from learnpath.quiz.kinds.base import WRONG, Grade, OptionKind, correct_ids


class Multiple(OptionKind):
    name = "multiple"
    fields = frozenset({"choices"})
    option_field, what = "choices", "choice"
    example = {"choices": [{"id": "seq", "text": "Sequence numbers", "correct": True},
                           {"id": "acks", "text": "Acknowledgements", "correct": True},
                           {"id": "ttl", "text": "The IP *TTL*"}]}

    def read_spec(self, reader):
        choices = reader.options("choices", 2, 10, with_correct=True)
        if choices is None:
            return {}
        if not any(c["correct"] for c in choices):
            reader.problem("choices", "a multiple-choice question needs at least one correct choice")
        return {"choices": choices}

    def _picks(self, spec, value, field, ids):
        picked = self.key_list(spec, value, field, ids, "a multiple-choice")
        if picked is None:
            return None
        return [c["id"] for c in spec["choices"] if c["id"] in picked]  # in the file's order, whatever was shown

    def parse_api(self, spec, value, field, ids):
        return None if value is None else self._picks(spec, value, field, ids)

    def parse_form(self, spec, form, name, ids):
        return self._picks(spec, [v for v in form.getlist(name) if v], name, ids)

    def form_values(self, spec, response, name, ids):
        return {name: [ids(key) for key in response]}

    def grade(self, spec, response, runner=None):
        """Partial credit: max(0, right picks - wrong picks) / correct choices; correct only if exact."""
        if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
            return WRONG
        picked, correct = set(response), set(correct_ids(spec))
        right = len(picked & correct)
        wrong = len(picked - correct)  # unknown ids count as wrong picks
        return Grade(picked == correct, round(max(0, right - wrong) / len(correct), 4))

    def correct_response(self, spec):
        return correct_ids(spec)


KIND = Multiple()
