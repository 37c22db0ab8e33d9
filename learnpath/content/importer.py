"""Write a validated pack to the database in one transaction.

Matching is by slug (tracks, courses, lessons) and by key (questions), so an edit updates in
place. Whatever is missing from the pack is retired, never deleted. Unchanged lesson files
(same source hash) are skipped without rendering, which keeps a no-op re-import fast.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from learnpath.content.pack import LessonSpec, Pack
from learnpath.content.render import Rendered, render_fragment, render_inline, render_markdown
from learnpath.extensions import db
from learnpath.models import (CatalogState, Course, CourseLesson, Dataset, Lesson, Path, PathCourse, Question,
                              QuestionReport, Topic, Track)
from learnpath.models._types import utcnow
from learnpath import search
from learnpath.quiz import kinds
from learnpath.sqllab.datasets import preview_html


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    retired: Counter = field(default_factory=Counter)
    reports_closed: int = 0  # open problem reports closed because their question's revision changed

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired)

    def summary(self) -> str:
        if not self.changed:
            return "no changes"
        parts = []
        for label, counter in (("created", self.created), ("updated", self.updated), ("retired", self.retired)):
            if counter:
                parts.append(f"{label} " + ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items())))
        if self.reports_closed:
            parts.append(f"closed {self.reports_closed} problem reports on edited questions")
        return "; ".join(parts)


def _assign(obj: Any, **values: Any) -> bool:
    """Set only the attributes that differ, so an unchanged row issues no UPDATE."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


@dataclass
class RenderedLesson:
    body: Rendered
    questions: dict[str, tuple[str, str, dict[str, Any]]]  # key -> (prompt, explanation, display spec)


def render_lesson(spec: LessonSpec) -> RenderedLesson:
    """All the Markdown of one lesson file, rendered: a pure function, so it can run in a worker."""
    return RenderedLesson(render_markdown(spec.body), {
        q.key: (render_fragment(q.prompt), render_fragment(q.explanation), kinds.get(q.kind).display_spec(q.spec, render_inline))
        for q in spec.questions
    })


PARALLEL_FROM = 8  # below this many lessons, starting worker processes costs more than it saves


