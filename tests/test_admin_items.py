"""Item analysis (learnpath.admin.items) against a hand-computed fixture, and its admin pages and API.

Every expected number below was worked out by hand from the definitions (Moodle's quiz statistics);
the arithmetic is in the comments, so a wrong formula in the code cannot also make the test pass.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from learnpath.admin import items
from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Lesson, Question, User
from tests.conftest import api_token

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)

# Lesson "tcp" of the fixture pack has four questions; six learners' first attempts, marks x (0..1):
#
#   learner  handshake  reliable  port  rtt   X (attempt total)
#   A        1          1         0     1     3
#   B        1          1         1     1     4
#   C        1          0.5       0     1     2.5
#   D        0          0.5       1     1     2.5
#   E        0 (blank)  0         0     1     1
#   F        0          0 (blank) 1     1     2
#
# "reliable" is a multiple-choice question (keys seq, acks, retx; distractor ttl); the points are
# stored as given here (the statistics read stored points, not the grader).
MARKS = {
    "A": {"handshake": 1, "reliable": 1, "port": 0, "rtt": 1},
    "B": {"handshake": 1, "reliable": 1, "port": 1, "rtt": 1},
    "C": {"handshake": 1, "reliable": 0.5, "port": 0, "rtt": 1},
    "D": {"handshake": 0, "reliable": 0.5, "port": 1, "rtt": 1},
    "E": {"handshake": 0, "reliable": 0, "port": 0, "rtt": 1},
    "F": {"handshake": 0, "reliable": 0, "port": 1, "rtt": 1},
}
RELIABLE_PICKS = {"A": ["seq", "acks", "retx"], "B": ["seq", "acks", "retx"], "C": ["seq", "ttl"],
                  "D": ["acks", "ttl"], "E": ["ttl"], "F": None}
BLANK = {("E", "handshake"), ("F", "reliable")}

# handshake: x = 1 1 1 0 0 0, mean 0.5, deviations ±0.5, Σdx² = 6·0.25 = 1.5
#   rest X−x = 2 3 1.5 2.5 1 2, mean 12/6 = 2, deviations 0 1 −0.5 0.5 −1 0, Σdo² = 0+1+.25+.25+1+0 = 2.5
#   Σdx·do = .5·0 + .5·1 + .5·(−.5) + (−.5)·.5 + (−.5)·(−1) + (−.5)·0 = 0.5
#   discrimination = 100·0.5/√(1.5·2.5) = 50/√3.75 = 25.8199
#   sorted x −.5 −.5 −.5 .5 .5 .5 against sorted rest deviations −1 −.5 0 0 .5 1:
#   Σ = .5+.25+0+0+.25+.5 = 1.5, efficiency = 100·0.5/1.5 = 33.3333
# reliable: x = 1 1 .5 .5 0 0, mean 0.5, deviations .5 .5 0 0 −.5 −.5, Σdx² = 1
#   rest = 2 3 2 2 1 2, mean 2, deviations 0 1 0 0 −1 0, Σdo² = 2
#   Σdx·do = .5·1 + (−.5)·(−1) = 1; discrimination = 100·1/√(1·2) = 70.7107
#   sorted: dx −.5 −.5 0 0 .5 .5 with do −1 0 0 0 0 1: Σ = .5 + .5 = 1, efficiency = 100·1/1 = 100
# port: x = 0 1 0 1 0 1, mean 0.5, deviations ∓.5, Σdx² = 1.5
#   rest = 3 3 2.5 1.5 1 1, mean 2, deviations 1 1 .5 −.5 −1 −1, Σdo² = 1+1+.25+.25+1+1 = 4.5
#   Σdx·do = −.5+.5−.25−.25+.5−.5 = −0.5; discrimination = 100·(−0.5)/√(1.5·4.5) = −50/√6.75 = −19.2450
#   sorted: dx −.5 −.5 −.5 .5 .5 .5 with do −1 −1 −.5 .5 1 1: Σ = .5+.5+.25+.25+.5+.5 = 2.5,
#   efficiency = 100·(−0.5)/2.5 = −20
# rtt: x = 1 everywhere: facility 1, var(x) = 0, so discrimination and efficiency are undefined (None).
EXPECTED = {
    "handshake": (0.5, 25.8199, 33.3333),
    "reliable": (0.5, 70.7107, 100.0),
    "port": (0.5, -19.2450, -20.0),
    "rtt": (1.0, None, None),
}
# Cronbach's α, k = 4, sample variances (÷5): var(handshake) = 1.5/5 = .3, var(reliable) = 1/5 = .2,
# var(port) = 1.5/5 = .3, var(rtt) = 0; Σ = 0.8.
# X = 3 4 2.5 2.5 1 2, mean 15/6 = 2.5, deviations .5 1.5 0 0 −1.5 −.5, Σ = .25+2.25+2.25+.25 = 5, var(X) = 1.
# α = 4/3·(1 − 0.8/1) = 0.266667
EXPECTED_ALPHA = 0.266667
# Standard deviation of each mark, √var: √0.3 = 0.547723, √0.2 = 0.447214, √0.3, √0 = 0.
EXPECTED_SD = {"handshake": 0.547723, "reliable": 0.447214, "port": 0.547723, "rtt": 0.0}


def make_user(name: str, role: str = "learner") -> User:
    user = User(email=f"{name.lower()}@example.com", name=name, password_hash="x", role=role)
    db.session.add(user)
    db.session.flush()
    return user


def questions_of(slug: str) -> dict[str, Question]:
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == slug))
    return {q.key: q for q in lesson.questions}


def add_attempt(user: User, lesson_slug: str, marks: dict[str, float], responses: dict[str, object] | None = None,
                submitted_at: datetime | None = T0, status: str = "submitted") -> Attempt:
    qs = questions_of(lesson_slug)
    responses = responses or {}
    attempt = Attempt(user_id=user.id, scope="lesson", lesson_id=qs[next(iter(marks))].lesson_id, seed=1,
                      question_ids=[qs[k].id for k in marks], status=status, started_at=(submitted_at or T0) - timedelta(minutes=5),
                      submitted_at=submitted_at if status == "submitted" else None)
    if status == "submitted":
        attempt.score, attempt.max_score = float(sum(marks.values())), float(len(marks))
        attempt.percent = round(100 * attempt.score / attempt.max_score, 1)
        attempt.passed = attempt.percent >= 60
    db.session.add(attempt)
    db.session.flush()
    if status == "submitted":
        for key, points in marks.items():
            response = responses.get(key, "answer") if key in responses or points else responses.get(key, "wrong")
            db.session.add(Answer(attempt_id=attempt.id, user_id=user.id, question_id=qs[key].id, response=response,
                                  correct=points == 1, points=float(points), revision=qs[key].revision,
                                  answered_at=submitted_at))
    return attempt


def build_fixture() -> dict[str, User]:
    users = {}
    for name, marks in MARKS.items():
        users[name] = user = make_user(name)
        responses = {"reliable": RELIABLE_PICKS[name]}
        for who, key in BLANK:
            if who == name:
                responses[key] = None
        add_attempt(user, "tcp", marks, responses)
    # Later attempts and an unfinished one are not first submitted attempts: they must not count.
    add_attempt(users["A"], "tcp", {"handshake": 0, "reliable": 0, "port": 1, "rtt": 0}, submitted_at=T0 + timedelta(days=1))
    add_attempt(users["E"], "tcp", {"handshake": 1, "reliable": 1, "port": 1, "rtt": 1}, submitted_at=T0 + timedelta(days=2))
    add_attempt(make_user("G"), "tcp", {"handshake": 1, "reliable": 1, "port": 1, "rtt": 1}, status="in_progress",
                submitted_at=None)
    db.session.commit()
    return users


def approx(value, expected):
    return value is None if expected is None else value == pytest.approx(expected, abs=5e-5)


def test_statistics_match_the_hand_computed_fixture(ctx):
    build_fixture()
    stats = {item.key: item for item in items.analyse(min_attempts=10) if item.lesson_slug == "tcp"}
    assert set(stats) == set(EXPECTED)
    for key, (facility, discrimination, efficiency) in EXPECTED.items():
        item = stats[key]
        assert item.attempts == 6, key
        assert approx(item.facility, facility), (key, item.facility)
        assert approx(item.discrimination, discrimination), (key, item.discrimination)
        assert approx(item.efficiency, efficiency), (key, item.efficiency)
        assert item.sd == pytest.approx(EXPECTED_SD[key], abs=5e-6), (key, item.sd)
        assert item.flags == [], "fewer first attempts than the minimum sample: no flags"
    assert stats["handshake"].answered == 5 and stats["reliable"].answered == 5 and stats["port"].answered == 6
    [alpha] = [a for a in items.lesson_alphas() if a.slug == "tcp"]
    assert (alpha.attempts, alpha.questions) == (6, 4)
    assert alpha.alpha == pytest.approx(EXPECTED_ALPHA, abs=5e-6)


def test_option_shares_of_a_choice_question(ctx):
    build_fixture()
    [reliable] = [i for i in items.analyse() if i.key == "reliable" and i.lesson_slug == "tcp"]
    # picks: seq by A B C (3/6), acks by A B D (3/6), retx by A B (2/6), ttl by C D E (3/6); F blank (1/6).
    shares = {o.id: (o.chosen, round(o.share, 4), o.correct) for o in reliable.options}
    assert shares == {"seq": (3, 0.5, True), "acks": (3, 0.5, True), "retx": (2, 0.3333, True), "ttl": (3, 0.5, False)}
    assert reliable.unanswered_share == pytest.approx(1 / 6)
    # top third by X = 2 of 6: B (4) and A (3), who picked only the keys.
    assert {o.id: o.top_chosen for o in reliable.options} == {"seq": 2, "acks": 2, "retx": 2, "ttl": 0}
    assert reliable.file.endswith("tcp.md") and reliable.line == 36  # "- id: reliable" in tests/fixtures/pack/lessons/tcp.md


def test_flags_once_the_sample_is_large_enough(ctx):
    build_fixture()
    stats = {i.key: i for i in items.analyse(min_attempts=6) if i.lesson_slug == "tcp"}
    # port: discrimination −19.2 ≤ 0; rtt: facility 1 > 0.95; handshake and reliable: 0.5 and positive.
    assert stats["port"].flags == ["not_discriminating"]
    assert stats["rtt"].flags == ["too_easy"]
    assert stats["handshake"].flags == [] and stats["reliable"].flags == []
    flagged_first = [i.key for i in items.analyse(min_attempts=6)][:2]
    assert sorted(flagged_first) == ["port", "rtt"]


def test_a_distractor_the_strong_learners_prefer_is_flagged(ctx):
    # Three learners; the top third (1 of 3) by X is L1 (X = 1+1/3+1+1 = 3.33), who picked the distractor
    # ttl (1 pick) while the key retx got none from the top third: flagged. Facility of rtt = 1/3 ≥ 0.2.
    l1, l2, l3 = make_user("L1"), make_user("L2"), make_user("L3")
    add_attempt(l1, "tcp", {"handshake": 1, "reliable": 1 / 3, "port": 1, "rtt": 1}, {"reliable": ["seq", "acks", "ttl"]})
    add_attempt(l2, "tcp", {"handshake": 0, "reliable": 1, "port": 0, "rtt": 0}, {"reliable": ["seq", "acks", "retx"]})
    add_attempt(l3, "tcp", {"handshake": 0, "reliable": 0, "port": 0, "rtt": 0}, {"reliable": None})
    db.session.commit()
    stats = {i.key: i for i in items.analyse(min_attempts=3) if i.lesson_slug == "tcp"}
    assert "distractor" in stats["reliable"].flags
    # handshake: facility 1/3, x = 1 0 0, rest = 2.33 1 0: positive discrimination, no flag.
    assert stats["handshake"].flags == []
    assert "distractor" not in {f for i in items.analyse(min_attempts=4) for f in i.flags}  # below the minimum sample


def test_pooled_attempts_count_only_the_questions_they_held(ctx):
    # Two attempts hold handshake and port, one holds reliable and rtt: each question's figures come
    # from the attempts that held it (handshake: 2 attempts, x = 1 0, facility 0.5).
    a, b, c = make_user("P1"), make_user("P2"), make_user("P3")
    add_attempt(a, "tcp", {"handshake": 1, "port": 1})
    add_attempt(b, "tcp", {"handshake": 0, "port": 1})
    add_attempt(c, "tcp", {"reliable": 1, "rtt": 0})
    db.session.commit()
    stats = {i.key: i for i in items.analyse() if i.lesson_slug == "tcp"}
    assert (stats["handshake"].attempts, stats["handshake"].facility) == (2, 0.5)
    assert (stats["reliable"].attempts, stats["reliable"].facility) == (1, 1.0)
    assert stats["reliable"].discrimination is None  # one attempt: no variance


# ---- median time ----------------------------------------------------------------------------------
#
# Measured times (ms) on the first attempts of build_fixture(); None: not measured (no JavaScript).
#   learner  handshake  reliable  port  rtt    attempt total
#   A        4000       1000      None  2000   7000
#   B        1000       3000      None  2000   6000
#   C        9000       5000      500   2000   16500
#   D        None       8000      None  None   8000
#   E, F     None everywhere: left out of the quiz's median
# handshake: 4000 1000 9000 -> sorted 1000 4000 9000, median 4000 (3 timed)
# reliable: 1000 3000 5000 8000 -> even count: the mean of the two middle ones, (3000 + 5000)/2 = 4000 (4 timed)
# port: 500 (1 timed); rtt: 2000 2000 2000 -> 2000 (3 timed)
# quiz: 6000 7000 8000 16500 -> (7000 + 8000)/2 = 7500 (4 timed attempts)
# A's second attempt has 100000 on every question: later attempts never count.
TIMES = {
    "A": {"handshake": 4000, "reliable": 1000, "rtt": 2000},
    "B": {"handshake": 1000, "reliable": 3000, "rtt": 2000},
    "C": {"handshake": 9000, "reliable": 5000, "port": 500, "rtt": 2000},
    "D": {"reliable": 8000},
}
EXPECTED_TIMES = {"handshake": (3, 4000.0), "reliable": (4, 4000.0), "port": (1, 500.0), "rtt": (3, 2000.0)}


def build_timed_fixture() -> dict[str, User]:
    users = build_fixture()
    qs = questions_of("tcp")
    for name, user in users.items():
        first, *later = db.session.scalars(sa.select(Attempt).where(
            Attempt.user_id == user.id, Attempt.status == "submitted").order_by(Attempt.submitted_at)).all()
        for key, ms in TIMES.get(name, {}).items():
            db.session.execute(sa.update(Answer).where(Answer.attempt_id == first.id, Answer.question_id == qs[key].id)
                               .values(time_ms=ms))
        for attempt in later:
            db.session.execute(sa.update(Answer).where(Answer.attempt_id == attempt.id).values(time_ms=100000))
    db.session.commit()
    return users


def test_median_time_per_question_and_per_quiz_over_first_attempts(ctx):
    build_timed_fixture()
    stats = {item.key: item for item in items.analyse() if item.lesson_slug == "tcp"}
    assert {key: (s.timed_answers, s.median_time_ms) for key, s in stats.items()} == EXPECTED_TIMES
    assert all(s.attempts == 6 for s in stats.values())  # the untimed answers still count for the rest
    [quiz] = [a for a in items.lesson_alphas() if a.slug == "tcp"]
    assert (quiz.times.timed_attempts, quiz.times.median_time_ms) == (4, 7500.0)
    # One question asked alone (the detail page) gives the same figure.
    [handshake] = items.analyse([stats["handshake"].question_id])
    assert (handshake.timed_answers, handshake.median_time_ms) == (3, 4000.0)


def test_no_measured_time_is_no_median(ctx):
    build_fixture()  # no answer carries a time
    stats = [item for item in items.analyse() if item.lesson_slug == "tcp"]
    assert {(s.timed_answers, s.median_time_ms) for s in stats} == {(0, None)}
    [quiz] = [a for a in items.lesson_alphas() if a.slug == "tcp"]
    assert (quiz.times.timed_attempts, quiz.times.median_time_ms) == (0, None)


def test_the_median_helper_takes_the_mean_of_the_two_middle_values():
    from learnpath.admin.medians import median, read_median

    assert read_median("4000,1000,9000") == 4000.0  # what SQLite's group_concat hands back
    assert read_median("1000,3000,5000,8000") == 4000.0
    assert read_median("2.5") == 2.5 and read_median(None) is None and read_median(7500) == 7500.0  # PostgreSQL's
    assert median([]) is None
