"""Locust scenario of the load test (bench/loadtest.py starts it; see bench/README.md, "Load test").

One simulated learner = one account registered before the run (LOADTEST_FIXTURE: accounts with their
session cookie and API token, the lessons to read and to quiz on, the app servers). Each request goes
to one of the servers picked at random, as a round-robin balancer without stickiness would send it:
nothing may depend on a learner staying on one server.

The mix, with think times between steps: read a lesson page (HTML, signed in) and sometimes mark it
read, take a quiz through the API (start, think, answer and submit), review due cards, open the
dashboard (HTML) and the progress API. Every submit and review is appended to LOADTEST_RECORDS
(one JSON line each) for the exactly-once check loadtest.py runs on the database afterwards; the
statistics go to LOADTEST_STATS (JSON) when Locust quits.

Every status other than the expected one counts as a failure (Locust's failure count = the error count).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import threading

from locust import HttpUser, between, events, task

USER_AGENT = "learnpath-loadtest/1.0"  # the same as at sign-up: Flask-Login's session protection hashes it
FIXTURE = json.loads(open(os.environ["LOADTEST_FIXTURE"]).read())
SERVERS: list[str] = FIXTURE["servers"]
_next_learner = itertools.count()
_records_lock = threading.Lock()
_records = open(os.environ["LOADTEST_RECORDS"], "a", buffering=1)


def record(**entry) -> None:
    with _records_lock:
        _records.write(json.dumps(entry) + "\n")


@events.quitting.add_listener
def _write_stats(environment, **kwargs) -> None:
    """The statistics once every learner has stopped (LOADTEST_STATS). Locust's CSV is written every
    second and may miss the requests of the stop timeout, which the records (and the check) include."""
    _records.flush()
    stats = environment.stats

    def row(entry) -> dict:
        done = entry.num_requests > 0
        return {"name": entry.name, "method": entry.method, "requests": entry.num_requests,
                "failures": entry.num_failures, "rps": entry.total_rps,
                **{f"p{p}": entry.get_response_time_percentile(p / 100) if done else None for p in (50, 95, 99)},
                "max": entry.max_response_time if done else None}

    with open(os.environ["LOADTEST_STATS"], "w") as fh:
        json.dump({"actions": sorted((row(e) for e in stats.entries.values()), key=lambda r: r["name"]),
                   "total": row(stats.total),
                   "seconds": stats.total.last_request_timestamp - stats.total.start_time if stats.total.num_requests else 0,
                   "errors": [{"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
                              for e in stats.errors.values()]}, fh)


def answer_for(question: dict) -> object:
    """A well-formed answer of the question's kind (right or wrong by chance); None = left out (5%)."""
    if random.random() < 0.05:
        return None
    kind = question["kind"]
    if kind == "single":
        return random.choice(question["choices"])["id"]
    if kind == "multiple":
        ids = [c["id"] for c in question["choices"]]
        return random.sample(ids, random.randint(1, len(ids)))
    if kind == "true_false":
        return random.random() < 0.5
    if kind == "short_text":
        return random.choice(["TCP", "a mutex", "42", "idempotent", "the leader"])
    if kind in ("numeric", "calculated"):
        return random.choice([0, 1, 2, 10, 42, 100, 3.5])
    if kind == "ordering":
        ids = [item["id"] for item in question["items"]]
        random.shuffle(ids)
        return ids
    return None  # sql and go lessons are not quizzed (their grading runs DuckDB / the Go sandbox)


class Learner(HttpUser):
    host = SERVERS[0]  # required by Locust; every request names its server itself
    wait_time = between(1, 4)

    def on_start(self) -> None:
        accounts = FIXTURE["learners"]
        self.account = accounts[next(_next_learner) % len(accounts)]
        self.client.headers["User-Agent"] = USER_AGENT
        for name, value in self.account["cookies"].items():
            self.client.cookies.set(name, value)
        self.bearer = {"Authorization": f"Bearer {self.account['token']}"}

    def _call(self, method: str, path: str, name: str, expect: tuple[int, ...] = (200,), check=None, **kwargs):
        """One request to a random server; a status outside `expect`, or what `check(response)` finds
        wrong with an expected one, is a failure. Returns the response."""
        server = random.choice(SERVERS)
        with self.client.request(method, server + path, name=name, allow_redirects=False, catch_response=True,
                                 timeout=60, **kwargs) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} (expected {'/'.join(map(str, expect))})")
            elif check and (problem := check(response)):
                response.failure(problem)
            else:
                response.success()
        return response

    def _signed_in(self, response) -> str | None:
        # A visitor's page (e.g. served from the page cache) would be a silent error: the learner's name must show.
        return None if self.account["name"] in response.text else "not the learner's page"

    @task(5)
    def read_lesson(self) -> None:
        slug = random.choice(FIXTURE["read_lessons"])
        self._call("GET", f"/lessons/{slug}", "lesson page (HTML)", check=self._signed_in)
        if random.random() < 0.5:
            self._call("POST", f"/api/v1/lessons/{slug}/read", "mark read (API)", headers=self.bearer)

    @task(3)
    def take_quiz(self) -> None:
        slug = random.choice(FIXTURE["quiz_lessons"])
        started = self._call("POST", f"/api/v1/lessons/{slug}/attempts", "quiz start (API)", (200, 201),
                             headers=self.bearer)
        if started.status_code not in (200, 201):
            return
        attempt = started.json()
        self.wait()  # answering the questions
        answers = {str(q["id"]): answer_for(q) for q in attempt["questions"]}
        submitted = self._call("POST", f"/api/v1/attempts/{attempt['attempt_id']}/submit", "quiz submit (API)",
                               headers=self.bearer, json={"answers": answers})
        record(kind="submit", user=self.account["id"], attempt=attempt["attempt_id"], started=started.status_code,
               questions=[q["id"] for q in attempt["questions"]], status=submitted.status_code)

    @task(2)
    def review_due(self) -> None:
        due = self._call("GET", "/api/v1/me/reviews/due", "reviews due (API)", headers=self.bearer)
        if due.status_code != 200:
            return
        for card in due.json()["cards"][:3]:
            self.wait()
            reviewed = self._call("POST", f"/api/v1/reviews/{card['card_id']}", "review answer (API)",
                                  headers=self.bearer, json={"answer": answer_for(card["question"])})
            record(kind="review", user=self.account["id"], card=card["card_id"], question=card["question"]["id"],
                   status=reviewed.status_code)

    @task(2)
    def dashboard(self) -> None:
        self._call("GET", "/dashboard", "dashboard (HTML)", check=self._signed_in)

    @task(1)
    def progress(self) -> None:
        self._call("GET", "/api/v1/me/progress", "progress (API)", headers=self.bearer,
                   check=lambda r: None if "totals" in r.json() else "no totals")
