"""Calculated questions (variants): the safe formula evaluator, the pack validator, per-attempt values
(stable on reload, different between attempts, HTML and API), grading with tolerance, the result and
review pages, and the shipped seeds. They use their own small pack (tests/fixtures/calculated_pack)."""
import random
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from learnpath.config import REPO_ROOT
from learnpath.content.importer import import_pack
from learnpath.content.pack import PackError, load_pack
from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Question, ReviewCard
from learnpath.quiz import formula, services, variants
from learnpath.quiz.kinds import REGISTRY
from learnpath.review import services as review
from tests.conftest import api_token

PACK = Path(__file__).parent / "fixtures" / "calculated_pack"
KIND = REGISTRY["calculated"]
BITS_RE = re.compile(r"need for (\d+) items at a false-positive rate of ([0-9.e-]+)\?")


@pytest.fixture
def calc_app(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
        import_pack(load_pack(PACK))
    return app


@pytest.fixture
def calc_client(calc_app):
    client = calc_app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"})
    return client


def _start(client, slug="bloom") -> int:
    response = client.post(f"/lessons/{slug}/attempts")
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def _bound(app, attempt_id) -> dict:
    """The attempt's questions by key, bound to its variant, as the server sees them."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return {q.key: (q.id, q.spec) for q in services.attempt_questions(attempt)}


# ---- the formula evaluator ----------------------------------------------------------------------

@pytest.mark.parametrize("source, problem", [
    ("__import__('os').system('true')", "unknown function"),
    ("__import__('os')", "unknown function '__import__'"),
    ("n.__class__", "attribute access"),
    ("n[0]", "subscripts"),
    ("'a' * 3", "only numbers"),
    ("lambda: 1", "lambda"),
    ("n if n else 1", "if/else"),
    ("[x for x in n]", "not allowed"),
    ("n; n", "not a valid expression"),
    ("open('x')", "unknown function 'open'"),
    ("round(n, ndigits=2)", "keyword arguments"),
    ("ln", "is a function"),
    ("1 +" * 300 + "1", "at most 500 characters"),
])
def test_the_evaluator_refuses_what_is_not_arithmetic(source, problem):
    with pytest.raises(formula.FormulaError, match=re.escape(problem)):
        formula.parse(source)


@pytest.mark.parametrize("source", ["10 ** 10 ** 10", "2 ** 99999", "pow(10, 400)", "exp(1000)", "1e308 * 10",
                                    "9" * 30, "n ** n ** n", "ln(0)", "sqrt(-1)", "1 / (n - n)"])
def test_huge_or_undefined_values_are_errors_not_answers(source):
    parsed = formula.parse(source)
    with pytest.raises(formula.FormulaError):
        parsed.evaluate({"n": 50.0})


def test_whitelisted_functions_and_constants_evaluate():
    parsed = formula.parse("-n * ln(p) / ln(2)**2 + log2(8) + log10(100) + log(e) + sqrt(4) + ceil(0.2) + floor(1.8)"
                           " + min(1, 2) + max(1, 2) + round(2.4) + abs(-1) + pow(2, 3) + exp(0) + pi - pi")
    assert parsed.names == {"n", "p"}
    assert parsed.evaluate({"n": 1000, "p": 0.01}) == pytest.approx(9585.058 + 3 + 2 + 1 + 2 + 1 + 1 + 1 + 2 + 2 + 1 + 8 + 1,
                                                                    rel=1e-6)


# ---- the kind -----------------------------------------------------------------------------------

def _spec(**fields) -> dict:
    """A calculated question's stored spec, read through the pack validator."""
    pack = load_pack(PACK)
    spec = next(q.spec for q in pack.lessons["bloom"].questions if q.key == "bits")
    return {**spec, **fields}


def test_variants_are_drawn_from_the_generator_and_graded_with_their_own_answer():
    spec = _spec()
    one, two = KIND.variant(spec, random.Random(1)), KIND.variant(spec, random.Random(2))
    assert one["values"] != two["values"]
    assert KIND.variant(spec, random.Random(1)) == one  # the same seed, the same variant
    n, p = one["values"]["n"], one["values"]["p"]
    right = -n * __import__("math").log(p) / __import__("math").log(2) ** 2
    assert one["answer"] == pytest.approx(right)
    assert KIND.grade(one, right * 1.019).correct  # tolerance 2% of the answer
    assert not KIND.grade(one, right * 1.021).correct
    assert not KIND.grade(two, right).correct or two["answer"] == pytest.approx(right, rel=0.02)
    assert KIND.with_values(spec, one["values"]) == one  # an answer's stored values rebuild its variant


def test_absolute_tolerance_and_placeholders():
    pack = load_pack(PACK)
    spec = next(q.spec for q in pack.lessons["held-bloom"].questions)
    bound = KIND.with_values(spec, {"m": 40000, "n": 2000})
    assert bound["answer"] == pytest.approx(13.8629, abs=1e-4)
    assert KIND.grade(bound, 13.9).correct and KIND.grade(bound, 13.82).correct
    assert not KIND.grade(bound, 13.92).correct
    assert KIND.fill(bound, "<p>{m} bits, {n} items: k = {answer}; {unknown} stays</p>") == \
        "<p>40000 bits, 2000 items: k = 13.8629; {unknown} stays</p>"


# ---- the validator ------------------------------------------------------------------------------

BROKEN = """---
slug: broken
title: Broken
summary: Broken calculated questions.
topics: [sizing]
---
Body.

<!-- questions -->
- id: unknown-in-prompt
  kind: calculated
  prompt: For {n} items and {k} hashes?
  variables:
    n: {min: 1, max: 9}
  formula: n * 2
  tolerance: 0
  explanation: Twice {n}.
  topics: [sizing]
  difficulty: 1
- id: unknown-in-formula
  kind: calculated
  prompt: For {n} items?
  variables:
    n: {min: 1, max: 9}
  formula: n * bits
  tolerance: 0
  explanation: x
  topics: [sizing]
  difficulty: 1
- id: rejected-formula
  kind: calculated
  prompt: For {n} items?
  variables:
    n: [1, 2]
  formula: n.real
  tolerance: 0
  explanation: x
  topics: [sizing]
  difficulty: 1
- id: empty-range
  kind: calculated
  prompt: For {n} and {m}?
  variables:
    n: {min: 9, max: 1}
    m: {min: 1, max: 5, step: 0}
  formula: n + m
  tolerance: 0
  explanation: x
  topics: [sizing]
  difficulty: 1
- id: not-finite
  kind: calculated
  prompt: For {n} items?
  variables:
    n: {min: 1, max: 9}
  formula: 1 / (n - 5)
  tolerance: 0
  explanation: x
  topics: [sizing]
  difficulty: 1
- id: no-tolerance
  kind: calculated
  prompt: For {n} items?
  variables:
    n: [1, 2]
  formula: n
  explanation: x
  topics: [sizing]
  difficulty: 1
- id: empty-list
  kind: calculated
  prompt: For {n} items?
  variables:
    n: []
  formula: n
  tolerance: 1%
  explanation: Shows {answer} and {nothing}.
  topics: [sizing]
  difficulty: 1
"""


def test_the_validator_reports_each_problem_with_file_and_line(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    (pack / "lessons" / "broken.md").write_text(BROKEN)
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    problems = [str(p) for p in caught.value.problems]
    lines = BROKEN.split("\n")

    def line_of(text: str, after: str) -> int:
        start = next(i for i, line in enumerate(lines) if after in line)
        return next(i for i in range(start, len(lines)) if text in lines[i]) + 1

    expected = [
        (line_of("prompt:", "unknown-in-prompt"), "'prompt' uses unknown variable {k}"),
        (line_of("formula:", "unknown-in-formula"), "'formula' uses unknown variable 'bits'"),
        (line_of("formula:", "rejected-formula"), "attribute access (a.b) is not allowed"),
        (line_of("n: {min: 9", "empty-range"), "variable 'n': the range is empty (min 9 > max 1)"),
        (line_of("m: {min: 1", "empty-range"), "variable 'm': 'step' must be a number > 0"),
        (line_of("formula:", "not-finite"), "'formula' is not usable for n = 5"),
        (line_of("- id: no-tolerance", "no-tolerance"), "'tolerance' is required"),
        (line_of("n: []", "empty-list"), "variable 'n': the list of values is empty"),
        (line_of("explanation:", "empty-list"), "'explanation' uses unknown variable {nothing}"),
    ]
    for line, message in expected:
        assert any(p.startswith(f"lessons/broken.md:{line}: ") and message in p for p in problems), \
            (line, message, problems)
    assert not any("{answer}" in p for p in problems)  # the explanation may show the answer


# ---- attempts: HTML and API ---------------------------------------------------------------------

def test_each_attempt_has_its_own_values_stable_on_reload_html(calc_app, calc_client):
    first = _start(calc_client)
    page = calc_client.get(f"/attempts/{first}").get_data(as_text=True)
    values = BITS_RE.search(page).groups()
    assert "{n}" not in page and "{p}" not in page
    assert BITS_RE.search(calc_client.get(f"/attempts/{first}").get_data(as_text=True)).groups() == values
    bound = _bound(calc_app, first)
    _, spec = bound["bits"]
    assert (values[0], values[1]) == (str(int(spec["values"]["n"])), repr(spec["values"]["p"]))
    assert calc_client.post(f"/attempts/{first}", data={"action": "submit"}).status_code == 302

    seen = {tuple(values) + tuple(bound["quorum"][1]["values"].values())}
    for _ in range(3):  # a fresh attempt draws afresh (four attempts alike by chance: ~1e-10)
        attempt = _start(calc_client)
        page = calc_client.get(f"/attempts/{attempt}").get_data(as_text=True)
        again = _bound(calc_app, attempt)
        seen.add(BITS_RE.search(page).groups() + tuple(again["quorum"][1]["values"].values()))
        calc_client.post(f"/attempts/{attempt}", data={"action": "submit"})
    assert len(seen) > 1


def test_grading_recomputes_the_answer_for_the_attempts_values_html(calc_app, calc_client):
    attempt = _start(calc_client)
    bound = _bound(calc_app, attempt)
    bits_id, bits = bound["bits"]
    quorum_id, quorum = bound["quorum"]
    data = {f"q{bits_id}": f"{bits['answer'] * 1.01:.2f}", f"q{quorum_id}": str(int(quorum["answer"]) + 1),
            "action": "submit"}
    assert calc_client.post(f"/attempts/{attempt}", data=data).status_code == 302
    with calc_app.app_context():
        answers = {a.question_id: a for a in db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt))}
        assert answers[bits_id].correct and not answers[quorum_id].correct
        assert answers[bits_id].variant == bits["values"]  # the values asked are stored with the answer
    page = calc_client.get(f"/attempts/{attempt}").get_data(as_text=True)
    n, p = int(bits["values"]["n"]), bits["values"]["p"]
    assert f"need for {n} items at a false-positive rate of {p!r}?" in page  # the learner's values
    assert f"for n = {n}, p = {p!r}" in page
    assert variants_shown(bits["answer"]) in page  # the right answer for those values ...
    assert f"so {n} items need {variants_shown(bits['answer'])} bits" in page  # ... and the working


