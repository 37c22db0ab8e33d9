"""Synthetic learners with realistic histories, written with bulk Core inserts (executemany).

Everything goes through the app's own tables (learnpath.models) and follows the app's invariants:

- attempts are `submitted` with score/max_score/percent/passed computed like quiz.services.grade_responses,
  "retake missed" attempts ask the questions missed last time and carry the points of the others;
- one Answer row per asked question (user_id, question_id, revision = the question's revision,
  answered_at = the attempt's submitted_at), graded by the app's own graders (partial credit included);
- lesson_progress rows agree with the attempts (attempts_count, best/last percent, passed_at,
  completed_at = read and passed), enrollments are completed (with a certificate) exactly when every
  active lesson of the course is completed;
- where the schema has review_card (spaced review), one FSRS card per (learner, answered question),
  scheduled by py-fsrs from the learner's latest answers (the app's rating rule: wrong -> Again, right -> Good);
- where the schema has the answer aggregates (daily_activity, topic_stat), they hold exactly what the app's
  progress.services.record_answer_stats would have folded in: answers and right answers per UTC day, and per
  topic the counts and the latest results ('1'/'0', newest last, at most 20).

Users and attempts get explicit ids (answers reference attempts); on PostgreSQL the sequences are
moved past them afterwards so the app's own inserts keep working.
"""
from __future__ import annotations

import json
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

UTC = timezone.utc
PASSWORD = "bench-password-1234"
SQL_RIGHT_FEEDBACK = "Same result as the reference query on the sample rows and on a hidden dataset."
SQL_WRONG_FEEDBACK = "The result has 1 column; the expected result has a different shape."


@dataclass
class Q:
    id: int
    lesson_id: int
    kind: str
    revision: str
    # "right" / "wrong" / "none" -> (stored response, correct, points, feedback)
    variants: dict[str, tuple[Any, bool, float, str | None]]
    # "right" / "wrong" -> the API (public, opaque-id) form of that response
    public: dict[str, Any]


@dataclass
class L:
    id: int
    slug: str
    qids: list[int]
    pass_mark: int
    runs_code: bool  # holds SQL or Go exercises: grading runs DuckDB or the Go sandbox


@dataclass
class Catalog:
    lessons: dict[int, L]
    questions: dict[int, Q]
    courses: dict[int, list[int]]  # course id -> its active lessons in order
    course_slugs: dict[int, str]
    topics_of: dict[int, list[int]] = field(default_factory=dict)  # question id -> topic ids

    @property
    def quiz_lessons(self) -> list[int]:
        return [l.id for l in self.lessons.values() if l.qids]


def _wrong_response(kind: str, spec: dict[str, Any]) -> Any:
    if kind == "single":
        wrong = [c["id"] for c in spec["choices"] if not c["correct"]]
        return wrong[0] if wrong else None
    if kind == "multiple":
        right = [c["id"] for c in spec["choices"] if c["correct"]]
        wrong = [c["id"] for c in spec["choices"] if not c["correct"]]
        return (right[:-1] + wrong[:1]) or wrong[:1]  # partial credit, not correct
    if kind == "true_false":
        return not spec["answer"]
    if kind == "short_text":
        return "not sure"
    if kind in ("numeric", "calculated"):  # calculated: wrong for its reference variant
        return float(spec["answer"]) + 10 * (abs(spec.get("tolerance") or 0) + abs(spec["answer"]) + 1)
    if kind == "ordering":
        return list(reversed([i["id"] for i in spec["items"]]))
    if kind == "sql":
        return "SELECT 1"
    return None


