import pytest

from learnpath.content.pack import KINDS
from learnpath.quiz.kinds import REGISTRY, Kind, correct_response
from learnpath.quiz.kinds.short_text import normalize_text


def grade(kind, spec, response):
    """The kind's pure grader (the SQL kind, which needs a runner, is tested in test_sqllab)."""
    return REGISTRY[kind].grade(spec, response)

SINGLE = {"choices": [{"id": "a", "correct": False}, {"id": "b", "correct": True}, {"id": "c", "correct": False}]}
MULTI = {"choices": [{"id": "a", "correct": True}, {"id": "b", "correct": True}, {"id": "c", "correct": True},
                     {"id": "d", "correct": False}]}
ORDER = {"items": [{"id": "x"}, {"id": "y"}, {"id": "z"}, {"id": "w"}]}


def test_every_kind_has_a_grader():
    assert set(REGISTRY) == set(KINDS)
    assert all(type(kind).grade is not Kind.grade for kind in REGISTRY.values())


@pytest.mark.parametrize("response, correct, points", [
    ("b", True, 1.0), ("a", False, 0.0), ("zzz", False, 0.0), ("", False, 0.0), (None, False, 0.0),
    (["b"], False, 0.0), (1, False, 0.0),
])
def test_single(response, correct, points):
    g = grade("single", SINGLE, response)
    assert (g.correct, g.points) == (correct, points)


@pytest.mark.parametrize("response, correct, points", [
    (["a", "b", "c"], True, 1.0),
    (["a", "b"], False, round(2 / 3, 4)),           # two of three right picks
    (["a", "b", "c", "d"], False, round(2 / 3, 4)),  # three right minus one wrong
    (["a", "d"], False, 0.0),                        # one right minus one wrong
    (["d"], False, 0.0),                             # floor at zero
    ([], False, 0.0),
    (["a", "nope"], False, 0.0),                     # unknown ids count as wrong picks
    ("a", False, 0.0), ([1], False, 0.0), (None, False, 0.0),
])
def test_multiple_partial_credit(response, correct, points):
    g = grade("multiple", MULTI, response)
    assert (g.correct, g.points) == (correct, points)


@pytest.mark.parametrize("response, correct", [(True, True), (False, False), ("true", False), (1, False), (None, False)])
def test_true_false(response, correct):
    assert grade("true_false", {"answer": True}, response).correct is correct


@pytest.mark.parametrize("response, correct", [
    ("TCP", True), ("  tcp ", True), ("Transmission   Control Protocol", True), ("transmissioncontrolprotocol", True),
    ("UDP", False), ("", False), ("   ", False), (None, False), (42, False),
])
def test_short_text_ignores_case_and_space(response, correct):
    spec = {"accepted": ["TCP", "Transmission Control Protocol"]}
    assert grade("short_text", spec, response).correct is correct


def test_normalize_text():
    assert normalize_text(" Round  Robin\t") == "roundrobin"


@pytest.mark.parametrize("response, correct", [
    (100, True), (100.4, True), (99.5, True), (100.6, False), (98, False), (True, False), ("100", False),
    (float("nan"), False), (float("inf"), False), (None, False),
])
def test_numeric_tolerance(response, correct):
    assert grade("numeric", {"answer": 100.0, "tolerance": 0.5}, response).correct is correct


def test_numeric_exact_float_noise():
    assert grade("numeric", {"answer": 0.3, "tolerance": 0}, 0.1 + 0.2).correct


@pytest.mark.parametrize("response, correct, points", [
    (["x", "y", "z", "w"], True, 1.0),
    (["y", "x", "z", "w"], False, 0.5),
    (["w", "z", "y", "x"], False, 0.0),
    (["x", "y", "z"], False, 0.0),            # missing an item
    (["x", "y", "z", "z"], False, 0.0),       # duplicate
    (["x", "y", "z", "q"], False, 0.0),       # unknown item
    ("xyzw", False, 0.0), (None, False, 0.0),
])
def test_ordering(response, correct, points):
    g = grade("ordering", ORDER, response)
    assert (g.correct, g.points) == (correct, points)


def test_correct_response_grades_as_correct():
    specs = {
        "single": SINGLE, "multiple": MULTI, "true_false": {"answer": False},
        "short_text": {"accepted": ["x"]}, "numeric": {"answer": 3.0, "tolerance": 0}, "ordering": ORDER,
    }
    for kind, spec in specs.items():
        assert grade(kind, spec, correct_response(kind, spec)).correct, kind