def variants_shown(value: float) -> str:
    from learnpath.quiz.kinds.calculated import shown
    return shown(value)


def test_values_and_grading_through_the_api(calc_app, client):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    started = client.post("/api/v1/lessons/bloom/attempts", headers=h)
    assert started.status_code == 201
    payload = started.get_json()
    bits = next(q for q in payload["questions"] if "Bloom" in q["prompt_html"])
    n, p = BITS_RE.search(bits["prompt_html"]).groups()
    assert bits["values"] == {"n": float(n), "p": float(p)} and bits["unit"] == "bits"
    assert "answer" not in bits and "formula" not in bits and "tolerance" not in bits
    again = client.get(f"/api/v1/attempts/{payload['attempt_id']}", headers=h).get_json()
    assert again["questions"] == payload["questions"]  # stable on reload
    right = -float(n) * __import__("math").log(float(p)) / __import__("math").log(2) ** 2
    result = client.post(f"/api/v1/attempts/{payload['attempt_id']}/submit", headers=h,
                         json={"answers": {str(bits["id"]): right * 0.99}}).get_json()
    graded = next(r for r in result["results"] if r["question_id"] == bits["id"])
    assert graded["correct"] is True and graded["correct_answer"] == pytest.approx(right)
    assert f"{n} items need" in graded["explanation_html"]

    second = client.post("/api/v1/lessons/bloom/attempts", headers=h).get_json()
    third = client.post(f"/api/v1/attempts/{second['attempt_id']}/submit", headers=h, json={"answers": {}})
    assert third.status_code == 200
    fourth = client.post("/api/v1/lessons/bloom/attempts", headers=h).get_json()
    prompts = {tuple(q["prompt_html"] for q in a["questions"]) for a in (payload, second, fourth)}
    assert len(prompts) > 1