def load_catalog(session) -> Catalog:
    """Active lessons, their active questions (pre-graded right/wrong answers) and courses."""
    from learnpath.models import Course, CourseLesson, Lesson, Question, question_topic
    from learnpath.quiz.grading import correct_response, grade
    from learnpath.quiz.services import public_response

    lessons = {l.id: l for l in session.scalars(sa.select(Lesson).where(~Lesson.retired))}
    courses = session.scalars(sa.select(Course).where(~Course.retired).order_by(Course.position)).all()
    course_lessons: dict[int, list[int]] = {c.id: [] for c in courses}
    pass_marks: dict[int, int] = {}
    by_course = {c.id: c for c in courses}
    for course_id, lesson_id in session.execute(
            sa.select(CourseLesson.course_id, CourseLesson.lesson_id).order_by(CourseLesson.course_id, CourseLesson.position)):
        if course_id in by_course and lesson_id in lessons:
            course_lessons[course_id].append(lesson_id)
            pass_marks[lesson_id] = max(pass_marks.get(lesson_id, 0), by_course[course_id].pass_mark)

    questions: dict[int, Q] = {}
    qids_by_lesson: dict[int, list[int]] = defaultdict(list)
    code_lessons: set[int] = set()  # SQL or Go exercises
    for q in session.scalars(sa.select(Question).where(~Question.retired).order_by(Question.lesson_id, Question.position)):
        if q.lesson_id not in lessons:
            continue
        right = correct_response(q.kind, q.spec)
        wrong = _wrong_response(q.kind, q.spec)
        if q.kind in ("sql", "go"):
            code_lessons.add(q.lesson_id)
        if q.kind == "sql":
            variants = {"right": (right, True, 1.0, SQL_RIGHT_FEEDBACK), "wrong": (wrong, False, 0.0, SQL_WRONG_FEEDBACK)}
        else:
            variants = {}
            for name, response in (("right", right), ("wrong", wrong)):
                g = grade(q.kind, q.spec, response)
                variants[name] = (response, g.correct, g.points, g.feedback or None)
        variants["none"] = (None, False, 0.0, None)
        public = {"right": public_response(q, right), "wrong": public_response(q, wrong)}
        questions[q.id] = Q(q.id, q.lesson_id, q.kind, q.revision, variants, public)
        qids_by_lesson[q.lesson_id].append(q.id)

    topics_of: dict[int, list[int]] = defaultdict(list)
    for qid, tid in session.execute(sa.select(question_topic.c.question_id, question_topic.c.topic_id)):
        topics_of[qid].append(tid)
    return Catalog(
        lessons={lid: L(lid, l.slug, qids_by_lesson.get(lid, []), pass_marks.get(lid, 70), lid in code_lessons)
                 for lid, l in lessons.items()},
        questions=questions,
        courses={cid: lids for cid, lids in course_lessons.items() if lids},
        course_slugs={c.id: c.slug for c in courses},
        topics_of=dict(topics_of),
    )


def table_for(model, inspector) -> sa.Table:
    """The model's table, trimmed to the columns the migrated database really has."""
    table = model.__table__
    existing = {c["name"] for c in inspector.get_columns(table.name)}
    if all(c.name in existing for c in table.columns):
        return table
    return sa.Table(table.name, sa.MetaData(), *[c._copy() for c in table.columns if c.name in existing])


@dataclass
class Learner:
    id: int
    email: str
    name: str
    kind: str  # regular / heavy / light
    answers: int = 0


