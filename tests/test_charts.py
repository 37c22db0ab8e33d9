"""Charts a person reads at a glance: the heat map's month and weekday labels, its legend and text
alternative; the score trend's dated axis and pass-mark line; one topic block whose figures say
what they mean; weakest-topic advice from the learner's own courses."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from learnpath.extensions import db
from learnpath.models import DailyActivity
from learnpath.progress import charts
from learnpath.review import services as review
from tests.test_dashboard_cache import _uid
from tests.test_quiz import _answers, _start

TODAY = date(2026, 3, 10)  # a Tuesday


# ---- heat map ----------------------------------------------------------------------------------

def test_heat_map_labels_months_and_weekdays():
    heat = charts.heatmap({}, TODAY)
    svg = str(charts.heatmap_svg(heat, "Activity"))
    months = re.findall(r'<text x="(\d+)" y="11" class="axis">(\w{3})</text>', svg)
    # Every month the calendar shows is named, in order: it opens on Monday 10 March 2025.
    assert [m for _, m in months] == ["Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    xs = [int(x) for x, _ in months]
    assert xs == sorted(xs) and min(b - a for a, b in zip(xs, xs[1:])) >= 3 * (charts.CELL + charts.GAP)
    # A month's label sits over the column holding its 1st.
    first_of_march = next(c for c in heat.cells if c.day == date(2026, 3, 1))
    assert int(months[-1][0]) == first_of_march.x
    for name in ("Mon", "Wed", "Fri"):
        assert f'class="axis">{name}</text>' in svg
    assert 'role="img" aria-label="Activity"' in svg and "<title>Tue 10 Mar 2026: 0 answers</title>" in svg


def test_heat_map_legend_says_the_counts_each_shade_means():
    assert charts.heat_legend() == [(0, "no answers"), (1, "1–4"), (2, "5–14"), (3, "15–29"), (4, "30 or more")]
    # The legend and the shading come from one table: every count gets the shade whose range holds it.
    for count, level in [(0, 0), (1, 1), (4, 1), (5, 2), (14, 2), (15, 3), (29, 3), (30, 4), (500, 4)]:
        assert charts.heat_level(count) == level


def test_heat_map_text_alternative_sums_by_month():
    counts = {TODAY: 3, TODAY - timedelta(days=1): 40, date(2026, 2, 1): 7, date(2025, 3, 10): 99}
    heat = charts.heatmap(counts, TODAY)
    by_month = {m.label: (m.active_days, m.answers) for m in heat.by_month}
    assert by_month["March 2026"] == (2, 43) and by_month["February 2026"] == (1, 7)
    # The 365 days end today and begin on 11 March 2025: the 99 answers of the 10th are outside.
    assert list(by_month)[0] == "March 2025" and by_month["March 2025"] == (0, 0) and len(by_month) == 13
    assert heat.answers == 50 and heat.active_days == 3


# ---- score trend -------------------------------------------------------------------------------

def _attempts(*pairs):
    start = datetime(2026, 2, 1, 18, 0, tzinfo=timezone.utc)
    return [(start + timedelta(days=d), pct, f"Lesson {i}", pct >= 70) for i, (d, pct) in enumerate(pairs)]


def test_trend_pass_mark_line_is_at_the_pass_mark():
    chart = charts.trend(_attempts((0, 40), (3, 70), (9, 100)), pass_mark=70)
    plot_bottom, plot_top = chart.height - chart.bottom, chart.top
    assert chart.pass_y == pytest.approx(plot_bottom - 0.7 * (plot_bottom - plot_top), abs=0.05)
    at_70 = chart.points[1]
    assert at_70.percent == 70 and at_70.y == chart.pass_y  # a score of exactly the pass mark sits on the line
    assert chart.points[0].y > chart.pass_y > chart.points[2].y  # below the line is a fail, above a pass
    assert [t.label for t in chart.y_ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert charts.trend(_attempts((0, 50)), pass_mark=60).pass_y == pytest.approx(plot_bottom - 0.6 * (plot_bottom - plot_top), abs=0.05)


def test_trend_has_a_dated_time_axis():
    chart = charts.trend(_attempts((0, 40), (1, 50), (9, 100)), pass_mark=70)
    labels = [t.label for t in chart.x_ticks]
    assert labels[0] == "01 Feb" and labels[-1] == "10 Feb" and len(labels) == len(set(labels)) >= 3
    # Points are placed by time: the 1-day gap is much shorter than the 8-day one.
    a, b, c = (p.x for p in chart.points)
    assert (b - a) * 6 < (c - b)
    assert [p.date for p in chart.points] == ["01 Feb 2026", "02 Feb 2026", "10 Feb 2026"]
    single = charts.trend(_attempts((0, 80)), pass_mark=70)
    assert [t.label for t in single.x_ticks] == ["01 Feb"] and single.points[0].passed
    assert charts.trend([], pass_mark=70) is None


# ---- the dashboard -----------------------------------------------------------------------------

@pytest.fixture
def learner(app, client, auth):
    auth.signup()
    return _uid(app)


def test_dashboard_trend_and_heat_map_are_labelled(app, client, learner):
    client.post("/courses/net-basics/enroll")  # pass mark 60
    for right in (False, True):
        attempt_id = _start(client, "packets")
        client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=right), "action": "submit"})
    with app.app_context():
        db.session.add(DailyActivity(user_id=learner, day=date(2026, 2, 14), answered=17, correct=9))
        db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'class="pass-mark"' in html and "pass mark 60%" in html
    chart = re.search(r'<line x1="\d+" x2="\d+" y1="([\d.]+)" y2="[\d.]+" class="pass-mark"/>', html)
    assert float(chart.group(1)) == charts.trend(_attempts((0, 50)), pass_mark=60).pass_y
    assert "✓ passed" in html and "(not passed)" in html
    for meaning in ("no answers", "1–4", "5–14", "15–29", "30 or more"):
        assert meaning in html
    assert "Answers a day:" in html and "Activity by month as a table" in html
    assert "<td>February 2026</td><td>1</td><td>17</td>" in html


def test_topic_block_says_what_each_figure_means(app, client, learner):
    """The old wording, "50% of recent answers right, 100% predicted recall", read as a contradiction:
    each figure now has its own name and a definition beside it, and the level says what it lacks."""
    client.post("/courses/net-basics/enroll")
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=False), "action": "submit"})
    html = client.get("/dashboard").get_data(as_text=True)
    assert not re.search(r"\d+% of recent answers right, \d+% predicted recall", html)
    assert "<dt>Recent answers right</dt>" in html and "<dt>Memory now</dt>" in html
    assert "even after a wrong answer" in html
    assert re.search(r"Recent answers right: <strong>0 of 2</strong> \(0%\)", html)
    assert "To reach familiar: get 60% of recent answers right" in html
    assert "Accuracy by topic" not in html  # one block, not two tables with different figures


def test_next_step_names_what_the_next_level_needs():
    m = review.TopicMastery("t", "T", "familiar", 3, 0.8, 0.95, 3, 2)
    assert m.next_step == "To reach proficient: answer 2 more questions."
    m = review.TopicMastery("t", "T", "attempted", 10, 0.5, 0.4, 10, 5)
    assert m.next_step == ("To reach familiar: get 60% of recent answers right, keep memory at 60% or more "
                           "(review questions when they fall due).")
    assert review.TopicMastery("t", "T", "mastered", 10, 1.0, 1.0, 10, 10).next_step is None


def test_weakest_topic_advice_favours_the_learners_courses(app, client, learner):
    """"networking" is taught by packets (Net Basics only) and tcp (both courses): an API Course
    learner is sent to tcp first, though "How packets travel" comes first alphabetically."""
    with app.app_context():
        assert [l.slug for l, _ in review.lessons_for_topics(["networking"], learner)["networking"]] == ["packets", "tcp"]
    client.post("/courses/api-course/enroll")
    with app.app_context():
        advice = review.lessons_for_topics(["networking"], learner)["networking"]
        assert [(l.slug, mine) for l, mine in advice] == [("tcp", True), ("packets", False)]
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=False), "action": "submit"})
    html = client.get("/dashboard").get_data(as_text=True)
    study = html[html.index("Study:"):]
    assert study.index("TCP: reliable streams") < study.index("How packets travel")
    assert "TCP: reliable streams</a> (in your courses)" in study
