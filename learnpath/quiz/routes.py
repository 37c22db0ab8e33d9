import re
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from learnpath.catalog import services as catalog
from learnpath.extensions import db, limiter
from learnpath.golab import lab as golab
from learnpath.models import Attempt
from learnpath.progress import services as progress
from learnpath.models._types import utcnow
from learnpath.quiz import course_test, paging, pools, practice, review_policy, scopes, services
from learnpath.sqllab.engine import SqlError

bp = Blueprint("quiz", __name__)
bp.add_app_template_filter(services.format_score, "score")
bp.add_app_template_filter(services.format_credit, "credit")
SEED_RE = re.compile(r"[0-9]{1,10}")  # ASCII digits only: '²'.isdigit() is True, int('²') fails


def _own_attempt(attempt_id: int) -> Attempt:
    """Another learner's attempt is indistinguishable from a missing one: 404, not 403."""
    return services.get_own_attempt(current_user.id, attempt_id) or abort(404)


def _render_take(lesson, questions, *, attempt, seed, values, course, runs=None, errors=None, page=None):
    """The quiz form pre-filled from `values` (posted fields), SQL run results and answer errors by question id.

    A learner's attempt shows one page of its questions (`page`) with the navigation panel; a
    visitor's quiz is one page (it is not saved, so there is nothing to page through).
    A course test or a topic's practice (no lesson) fills in its own heading (quiz/take_scope.html).
    """
    page = page or QuizPage.whole(questions)
    shown = page.questions(questions)
    template = "quiz/take.html" if attempt is None or attempt.scope == "lesson" else "quiz/take_scope.html"
    return render_template(template, lesson=lesson, attempt=attempt, course=course, values=values, seed=seed,
                           questions=[services.present(q, seed) for q in shown], runs=runs or {}, page=page,
                           errors=errors or {}, previews=services.dataset_previews(shown))


class QuizPage:
    """One page of a quiz: its number, the page count, every question's place and state (the panel)."""

    def __init__(self, question_ids: list[int], size: int, number: int, draft=None, notes=None):
        self.size, self.total = size, len(question_ids)
        self.count = paging.page_count(self.total, size)
        self.number = paging.clamp_page(number, self.count)
        self.ids = paging.pages(question_ids, size)[self.number - 1]
        self.statuses = paging.statuses(question_ids, size, draft, notes)
        self.numbers = {s.question_id: s.number for s in self.statuses}

    @classmethod
    def whole(cls, questions) -> "QuizPage":
        return cls([q.id for q in questions], max(len(questions), 1), 1)

    @classmethod
    def of_attempt(cls, attempt: Attempt, number) -> "QuizPage":
        size = paging.page_size(len(attempt.question_ids), attempt.lesson.per_page if attempt.lesson_id else None)
        return cls(attempt.question_ids, size, number, attempt.draft, attempt.notes)

    def questions(self, questions):
        on_page = set(self.ids)
        return [q for q in questions if q.id in on_page]

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.statuses)

    @property
    def unanswered(self):
        return [s for s in self.statuses if not s.answered]

    @property
    def flagged(self):
        return [s for s in self.statuses if s.flagged]

    def page_of(self, question_id: int) -> int | None:
        return next((s.page for s in self.statuses if s.question_id == question_id), None)


def _page_values(questions, responses, notes, times=None) -> MultiDict:
    """The form fields that show a saved draft: answers, flags, confidences and the time so far."""
    values = services.form_values(questions, responses)
    for qid, ms in (times or {}).items():
        values.add(f"time-{qid}", str(ms))
    for question in questions:
        note = (notes or {}).get(str(question.id)) or {}
        if note.get("flagged"):
            values.add(f"flag-{question.id}", "1")
        if note.get("confidence"):
            values.add(f"confidence-{question.id}", note["confidence"])
    return values


def _refuse_malformed(lesson, questions, errors, *, attempt, seed, course, page=None):
    """A malformed answer: the quiz again, as the learner filled it in, the problem at its question; nothing recorded."""
    return _render_take(lesson, questions, attempt=attempt, seed=seed, values=request.form, course=course,
                        errors=errors, page=page), 400


