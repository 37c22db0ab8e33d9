"""Every registered question kind honours the contract in learnpath/quiz/kinds/__init__.py.

Nothing here names a kind except where a kind needs a sandbox runner: a new kind is checked as
soon as it is in the registry, from its own `example`. The checks: the example passes the pack
validator; the correct answer grades correct; presentation leaks no key, accepted answer or
explanation; an empty answer is unanswered and a malformed one raises AnswerError (a 400), never
anything else; form values round-trip through the kind's template partial; the partial renders.
"""
from __future__ import annotations

import ast
import hashlib
import json
import pkgutil
import random
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from werkzeug.datastructures import MultiDict

import learnpath.quiz.kinds as kinds_package
from learnpath.config import REPO_ROOT
from learnpath.content.pack import _Collector, parse_question
from learnpath.content.render import render_inline
from learnpath.quiz.kinds import REGISTRY, AnswerError, Grade
from learnpath.sqllab.datasets import DatasetStore
from tests.golab_support import fake_go_runner

QUESTION_ID = 987_654  # far from any number an example uses, so leaf comparisons cannot collide
EXPLANATION = "EXPLANATION-NEVER-SHOWN-BEFORE-SUBMIT"
SECRET_KEYS = {"correct", "accepted", "answer", "reference", "tolerance", "explanation", "solution", "expected",
               "tests", "hidden"}
SHOP = Path(__file__).parent / "fixtures" / "pack" / "datasets" / "shop"
HOSTILE_VALUES = [
    "", " ", "x", "²", "１２", "1,5", "٣", "1e400", "nan", "-inf", "99999999999999999999", "\x00", "a" * 30_000,
    0, 1, -1, 1.5, 10**400, float("nan"), float("inf"), True, False, [], [1], ["x"], ["x", "x"], [None], [[]],
    {"a": 1}, {},
]
HOSTILE_FORM_VALUES = ["", " ", "x", "²", "１２", "1,5", "٣", "1e400", "nan", "-0", "99999999999999999999", "\x00",
                       "a" * 600, "0", "1", "2", "3", "11", "true", "false", "SELECT 1"]
KINDS = sorted(REGISTRY)


def _sql_runner(spec: dict, tmp_path: Path) -> DatasetStore:
    """The SQL kind's sandbox over the fixture pack's shop dataset, in a temporary folder."""
    spec["dataset_version"] = "contract"
    schema = (SHOP / "schema.sql").read_text()
    rows = {"visible": (SHOP / "data.sql").read_text(), "hidden": (SHOP / "hidden.sql").read_text()}
    return DatasetStore(tmp_path / "sqllab", lambda name, version, variant: schema + "\n" + rows[variant])


def _go_runner(spec: dict, tmp_path: Path):
    """The Go kind's lab without a sandbox: a fake queue on which only the example's reference passes."""
    return fake_go_runner(solution=spec["solution"])


# A kind whose grading needs a sandbox gets it here; a new such kind fails until it has one.
RUNNERS = {"sql": _sql_runner, "go": _go_runner}


def ids(key: str) -> str:
    return hashlib.sha256(f"{QUESTION_ID}:{key}".encode()).hexdigest()[:10]


class Example:
    """A kind's example question, read through the real pack validator and stored as the importer would."""

    def __init__(self, name: str, tmp_path: Path):
        self.kind = REGISTRY[name]
        question = {"id": "example", "kind": name, "prompt": "Prompt?", "explanation": EXPLANATION,
                    "topics": ["t"], "difficulty": 1, **self.kind.example}
        problems: list = []
        collector = _Collector(problems, "example.md")
        parsed = parse_question(collector, collector.load_yaml(yaml.safe_dump(question)), 1, {"t": "Topic"})
        assert not problems and parsed is not None, [str(p) for p in problems]
        self.spec = self.kind.display_spec(parsed.spec, render_inline)
        self.runner = None
        if self.kind.runner is not None:
            assert self.kind.runner in RUNNERS, f"kind {name!r} needs a {self.kind.runner!r} runner in RUNNERS"
            self.runner = RUNNERS[self.kind.runner](self.spec, tmp_path)

    def view(self) -> dict:
        return {"id": QUESTION_ID, "kind": self.kind.name, "prompt_html": "<p>Prompt?</p>",
                **self.kind.present(self.spec, ids, random.Random(1))}

    def grade(self, response) -> Grade:
        return self.kind.grade(self.spec, response, self.runner)


