#!/usr/bin/env python
"""learnpath load test: simulated learners against two app servers on one PostgreSQL and one Redis
(issue 19, "Several app servers"; see bench/README.md, "Load test").

    .venv/bin/python bench/loadtest.py [--users 200] [--duration 120] [--database-url URL] [--keep-db]

1. creates a fresh PostgreSQL database (learnpath_load_<random>, or the learnpath_load_* one named by
   --database-url, dropped and re-created), `flask db upgrade`, `flask content import seeds`;
2. starts two gunicorn servers (2 sync workers each) on two ports with the same DATABASE_URL, REDIS_URL =
   RATELIMIT_STORAGE_URI (Redis db 10, flushed) and SECRET_KEY; no balancer: every simulated request goes
   to one of the two servers picked at random (a round-robin balancer without sticky sessions, in effect);
3. signs up the learners first (the /signup form: a session cookie; then POST /api/v1/auth/token: a bearer
   token), with RATELIMIT_AUTH raised to 100000/minute for the run since they all come from 127.0.0.1;
   every other limit is at its production default and shared through Redis;
4. runs Locust headless (bench/locustfile.py) and writes bench/loadtest.md: throughput, p50/p95/p99 per
   action, errors (any status other than the one expected), the other load on the machine, and the
   exactly-once check of every recorded submit and review against the database;
5. stops the servers and drops the database (unless --keep-db).
Exit status 0 when there were no errors and the check passed, 1 otherwise, 2 when the run could not be made.
"""
from __future__ import annotations

import argparse
import collections
import importlib.metadata as metadata
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: run as a script or loaded by path
from procstat import CLK_TCK, processes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_OUT = BENCH / "out" / "loadtest"
USER_AGENT = "learnpath-loadtest/1.0"  # bench/locustfile.py sends the same
PASSWORD = "load-test-password-1"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/10"
RATELIMIT_AUTH = "100000 per minute"

SESSIONS: list[subprocess.Popen] = []  # gunicorn masters and Locust, each in its own session
NICE = 0  # --nice: the scheduling priority of the servers and Locust (as bench/run.py does)


def _priority() -> None:
    """preexec_fn of the servers and Locust: the --nice priority."""
    if NICE:
        os.nice(NICE)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class RunError(Exception):
    """The run could not be made (not a load-test failure): exit status 2."""


def venv_bin(name: str) -> str:
    for directory in (ROOT / ".venv" / "bin", Path(sys.executable).parent):
        if (directory / name).exists():
            return str(directory / name)
    raise RunError(f"{name} not found in {ROOT / '.venv' / 'bin'}: run `make install`")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the database ------------------------------------------------------------------------------

def database_urls(url: str | None) -> tuple[str, str, str]:
    """(admin URL, the run's DATABASE_URL, its name) for --database-url: a server URL, or one naming a
    learnpath_load_* database (any other name is refused: the run drops it)."""
    from sqlalchemy.engine import make_url

    parsed = make_url((url or DEFAULT_ADMIN_URL).replace("postgres://", "postgresql://", 1))
    if not parsed.drivername.startswith("postgresql"):
        raise RunError(f"the load test runs on PostgreSQL; got {parsed.drivername}")
    name = parsed.database or ""
    if not name.startswith("learnpath_load_"):
        if url and name not in ("", "postgres"):
            raise RunError(f"refusing to drop and re-create database {name!r}: its name must start with 'learnpath_load_'")
        name = f"learnpath_load_{secrets.token_hex(4)}"
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    run = parsed.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    return admin, run, name


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise RunError(f"PostgreSQL is not reachable at {admin_url}: {exc}") from None