def _refuse_go(lesson, questions, refused, *, attempt, course, responses, times=None):
    """A submit whose Go code cannot run now: nothing graded; the learner's answers kept (and saved as a draft)."""
    message, status = refused.message, refused.status
    if attempt is not None:
        services.save_draft(attempt, responses, times=times)
        message += " Your answers are saved; submit again later."
    flash(message, "error")
    return _render_take(lesson, questions, attempt=attempt, seed=attempt.seed if attempt else _form_seed(),
                        values=request.form, course=course,
                        page=QuizPage.of_attempt(attempt, request.form.get("page", 1)) if attempt else None), status


def _form_seed() -> int:
    """The visitor form's shuffle and draw seed; a form without one (an old page) draws with 0."""
    seed = request.form.get("seed", "0")
    if not SEED_RE.fullmatch(seed) or int(seed) >= 2**31:
        abort(400, "seed: a whole number from 0 to 2147483647 (reload the quiz).")
    return int(seed)


def _visitor_questions(lesson, seed: int) -> list:
    """A visitor's draw: from the seed alone (no history), so the form's seed gives the same questions back."""
    drawn = pools.draw_for(None, services.active_questions(lesson), lesson.draw, seed)
    return [services.bind(q, seed) for q in drawn]  # a calculated question's values come from the same seed


def learner_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


def _run_requested(questions, responses) -> dict | None:
    """A 'Run' button (works without JavaScript): run that question's query on the visible rows."""
    action = request.form.get("action", "")
    if not action.startswith("run-"):
        return None
    question = next((q for q in questions if f"run-{q.id}" == action and q.kind in ("sql", "go")), None)
    if question is None:
        abort(400)
    if question.kind == "go":
        return {question.id: _go_run(question, responses.get(question.id))}
    if refusal := services.take_sql_run(learner_key()):
        return {question.id: {"error": f"{services.SQL_RUNS_REFUSED} (about {refusal.retry_after} s)"}}
    try:
        return {question.id: services.run_query(question, responses.get(question.id) or "")}
    except SqlError as exc:
        return {question.id: {"error": exc.message}}


def _go_run(question, code: str | None) -> dict:
    """Run the visible tests of a Go exercise and wait (the page without JavaScript; golab.js polls the API)."""
    if code is None:  # blank, or the starter as given
        code = question.spec["starter"]
    if refused := services.go_refusal([question], {question.id: code}, learner_key()):
        return {"error": refused.message}
    try:
        return golab.run_and_wait(question.spec, code)
    except golab.GoLabUnavailable as exc:
        return {"error": str(exc)}


@bp.get("/lessons/<slug>/quiz")
def quiz(slug: str):
    lesson = catalog.get_lesson(slug) or abort(404)
    course = request.args.get("course")
    if not current_user.is_authenticated:
        seed = secrets.randbelow(2**31)
        return _render_take(lesson, _visitor_questions(lesson, seed), attempt=None, seed=seed, values=MultiDict(),
                            course=course)
    open_attempt = services.open_attempt(current_user.id, lesson)
    if open_attempt:
        return redirect(url_for("quiz.attempt", attempt_id=open_attempt.id, course=course))
    history = services.submitted_attempts(current_user.id, lesson.id)
    latest = history[0] if history else None
    state = progress.lesson_states(current_user.id, [lesson.id]).get(lesson.id)
    return render_template("quiz/start.html", lesson=lesson, history=history, latest=latest, state=state,
                           pass_mark=progress.pass_mark(lesson.id), course=course)


@bp.post("/lessons/<slug>/attempts")
@login_required
def start(slug: str):
    lesson = catalog.get_lesson(slug) or abort(404)
    if not lesson.question_count:
        abort(404)
    attempt, _ = services.start_attempt(current_user.id, lesson, only_missed=request.form.get("only_missed") == "1")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=request.form.get("course") or None))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    course_test.close_if_overdue(attempt)  # a timed test past its deadline closes with what was saved
    lesson = attempt.lesson
    course = request.args.get("course")
    if attempt.status == "submitted":
        show = scopes.visibility(attempt, utcnow())
        template = "quiz/result.html" if attempt.scope == "lesson" else "quiz/result_scope.html"
        return render_template(template, lesson=lesson, attempt=attempt, show=show,
                               result=services.stored_result(attempt), course=course, describe=services.describe,
                               describe_correct=services.describe_correct)
    questions = services.attempt_questions(attempt)
    page = QuizPage.of_attempt(attempt, request.args.get("page"))
    return _render_take(lesson, questions, attempt=attempt, seed=attempt.seed, page=page, course=course,
                        values=_page_values(questions, services.saved_responses(attempt, questions), attempt.notes,
                                            services.saved_times(attempt)))


