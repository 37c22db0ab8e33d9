"""Question kinds: one module per kind, looked up by name in `REGISTRY` (as CTFd's CHALLENGE_CLASSES).

A kind owns everything that differs between kinds, and nothing else: it imports neither Flask nor
the database, so each part is a plain function of its arguments and the contract test
(tests/test_kinds_contract.py) checks every registered kind the same way.

Adding a kind = one module here + one line in `REGISTRY` + one template partial
`templates/quiz/kinds/<name>.html`. The module defines a `Kind` subclass (see base.py) and
`KIND = TheKind()`:

    name: str                     the `kind:` value in the content pack; also the partial's file name
    fields: frozenset[str]        the question fields it adds to id, kind, prompt, explanation, topics, difficulty
    runner: str | None            the sandbox grading needs, e.g. "sql" (None: grading is pure computation)
    example: dict                 its fields of one valid question, as written in a pack (the contract test uses it)

    read_spec(reader) -> spec                          validate its fields (problems with file:line via `reader`)
    display_spec(spec, render_inline) -> spec          what the importer stores (inline Markdown rendered once)
    present(spec, ids, rng) -> dict                    the whitelist shown before submitting (no key, no accepted
                                                       answer, no explanation); `rng` is seeded per attempt
    parse_api(spec, value, field, ids) -> response     JSON value -> response; None/blank -> None (unanswered)
    parse_form(spec, form, name, ids) -> response      posted fields `name`, `name-...` -> response or None
    form_values(spec, response, name, ids) -> {field: [values]}   what the form posts for a response (drafts)
    public_response(spec, response, ids) -> value      a response in the API's terms (opaque ids)
    grade(spec, response, runner=None) -> Grade        pure; a wrong/odd response grades wrong, never raises
    correct_response(spec) -> response                 the right answer (grades correct)
    describe(spec, response) / describe_correct(spec) -> dict   plain data the partial's `answer` macro shows
    public_correct(spec, ids) -> value                 the right answer in the API's terms after submitting
                                                       (default: public_response of correct_response; go: None)

A kind whose questions draw numbers per attempt (calculated) also overrides the variant hooks
(defaults: no variants): variant(spec, rng) -> spec, with_values(spec, values) -> spec,
values_of(spec) -> values stored with each answer, fill(spec, html) -> html with the values in
its placeholders. learnpath.quiz.variants binds a question to its attempt's variant.

A malformed value raises `AnswerError(field, problem)`: the API answers 400 with its message, the
quiz form shows `problem` at the question (400, nothing recorded). `ids` maps a file id to the
opaque per-question id the browser sees.

The partial defines `inputs(q, name, values, previews, runs, run_enabled)` (the answer inputs,
pre-filled from `values`, a name -> list of strings mapping) and `answer(shown)` (renders what
`describe`/`describe_correct` returned); optionally `note()` (a hint after the question number)
and `correct_label()` (default "Correct answer").

A kind whose grading runs code (sql, go) names its runner: the app registers one runner per
name (learnpath.quiz.grading.register_runner, e.g. sqllab.init_app registers the DuckDB dataset
store), and the grading service passes it as `grade(..., runner=...)`. The kind never looks it up.
"""
from __future__ import annotations

from typing import Any

from learnpath.quiz.kinds import calculated, go, multiple, numeric, ordering, short_text, single, sql, true_false
from learnpath.quiz.kinds.base import WRONG, AnswerError, FormData, Grade, Kind, PublicIds, SpecReader

REGISTRY: dict[str, Kind] = {kind.name: kind for kind in (
    single.KIND, multiple.KIND, true_false.KIND, short_text.KIND, numeric.KIND, calculated.KIND, ordering.KIND, sql.KIND, go.KIND,
)}
NAMES: tuple[str, ...] = tuple(REGISTRY)

__all__ = ["AnswerError", "FormData", "Grade", "Kind", "NAMES", "PublicIds", "REGISTRY", "SpecReader", "WRONG",
           "get"]


def get(name: str) -> Kind:
    """The kind called `name` (KeyError for an unknown kind: the pack validator refuses those)."""
    return REGISTRY[name]


def correct_response(name: str, spec: dict[str, Any]) -> Any:
    return REGISTRY[name].correct_response(spec)
