"""Item analysis: which questions are too easy, too hard, or do not separate strong learners from weak.

The definitions are Moodle's quiz statistics (question/classes/statistics/questions/calculator.php):

- the data are each learner's **first submitted attempt** at each lesson quiz (later attempts have
  seen the answers); with a pool, an attempt holds a draw of the lesson's questions, and a question's
  figures come from the attempts that held it;
- x_i is the question's mark scaled to 0..1 (points / MAX_POINTS; unanswered counts 0) and X the
  attempt's total (the sum of its x_i, so every question weighs the same);
- facility = mean(x_i);
- discrimination index = 100·cov(x_i, X − x_i) / √(var(x_i)·var(X − x_i)), None when a variance is 0;
- discriminative efficiency = 100·cov(x_i, X − x_i) / cov_max, where cov_max is the covariance of the
  same two lists of marks each sorted ascending and paired in that order (the most the covariance could
  be); None when cov_max is 0;
- variances and covariances divide by n − 1, as Moodle's do (the ratios above do not depend on it);
- Cronbach's α per lesson quiz = k/(k−1)·(1 − Σvar(x_i)/var(X)) over **all** first attempts of the
  lesson, a question the attempt did not hold counting 0 (so with a pool α understates consistency,
  and the page says so);
- median time per question: over the same first attempts' answers that carry a measured time
  (Answer.time_ms, the quiz page's time on screen, capped at 30 minutes); per lesson quiz, the median
  over first attempts of the sum of their answers' measured times (a question never shown counts 0;
  an attempt with no measured time is left out). An even count's median is the mean of the two
  middle values (learnpath.admin.medians, shared with the course report).

The sums are SQL aggregates (one GROUP BY per figure family, window functions for first attempts,
attempt totals and the sorted pairing); Python only finishes the arithmetic and reads the
choice-question responses for the distractor analysis.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from markupsafe import Markup

from learnpath.admin.medians import median_of, read_median, seconds_between
from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Lesson, Question

MAX_POINTS = 1.0  # a question is worth one point (quiz.services.grade_responses)
MIN_ATTEMPTS = 10  # no flags below this many first attempts (setting ITEM_ANALYSIS_MIN_ATTEMPTS)
TOO_HARD, TOO_EASY = 0.2, 0.95
CHOICE_KINDS = ("single", "multiple")
EPSILON = 1e-12  # a variance this small is zero (sums of products of floats)

FLAG_LABELS = {
    "too_hard": f"facility < {TOO_HARD}",
    "too_easy": f"facility > {TOO_EASY}",
    "not_discriminating": "discrimination ≤ 0",
    "distractor": "strong learners prefer a wrong choice",
}


@dataclass
class OptionShare:
    id: str
    text_html: str
    correct: bool
    chosen: int  # first attempts that picked it
    share: float  # of the attempts that held the question
    top_chosen: int  # ... of the top third by attempt total


@dataclass
class ItemStats:
    question_id: int
    key: str
    kind: str
    lesson_slug: str
    prompt_excerpt: str
    file: str
    line: int | None
    retired: bool
    attempts: int  # first attempts that held the question
    answered: int  # ... and gave an answer
    facility: float | None
    discrimination: float | None
    efficiency: float | None
    sd: float | None
    timed_answers: int = 0  # ... whose answer carries a measured time
    median_time_ms: float | None = None
    options: list[OptionShare] | None = None  # choice kinds only
    unanswered_share: float | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.question_id, "key": self.key, "kind": self.kind, "lesson": self.lesson_slug,
            "prompt": self.prompt_excerpt, "retired": self.retired,
            "location": {"file": self.file, "line": self.line},
            "attempts": self.attempts, "answered": self.answered, "facility": self.facility,
            "discrimination_index": self.discrimination, "discriminative_efficiency": self.efficiency,
            "timed_answers": self.timed_answers, "median_time_ms": self.median_time_ms,
            "options": None if self.options is None else [
                {"id": o.id, "correct": o.correct, "chosen": o.chosen, "share": o.share} for o in self.options],
            "flags": self.flags,
        }


@dataclass
class LessonAlpha:
    lesson_id: int
    slug: str
    title: str
    attempts: int
    questions: int  # k
    alpha: float | None
    pooled: bool  # the lesson draws from a pool: α counts questions not drawn as 0
    times: QuizTimes = field(default_factory=lambda: QuizTimes())


@dataclass
class QuizTimes:
    """A lesson quiz's durations over first attempts (the course report shows both)."""
    timed_attempts: int = 0  # first attempts with a measured time on their questions
    median_time_ms: float | None = None  # median of the attempt's summed measured times
    submitted_attempts: int = 0
    median_seconds: float | None = None  # median of submitted − started (includes any time away)