def test_a_held_back_right_answer_is_in_no_response(calc_app, calc_client):
    attempt = _start(calc_client, "held-bloom")
    (qid, spec), = _bound(calc_app, attempt).values()
    calc_client.post(f"/attempts/{attempt}", data={f"q{qid}": "1", "action": "submit"})
    page = calc_client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert f"{int(spec['values']['m'])} bits for {int(spec['values']['n'])} items" in page
    assert variants_shown(spec["answer"]) not in page and "Why" not in page


# ---- the spaced review draws fresh values -------------------------------------------------------

def test_each_review_draws_fresh_values_and_grades_with_them(calc_app, calc_client):
    attempt = _start(calc_client)
    calc_client.post(f"/attempts/{attempt}", data={"action": "submit"})  # blanks: cards due again
    with calc_app.app_context():
        cards = db.session.scalars(sa.select(ReviewCard)).all()
        card = next(c for c in cards if c.question.key == "bits")
        shown_values = [review.shown_question(card, r).spec["values"] for r in range(6)]
        assert len({tuple(v.values()) for v in shown_values}) > 1  # each review its own numbers
        assert review.shown_question(card).spec == review.shown_question(card, card.reviews).spec
        bound = review.shown_question(card)
        for other in cards:
            other.due = other.due.replace(year=2000) if other.id == card.id else other.due.replace(year=2999)
        db.session.commit()
        card_id, qid, answer, values, reviews = card.id, bound.id, bound.spec["answer"], bound.spec["values"], card.reviews
        n = int(values["n"])
    page = calc_client.get("/review").get_data(as_text=True)
    assert f"need for {n} items" in page
    response = calc_client.post(f"/review/{card_id}", data={f"q{qid}": f"{answer:.3f}", "seen": str(reviews)})
    assert response.status_code == 302
    result = calc_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"need for {n} items" in result and f"for n = {n}" in result
    with calc_app.app_context():
        stored = db.session.scalars(sa.select(Answer).where(Answer.attempt_id.is_(None))).one()
        assert stored.correct and stored.variant == values