def postgres_version(database_url: str) -> str:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flask_cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([venv_bin("flask"), "--app", "learnpath", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RunError(f"`flask {' '.join(args)}` failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout.strip()


def lessons_to_use(database_url: str) -> tuple[list[str], list[str]]:
    """(lessons to read: every active lesson in a course; lessons to quiz on: those with questions, none
    of them SQL or Go, whose grading would measure DuckDB or the Go sandbox rather than the app)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        read = [r[0] for r in conn.execute(
            "SELECT DISTINCT l.slug FROM lesson l JOIN course_lesson cl ON cl.lesson_id = l.id "
            "WHERE NOT l.retired ORDER BY l.slug")]
        quiz = [r[0] for r in conn.execute(
            "SELECT DISTINCT l.slug FROM lesson l JOIN course_lesson cl ON cl.lesson_id = l.id "
            "WHERE NOT l.retired AND l.question_count > 0 AND NOT EXISTS ("
            "  SELECT 1 FROM question q WHERE q.lesson_id = l.id AND NOT q.retired AND q.kind IN ('sql', 'go')) "
            "ORDER BY l.slug")]
    if not read or not quiz:
        raise RunError("the imported catalog has no lessons to read or to quiz on")
    return read, quiz


# ---- the servers -------------------------------------------------------------------------------

def start_server(env: dict[str, str], n: int, out: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    instance = out / f"instance-{n}"
    instance.mkdir(parents=True, exist_ok=True)
    logfile = (out / f"gunicorn-{n}.log").open("wb")
    proc = subprocess.Popen(
        [venv_bin("gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "-c", str(ROOT / "gunicorn.conf.py"),
         "--log-level", "warning", f"learnpath:create_app(instance_path={str(instance)!r})"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=logfile, start_new_session=True, preexec_fn=_priority)
    SESSIONS.append(proc)
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc: subprocess.Popen, url: str, out: Path, n: int, timeout: float = 180) -> None:
    import requests

    deadline = time.monotonic() + timeout  # a loaded machine takes a while to import the app
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RunError(f"server {n} exited:\n{(out / f'gunicorn-{n}.log').read_text()[-3000:]}")
        try:
            if requests.get(url + "/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RunError(f"{url} was not ready within {timeout:.0f}s")


def stop_session(proc: subprocess.Popen) -> None:
    """Stop a process we started in its own session (gunicorn master + workers, or Locust), by its id."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc in SESSIONS:
        SESSIONS.remove(proc)


def stop_all() -> None:
    for proc in list(SESSIONS):
        stop_session(proc)


def server_cpu_seconds(procs: list[subprocess.Popen]) -> float:
    """CPU time used so far by the gunicorn workers (for the report's per-server share)."""
    total = 0
    for proc in procs:
        try:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        except OSError:
            continue
        for pid in [proc.pid, *map(int, children)]:
            try:
                raw = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


# ---- the learners ------------------------------------------------------------------------------

def sign_up(servers: list[str], n: int, tag: str) -> dict[str, Any]:
    """One learner: the sign-up form (session cookie), then an API token; alternating servers."""
    import requests

    name, email = f"Learner {tag}-{n:04d}", f"learner{n:04d}-{tag}@load.example.com"
    web, api = servers[n % 2], servers[(n + 1) % 2]
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    page = session.get(web + "/signup", timeout=60)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    if page.status_code != 200 or not token:
        raise RunError(f"GET /signup: {page.status_code}, no CSRF token")
    made = session.post(web + "/signup", data={"csrf_token": token.group(1), "name": name, "email": email,
                                               "password": PASSWORD}, allow_redirects=False, timeout=60)
    if made.status_code != 302:
        raise RunError(f"sign-up of {email}: {made.status_code} instead of a redirect")
    issued = requests.post(api + "/api/v1/auth/token", json={"email": email, "password": PASSWORD},
                           headers={"User-Agent": USER_AGENT}, timeout=60)
    if issued.status_code != 201:
        raise RunError(f"token for {email}: {issued.status_code} {issued.text[:200]}")
    return {"name": name, "email": email, "token": issued.json()["token"],
            "cookies": {c.name: c.value for c in session.cookies}}


def sign_up_all(servers: list[str], count: int, database_url: str) -> list[dict[str, Any]]:
    import psycopg

    tag = secrets.token_hex(2)
    with ThreadPoolExecutor(max_workers=8) as pool:
        learners = list(pool.map(lambda n: sign_up(servers, n, tag), range(count)))
    with psycopg.connect(database_url) as conn:  # the user ids, for the exactly-once check's records
        ids = dict(conn.execute('SELECT email, id FROM "user"').fetchall())
    for learner in learners:
        learner["id"] = ids[learner["email"]]
    return learners


# ---- other load --------------------------------------------------------------------------------

def cpu_snapshot(ours: set[int], database: str) -> tuple[dict[int, int], dict[int, int]]:
    """CPU ticks per process: (everything not part of this run, the PostgreSQL backends serving its database).
    Ours and left out of both: this process, its children and the sessions it started (servers, Locust)."""
    me = os.getpid()
    others, backends = {}, {}
    for p in processes():
        if p.pid == me or p.ppid == me or p.session in ours:
            continue
        (backends if p.serves_database(database) else others)[p.pid] = p.ticks
    return others, backends


class LoadMeter:
    """CPU used by other processes and by the run's PostgreSQL backends, summed over 1 s intervals (a
    process that ends between two samples loses only its last interval), and the kernel's CPU pressure
    (/proc/pressure/cpu "some": the share of time a runnable task waited for a core)."""

    def __init__(self, ours: set[int], database: str):
        self.ours, self.database = ours, database
        self.others = self.backends = 0
        self.last = cpu_snapshot(ours, database)
        self.started, self.psi_start = time.monotonic(), self._psi()

    @staticmethod
    def _psi() -> int | None:
        try:
            return int(re.search(r"some .*total=(\d+)", Path("/proc/pressure/cpu").read_text()).group(1))
        except (OSError, AttributeError):
            return None

    def sample(self) -> None:
        now = cpu_snapshot(self.ours, self.database)
        for kind, (before, after) in enumerate(zip(self.last, now)):
            ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
            if kind == 0:
                self.others += ticks
            else:
                self.backends += ticks
        self.last = now

    def result(self) -> dict[str, float | None]:
        wall = time.monotonic() - self.started
        psi = self._psi()
        return {"wall": wall, "others": self.others / CLK_TCK / wall, "pg_cpu": self.backends / CLK_TCK,
                "pressure": (psi - self.psi_start) / 1e6 / wall if psi is not None and self.psi_start is not None else None}


def session_cpu_seconds(proc: subprocess.Popen) -> float:
    """CPU time of a process we started in its own session, children included (Locust)."""
    return sum(p.ticks for p in processes() if p.session == proc.pid) / CLK_TCK


# ---- Locust ------------------------------------------------------------------------------------

def run_locust(env: dict[str, str], users: int, spawn_rate: float, duration: int, out: Path,
               ours: set[int], database: str) -> dict[str, Any]:
    prefix = out / "locust"
    cmd = [venv_bin("locust"), "-f", str(BENCH / "locustfile.py"), "--headless", "-u", str(users),
           "-r", str(spawn_rate), "-t", f"{duration}s", "--csv", str(prefix), "--only-summary",
           "--stop-timeout", "60", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    log("locust: " + " ".join(cmd[1:]))
    with (out / "locust.log").open("wb") as logfile:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_priority)
        SESSIONS.append(proc)
        meter, locust_cpu = LoadMeter(ours | {proc.pid}, database), 0.0
        while proc.poll() is None:
            time.sleep(1)
            meter.sample()
            locust_cpu = max(locust_cpu, session_cpu_seconds(proc))
            if meter.result()["wall"] > duration + 300:
                stop_session(proc)
                raise RunError("Locust did not stop within 5 minutes of its run time")
        meter.sample()
        SESSIONS.remove(proc)
    if proc.returncode != 0:
        raise RunError(f"Locust exited with {proc.returncode}:\n{(out / 'locust.log').read_text()[-3000:]}")
    stats_path = Path(env["LOADTEST_STATS"])
    if not stats_path.exists():
        raise RunError(f"Locust wrote no statistics:\n{(out / 'locust.log').read_text()[-3000:]}")
    return {**meter.result(), "locust_cpu": locust_cpu, **json.loads(stats_path.read_text())}


# ---- the exactly-once check --------------------------------------------------------------------

def check_exactly_once(database_url: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Every submit that got 200 is in the database exactly once: its attempt is submitted, with one
    `answer` row per question it asked and no other; no attempt was submitted twice; attempts whose
    submit did not get 200 hold no answers. Every review that got 200 left exactly one answer (no attempt)
    for its learner and question. Returns the counts and the list of problems (empty: passed)."""
    import psycopg

    submits = [r for r in records if r["kind"] == "submit"]
    reviews = [r for r in records if r["kind"] == "review"]
    ok_submits = [r for r in submits if r["status"] == 200]
    problems: list[str] = []
    twice = [a for a, n in collections.Counter(r["attempt"] for r in ok_submits).items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} attempts got 200 on two submits: {twice[:5]}")
    with psycopg.connect(database_url) as conn:
        submitted = {row[0]: row[1] for row in conn.execute(
            "SELECT id, user_id FROM attempt WHERE status = 'submitted'")}
        answers: dict[int, list[int]] = collections.defaultdict(list)
        for attempt_id, question_id in conn.execute(
                "SELECT attempt_id, question_id FROM answer WHERE attempt_id IS NOT NULL"):
            answers[attempt_id].append(question_id)
        review_answers = collections.Counter(
            (u, q) for u, q in conn.execute("SELECT user_id, question_id FROM answer WHERE attempt_id IS NULL"))
        totals = dict(zip(("attempts", "submitted", "answers", "review_answers", "review_cards"), conn.execute(
            "SELECT (SELECT count(*) FROM attempt), (SELECT count(*) FROM attempt WHERE status = 'submitted'), "
            "(SELECT count(*) FROM answer), (SELECT count(*) FROM answer WHERE attempt_id IS NULL), "
            "(SELECT count(*) FROM review_card)").fetchone()))
    ok_ids = {r["attempt"] for r in ok_submits}
    if set(submitted) != ok_ids:
        problems.append(f"submitted attempts in the database ({len(submitted)}) ≠ submits that got 200 ({len(ok_ids)}): "
                        f"{len(set(submitted) - ok_ids)} unaccounted for, {len(ok_ids - set(submitted))} missing")
    wrong_rows = 0
    for r in ok_submits:
        rows = answers.get(r["attempt"], [])
        if sorted(rows) != sorted(r["questions"]):
            wrong_rows += 1
            if wrong_rows <= 5:
                problems.append(f"attempt {r['attempt']}: answer rows for questions {sorted(rows)}, asked {sorted(r['questions'])}")
        if submitted.get(r["attempt"]) not in (None, r["user"]):
            problems.append(f"attempt {r['attempt']} belongs to user {submitted[r['attempt']]}, submitted by {r['user']}")
    if wrong_rows > 5:
        problems.append(f"... {wrong_rows} attempts in all with wrong answer rows")
    stray = [a for a in answers if a not in ok_ids]
    if stray:
        problems.append(f"{len(stray)} attempts without a 200 submit hold answers: {stray[:5]}")
    ok_reviews = collections.Counter((r["user"], r["question"]) for r in reviews if r["status"] == 200)
    if ok_reviews != review_answers:
        problems.append(f"review answers in the database ({sum(review_answers.values())}) ≠ reviews that got 200 "
                        f"({sum(ok_reviews.values())}) per (learner, question)")
    expected_answers = sum(len(r["questions"]) for r in ok_submits) + sum(ok_reviews.values())
    if totals["answers"] != expected_answers:
        problems.append(f"{totals['answers']} answer rows in all, {expected_answers} expected")
    return {"submits": len(submits), "submits_ok": len(ok_submits),
            "not_ok": sum(1 for r in records if r["status"] != 200), "reviews": len(reviews),
            "reviews_ok": sum(ok_reviews.values()), "asked": sum(len(r["questions"]) for r in ok_submits),
            "resumed": sum(1 for r in submits if r.get("started") == 200),
            "pairs": len({(r["user"], q) for r in ok_submits for q in r["questions"]}),
            "totals": totals, "problems": problems}


# ---- the report --------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))

    def version(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "?"

    return {"cpu": cpu, "cores": str(os.cpu_count()), "ram": f"{kb / 2**20:.1f} GiB",
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "libs": ", ".join(f"{p} {version(p)}" for p in ("locust", "gunicorn", "Flask", "SQLAlchemy", "psycopg"))}


def build_report(args, info: dict[str, Any], run: dict[str, Any], check: dict[str, Any]) -> str:
    total = run["total"]
    errors = total["failures"]  # the recorded submits and reviews are among Locust's requests: not counted twice
    ms = lambda value: "–" if value is None else f"{value:.0f}"  # noqa: E731 (an action never made)
    h = "#" if args.append else ""  # an appended run is a section of the file: every heading one level down
    run_cores = (info["server_cpu"] + run["pg_cpu"] + run["locust_cpu"]) / run["wall"]
    cpu_ms = 1000 * (info["server_cpu"] + run["pg_cpu"]) / max(1, total["requests"])
    lines = [
        f"{h}# learnpath load test" + (f": {args.users} learners" if args.append else ""),
        "",
        f"Run {info['date']} by `bench/loadtest.py --users {args.users} --duration {args.duration}"
        f"{' --spawn-rate ' + str(args.spawn_rate) if args.spawn_rate != 20 else ''}` (method: bench/README.md, \"Load test\").",
        "",
        f"**{args.users} simulated learners for {args.duration} s** against **two gunicorn app servers** (2 sync workers "
        f"each) on one PostgreSQL and one Redis; each request goes to one of the two picked at random. "
        f"Result: **{errors} errors**, exactly-once check **{'passed' if not check['problems'] else 'FAILED'}**.",
        "",
        "| | |",
        "|---|---|",
        f"| throughput (all requests, {run['seconds']:.0f} s from the first to the last, the {args.users / args.spawn_rate:.1f} s "
        f"ramp-up included) | **{total['rps']:.1f} req/s** ({total['requests']} requests) |",
        f"| errors (any status other than the expected one, or a page that is not the learner's) | **{errors}** |",
        f"| other load on the machine (cores used by processes outside the run, average) | **{run['others']:.2f}** of {info['machine']['cores']} |",
        f"| CPU pressure (share of the time some runnable task waited for a core, /proc/pressure/cpu) | "
        + (f"{run['pressure']:.0%}" if run["pressure"] is not None else "–") + " |",
        f"| the run's CPU: app servers (2 × 2 workers) / their PostgreSQL backends / Locust | {info['server_cpu']:.0f} s / "
        f"{run['pg_cpu']:.0f} s / {run['locust_cpu']:.0f} s over {run['wall']:.0f} s = {run_cores:.2f} cores |",
        f"| CPU per request (servers + PostgreSQL) | {cpu_ms:.1f} ms |",
        f"| learners signed up before the run (form + token, not measured) | {info['signup_s']:.0f} s |",
        "",
        f"{h}## Per action (ms)",
        "",
        "| action | requests | errors | req/s | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*run["actions"], {**total, "name": "**all**"}]:
        lines.append(f"| {row['name']} | {row['requests']} | {row['failures']} | {row['rps']:.1f} | "
                     f"{ms(row['p50'])} | {ms(row['p95'])} | {ms(row['p99'])} | {ms(row['max'])} |")
    if total["p50"] and total["p50"] > 20 * cpu_ms:
        app_cores = (info["server_cpu"] + run["pg_cpu"]) / run["wall"]
        lines += ["", f"Reading these figures: the app servers and their PostgreSQL backends got {app_cores:.2f} of the "
                  f"machine's {info['machine']['cores']} cores (Locust {run['locust_cpu'] / run['wall']:.2f}, other "
                  f"processes the rest); at {cpu_ms:.1f} ms of CPU per request that serves about "
                  f"{1000 * app_cores / cpu_ms:.0f} req/s. Each learner waits for its answer before thinking again, so "
                  "when the learners ask for more, requests queue in front of the 4 workers and every action's latency "
                  "grows alike: these percentiles are mostly that queue, not the page (the app's own service times per "
                  "page are in bench/results.md, measured at 2 connections)."]
    if run["errors"] or check["not_ok"]:
        lines += ["", "Errors:", ""] + [f"- {e['method']} {e['name']}: {e['error']} × {e['occurrences']}"
                                        for e in run["errors"]]
        if check["not_ok"]:
            lines.append(f"- of them, submits and reviews (recorded with their status): {check['not_ok']}")
    t = check["totals"]
    lines += [
        "",
        f"{h}## Exactly once",
        "",
        "Every submit and review the learners made was recorded by the client (attempt id, questions asked, status); "
        "after the run the database was checked against the records:",
        "",
        f"- quiz submits: {check['submits']} made, {check['submits_ok']} got 200 "
        f"({check['resumed']} of their attempts were resumed open ones, start → 200); "
        f"attempts with status `submitted` in the database: {t['submitted']} (of {t['attempts']} started);",
        f"- `answer` rows of attempts: {t['answers'] - t['review_answers']}, expected one per (attempt, question asked): "
        f"{check['asked']}; every attempt's rows are exactly its questions (no duplicate, none missing); no attempt got "
        f"200 twice; no attempt without a 200 submit holds answers;",
        f"- reviews: {check['reviews']} made, {check['reviews_ok']} got 200; review answers (no attempt) in the database: "
        f"{t['review_answers']}, matching per (learner, question); review cards: {t['review_cards']} "
        f"(one per (learner, question) answered in an attempt: {check['pairs']}).",
        "",
        "Result: " + ("**passed**." if not check["problems"] else "**FAILED**:\n" + "\n".join(f"- {p}" for p in check["problems"])),
        "",
        f"{h}## Setup",
        "",
        f"- machine: {info['machine']['cpu']}, {info['machine']['cores']} cores, {info['machine']['ram']}, "
        f"{info['machine']['os']}, Python {info['machine']['python']}; shared with other jobs (see *other load*); "
        f"load average before the run: {info['loadavg_before']}",
        f"- {info['machine']['libs']}; PostgreSQL {info['pg_version']}; Redis {info['redis_version']}",
        f"- catalog: `flask content import seeds` ({info['catalog']}); lessons read: {info['read_lessons']}, "
        f"quizzed: {info['quiz_lessons']} (lessons holding SQL or Go exercises are read but not quizzed: their "
        "grading would measure DuckDB and the Go sandbox)",
        f"- priority: the servers and Locust at nice {NICE} (PostgreSQL, Redis and other processes at their own)",
        f"- servers: `gunicorn -w 2 -c gunicorn.conf.py` × 2, `LEARNPATH_ENV=production`, same `DATABASE_URL`, "
        f"`SECRET_KEY`, `REDIS_URL` = `RATELIMIT_STORAGE_URI` (Redis db {info['redis_db']}); rate limits on and shared, "
        f"except `RATELIMIT_AUTH` raised to \"{RATELIMIT_AUTH}\" for the run (every learner signs up from 127.0.0.1)",
        f"- Locust headless, {args.users} users spawned at {args.spawn_rate}/s, run time {args.duration} s, then up to "
        "60 s for the users to finish the task in hand (so no submit is cut off between the server and the record). "
        "Each learner: wait 1–4 s between tasks; tasks by weight: read a lesson page (HTML, signed in; half the time "
        "then `POST /api/v1/lessons/<slug>/read`) 5, take a quiz (API: start, think 1–4 s, submit answers of every "
        "kind: ~5% left out, the rest well-formed, right or wrong by chance) 3, review due cards (API: list, then up to "
        "3 answered with a think time each) 2, dashboard (HTML) 2, `GET /api/v1/me/progress` 1",
        "- expected statuses: 200 everywhere, quiz start 201 (200 when an open attempt is resumed); redirects are not "
        "followed (a 302 to /login is an error) and an HTML page without the learner's name is an error",
        "- percentiles are Locust's (response times rounded to 2 significant digits above 100 ms), taken when every "
        "learner has stopped (the stop timeout's requests included); throughput is from the first request to the last, "
        "ramp-up included",
    ]
    return "\n".join(lines) + "\n"


# ---- main --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=int, default=120, help="seconds of Locust run time")
    parser.add_argument("--spawn-rate", type=float, default=20, help="learners started per second")
    parser.add_argument("--database-url", help=f"PostgreSQL server (default {DEFAULT_ADMIN_URL}); a learnpath_load_* "
                                               "database name is dropped and re-created, other names are refused")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="flushed at start and end (default %(default)s)")
    parser.add_argument("--nice", type=int, help="scheduling priority of the servers and Locust (default -10 as root, "
                                                 "as bench/run.py: on a shared machine they get more of the cores; 0: off)")
    parser.add_argument("--keep-db", action="store_true", help="leave the database for inspection")
    parser.add_argument("--report", type=Path, default=BENCH / "loadtest.md")
    parser.add_argument("--append", action="store_true", help="add this run to the report as a further section "
                                                                  "instead of overwriting it (e.g. a run with fewer users)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Locust's CSV and log, server logs")
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration < 1 or args.spawn_rate <= 0:
        parser.error("--users, --duration and --spawn-rate must be positive")
    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(143)))
    global NICE
    NICE = args.nice if args.nice is not None else (-10 if os.geteuid() == 0 else 0)

    admin_url, database_url, name = database_urls(args.database_url)
    args.out.mkdir(parents=True, exist_ok=True)
    created = False
    try:
        from redis import Redis

        redis = Redis.from_url(args.redis_url)
        try:
            redis.flushdb()
            redis_version = redis.info("server")["redis_version"]
        except Exception as exc:
            raise RunError(f"Redis is not reachable at {args.redis_url}: {exc}") from None
        create_database(admin_url, name)
        created = True
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "loadtest-" + secrets.token_hex(16),
               "REDIS_URL": args.redis_url, "RATELIMIT_STORAGE_URI": args.redis_url, "RATELIMIT_AUTH": RATELIMIT_AUTH,
               "LEARNPATH_ENV": "production", "PYTHONPATH": str(ROOT)}
        env.pop("LEARNPATH_TEST_DATABASE_URL", None)
        log(f"database {name}: migrating and importing the seed catalog")
        flask_cli(env, "db", "upgrade")
        catalog = flask_cli(env, "content", "import", "seeds").splitlines()[-1]
        read, quiz = lessons_to_use(database_url)
        servers = [start_server(env, n, args.out) for n in range(2)]
        for n, (proc, url) in enumerate(servers):
            wait_ready(proc, url, args.out, n)
        urls = [url for _, url in servers]
        log(f"servers ready: {' '.join(urls)}; signing up {args.users} learners")
        started = time.monotonic()
        learners = sign_up_all(urls, args.users, database_url)
        signup_s = time.monotonic() - started
        fixture, records_path, stats_path = args.out / "fixture.json", args.out / "records.jsonl", args.out / "stats.json"
        fixture.write_text(json.dumps({"servers": urls, "learners": learners, "read_lessons": read, "quiz_lessons": quiz}))
        records_path.write_text("")
        stats_path.unlink(missing_ok=True)
        locust_env = {**os.environ, "LOADTEST_FIXTURE": str(fixture), "LOADTEST_RECORDS": str(records_path),
                      "LOADTEST_STATS": str(stats_path)}
        loadavg = Path("/proc/loadavg").read_text().split()[:3]
        procs = [proc for proc, _ in servers]
        cpu_before = server_cpu_seconds(procs)
        run = run_locust(locust_env, args.users, args.spawn_rate, args.duration, args.out,
                         {p.pid for p in procs}, name)
        server_cpu = server_cpu_seconds(procs) - cpu_before
        for n, (proc, _) in enumerate(servers):
            if proc.poll() is not None:
                raise RunError(f"server {n} died during the run: see {args.out / f'gunicorn-{n}.log'}")
        records = [json.loads(line) for line in records_path.read_text().splitlines() if line.strip()]
        check = check_exactly_once(database_url, records)
        pg_version = postgres_version(database_url)
        info = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                "pg_version": pg_version, "redis_version": redis_version, "redis_db": args.redis_url.rsplit("/", 1)[-1],
                "catalog": catalog, "read_lessons": len(read), "quiz_lessons": len(quiz), "signup_s": signup_s,
                "server_cpu": server_cpu, "loadavg_before": " ".join(loadavg)}
        report = build_report(args, info, run, check)
        if args.append and args.report.exists():
            report = args.report.read_text().rstrip("\n") + "\n\n" + report
        args.report.write_text(report)
        errors = run["total"]["failures"]
        (args.out / "result.json").write_text(json.dumps({**run, "error_count": errors, "check": check}))
        log(f"{run['total']['requests']} requests, {errors} errors, exactly-once check "
            f"{'passed' if not check['problems'] else 'FAILED: ' + '; '.join(check['problems'])}; report: {args.report}")
        return 0 if errors == 0 == check["not_ok"] and not check["problems"] and run["total"]["requests"] > 0 else 1
    except RunError as exc:
        print(f"loadtest: error: {exc}", file=sys.stderr, flush=True)
        return 2
    finally:
        stop_all()
        if created and not args.keep_db:
            drop_database(admin_url, name)
            log(f"database {name} dropped")
        elif created:
            log(f"database kept: {database_url}")
        try:
            Redis.from_url(args.redis_url).flushdb()
        except Exception:
            pass


if __name__ == "__main__":
    sys.exit(main())