@dataclass
class Generator:
    conn: sa.Connection
    catalog: Catalog
    rng: random.Random
    now: datetime
    password_hash: str
    tables: dict[str, sa.Table] = field(default_factory=dict)
    next_user_id: int = 1
    next_attempt_id: int = 1
    buf: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    progress: dict[tuple[int, int], dict] = field(default_factory=dict)
    enrollments: dict[tuple[int, int], dict] = field(default_factory=dict)
    card_events: dict[int, list[tuple[datetime, bool]]] = field(default_factory=lambda: defaultdict(list))
    answer_log: list[tuple[datetime, int, int, bool]] = field(default_factory=list)  # the learner's, for aggregates
    seq: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fsrs_scheduler: Any = None

    # ---- plumbing ----------------------------------------------------------------------------

    def setup(self) -> None:
        from learnpath.models import Answer, ApiToken, Attempt, Enrollment, LessonProgress, User

        inspector = sa.inspect(self.conn)
        models = {"user": User, "attempt": Attempt, "answer": Answer, "lesson_progress": LessonProgress,
                  "enrollment": Enrollment, "api_token": ApiToken}
        try:
            from learnpath.models import ReviewCard
            if inspector.has_table("review_card"):
                models["review_card"] = ReviewCard
                import fsrs
                self.fsrs_scheduler = fsrs.Scheduler(desired_retention=0.9, enable_fuzzing=False)
        except ImportError:
            pass
        try:
            from learnpath.models import DailyActivity, TopicStat
            if inspector.has_table("daily_activity") and inspector.has_table("topic_stat"):
                models["daily_activity"], models["topic_stat"] = DailyActivity, TopicStat
        except ImportError:
            pass
        self.tables = {name: table_for(model, inspector) for name, model in models.items()}
        self.next_user_id = (self.conn.scalar(sa.select(sa.func.max(self.tables["user"].c.id))) or 0) + 1
        self.next_attempt_id = (self.conn.scalar(sa.select(sa.func.max(self.tables["attempt"].c.id))) or 0) + 1

    def insert(self, name: str, rows: list[dict]) -> None:
        if not rows:
            return
        table = self.tables[name]
        cols = set(table.c.keys())
        if not set(rows[0]) <= cols:
            rows = [{k: v for k, v in r.items() if k in cols} for r in rows]
        for start in range(0, len(rows), 20_000):
            self.conn.execute(table.insert(), rows[start:start + 20_000])
        self.counts[name] += len(rows)

    def flush_history(self) -> None:
        """Attempts before answers (foreign key); called whenever the answer buffer is large."""
        self.insert("attempt", self.buf.pop("attempt", []))
        self.insert("answer", self.buf.pop("answer", []))

    def flush_all(self) -> None:
        self.flush_history()
        for name in ("lesson_progress", "enrollment", "review_card", "daily_activity", "topic_stat", "api_token"):
            if name in self.tables:
                self.insert(name, self.buf.pop(name, []))

    # ---- users -------------------------------------------------------------------------------

    def users(self, specs: list[tuple[str, str, str, datetime]]) -> list[Learner]:
        out, rows = [], []
        for email, name, kind, created in specs:
            uid = self.next_user_id
            self.next_user_id += 1
            rows.append({"id": uid, "email": email, "name": name, "password_hash": self.password_hash,
                         "created_at": created})
            out.append(Learner(uid, email, name, kind))
        self.insert("user", rows)
        return out

    def tokens(self, user_ids: list[int]) -> dict[int, str]:
        from learnpath.models import ApiToken

        out = {}
        for uid in user_ids:
            # Tokens expire (API_TOKEN_DAYS); a year outlives any benchmark run.
            row, token = ApiToken.issue(SimpleNamespace(id=uid), timedelta(days=365))
            self.buf["api_token"].append({"user_id": uid, "token_hash": row.token_hash, "created_at": self.now,
                                          "expires_at": row.expires_at})
            out[uid] = token
        return out

    # ---- history -----------------------------------------------------------------------------

    def _progress(self, uid: int, lid: int, when: datetime) -> dict:
        row = self.progress.get((uid, lid))
        if row is None:
            row = self.progress[(uid, lid)] = {
                "user_id": uid, "lesson_id": lid, "read_at": None, "best_percent": None, "last_percent": None,
                "attempts_count": 0, "passed_at": None, "completed_at": None, "updated_at": when,
            }
        elif when > row["updated_at"]:
            row["updated_at"] = when
        return row

    def enroll(self, uid: int, cid: int, when: datetime) -> None:
        self.enrollments.setdefault((uid, cid), {
            "user_id": uid, "course_id": cid, "enrolled_at": when, "completed_at": None,
            "certificate_code": None, "certificate_percent": None,
        })

    def read(self, uid: int, lid: int, when: datetime) -> None:
        row = self._progress(uid, lid, when)
        if row["read_at"] is None or when < row["read_at"]:
            row["read_at"] = when

    def attempt(self, learner: Learner, lesson: L, when: datetime, skill: float,
                retake_of: tuple[int, set[int]] | None = None) -> tuple[int, bool, set[int]]:
        """A submitted attempt; `retake_of` = (attempt id, question ids answered right) for 'retake missed'."""
        rng = self.rng
        ids = lesson.qids
        carried: dict[str, float] = {}
        asked = ids
        if retake_of is not None:
            right = retake_of[1]
            carried = {str(q): 1.0 for q in ids if q in right}
            asked = [q for q in ids if q not in right] or ids
            if len(asked) == len(ids):
                carried = {}
        aid = self.next_attempt_id
        self.next_attempt_id += 1
        submitted = min(when + timedelta(seconds=rng.uniform(90, 1500)), self.now - timedelta(seconds=30))
        started = min(when, submitted - timedelta(seconds=60))
        total = 0.0
        right_now: set[int] = set()
        answers = self.buf["answer"]
        for qid in asked:
            r = rng.random()
            variant = "none" if r < 0.03 else ("right" if r < 0.03 + 0.97 * skill else "wrong")
            q = self.catalog.questions[qid]
            response, correct, points, feedback = q.variants[variant]
            answers.append({
                "attempt_id": aid, "user_id": learner.id, "question_id": qid, "response": response,
                "correct": correct, "points": points, "revision": q.revision, "feedback": feedback,
                "answered_at": submitted,
            })
            total += points
            if correct:
                right_now.add(qid)
            if self.fsrs_scheduler is not None:
                self.card_events[qid].append((submitted, correct))
            self.seq += 1
            self.answer_log.append((submitted, self.seq, qid, correct))
        learner.answers += len(asked)
        score = total + sum(carried.values())
        max_score = float(len(asked) + len(carried))
        percent = round(100 * score / max_score, 1) if max_score else 100.0
        passed = percent >= lesson.pass_mark
        self.buf["attempt"].append({
            "id": aid, "user_id": learner.id, "lesson_id": lesson.id, "status": "submitted",
            "seed": rng.randrange(2**31), "question_ids": list(asked), "carried": carried,
            "retake_of_id": retake_of[0] if retake_of else None, "draft": {}, "started_at": started,
            "submitted_at": submitted, "score": round(score, 4), "max_score": max_score, "percent": percent,
            "passed": passed,
        })
        row = self._progress(learner.id, lesson.id, submitted)
        row["attempts_count"] += 1
        row["last_percent"] = percent
        if row["best_percent"] is None or row["best_percent"] < percent:
            row["best_percent"] = percent
        if passed and row["passed_at"] is None:
            row["passed_at"] = submitted
        if len(self.buf["answer"]) >= 100_000:
            self.flush_history()
        return aid, passed, right_now | {int(k) for k in carried}

    def lesson_session(self, learner: Learner, lesson: L, when: datetime, skill: float,
                       read_p: float = 0.92, attempt_p: float = 0.85) -> None:
        """Read the lesson (usually), take its quiz (usually), retake it if failed (sometimes)."""
        rng = self.rng
        if rng.random() < read_p:
            self.read(learner.id, lesson.id, when)
        if not lesson.qids or rng.random() >= attempt_p:
            return
        at = when + timedelta(minutes=rng.uniform(3, 30))
        aid, passed, right = self.attempt(learner, lesson, at, skill)
        tries = 1
        while not passed and tries < 3 and rng.random() < 0.6:
            at = min(at + timedelta(hours=rng.uniform(0.2, 48)), self.now - timedelta(minutes=5))
            missed_only = rng.random() < 0.35
            aid, passed, right = self.attempt(learner, lesson, at, min(0.98, skill + 0.1 * tries),
                                              retake_of=(aid, right) if missed_only else None)
            tries += 1
        if passed and rng.random() < 0.08:
            at = min(at + timedelta(days=rng.uniform(1, 30)), self.now - timedelta(minutes=5))
            self.attempt(learner, lesson, at, min(0.98, skill + 0.1))

    def regular(self, learner: Learner, created: datetime) -> None:
        rng = self.rng
        skill = rng.uniform(0.45, 0.95)
        course_ids = list(self.catalog.courses)
        k = min(len(course_ids), rng.choices([1, 2, 3, 4, 5], weights=[40, 30, 18, 8, 4])[0])
        seen: set[int] = set()
        life = max(self.now - created, timedelta(hours=2))
        for cid in rng.sample(course_ids, k):
            enrolled = created + life * rng.uniform(0, 0.7)
            self.enroll(learner.id, cid, enrolled)
            lessons = self.catalog.courses[cid]
            reach = len(lessons) if rng.random() < 0.25 else int(len(lessons) * rng.random())
            end = min(self.now - timedelta(minutes=40), enrolled + timedelta(days=rng.uniform(3, 200)))
            for i, lid in enumerate(lessons[:reach]):
                if lid in seen:
                    continue
                seen.add(lid)
                t = enrolled + (end - enrolled) * ((i + rng.random()) / max(reach, 1))
                self.lesson_session(learner, self.catalog.lessons[lid], t, skill)
        self.finish(learner)

    def heavy(self, learner: Learner, target_answers: int, days: int = 365) -> None:
        """Enrolled everywhere, read everything, quizzes all over the catalog until `target_answers`."""
        rng = self.rng
        start = self.now - timedelta(days=days)
        for cid in self.catalog.courses:
            self.enroll(learner.id, cid, start - timedelta(hours=rng.uniform(1, 48)))
        quiz = self.catalog.quiz_lessons
        last: dict[int, tuple[int, bool, set[int]]] = {}
        tries: dict[int, int] = defaultdict(int)
        span = (self.now - timedelta(hours=1)) - start
        while learner.answers < target_answers:
            lid = rng.choice(quiz)
            lesson = self.catalog.lessons[lid]
            t = start + span * min(1.0, (learner.answers + rng.random() * 5) / target_answers)
            if lid not in last:
                self.read(learner.id, lid, t - timedelta(minutes=rng.uniform(5, 60)))
            prev = last.get(lid)
            retake = (prev[0], prev[2]) if prev and not prev[1] and rng.random() < 0.4 else None
            skill = min(0.95, 0.62 + 0.04 * tries[lid])
            last[lid] = self.attempt(learner, lesson, t, skill, retake_of=retake)
            tries[lid] += 1
        for lid in self.catalog.lessons:
            if (learner.id, lid) not in self.progress or self.progress[(learner.id, lid)]["read_at"] is None:
                self.read(learner.id, lid, start + span * rng.random())
        self.finish(learner)

    def light(self, learner: Learner, course_slug: str) -> None:
        """A newcomer: one course, three lessons read, two quizzes."""
        rng = self.rng
        cid = next((c for c, s in self.catalog.course_slugs.items() if s == course_slug), next(iter(self.catalog.courses)))
        enrolled = self.now - timedelta(days=6)
        self.enroll(learner.id, cid, enrolled)
        for i, lid in enumerate(self.catalog.courses[cid][:3]):
            t = enrolled + timedelta(days=2 * i, hours=rng.uniform(0, 5))
            self.read(learner.id, lid, t)
            if i < 2 and self.catalog.lessons[lid].qids:
                self.attempt(learner, self.catalog.lessons[lid], t + timedelta(minutes=15), 0.8)
        self.finish(learner)

    def finish(self, learner: Learner) -> None:
        """Completion, certificates and review cards once a learner's history is written."""
        uid = learner.id
        if self.fsrs_scheduler is not None:
            self._cards(uid)
        if "daily_activity" in self.tables:
            self._aggregates(uid)
        self.answer_log.clear()

    def _aggregates(self, uid: int) -> None:
        from learnpath.models.progress import RECENT_RESULTS

        days: dict[Any, list[int]] = {}
        topics: dict[int, list] = {}
        for when, _, qid, correct in sorted(self.answer_log):
            d = days.setdefault(when.astimezone(UTC).date(), [0, 0])
            d[0] += 1
            d[1] += correct
            for tid in self.catalog.topics_of.get(qid, []):
                t = topics.setdefault(tid, [0, 0, ""])
                t[0] += 1
                t[1] += correct
                t[2] = (t[2] + ("1" if correct else "0"))[-RECENT_RESULTS:]
        self.buf["daily_activity"].extend({"user_id": uid, "day": day, "answered": a, "correct": c}
                                          for day, (a, c) in days.items())
        self.buf["topic_stat"].extend({"user_id": uid, "topic_id": tid, "answered": a, "correct": c, "recent": r}
                                      for tid, (a, c, r) in topics.items())

    def _cards(self, uid: int) -> None:
        import fsrs

        for qid, events in self.card_events.items():
            events.sort()
            card = fsrs.Card(card_id=0, state=fsrs.State.Learning, step=0, due=events[0][0].replace(tzinfo=UTC))
            rated = fsrs.Rating.Good
            for when, correct in events[-4:]:  # the latest answers fix the schedule; earlier ones barely move it
                rated = fsrs.Rating.Good if correct else fsrs.Rating.Again
                card, _ = self.fsrs_scheduler.review_card(card, rated, review_datetime=when.replace(tzinfo=UTC))
            self.buf["review_card"].append({
                "user_id": uid, "question_id": qid, "state": int(card.state), "step": card.step,
                "stability": card.stability, "difficulty": card.difficulty, "due": card.due,
                "last_review": events[-1][0], "last_rating": int(rated), "reviews": len(events),
                "lapses": sum(1 for _, ok in events if not ok),
            })
        self.card_events.clear()

    def open_attempt(self, uid: int, lesson: L) -> int:
        """An in-progress attempt, as quiz.services.start_attempt leaves it (and the lesson touched)."""
        aid = self.next_attempt_id
        self.next_attempt_id += 1
        started = self.now - timedelta(minutes=self.rng.uniform(1, 600))
        self.buf["attempt"].append({
            "id": aid, "user_id": uid, "lesson_id": lesson.id, "status": "in_progress",
            "seed": self.rng.randrange(2**31), "question_ids": list(lesson.qids), "carried": {},
            "retake_of_id": None, "draft": {}, "started_at": started, "submitted_at": None, "score": None,
            "max_score": None, "percent": None, "passed": None,
        })
        self._progress(uid, lesson.id, started)
        return aid

    def complete(self) -> None:
        """completed_at on lessons (read + passed, or read and no quiz), then on enrollments."""
        for (uid, lid), row in self.progress.items():
            lesson = self.catalog.lessons[lid]
            if row["read_at"] is not None and (row["passed_at"] is not None or not lesson.qids):
                row["completed_at"] = max(row["read_at"], row["passed_at"] or row["read_at"])
        for (uid, cid), enrollment in self.enrollments.items():
            rows = [self.progress.get((uid, lid)) for lid in self.catalog.courses[cid]]
            if rows and all(r is not None and r["completed_at"] is not None for r in rows):
                enrollment["completed_at"] = max([enrollment["enrolled_at"]] + [r["completed_at"] for r in rows])
                enrollment["certificate_code"] = secrets.token_urlsafe(24)
                best = [r["best_percent"] for r in rows if r["best_percent"] is not None]
                enrollment["certificate_percent"] = round(sum(best) / len(best), 1) if best else None
        self.buf["lesson_progress"].extend(self.progress.values())
        self.buf["enrollment"].extend(self.enrollments.values())
        self.progress, self.enrollments = {}, {}