# ---- the shipped seeds --------------------------------------------------------------------------

def test_the_seeds_ship_at_least_forty_calculated_questions(seed_pack):
    pack = seed_pack
    calculated = [q for lesson in pack.lessons.values() for q in lesson.questions if q.kind == "calculated"]
    assert len(calculated) >= 40
    for q in calculated:  # every one is meaningful for its reference variant: a positive, finite answer
        assert q.spec["answer"] is not None and q.spec["answer"] > 0, q.key


def test_a_visitor_is_graded_with_the_values_the_form_showed(calc_app, client):
    page = client.get("/lessons/bloom/quiz").get_data(as_text=True)
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    n, p = (float(v) for v in BITS_RE.search(page).groups())
    right = -n * __import__("math").log(p) / __import__("math").log(2) ** 2
    with calc_app.app_context():
        qid = db.session.scalar(sa.select(Question.id).where(Question.key == "bits"))
    result = client.post("/lessons/bloom/quiz/try", data={"seed": seed, f"q{qid}": f"{right:.1f}"})
    html = result.get_data(as_text=True)
    assert result.status_code == 200 and BITS_RE.search(html).groups() == BITS_RE.search(page).groups()
    assert "Question 1: Correct" in html and "Correct answer</dt>" not in html  # no right answers for visitors


def test_a_topic_page_shows_numbers_not_placeholders(calc_app, client):
    html = client.get("/topics/sizing").get_data(as_text=True)
    assert "need for 1000 items at a false-positive rate of 0.01?" in html and "{n}" not in html
