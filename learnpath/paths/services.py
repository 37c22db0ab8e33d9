"""Learning paths: ordered courses with the learner's progress along them."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from learnpath.extensions import db
from learnpath.catalog.services import first_lesson
from learnpath.models import Course, Lesson, Path, PathCourse
from learnpath.progress.services import CourseStats, course_stats, next_lessons


@dataclass
class PathProgress:
    path: Path
    steps: list[tuple[Course, CourseStats | None]]

    @property
    def total(self) -> int:
        return sum(s.total for _, s in self.steps if s)

    @property
    def completed(self) -> int:
        return sum(s.completed for _, s in self.steps if s)

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def next_course(self) -> Course | None:
        """The first course not completed yet: where the path's Start / Continue button leads."""
        return next((c for c, s in self.steps if not s or s.completed < s.total), None)

    @property
    def started(self) -> bool:
        return any(s and (s.completed or s.read or s.quizzes_passed) for _, s in self.steps)


def paths_with_progress(user_id: int | None, slug: str | None = None) -> list[PathProgress]:
    """Every active path (or one) with per-course progress: three queries whatever the number of paths."""
    query = (sa.select(Path).where(~Path.retired).order_by(Path.position)
             .options(selectinload(Path.steps).selectinload(PathCourse.course)))
    if slug is not None:
        query = query.where(Path.slug == slug)
    paths = db.session.scalars(query).all()
    course_ids = list({step.course_id for p in paths for step in p.steps})
    if user_id is not None:
        stats = {s.course_id: s for s in course_stats(user_id, course_ids)}
    else:  # visitors see the totals, with nothing completed
        stats = {s.course_id: CourseStats(s.course_id, s.total, 0, 0, 0, None) for s in course_stats(-1, course_ids)}
    return [PathProgress(p, [(step.course, stats.get(step.course_id)) for step in p.steps if not step.course.retired])
            for p in paths]


def paths_containing(course: Course) -> list[Path]:
    return list(db.session.scalars(
        sa.select(Path).join(PathCourse).where(PathCourse.course_id == course.id, ~Path.retired).order_by(Path.position)))


def next_lesson(user_id: int | None, progress: PathProgress) -> Lesson | None:
    """Where the path's Start / Continue button leads: the first lesson not completed of its first
    course not completed (a visitor: the first lesson of the first course). One query."""
    course = progress.next_course
    if course is None:
        return None
    if user_id is None:
        return first_lesson(course)
    return next_lessons(user_id, [course.id]).get(course.id)