# ---- SQL -----------------------------------------------------------------------------------------

def first_attempts(lesson_ids: Iterable[int] | None = None, user_ids=None):
    """Each learner's first submitted attempt at each lesson quiz (of these lessons, by these learners:
    a list or a subquery of ids; filtering before the ranking keeps it right, as it ranks per learner
    and lesson)."""
    where = [Attempt.scope == "lesson", Attempt.status == "submitted"]
    if lesson_ids is not None:
        where.append(Attempt.lesson_id.in_(lesson_ids if isinstance(lesson_ids, sa.Select) else list(lesson_ids)))
    if user_ids is not None:
        where.append(Attempt.user_id.in_(user_ids if isinstance(user_ids, sa.Select) else list(user_ids)))
    ranked = sa.select(
        Attempt.id, Attempt.lesson_id, Attempt.started_at, Attempt.submitted_at,
        sa.func.row_number().over(partition_by=(Attempt.user_id, Attempt.lesson_id),
                                  order_by=(Attempt.submitted_at, Attempt.id)).label("rn"),
    ).where(*where).subquery("ranked")
    return sa.select(ranked.c.id, ranked.c.lesson_id, ranked.c.started_at, ranked.c.submitted_at).where(
        ranked.c.rn == 1).cte("first_attempt")


def _marks(question_ids: Iterable[int] | None = None, lesson_ids: Iterable[int] | None = None,
           with_response: bool = False):
    """One row per (first attempt, question held): x, the rest of the attempt (X − x), answered or not.

    Filtering to some lessons keeps the totals right (a total spans the whole attempt, all one lesson);
    question_ids filters after the totals are taken.
    """
    first = first_attempts()
    x = sa.cast(Answer.points, sa.Float) / MAX_POINTS
    total = sa.func.sum(x).over(partition_by=Answer.attempt_id)
    # A blank answer is stored as JSON null (or SQL NULL); both mean "not answered".
    answered = sa.case((sa.and_(Answer.response.is_not(None), sa.cast(Answer.response, sa.Text) != "null"), 1), else_=0)
    inner = sa.select(
        Answer.attempt_id, Answer.question_id, first.c.lesson_id, x.label("x"), (total - x).label("rest"),
        total.label("total"), answered.label("answered"), Answer.time_ms.label("ms"),
        *([Answer.response] if with_response else []),
    ).join(first, first.c.id == Answer.attempt_id)
    if lesson_ids is not None:
        inner = inner.where(first.c.lesson_id.in_(list(lesson_ids)))
    marks = inner.subquery("marks_all")
    query = sa.select(marks)
    if question_ids is not None:
        query = query.where(marks.c.question_id.in_(list(question_ids)))
    return query.cte("marks")


@dataclass
class _Sums:
    n: int
    answered: int
    sx: float
    sxx: float
    so: float
    soo: float
    sxo: float
    sxo_sorted: float
    timed: int = 0
    median_ms: float | None = None


def _question_sums(marks) -> dict[int, _Sums]:
    sums = sa.select(
        marks.c.question_id, sa.func.count().label("n"), sa.func.sum(marks.c.answered).label("answered"),
        sa.func.sum(marks.c.x).label("sx"), sa.func.sum(marks.c.x * marks.c.x).label("sxx"),
        sa.func.sum(marks.c.rest).label("so"), sa.func.sum(marks.c.rest * marks.c.rest).label("soo"),
        sa.func.sum(marks.c.x * marks.c.rest).label("sxo"),
        sa.func.count(marks.c.ms).label("timed"), median_of(marks.c.ms).label("median_ms"),
    ).group_by(marks.c.question_id)
    # cov_max pairs the k-th smallest x with the k-th smallest rest. Both ranked lists go into one
    # stream ordered by (question, k, list): each rest row's predecessor is the x of the same rank,
    # so LAG pairs them without a join (a join on the rank is quadratic on SQLite).
    ranked = sa.union_all(
        sa.select(marks.c.question_id, sa.func.row_number().over(
            partition_by=marks.c.question_id, order_by=marks.c.x).label("k"), marks.c.x.label("v"), sa.literal(0).label("side")),
        sa.select(marks.c.question_id, sa.func.row_number().over(
            partition_by=marks.c.question_id, order_by=marks.c.rest).label("k"), marks.c.rest.label("v"), sa.literal(1).label("side")),
    ).subquery("ranked_marks")
    stream = sa.select(ranked.c.question_id, ranked.c.side, ranked.c.v, sa.func.lag(ranked.c.v).over(
        partition_by=ranked.c.question_id, order_by=(ranked.c.k, ranked.c.side)).label("x_same_rank")).subquery("paired")
    sorted_sums = sa.select(stream.c.question_id, sa.func.sum(stream.c.x_same_rank * stream.c.v)).where(
        stream.c.side == 1).group_by(stream.c.question_id)
    paired = {qid: value for qid, value in db.session.execute(sorted_sums)}
    return {row.question_id: _Sums(row.n, int(row.answered or 0), row.sx or 0.0, row.sxx or 0.0, row.so or 0.0,
                                   row.soo or 0.0, row.sxo or 0.0, paired.get(row.question_id, 0.0) or 0.0,
                                   row.timed or 0, read_median(row.median_ms))
            for row in db.session.execute(sums)}