def verify(conn: sa.Connection) -> list[str]:
    """The generated history against the invariants the app keeps; returns the violations found."""
    day = "date(answered_at)" if conn.dialect.name == "sqlite" else "CAST(answered_at AS DATE)"
    ok = "CASE WHEN correct THEN 1 ELSE 0 END"
    names = set(sa.inspect(conn).get_table_names())
    checks = {
        "lesson_progress.attempts_count = submitted attempts":
            "SELECT count(*) FROM lesson_progress lp WHERE attempts_count != (SELECT count(*) FROM attempt a "
            "WHERE a.user_id = lp.user_id AND a.lesson_id = lp.lesson_id AND a.status = 'submitted')",
        "lesson_progress.best_percent = best submitted percent":
            "SELECT count(*) FROM lesson_progress lp WHERE coalesce(best_percent, -1) != coalesce((SELECT "
            "max(percent) FROM attempt a WHERE a.user_id = lp.user_id AND a.lesson_id = lp.lesson_id "
            "AND a.status = 'submitted'), -1)",
        "answer.revision = the question's revision":
            "SELECT count(*) FROM answer an JOIN question q ON q.id = an.question_id WHERE an.revision != q.revision",
        "answer.user_id / answered_at = its attempt's":
            "SELECT count(*) FROM answer an JOIN attempt a ON a.id = an.attempt_id "
            "WHERE an.user_id != a.user_id OR an.answered_at != a.submitted_at",
        "a completed lesson is read":
            "SELECT count(*) FROM lesson_progress WHERE completed_at IS NOT NULL AND read_at IS NULL",
    }
    if "daily_activity" in names:
        checks["daily_activity = answers per user and day"] = (
            f"SELECT count(*) FROM (SELECT user_id, {day} AS day, count(*) AS n, sum({ok}) AS k FROM answer "
            "GROUP BY user_id, " + day + ") x FULL OUTER JOIN daily_activity d ON d.user_id = x.user_id AND d.day = x.day "
            "WHERE x.n IS NULL OR d.answered IS NULL OR x.n != d.answered OR x.k != d.correct")
    if "topic_stat" in names:
        checks["topic_stat = answers per user and topic"] = (
            f"SELECT count(*) FROM (SELECT a.user_id, qt.topic_id, count(*) AS n, sum({ok}) AS k FROM answer a "
            "JOIN question_topic qt ON qt.question_id = a.question_id GROUP BY a.user_id, qt.topic_id) x "
            "FULL OUTER JOIN topic_stat t ON t.user_id = x.user_id AND t.topic_id = x.topic_id "
            "WHERE x.n IS NULL OR t.answered IS NULL OR x.n != t.answered OR x.k != t.correct")
    problems = []
    for what, sql in checks.items():
        n = conn.scalar(sa.text(sql))
        if n:
            problems.append(f"{what}: {n} rows disagree")
    return problems