GOTO_RE = re.compile(r"(page|goto)-([0-9]{1,10})")  # "page-3": a page; "goto-123": the page of question 123


def _page_url(attempt_id: int, course, number, question_id=None):
    anchor = f"#question-{question_id}" if question_id else ""
    return url_for("quiz.attempt", attempt_id=attempt_id, page=number, course=course) + anchor


@bp.post("/attempts/<int:attempt_id>")
@login_required
def answer(attempt_id: int):
    """One page of the quiz posted: its answers are saved (merged into the draft) whatever the button,
    then the button says where to go. The form's first button is a hidden "save", so Enter in a
    text field saves and stays. "Submit answers" (review) submits only when every question is
    answered and none is flagged; otherwise the summary lists them first and has the real submit."""
    attempt = _own_attempt(attempt_id)
    course = request.form.get("course") or None
    if course_test.close_if_overdue(attempt):
        flash("Time was up: the answers saved before the deadline were graded; later ones do not count.", "info")
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))
    if attempt.status == "submitted":
        return _already_submitted(attempt, course)
    questions = services.attempt_questions(attempt)
    # A form without `page` (an older page, a script) holds every question; a page holds its own.
    page = QuizPage.of_attempt(attempt, request.form.get("page")) if "page" in request.form else None
    posted = page.questions(questions) if page else questions
    responses, errors = services.parse_forms(posted, request.form)
    if errors:
        return _refuse_malformed(attempt.lesson, questions, errors, attempt=attempt, seed=attempt.seed, course=course,
                                 page=page)
    notes = services.parse_notes(posted, request.form)
    times = services.parse_form_times(posted, request.form)
    action = request.form.get("action", "save")
    runs = _run_requested(posted, responses)
    if runs is not None:
        services.save_draft(attempt, responses, notes, times)
        return _render_take(attempt.lesson, questions, attempt=attempt, seed=attempt.seed, values=request.form,
                            course=course, runs=runs, page=page and QuizPage.of_attempt(attempt, page.number))
    if action != "submit":
        services.save_draft(attempt, responses, notes, times)
        if action == "later":
            flash("Answers saved. Come back to this quiz any time to finish it.", "success")
            return redirect(_back_url(attempt, course))
        if action == "review":  # "Submit answers": straight through when nothing needs a second look
            after = QuizPage.of_attempt(attempt, 1)
            if after.unanswered or after.flagged:
                return redirect(url_for("quiz.summary", attempt_id=attempt.id, course=course))
            return _submit(attempt, questions, *services.to_grade(attempt, questions), course, page)
        current = page.number if page else 1
        if match := GOTO_RE.fullmatch(action):
            target = int(match.group(2))
            if match.group(1) == "goto":
                return redirect(_page_url(attempt_id, course, (page or QuizPage.of_attempt(attempt, 1)).page_of(target)
                                          or current, target))
            return redirect(_page_url(attempt_id, course, target))
        flash("Answers saved.", "success")
        return redirect(_page_url(attempt_id, course, current))
    return _submit(attempt, questions, *services.to_grade(attempt, questions, responses, notes, times), course, page)


def _already_submitted(attempt, course):
    flash("This attempt was already submitted; here is its result.", "info")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))