# ---- arithmetic ----------------------------------------------------------------------------------

def _figures(s: _Sums) -> tuple[float | None, float | None, float | None, float | None]:
    """(facility, discrimination index, discriminative efficiency, sd of x) from the sums."""
    n = s.n
    if n == 0:
        return None, None, None, None
    mx, mo = s.sx / n, s.so / n
    facility = mx
    if n < 2:
        return facility, None, None, None
    var_x = max((s.sxx - n * mx * mx) / (n - 1), 0.0)
    var_o = max((s.soo - n * mo * mo) / (n - 1), 0.0)
    cov = (s.sxo - n * mx * mo) / (n - 1)
    cov_max = (s.sxo_sorted - n * mx * mo) / (n - 1)
    discrimination = 100 * cov / math.sqrt(var_x * var_o) if var_x > EPSILON and var_o > EPSILON else None
    efficiency = 100 * cov / cov_max if abs(cov_max) > EPSILON else None
    return facility, discrimination, efficiency, math.sqrt(var_x)


def _top_third(rows: list[tuple[int, float]]) -> set[int]:
    """Attempt ids of the top third by total (at least one); ties at the edge go to the earlier attempt."""
    ranked = sorted(rows, key=lambda r: (-r[1], r[0]))
    return {attempt_id for attempt_id, _ in ranked[:max(1, math.ceil(len(ranked) / 3))]}


def _picks(response: Any) -> list[str]:
    if isinstance(response, str):
        return [response]
    if isinstance(response, list):
        return [r for r in response if isinstance(r, str)]
    return []


def _option_shares(question: Question, rows: list[tuple[int, Any, float]]) -> tuple[list[OptionShare], float, bool]:
    """Share of each choice, the unanswered share, and whether the top third prefers a wrong choice.

    "Prefers": some wrong choice is picked by more of the top third than the key (single choice) or
    than the least-picked correct choice (multiple choice).
    """
    top = _top_third([(attempt_id, total) for attempt_id, _, total in rows])
    chosen, top_chosen, blank = Counter(), Counter(), 0
    for attempt_id, response, _ in rows:
        picks = set(_picks(response))
        if not picks:
            blank += 1
        chosen.update(picks)
        if attempt_id in top:
            top_chosen.update(picks)
    n = len(rows)
    choices = question.spec.get("choices") or []
    options = [OptionShare(c["id"], c.get("html") or c.get("text") or c["id"], bool(c.get("correct")),
                           chosen[c["id"]], chosen[c["id"]] / n if n else 0.0, top_chosen[c["id"]]) for c in choices]
    keys = [o.top_chosen for o in options if o.correct]
    wrong = [o.top_chosen for o in options if not o.correct]
    preferred = bool(keys and wrong and max(wrong) > min(keys))
    return options, (blank / n if n else 0.0), preferred