def render_all(specs: list[LessonSpec]) -> dict[str, RenderedLesson]:
    """Render changed lessons, on every core when there are many (a full import renders 105)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(specs) < PARALLEL_FROM or workers < 2:
        return {spec.slug: render_lesson(spec) for spec in specs}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return dict(zip((s.slug for s in specs), pool.map(render_lesson, specs, chunksize=4)))


class _Importer:
    def __init__(self, pack: Pack):
        self.pack = pack
        self.report = ImportReport()
        self.session = db.session

    def run(self) -> ImportReport:
        topics = self._topics()
        self._datasets()
        self._tracks()
        lessons, reindex = self._lessons(topics)
        self._courses(lessons)
        self.session.flush()
        self._prerequisites_and_paths()
        self.session.flush()
        if reindex:
            search.reindex(self.session, reindex)
        if self.report.changed:
            self._close_reports_on_edited_questions()
            self._bump_catalog_version()
        return self.report

    def _close_reports_on_edited_questions(self) -> None:
        """Open reports against a revision the question no longer has: the edit answers them.

        One UPDATE in the import's transaction, so the reports close exactly when the edit lands.
        """
        current = sa.select(Question.revision).where(Question.id == QuestionReport.question_id).scalar_subquery()
        self.report.reports_closed = self.session.execute(
            sa.update(QuestionReport).where(QuestionReport.status == "open", QuestionReport.revision != current)
            .values(status="edited", closed_at=utcnow(), note="question edited")
            .execution_options(synchronize_session=False)
        ).rowcount

    def _bump_catalog_version(self) -> None:
        import uuid

        state = self.session.get(CatalogState, 1)
        if state is None:
            self.session.add(CatalogState(id=1, version=uuid.uuid4().hex))
        else:
            state.version = uuid.uuid4().hex

    def _topics(self) -> dict[str, Topic]:
        existing = {t.slug: t for t in self.session.scalars(sa.select(Topic))}
        for slug, title in self.pack.topics.items():
            topic = existing.get(slug)
            if topic is None:
                existing[slug] = topic = Topic(slug=slug, title=title)
                self.session.add(topic)
                self.report.created["topics"] += 1
            elif _assign(topic, title=title):
                self.report.updated["topics"] += 1
        return existing

    def _datasets(self) -> None:
        existing = {d.name: d for d in self.session.scalars(sa.select(Dataset))}
        for spec in self.pack.datasets.values():
            dataset = existing.get(spec.name)
            if dataset is not None and dataset.version == spec.version:
                continue
            values = dict(version=spec.version, schema_sql=spec.schema_sql, data_sql=spec.data_sql,
                          hidden_sql=spec.hidden_sql, preview_html=preview_html(spec.schema_sql, spec.data_sql))
            if dataset is None:
                self.session.add(Dataset(name=spec.name, **values))
                self.report.created["datasets"] += 1
            else:
                _assign(dataset, **values)
                self.report.updated["datasets"] += 1

    def _tracks(self) -> None:
        existing = {t.slug: t for t in self.session.scalars(sa.select(Track))}
        self.tracks: dict[str, Track] = {}
        for position, spec in enumerate(self.pack.tracks):
            track = existing.pop(spec.slug, None)
            if track is None:
                track = Track(slug=spec.slug, title=spec.title, position=position)
                self.session.add(track)
                self.report.created["tracks"] += 1
            elif _assign(track, title=spec.title, position=position, retired=False):
                self.report.updated["tracks"] += 1
            self.tracks[spec.slug] = track
        for track in existing.values():
            if _assign(track, retired=True):
                self.report.retired["tracks"] += 1

    def _lessons(self, topics: dict[str, Topic]) -> tuple[dict[str, Lesson], list[int]]:
        existing = {lesson.slug: lesson for lesson in self.session.scalars(sa.select(Lesson))}
        lessons: dict[str, Lesson] = {}
        changed: list[Lesson] = []
        restamp = self._lessons_on_changed_datasets()
        restamp |= self._lessons_without_question_lines()
        stale = [spec for spec in self.pack.lessons.values() if spec.slug in restamp
                 or not ((l := existing.get(spec.slug)) is not None and l.source_hash == spec.source_hash and not l.retired)]
        rendered = render_all(stale)
        for spec in self.pack.lessons.values():
            lesson = existing.pop(spec.slug, None)
            if spec.slug not in rendered:
                lessons[spec.slug] = lesson
                continue
            if lesson is None:
                lesson = Lesson(slug=spec.slug)
                self.session.add(lesson)
                self.report.created["lessons"] += 1
            else:
                self.report.updated["lessons"] += 1
            self._write_lesson(lesson, spec, topics, rendered[spec.slug])
            lessons[spec.slug] = lesson
            changed.append(lesson)
        for lesson in existing.values():
            if _assign(lesson, retired=True):
                self.report.retired["lessons"] += 1
                changed.append(lesson)
        self.session.flush()
        return lessons, [lesson.id for lesson in changed]

    def _lessons_without_question_lines(self) -> set[str]:
        """Lessons imported before questions stored their line (migration 0019): write them once more."""
        return set(self.session.scalars(
            sa.select(Lesson.slug).join(Question.lesson).where(Question.source_line.is_(None), ~Question.retired).distinct()))

    def _lessons_on_changed_datasets(self) -> set[str]:
        """Lessons with an SQL question stored against another dataset version than the pack's.

        Editing only a dataset's files leaves the lesson file (and its hash) unchanged; its SQL
        questions must still be re-stamped with the new version (and so a new revision).
        """
        stored = {(slug, key): spec.get("dataset_version") for slug, key, spec in self.session.execute(
            sa.select(Lesson.slug, Question.key, Question.spec).join(Question.lesson)
            .where(Question.kind == "sql", ~Question.retired))}
        return {lesson.slug for lesson in self.pack.lessons.values() for q in lesson.questions
                if q.kind == "sql" and (lesson.slug, q.key) in stored
                and stored[(lesson.slug, q.key)] != q.spec.get("dataset_version")}

    def _write_lesson(self, lesson: Lesson, spec: LessonSpec, topics: dict[str, Topic], html: RenderedLesson) -> None:
        rendered = html.body
        _assign(
            lesson, title=spec.title, summary=spec.summary, body_md=spec.body, body_html=rendered.html,
            toc_html=rendered.toc_html, body_text=rendered.text, read_minutes=rendered.read_minutes,
            word_count=rendered.word_count, question_count=len(spec.questions), draw=spec.draw, per_page=spec.per_page,
            source_hash=spec.source_hash,
            source_path=spec.path, retired=False,
        )
        lesson.topics = [topics[t] for t in spec.topics]
        by_key = {q.key: q for q in lesson.questions} if lesson.id else {}
        for position, qspec in enumerate(spec.questions):
            question = by_key.pop(qspec.key, None)
            prompt_html, explanation_html, display_spec = html.questions[qspec.key]
            values = dict(
                kind=qspec.kind, position=position, prompt_html=prompt_html,
                spec=display_spec, explanation_html=explanation_html,
                difficulty=qspec.difficulty, revision=qspec.revision, source_line=qspec.line, retired=False,
            )
            if question is None:
                question = Question(key=qspec.key, **values)
                lesson.questions.append(question)
                self.report.created["questions"] += 1
            elif _assign(question, **values):
                self.report.updated["questions"] += 1
            new_topics = [topics[t] for t in qspec.topics]
            if [t.slug for t in question.topics] != [t.slug for t in sorted(new_topics, key=lambda t: t.slug)]:
                question.topics = new_topics
        for question in by_key.values():
            if _assign(question, retired=True):
                self.report.retired["questions"] += 1

    def _courses(self, lessons: dict[str, Lesson]) -> None:
        existing = {c.slug: c for c in self.session.scalars(sa.select(Course))}
        self.new_courses: set[str] = set()
        position = 0
        for track_spec in self.pack.tracks:
            track = self.tracks[track_spec.slug]
            for spec in track_spec.courses:
                course = existing.pop(spec.slug, None)
                values = dict(
                    title=spec.title, summary=spec.summary, category=spec.category, pass_mark=spec.pass_mark,
                    review_policy=spec.review, test_settings=spec.test, position=position, retired=False,
                )
                position += 1
                is_new = course is None
                if is_new:
                    self.new_courses.add(spec.slug)
                    course = Course(slug=spec.slug, track=track, **values)
                    self.session.add(course)
                    self.report.created["courses"] += 1
                    changed = True
                else:
                    changed = _assign(course, **values)
                    if course.track_id != track.id:
                        course.track = track
                        changed = True
                wanted = [lessons[slug].id for slug in spec.lessons]
                changed = self._replace_ordered(course.entries, "lesson_id", wanted, CourseLesson) or changed
                if changed and not is_new:
                    self.report.updated["courses"] += 1
        for course in existing.values():
            if _assign(course, retired=True):
                self.report.retired["courses"] += 1

    def _replace_ordered(self, rows: list, key: str, wanted_ids: list[int], model) -> bool:
        """Make an ordered association (course lessons, path courses) match the pack; True if it changed."""
        wanted = [(wanted_id, position) for position, wanted_id in enumerate(wanted_ids, start=1)]
        if [(getattr(row, key), row.position) for row in rows] == wanted:
            return False
        rows.clear()
        self.session.flush()  # delete before insert: the (parent, child) primary key would collide
        rows.extend(model(**{key: wanted_id}, position=position) for wanted_id, position in wanted)
        return True


    def _prerequisites_and_paths(self) -> None:
        courses = {c.slug: c for c in self.session.scalars(sa.select(Course))}
        for spec in self.pack.courses:
            course = courses[spec.slug]
            wanted = [courses[s] for s in spec.prerequisites]
            if [c.slug for c in course.prerequisites] != [c.slug for c in sorted(wanted, key=lambda c: c.slug)]:
                course.prerequisites = wanted
                if spec.slug not in self.new_courses:
                    self.report.updated["courses"] += 1
        existing = {p.slug: p for p in self.session.scalars(sa.select(Path))}
        for position, spec in enumerate(self.pack.paths):
            path = existing.pop(spec.slug, None)
            values = dict(title=spec.title, summary=spec.summary, position=position, retired=False)
            is_new = path is None
            if is_new:
                path = Path(slug=spec.slug, **values)
                self.session.add(path)
                self.report.created["paths"] += 1
            changed = not is_new and _assign(path, **values)
            wanted = [courses[s].id for s in spec.courses]
            changed = self._replace_ordered(path.steps, "course_id", wanted, PathCourse) or changed
            if changed and not is_new:
                self.report.updated["paths"] += 1
        for path in existing.values():
            if _assign(path, retired=True):
                self.report.retired["paths"] += 1


def import_pack(pack: Pack) -> ImportReport:
    """Import in one transaction: commit if it all worked, roll back everything otherwise."""
    try:
        report = _Importer(pack).run()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report
