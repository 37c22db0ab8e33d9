"""Question pools: which `draw` questions of a lesson's pool an attempt asks.

The draw is a pure function of (pool, draw, seed, the learner's history at start), so it is
reproducible; the attempt stores its result (Attempt.question_ids), so reloads, reviews and
re-imports show what the learner saw even if the pool or the history changes later.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from learnpath.extensions import db, prepared
from learnpath.models import Answer, Question
from learnpath.progress import services as progress

UNSEEN, ANSWERED_WRONG, ANSWERED_RIGHT = 0, 1, 2  # the order in which a draw prefers questions
ALWAYS_ASKED = frozenset({"go"})  # kinds a lesson's draw always includes (its hands-on exercises)


@dataclass(frozen=True)
class Seen:
    correct: bool  # the latest answer's outcome
    at: datetime  # when the learner last answered it


@prepared
def _history_query(dialect: str):
    answer = Answer.__table__.c
    return (sa.select(answer.question_id, answer.correct, answer.answered_at)
            .where(answer.user_id == sa.bindparam("user_id"),
                   answer.question_id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(answer.answered_at, answer.id))


def history(user_id: int, question_ids: list[int]) -> dict[int, Seen]:
    """The learner's latest answer per question (quiz or review): one indexed query."""
    if not question_ids:
        return {}
    seen: dict[int, Seen] = {}
    for question_id, correct, answered_at in db.session.execute(
            _history_query(), {"user_id": user_id, "ids": question_ids}):
        seen[question_id] = Seen(correct, answered_at)  # rows come oldest first: the last one wins
    return seen


def _rank(pool: list[Question], seen: dict[int, Seen], rng: random.Random) -> dict[int, tuple]:
    """Each question's place in the draw's preference: (tier, when last answered, a seeded tie-break).
    Ranked in pool order, so the seed alone decides the tie-breaks."""
    rank: dict[int, tuple] = {}
    for q in pool:
        s = seen.get(q.id)
        tier = UNSEEN if s is None else (ANSWERED_RIGHT if s.correct else ANSWERED_WRONG)
        rank[q.id] = (tier, s.at.timestamp() if s else 0.0, rng.random())
    return rank


def draw_questions(pool: list[Question], draw: int | None, seed: int, seen: dict[int, Seen],
                   topics: dict[int, list[int]]) -> list[Question]:
    """`draw` questions of `pool` (all when draw is None or not smaller), in the pool's order.

    Questions of an ALWAYS_ASKED kind (Go exercises) are always in it. The rest: unseen questions
    first, then those last answered wrong, then those answered right, the
    oldest seen first; ties are broken by the seed. Within the best tier left, a question that
    adds a topic or a difficulty not yet covered goes before one that does not.
    """
    if draw is None or draw >= len(pool):
        return list(pool)
    rank = _rank(pool, seen, random.Random(f"draw:{seed}"))
    # A lesson's Go exercises are always asked: writing the code is the point of its quiz.
    chosen = [q for q in pool if q.kind in ALWAYS_ASKED][:draw]
    remaining = sorted((q for q in pool if q not in chosen), key=lambda q: rank[q.id])
    covered_topics: set[int] = {t for q in chosen for t in topics.get(q.id, ())}
    covered_difficulties: set[int] = {q.difficulty for q in chosen}
    while len(chosen) < draw:
        best_tier = rank[remaining[0].id][0]
        tier = [q for q in remaining if rank[q.id][0] == best_tier]
        pick = next((q for q in tier if q.difficulty not in covered_difficulties
                     or not covered_topics.issuperset(topics.get(q.id, ()))), tier[0])
        remaining.remove(pick)
        chosen.append(pick)
        covered_topics.update(topics.get(pick.id, ()))
        covered_difficulties.add(pick.difficulty)
    order = {q.id: i for i, q in enumerate(pool)}
    return sorted(chosen, key=lambda q: order[q.id])


def draw_for(user_id: int | None, pool: list[Question], draw: int | None, seed: int) -> list[Question]:
    """The draw for a learner (their history counts) or a visitor (user_id None: none)."""
    if draw is None or draw >= len(pool):
        return list(pool)
    ids = [q.id for q in pool]
    seen = history(user_id, ids) if user_id is not None else {}
    return draw_questions(pool, draw, seed, seen, progress.topics_of(ids))


def draw_spread(pool: list[Question], count: int, seed: int, seen: dict[int, Seen]) -> list[Question]:
    """`count` questions of a pool that spans lessons (a course test, a topic's practice), in the pool's order.

    The same preference as a lesson's draw (unseen, then answered wrong, then the oldest answered
    right; ties broken by the seed), and within the best tier left, the lesson asked least so far
    goes first: the questions spread over the lessons.
    """
    rank = _rank(pool, seen, random.Random(f"spread:{seed}"))
    remaining = sorted(pool, key=lambda q: rank[q.id])
    chosen: list[Question] = []
    per_lesson: dict[int, int] = {}
    while remaining and len(chosen) < count:
        best_tier = rank[remaining[0].id][0]
        pick = min((q for q in remaining if rank[q.id][0] == best_tier),
                   key=lambda q: (per_lesson.get(q.lesson_id, 0), rank[q.id]))
        remaining.remove(pick)
        chosen.append(pick)
        per_lesson[pick.lesson_id] = per_lesson.get(pick.lesson_id, 0) + 1
    order = {q.id: i for i, q in enumerate(pool)}
    return sorted(chosen, key=lambda q: order[q.id])
