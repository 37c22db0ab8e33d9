"""What a learner sees of a graded answer, per the review policy of the lesson's courses.

A course's `review:` (catalog.yaml) says when each part of a result is shown: whether each
answer was right (`correctness`), the points (`marks`), the explanation and grader feedback
(`explanation`), the right answer (`right_answer`): `immediately` (the default), `after_pass`
(once the learner has passed the lesson) or `after_hours` (`hours` after the submit).
`explanation` follows `right_answer` unless set, since explanations usually state the answer.
A lesson in several courses shows a part only when every one of them releases it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import LessonProgress
from learnpath.quiz import catalog_cache

PARTS = ("correctness", "marks", "explanation", "right_answer")


@dataclass(frozen=True)
class Visibility:
    correctness: bool = True
    marks: bool = True
    explanation: bool = True
    right_answer: bool = True
    note: str = ""  # why something is held back, and until when; empty when everything shows

    def as_dict(self) -> dict:
        return {**{part: getattr(self, part) for part in PARTS}, "held_back": self.note or None}


EVERYTHING = Visibility()


def policies(lesson_id: int) -> list[dict]:
    """The review policies of the lesson's active courses (catalog data: cached per catalog version)."""
    lesson = catalog_cache.lesson(lesson_id)
    return list(lesson.policies) if lesson is not None else []


def release(policy: dict, part: str) -> str:
    default = policy.get("right_answer", "immediately") if part == "explanation" else "immediately"
    return policy.get(part, default)


def passed_lesson(user_id: int, lesson_id: int) -> bool:
    return db.session.scalar(sa.select(LessonProgress.passed_at).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)) is not None


def for_learner(user_id: int, lesson_id: int, submitted_at: datetime | None, now: datetime) -> Visibility:
    """What a learner may see of an answer to this lesson's questions submitted at `submitted_at`."""
    course_policies = policies(lesson_id)
    if not course_policies:
        return EVERYTHING
    passed: bool | None = None  # read once, only if a policy asks
    shown, notes = {}, []
    for part in PARTS:
        shown[part] = True
        for policy in course_policies:
            rule = release(policy, part)
            if rule == "after_pass":
                passed = passed_lesson(user_id, lesson_id) if passed is None else passed
                if not passed:
                    shown[part] = False
                    notes.append("once you pass this lesson's quiz")
            elif rule == "after_hours":
                release_at = (submitted_at or now) + timedelta(hours=policy["hours"])
                if now < release_at:
                    shown[part] = False
                    notes.append(f"from {release_at:%d %b %Y %H:%M} UTC")
    return Visibility(**shown, note=_note(shown, notes))


def for_visitor(lesson_id: int) -> Visibility:
    """A visitor's try: never the right answers; the rest only where every course shows it at once."""
    course_policies = policies(lesson_id)
    shown = {part: all(release(p, part) == "immediately" for p in course_policies) for part in PARTS}
    shown["right_answer"] = False
    return Visibility(**shown, note="Sign up to see the right answers once your attempts count.")


def _note(shown: dict[str, bool], notes: list[str]) -> str:
    if all(shown.values()):
        return ""
    hidden = [part.replace("_", " ") for part in PARTS if not shown[part]]
    whens = " and ".join(dict.fromkeys(notes))  # dict: unique, in order
    return f"This course holds back the {', '.join(hidden)} of each question; they are shown {whens}."