def _submit(attempt, questions, responses, confidences, times, course, page):
    if services.runs_sql(questions) and (refusal := services.take_sql_run(learner_key())):
        services.save_draft(attempt, responses, times=times)
        flash(f"{services.SQL_RUNS_REFUSED} Your answers are saved; submit again in about {refusal.retry_after} s.", "error")
        return _render_take(attempt.lesson, questions, attempt=attempt, seed=attempt.seed, course=course,
                            values=_page_values(questions, responses, attempt.notes, times),
                            page=QuizPage.of_attempt(attempt, page.number if page else 1)), 429
    if refused := services.go_refusal(questions, responses, learner_key()):
        return _refuse_go(attempt.lesson, questions, refused, attempt=attempt, course=course, responses=responses,
                          times=times)
    try:
        _, first = services.submit(attempt, responses, confidences, questions, times)
    except golab.GoLabUnavailable as exc:  # raised while grading, before anything was written
        db.session.rollback()
        return _refuse_go(attempt.lesson, questions, services.RunRefused(str(exc), 503), attempt=attempt, course=course,
                          responses=responses, times=times)
    if not first:
        return _already_submitted(attempt, course)
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    """Before the final submit: which questions are unanswered or flagged, each a link to its page."""
    attempt = _own_attempt(attempt_id)
    course = request.args.get("course")
    if attempt.status == "submitted":
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))
    return render_template("quiz/summary.html", lesson=attempt.lesson, attempt=attempt, course=course,
                           page=QuizPage.of_attempt(attempt, 1))


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    """The summary page's submit: grades the saved draft."""
    attempt = _own_attempt(attempt_id)
    course = request.form.get("course") or None
    if attempt.status == "submitted":
        return _already_submitted(attempt, course)
    questions = services.attempt_questions(attempt)
    return _submit(attempt, questions, *services.to_grade(attempt, questions), course, None)


@bp.post("/lessons/<slug>/quiz/try")
@limiter.limit("30 per minute")
def try_quiz(slug: str):
    """A visitor's quiz: graded, shown without the right answers, not saved."""
    lesson = catalog.get_lesson(slug) or abort(404)
    seed = _form_seed()
    questions = _visitor_questions(lesson, seed)
    course = request.form.get("course") or None
    responses, errors = services.parse_forms(questions, request.form)
    if errors:
        return _refuse_malformed(lesson, questions, errors, attempt=None, seed=seed, course=course)
    runs = _run_requested(questions, responses)
    if runs is not None:
        return _render_take(lesson, questions, attempt=None, seed=seed, values=request.form, course=course,
                            runs=runs)
    if request.form.get("action", "submit") != "submit":  # Enter in a text field: the form again, not graded
        return _render_take(lesson, questions, attempt=None, seed=seed, values=request.form, course=course)
    if services.runs_sql(questions) and (refusal := services.take_sql_run(learner_key())):
        abort(429)
    if refused := services.go_refusal(questions, responses, learner_key()):
        return _refuse_go(lesson, questions, refused, attempt=None, course=course, responses=responses)
    try:
        result = services.grade_responses(questions, responses, {}, progress.pass_mark(lesson.id))
    except golab.GoLabUnavailable as exc:
        return _refuse_go(lesson, questions, services.RunRefused(str(exc), 503), attempt=None, course=course, responses=responses)
    return render_template("quiz/result.html", lesson=lesson, attempt=None, result=result,
                           show=review_policy.for_visitor(lesson.id), course=course, describe=services.describe,
                           describe_correct=services.describe_correct)


def _back_url(attempt: Attempt, course: str | None) -> str:
    """Where an attempt's "save and finish later" leads: its lesson, course or topic page."""
    if attempt.scope == "course_test":
        return url_for("catalog.course", slug=attempt.course.slug)
    if attempt.scope == "topic":
        return url_for("catalog.topic", slug=attempt.topic.slug)
    return url_for("catalog.lesson", slug=attempt.lesson.slug, course=course)


# ---- attempts that span lessons: the course test, a topic's practice ---------------------------

@bp.post("/courses/<slug>/test")
@login_required
def start_course_test(slug: str):
    """Start (or resume) the course test; it opens once every lesson of the course is completed."""
    found = catalog.get_course(slug) or abort(404)
    try:
        attempt, _ = course_test.start(current_user.id, found)
    except course_test.Locked as exc:
        flash(str(exc), "error")
        return redirect(url_for("catalog.course", slug=found.slug))
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


@bp.post("/topics/<slug>/practice")
@login_required
def practise_topic(slug: str):
    topic = practice.topic_by_slug(slug) or abort(404)
    started = practice.start(current_user.id, topic)
    if started is None:
        flash("This topic has no questions to practise yet.", "info")
        return redirect(url_for("catalog.topic", slug=topic.slug))
    return redirect(url_for("quiz.attempt", attempt_id=started[0].id))