@pytest.fixture(params=KINDS)
def example(request, tmp_path) -> Example:
    return Example(request.param, tmp_path)


@pytest.fixture
def jinja(make_app):
    return make_app().jinja_env


# ---- the registry -----------------------------------------------------------------------------

def test_every_kind_module_is_registered_with_a_partial():
    modules = {m.name for m in pkgutil.iter_modules(kinds_package.__path__) if m.name != "base"}
    assert modules == {type(kind).__module__.rsplit(".", 1)[1] for kind in REGISTRY.values()}
    for name, kind in REGISTRY.items():
        assert kind.name == name
        assert (REPO_ROOT / "templates" / "quiz" / "kinds" / f"{name}.html").is_file(), name


@pytest.mark.parametrize("name", KINDS)
def test_kind_modules_import_neither_flask_nor_the_database(name):
    source = Path(sys.modules[type(REGISTRY[name]).__module__].__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    forbidden = [m for m in imported if m.split(".")[0] in ("flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug")
                 or m.startswith(("learnpath.extensions", "learnpath.models", "learnpath.quiz.services"))]
    assert not forbidden, forbidden


def test_importing_the_kinds_loads_no_route_module():
    code = ("import sys, learnpath.quiz.kinds\n"
            "print('\\n'.join(m for m in sys.modules if m.startswith('learnpath')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=REPO_ROOT).stdout.split()
    assert "learnpath.quiz.kinds" in loaded
    assert not [m for m in loaded if m.endswith(".routes") or m == "learnpath.api" or m.startswith("learnpath.api.")]


# ---- grading ----------------------------------------------------------------------------------

def test_correct_answer_grades_correct(example):
    right = example.kind.correct_response(example.spec)
    assert example.grade(right) == Grade(True, 1.0, example.grade(right).feedback)


# ---- presentation -----------------------------------------------------------------------------

def _leaves(value) -> list:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _typed(value):
    return ("bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "text", value)


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_presentation_is_a_whitelist(example):
    view = example.view()
    secrets = _leaves(example.kind.correct_response(example.spec))
    secrets += [leaf for key, value in example.spec.items() if key in SECRET_KEYS for leaf in _leaves(value)]
    shown = {_typed(leaf) for key, value in view.items() if key != "id" for leaf in _leaves(value)}
    assert not shown & {_typed(s) for s in secrets if s not in ("", None)}
    assert not _keys(view) & SECRET_KEYS
    assert EXPLANATION not in json.dumps(view)


# ---- parsing ----------------------------------------------------------------------------------

def test_api_answers_round_trip_and_none_is_unanswered(example):
    right = example.kind.correct_response(example.spec)
    public = example.kind.public_response(example.spec, right, ids)
    json.dumps(public)  # what the API returns must be JSON
    assert example.kind.parse_api(example.spec, public, "answers.1", ids) == right
    assert example.kind.parse_api(example.spec, None, "answers.1", ids) is None


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=lambda v: repr(v)[:20])
def test_malformed_api_values_are_answer_errors_naming_the_field(example, value):
    try:
        response = example.kind.parse_api(example.spec, value, "answers.1", ids)
    except AnswerError as exc:
        assert str(exc).startswith("answers.1: ") and exc.problem
        return
    if response is not None:
        assert isinstance(example.grade(response), Grade)


class _FormReader(HTMLParser):
    """What a browser would post from a form fragment, untouched: checked boxes, selected options, text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.names: list[str] = []
        self._select: tuple[str, list, list] | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.names.append(a["name"])
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            else:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.names.append(a["name"])
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea":
            self.names.append(a["name"])
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, options, selected = self._select
            self.fields.append((name, (selected or options)[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None


INPUTS = '{% from "quiz/_question.html" import question_inputs %}{{ question_inputs(q, values, {}, {}) }}'


def _posted(jinja, example: Example, values: MultiDict) -> _FormReader:
    reader = _FormReader()
    reader.feed(jinja.from_string(INPUTS).render(q=example.view(), values=values))
    return reader


def test_form_round_trips_through_the_partial(example, jinja):
    name = f"q{QUESTION_ID}"
    right = example.kind.correct_response(example.spec)
    filled = MultiDict()
    for field, posted in example.kind.form_values(example.spec, right, name, ids).items():
        filled.setlist(field, posted)
    form = MultiDict(_posted(jinja, example, filled).fields)
    assert example.kind.parse_form(example.spec, form, name, ids) == right
    # Untouched, the same partial posts an unanswered question (not, e.g., a pre-filled order).
    untouched = MultiDict(_posted(jinja, example, MultiDict()).fields)
    assert example.kind.parse_form(example.spec, untouched, name, ids) is None


def test_malformed_form_values_are_answer_errors(example, jinja):
    name = f"q{QUESTION_ID}"
    fields = [f for f in dict.fromkeys(_posted(jinja, example, MultiDict()).names) if not f.startswith("confidence")]
    assert fields and all(f == name or f.startswith(f"{name}-") for f in fields)
    for field in fields:
        for posted in [[v] for v in HOSTILE_FORM_VALUES] + [["1", "2"], ["x", "x"]]:
            try:
                response = example.kind.parse_form(example.spec, MultiDict({field: posted}), name, ids)
            except AnswerError as exc:
                assert exc.field == name and exc.problem
                continue
            if response is not None:
                assert isinstance(example.grade(response), Grade)


# ---- what the result pages show ---------------------------------------------------------------

SHOWN = ('{% from "quiz/_question.html" import correct_label, question_note, shown_answer %}'
         '{{ question_note(q) }}|{{ correct_label(q) }}|{{ shown_answer(q, given) }}|{{ shown_answer(q, right) }}'
         '|{{ shown_answer(q, none) }}')


def test_partial_renders_answers(example, jinja):
    right = example.kind.correct_response(example.spec)
    html = jinja.from_string(SHOWN).render(q={"kind": example.kind.name}, given=example.kind.describe(example.spec, right),
                                           right=example.kind.describe_correct(example.spec))
    note, label, given, shown_right, nothing = html.split("|")
    assert label.strip() and given.strip() and shown_right.strip() and nothing == "<em>no answer</em>"


# ---- variants (calculated): each drawn variant is a whole question of its own ------------------

def test_a_drawn_variant_grades_its_own_answer_and_is_rebuilt_from_its_values(example):
    kind = example.kind
    if kind.variant(example.spec, random.Random(0)) is example.spec:  # a kind without variants
        assert kind.values_of(example.spec) is None and kind.fill(example.spec, "<p>{x}</p>") == "<p>{x}</p>"
        return
    drawn = [kind.variant(example.spec, random.Random(seed)) for seed in range(8)]
    assert len({json.dumps(kind.values_of(spec), sort_keys=True) for spec in drawn}) > 1
    for spec in drawn:
        assert kind.grade(spec, kind.correct_response(spec), example.runner).correct
        assert kind.with_values(example.spec, kind.values_of(spec)) == spec
        assert "{" not in kind.fill(spec, example.kind.example.get("prompt", ""))


def test_public_correct_is_json_and_withheld_only_where_the_kind_says(example):
    shown = example.kind.public_correct(example.spec, ids)
    json.dumps(shown)
    if example.kind.name == "go":  # the reference solution never leaves the server
        assert shown is None
    else:
        assert shown == example.kind.public_response(example.spec, example.kind.correct_response(example.spec), ids)
