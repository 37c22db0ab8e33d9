"""Practise a topic: a quiz drawn from the topic's questions across lessons (unseen, then answered
wrong, first; spread over the lessons), recorded as an attempt of scope "topic". It moves no lesson's
progress; its answers feed reviews, topic mastery and daily activity like any other.
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Attempt, Lesson, Question, Topic, question_topic
from learnpath.quiz import pools, scopes, services


def topic_by_slug(slug: str) -> Topic | None:
    return db.session.scalar(sa.select(Topic).where(Topic.slug == slug[:64]))


def pool(topic: Topic) -> list[Question]:
    return list(db.session.scalars(
        sa.select(Question).join(question_topic, question_topic.c.question_id == Question.id)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .where(question_topic.c.topic_id == topic.id, ~Question.retired, ~Lesson.retired)
        .order_by(Lesson.title, Question.position)))


def start(user_id: int, topic: Topic) -> tuple[Attempt, bool] | None:
    """Resume the open practice of this topic or start one: (attempt, created); None: the topic has
    no questions. Two requests at once start one (uq_attempt_open_topic)."""
    existing = services.open_scoped(user_id, "topic", topic.id)
    if existing is not None:
        return existing, False
    questions = pool(topic)
    if not questions:
        return None
    seed = secrets.randbelow(2**31)
    seen = pools.history(user_id, [q.id for q in questions])
    ids = [q.id for q in pools.draw_spread(questions, scopes.PRACTICE_QUESTIONS, seed, seen)]
    inserted = services.insert_open(Attempt(
        user_id=user_id, scope="topic", topic_id=topic.id, seed=seed, question_ids=ids, carried={}, draft={}))
    if inserted is None:
        return start(user_id, topic)
    db.session.commit()
    return inserted