def submit_body(catalog: Catalog, lesson: L, rng: random.Random) -> str:
    """An API submit body: about 75% right, 20% wrong, 5% left out."""
    answers = {}
    for qid in lesson.qids:
        r = rng.random()
        if r < 0.05:
            continue
        answers[str(qid)] = catalog.questions[qid].public["right" if r < 0.80 else "wrong"]
    return json.dumps({"answers": answers}, separators=(",", ":"))


def generate(app, *, learners: int, heavy_answers: int, heavy_small_answers: int, submit_phases: dict[str, int],
             start_phases: dict[str, int], out_dir, seed: int = 20240601, log=print,
             after_answer: int = 0) -> dict[str, Any]:
    """Fill the (migrated, catalog-imported) database and write wrk request files. Returns the fixture.
    `after_answer`: that many of the heavy learner's in-progress attempts (one a lesson, at most one per
    plain lesson) to submit before each of the first dashboard views bench/run.py times."""
    from werkzeug.security import generate_password_hash

    from learnpath.extensions import db

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        catalog = load_catalog(db.session)
        db.session.close()
        with db.engine.begin() as conn:
            gen = Generator(conn, catalog, rng, now, generate_password_hash(PASSWORD))
            gen.setup()
            specs = [("heavy@bench.invalid", "Heavy Learner", "heavy", now - timedelta(days=400)),
                     ("heavy2k@bench.invalid", "Heavy Learner 2k", "heavy2k", now - timedelta(days=400)),
                     ("light@bench.invalid", "Light Learner", "light", now - timedelta(days=7))]
            specs += [(f"learner{i:05d}@bench.invalid", f"Learner {i}", "regular",
                       now - timedelta(days=rng.uniform(1, 365))) for i in range(learners)]
            users = gen.users(specs)
            by_kind = {u.kind: u for u in users[:3]}
            regular = users[3:]
            gen.heavy(by_kind["heavy"], heavy_answers)
            gen.heavy(by_kind["heavy2k"], heavy_small_answers)
            gen.light(by_kind["light"], "distributed-systems")
            for learner, spec in zip(regular, specs[3:]):
                gen.regular(learner, spec[3])

            # Requests for wrk: in-progress attempts to submit, and (learner, lesson) pairs with no open
            # attempt to start. Lessons with SQL or Go exercises are left out: their grading runs DuckDB
            # or the Go sandbox, which the Go lab's own benchmark (bench/go_run.py) measures.
            plain = [l for l in catalog.lessons.values() if l.qids and not l.runs_code]
            need = sum(submit_phases.values()) + sum(start_phases.values())
            capacity = len(regular) * len(plain)
            if need > capacity // 2:
                raise SystemExit(f"not enough (learner, lesson) pairs for {need} quiz requests: use more learners")
            pairs: set[tuple[int, int]] = set()
            while len(pairs) < need:
                pairs.add((rng.choice(regular).id, rng.choice(plain).id))
            ordered = sorted(pairs)
            rng.shuffle(ordered)
            token_users = sorted({uid for uid, _ in ordered} | {u.id for u in users[:3]})
            tokens = gen.tokens(token_users)
            bodies = {l.id: [submit_body(catalog, l, rng) for _ in range(3)] for l in plain}
            files: dict[str, Any] = {"submit": {}, "start": {}}
            it = iter(ordered)
            for phase, n in submit_phases.items():
                path = out_dir / f"req-submit-{phase}.tsv"
                with open(path, "w") as fh:
                    for _ in range(n):
                        uid, lid = next(it)
                        aid = gen.open_attempt(uid, catalog.lessons[lid])
                        fh.write(f"POST\t/api/v1/attempts/{aid}/submit\t{tokens[uid]}\t{rng.choice(bodies[lid])}\n")
                files["submit"][phase] = str(path)
            for phase, n in start_phases.items():
                path = out_dir / f"req-start-{phase}.tsv"
                with open(path, "w") as fh:
                    for _ in range(n):
                        uid, lid = next(it)
                        fh.write(f"POST\t/api/v1/lessons/{catalog.lessons[lid].slug}/attempts\t{tokens[uid]}\t{{}}\n")
                files["start"][phase] = str(path)
            if after_answer:
                heavy = by_kind["heavy"]
                path = out_dir / "req-after-answer.tsv"
                with open(path, "w") as fh:
                    for lesson in rng.sample(plain, min(after_answer, len(plain))):
                        aid = gen.open_attempt(heavy.id, lesson)
                        fh.write(f"POST\t/api/v1/attempts/{aid}/submit\t{tokens[heavy.id]}\t"
                                 f"{rng.choice(bodies[lesson.id])}\n")
                files["after_answer"] = str(path)
            gen.complete()
            gen.flush_all()
            if conn.dialect.name == "postgresql":
                for table in ("user", "attempt"):
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))"))
        with db.engine.connect() as conn:
            problems = verify(conn)
            if problems:
                raise SystemExit("bench/datagen.py broke the app's invariants:\n  " + "\n  ".join(problems))
            inspector = sa.inspect(conn)
            empty = [t for t in inspector.get_table_names()
                     if any(c["name"] == "user_id" for c in inspector.get_columns(t))
                     and conn.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) == 0]
        if empty:
            log(f"WARNING: per-learner tables left empty by the generator: {', '.join(empty)} — if the app keeps "
                "data there for every learner, bench/datagen.py must fill them too")
        if db.engine.dialect.name == "postgresql":
            # Autovacuum would analyze these tables within minutes in production; do it now so the
            # planner sees the real sizes from the first request on.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        db.engine.dispose()
    return {
        "password": PASSWORD,
        "users": {u.kind: {"id": u.id, "email": u.email, "answers": u.answers, "token": tokens.get(u.id)}
                  for u in users[:3]},
        "regular_answers": sum(u.answers for u in regular),
        "learners": len(regular),
        "rows": dict(gen.counts),
        "request_files": files,
        "resume_lesson": "tcp-deep-dive",
    }
