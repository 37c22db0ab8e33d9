"""Ordering: 3-10 items put in their order; partial credit for items in their right place.

The form gives each item a position select that starts empty, so an untouched question is
unanswered; a half-filled one, or one position given twice, is refused with a message.
"""
from __future__ import annotations

from learnpath.quiz.kinds.base import WRONG, AnswerError, Grade, OptionKind


class Ordering(OptionKind):
    name = "ordering"
    fields = frozenset({"items"})
    option_field, what = "items", "item"
    never_in_order = True
    example = {"items": [{"id": "syn", "text": "Client sends `SYN`"}, {"id": "synack", "text": "Server sends `SYN-ACK`"},
                         {"id": "ack", "text": "Client sends `ACK`"}]}

    def read_spec(self, reader):
        items = reader.options("items", 3, 10, with_correct=False)
        return {} if items is None else {"items": items}

    def parse_api(self, spec, value, field, ids):
        if value is None:
            return None
        order = self.key_list(spec, value, field, ids, "an ordering")
        if order is not None and len(order) != len(spec["items"]):
            raise AnswerError(field, f"list all {len(spec['items'])} item ids in order (got {len(order)})")
        return order

    def parse_form(self, spec, form, name, ids):
        count = len(spec["items"])
        positions: dict[str, int] = {}
        missing = 0
        for pid, key in self.keys(spec, ids).items():
            values = form.getlist(f"{name}-{pid}")
            raw = values[0].strip() if len(values) == 1 else ("" if not values else None)
            if raw is None:
                raise AnswerError(name, "one position per item expected, several were sent")
            if not raw:
                missing += 1
                continue
            if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= count):
                raise AnswerError(name, f"a position is a whole number from 1 to {count}")
            positions[key] = int(raw)
        if not positions:
            return None
        if missing:
            raise AnswerError(name, f"give every item a position ({missing} of {count} have none)")
        taken = sorted(positions.values())
        repeated = next((p for p, q in zip(taken, taken[1:]) if p == q), None)
        if repeated is not None:
            raise AnswerError(name, f"give each position to one item only (position {repeated} is given twice)")
        return sorted(positions, key=positions.get)

    def form_values(self, spec, response, name, ids):
        return {f"{name}-{ids(key)}": [str(position)] for position, key in enumerate(response, start=1)}

    def grade(self, spec, response, runner=None):
        """Partial credit: items in their correct position / items; correct only if all are."""
        expected = [item["id"] for item in spec["items"]]
        if not isinstance(response, list) or sorted(map(str, response)) != sorted(expected):
            return WRONG
        in_place = sum(1 for given, want in zip(response, expected) if given == want)
        return Grade(in_place == len(expected), round(in_place / len(expected), 4))

    def correct_response(self, spec):
        return [item["id"] for item in spec["items"]]


KIND = Ordering()