def _excerpt(html: str, limit: int = 140) -> str:
    text = " ".join(Markup(html).striptags().split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def analyse(question_ids: Iterable[int] | None = None, min_attempts: int | None = None) -> list[ItemStats]:
    """Statistics for every question with first-attempt data (or just these), flagged ones first."""
    ids = None if question_ids is None else list(question_ids)
    min_attempts = flag_threshold() if min_attempts is None else min_attempts
    # Only the attempts at these questions' lessons need reading (a lesson attempt holds its own questions).
    lesson_ids = None if ids is None else list(db.session.scalars(
        sa.select(Question.lesson_id).where(Question.id.in_(ids)).distinct()))
    marks = _marks(ids, lesson_ids)
    sums = _question_sums(marks)
    if not sums:
        return []
    questions = {q.id: q for q in db.session.scalars(
        sa.select(Question).where(Question.id.in_(list(sums))).options(so.joinedload(Question.lesson)))}
    choice_ids = [qid for qid, q in questions.items() if q.kind in CHOICE_KINDS]
    responses: dict[int, list[tuple[int, Any, float]]] = defaultdict(list)
    if choice_ids:
        chosen = _marks(choice_ids, lesson_ids, with_response=True)
        for attempt_id, question_id, response, total in db.session.execute(
                sa.select(chosen.c.attempt_id, chosen.c.question_id, chosen.c.response, chosen.c.total)):
            responses[question_id].append((attempt_id, response, total))
    items = []
    for qid, s in sums.items():
        q = questions[qid]
        facility, discrimination, efficiency, sd = _figures(s)
        item = ItemStats(qid, q.key, q.kind, q.lesson.slug, _excerpt(q.prompt_html), q.lesson.source_path,
                         q.source_line, q.retired, s.n, s.answered, facility, discrimination, efficiency, sd,
                         s.timed, s.median_ms)
        preferred = False
        if q.kind in CHOICE_KINDS:
            item.options, item.unanswered_share, preferred = _option_shares(q, responses[qid])
        if s.n >= min_attempts:
            if facility is not None and facility < TOO_HARD:
                item.flags.append("too_hard")
            if facility is not None and facility > TOO_EASY:
                item.flags.append("too_easy")
            if discrimination is not None and discrimination <= 0:
                item.flags.append("not_discriminating")
            if preferred:
                item.flags.append("distractor")
        items.append(item)
    items.sort(key=lambda i: (not i.flags, i.lesson_slug, questions[i.question_id].position))
    return items


def flag_threshold() -> int:
    """First attempts needed before a question is flagged (setting ITEM_ANALYSIS_MIN_ATTEMPTS)."""
    return int(current_app.config.get("ITEM_ANALYSIS_MIN_ATTEMPTS", MIN_ATTEMPTS))


def lesson_alphas(lesson_ids: Iterable[int] | None = None) -> list[LessonAlpha]:
    """Cronbach's α per lesson quiz over all its first attempts (questions not held count 0)."""
    marks = _marks(lesson_ids=lesson_ids)
    times = quiz_times(lesson_ids)
    per_question = sa.select(
        marks.c.lesson_id, marks.c.question_id, sa.func.sum(marks.c.x).label("sx"),
        sa.func.sum(marks.c.x * marks.c.x).label("sxx")).group_by(marks.c.lesson_id, marks.c.question_id)
    totals = sa.select(marks.c.lesson_id, marks.c.attempt_id, sa.func.max(marks.c.total).label("total")).group_by(
        marks.c.lesson_id, marks.c.attempt_id).subquery("totals")
    per_lesson = sa.select(
        totals.c.lesson_id, sa.func.count().label("n"), sa.func.sum(totals.c.total).label("s"),
        sa.func.sum(totals.c.total * totals.c.total).label("ss")).group_by(totals.c.lesson_id)
    item_sums: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for row in db.session.execute(per_question):
        item_sums[row.lesson_id].append((row.sx or 0.0, row.sxx or 0.0))
    lessons = {lesson.id: lesson for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.id.in_(list(item_sums))))}
    result = []
    for row in db.session.execute(per_lesson):
        n, k = row.n, len(item_sums[row.lesson_id])
        alpha = None
        if n >= 2 and k >= 2:
            var_total = (row.ss - row.s * row.s / n) / (n - 1)
            item_variance = sum((sxx - sx * sx / n) / (n - 1) for sx, sxx in item_sums[row.lesson_id])
            if var_total > EPSILON:
                alpha = k / (k - 1) * (1 - item_variance / var_total)
        lesson = lessons[row.lesson_id]
        result.append(LessonAlpha(lesson.id, lesson.slug, lesson.title, n, k, alpha, lesson.draw is not None,
                                  times.get(lesson.id, QuizTimes())))
    result.sort(key=lambda a: a.slug)
    return result


def quiz_times(lesson_ids: Iterable[int] | None = None, user_ids=None) -> dict[int, QuizTimes]:
    """Per lesson quiz, over first attempts (of these lessons, by these learners): the median of each
    attempt's summed measured time on its questions, and of its submitted − started. One query."""
    first = first_attempts(lesson_ids, user_ids)
    measured = sa.select(sa.func.sum(Answer.time_ms)).where(Answer.attempt_id == first.c.id).scalar_subquery()
    rows = sa.select(first.c.lesson_id, measured.label("ms"),
                     seconds_between(first.c.started_at, first.c.submitted_at).label("seconds")).subquery("attempt_times")
    grouped = sa.select(rows.c.lesson_id, sa.func.count(rows.c.ms), median_of(rows.c.ms), sa.func.count(rows.c.seconds),
                        median_of(rows.c.seconds)).group_by(rows.c.lesson_id)
    return {lesson_id: QuizTimes(timed, read_median(ms), submitted, read_median(seconds))
            for lesson_id, timed, ms, submitted, seconds in db.session.execute(grouped)}
