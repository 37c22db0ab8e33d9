"""What every question kind implements, and the helpers the option-based kinds share.

A kind never touches Flask, the database or a request: its callers hand it the question's stored
`spec`, a `PublicIds` function (file id -> opaque id), the posted form or JSON value, and for kinds
that execute code, a sandbox runner. See the package docstring for the contract.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Protocol


class AnswerError(ValueError):
    """A malformed answer value. `field` names it (``answers.12``, ``q12``); `problem` says what is wrong.

    The API answers 400 with ``str(error)``; the quiz form shows `problem` at the question.
    """

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class Grade:
    correct: bool
    points: float  # 0..1
    feedback: str = ""


WRONG = Grade(False, 0.0)

PublicIds = Callable[[str], str]
"""Maps a choice/item id written in the content file to the opaque id the browser sees."""


class FormData(Protocol):
    """A posted form (werkzeug's MultiDict has this): every value sent under a name, in order."""

    def getlist(self, key: str) -> list[str]: ...


class SpecReader(Protocol):
    """How a kind reads its own fields of one question while a content pack is validated.

    Implemented by learnpath.content.pack. Every problem is recorded with the file and the line of
    the field; a question with problems is left out of the pack (and the import is refused).
    """

    def get(self, key: str, default: Any = None) -> Any: ...
    def problem(self, key: str, message: str) -> None: ...
    def problem_in(self, field: str, mapping: Any, key: str, message: str) -> None: ...
    def text(self, key: str, required: bool = True) -> str: ...
    def slug(self, key: str) -> str: ...
    def flag(self, key: str) -> bool: ...
    def number(self, key: str, default: Any = None) -> float | None: ...
    def options(self, key: str, low: int, high: int, with_correct: bool) -> list[dict[str, Any]] | None: ...


class Kind:
    """One question kind. Subclasses set the class attributes and implement every method below.

    `spec` is always the question's stored spec: what `read_spec` returned, completed by the pack
    (e.g. an SQL question's `dataset_version`) and by `display_spec` (rendered option HTML).
    A response is the learner's answer in file terms (file ids, numbers, text); None is unanswered.
    """

    name: ClassVar[str]  # the `kind:` value in the content pack, and the template partial's name
    fields: ClassVar[frozenset[str]]  # the question fields this kind adds to id/kind/prompt/explanation/...
    runner: ClassVar[str | None] = None  # the sandbox runner grading needs (see the package docstring)
    example: ClassVar[dict[str, Any]]  # its fields of a valid question, as an author writes them (contract test)

    # ---- content pack ---------------------------------------------------------------------------
    def read_spec(self, reader: SpecReader) -> dict[str, Any]:
        """Validate this kind's fields and return the graded spec (normalised)."""
        raise NotImplementedError

    def display_spec(self, spec: dict[str, Any], render_inline: Callable[[str], str]) -> dict[str, Any]:
        """The spec as stored at import: inline Markdown rendered once, beside the raw text."""
        return dict(spec)

    # ---- before submission: the whitelist --------------------------------------------------------
    def present(self, spec: dict[str, Any], ids: PublicIds, rng: random.Random) -> dict[str, Any]:
        """The fields a learner may see besides id, kind and prompt: no key, accepted answer or explanation."""
        return {}

    # ---- parsing ------------------------------------------------------------------------------------
    def parse_api(self, spec: dict[str, Any], value: Any, field: str, ids: PublicIds) -> Any:
        """A JSON value (opaque ids) -> a response; None/blank -> None; malformed -> AnswerError(field, ...)."""
        raise NotImplementedError

    def parse_form(self, spec: dict[str, Any], form: FormData, name: str, ids: PublicIds) -> Any:
        """The form fields of this question (`name` and `name-...`) -> a response, None, or AnswerError."""
        raise NotImplementedError

    def form_values(self, spec: dict[str, Any], response: Any, name: str, ids: PublicIds) -> dict[str, list[str]]:
        """What the form posts for `response`: pre-fills a saved draft; `parse_form` reads it back."""
        raise NotImplementedError

    def public_response(self, spec: dict[str, Any], response: Any, ids: PublicIds) -> Any:
        """A response in the API's terms (opaque ids): `parse_api` reads it back."""
        return response

    # ---- grading and review -------------------------------------------------------------------------
    def grade(self, spec: dict[str, Any], response: Any, runner: Any = None) -> Grade:
        """Pure: (spec, response) -> Grade. Unknown or malformed responses grade as wrong; never raises."""
        raise NotImplementedError

    def correct_response(self, spec: dict[str, Any]) -> Any:
        """The right answer as a response (grades correct)."""
        raise NotImplementedError

    def describe(self, spec: dict[str, Any], response: Any) -> dict[str, Any]:
        """Plain data for the partial's `answer` macro to show a (non-None) response. No HTML built here."""
        raise NotImplementedError

    def describe_correct(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.describe(spec, self.correct_response(spec))

    def public_correct(self, spec: dict[str, Any], ids: PublicIds) -> Any:
        """The right answer as the API shows it after submitting; None for a kind that never reveals it (go)."""
        return self.public_response(spec, self.correct_response(spec), ids)

    # ---- variants: a kind whose questions draw their numbers per attempt (calculated) -------------
    # The stored spec is one variant already (its reference one), so every method above works on it;
    # learnpath.quiz.variants binds the attempt's. A kind without variants keeps these defaults.
    def variant(self, spec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        """The spec of the variant drawn with `rng` (seeded per attempt and question)."""
        return spec

    def with_values(self, spec: dict[str, Any], values: dict[str, Any] | None) -> dict[str, Any]:
        """The spec of the variant with these values (as `values_of` returned them, e.g. stored with an answer)."""
        return spec

    def values_of(self, spec: dict[str, Any]) -> dict[str, Any] | None:
        """What identifies a variant, stored with each answer (None: the kind has no variants)."""
        return None

    def fill(self, spec: dict[str, Any], html: str) -> str:
        """The prompt's or explanation's HTML with the variant's values in its placeholders."""
        return html


# ---- kinds whose answer picks among options (choices, items) -------------------------------------

class OptionKind(Kind):
    """Choices or items listed with opaque ids in a per-attempt shuffled order."""

    option_field: ClassVar[str]  # "choices" or "items"
    what: ClassVar[str]  # "choice" or "item", in messages
    never_in_order: ClassVar[bool] = False  # shown in file order, an ordering question gives itself away

    def display_spec(self, spec, render_inline):
        out = dict(spec)
        out[self.option_field] = [{**option, "html": render_inline(option["text"])} for option in spec[self.option_field]]
        return out

    def present(self, spec, ids, rng):
        options = spec[self.option_field]
        shuffled = list(options)
        rng.shuffle(shuffled)
        if self.never_in_order and len(shuffled) > 1 and shuffled == options:
            shuffled = shuffled[1:] + shuffled[:1]
        return {self.option_field: [{"id": ids(o["id"]), "text": o["html"]} for o in shuffled]}

    def keys(self, spec: dict[str, Any], ids: PublicIds) -> dict[str, str]:
        """Opaque id -> file id, for this question's options."""
        return {ids(o["id"]): o["id"] for o in spec[self.option_field]}

    def public_response(self, spec, response, ids):
        if response is None:
            return None
        return [ids(key) for key in response] if isinstance(response, list) else ids(response)

    def key_list(self, spec: dict[str, Any], value: Any, field: str, ids: PublicIds, label: str) -> list[str] | None:
        """A list of opaque ids -> file ids: a list of strings, each known, none repeated. [] -> None."""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise AnswerError(field, f"{label} answer is a list of {self.what} ids")
        if not value:
            return None
        keys = self.keys(spec, ids)
        unknown = [v for v in value if v not in keys]
        if unknown:
            raise AnswerError(field, f"unknown {self.what} id {unknown[0]!r}")
        if len(set(value)) != len(value):
            raise AnswerError(field, f"an {self.what} id is repeated" if self.what == "item" else f"a {self.what} id is repeated")
        return [keys[v] for v in value]

    def describe(self, spec, response):
        html_by_key = {o["id"]: o["html"] for o in spec[self.option_field]}
        keys = response if isinstance(response, list) else [response]
        return {"options": [html_by_key.get(k) for k in keys]}  # None: an option removed since


def correct_ids(spec: dict[str, Any]) -> list[str]:
    return [c["id"] for c in spec["choices"] if c["correct"]]


def single_text(form: FormData, name: str, field: str) -> str | None:
    """The one value posted under `name`, stripped; None when absent or blank."""
    values = form.getlist(name)
    if len(values) > 1:
        raise AnswerError(field, "one value expected, several were sent")
    if not values or not values[0].strip():
        return None
    return values[0]


class TextKind(Kind):
    """A typed answer in one text field (short text, a query): blank is unanswered."""

    max_chars: ClassVar[int]
    label: ClassVar[str]  # "a short text answer", in messages

    def _text(self, value: Any, field: str) -> str | None:
        if not isinstance(value, str):
            raise AnswerError(field, f"{self.label} is a string")
        if len(value) > self.max_chars:
            raise AnswerError(field, f"the answer is longer than {self.max_chars:,} characters")
        return value if value.strip() else None

    def parse_api(self, spec, value, field, ids):
        return None if value is None else self._text(value, field)

    def parse_form(self, spec, form, name, ids):
        value = single_text(form, name, name)
        return None if value is None else self._text(value, name)

    def form_values(self, spec, response, name, ids):
        return {name: [response]}
