"""A question bound to one variant: the numbers a calculated question asks in one attempt or review.

`bind(question, seed)` draws the variant from the seed and the question (an attempt's seed, so
it is stable on reload and differs between attempts; a review card's count of reviews, so each
review draws afresh); `bind_stored(question, values, seed)` rebuilds the variant an answer was
given for from the values stored with it. The bound question reads like the Question row, with
its spec, prompt and explanation for that variant, so presentation, parsing, grading and the
result pages need no other change. Questions of kinds without variants are returned unchanged.
"""
from __future__ import annotations

import random
from typing import Any

from learnpath.quiz import kinds


class BoundQuestion:
    """A Question seen through one variant: `spec`, `prompt_html` and `explanation_html` are the variant's;
    every other attribute is the row's (read-only: nothing is written back)."""

    __slots__ = ("question", "spec", "prompt_html", "explanation_html")

    def __init__(self, question: Any, spec: dict[str, Any]):
        kind = kinds.get(question.kind)
        self.question, self.spec = question, spec
        self.prompt_html = kind.fill(spec, question.prompt_html)
        self.explanation_html = kind.fill(spec, question.explanation_html)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.question, name)

    @property
    def values(self) -> dict[str, Any] | None:
        return kinds.get(self.question.kind).values_of(self.spec)


def has_variants(question: Any) -> bool:
    return type(kinds.get(question.kind)).variant is not kinds.Kind.variant


def bind(question: Any, seed: int | str) -> Any:
    """The question as asked with `seed` (an attempt's seed, or a review's); unchanged without variants."""
    if isinstance(question, BoundQuestion) or not has_variants(question):
        return question
    rng = random.Random(f"variant:{seed}:{question.id}")
    return BoundQuestion(question, kinds.get(question.kind).variant(question.spec, rng))


def bind_stored(question: Any, values: dict[str, Any] | None, seed: int | str | None) -> Any:
    """The question as an answer stored with `values` was given (without: as drawn with `seed`, if any)."""
    if isinstance(question, BoundQuestion) or not has_variants(question):
        return question
    if values is None:
        return bind(question, seed) if seed is not None else question
    return BoundQuestion(question, kinds.get(question.kind).with_values(question.spec, values))


def reference(question: Any) -> Any:
    """The question as listed outside any attempt (a topic page): its reference variant's numbers in the prompt."""
    if isinstance(question, BoundQuestion) or not has_variants(question):
        return question
    return BoundQuestion(question, question.spec)


def values_of(question: Any) -> dict[str, Any] | None:
    """The values to store with an answer to this question (None: not a bound variant)."""
    return question.values if isinstance(question, BoundQuestion) else None


def review_seed(card_id: int, reviews: int) -> str:
    """A review card's variant: new each time it is reviewed, the same while one review is on screen."""
    return f"review:{card_id}:{reviews}"
