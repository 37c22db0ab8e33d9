#!/usr/bin/env python
"""learnpath performance benchmark (see bench/README.md).

    .venv/bin/python bench/run.py [--quick] [--database-url URL] [--keep-db]

1. builds a database: `flask db upgrade` + `flask content import seeds` (timed, twice: full import on an
   empty database, then a re-import with no change), then 1,000 learners with a year of history, a heavy
   learner with 20,000 answers, a second one with 2,000 and a light one (bench/datagen.py);
2. serves the real app with gunicorn, 2 sync workers, LEARNPATH_ENV=production, and measures it over HTTP
   with wrk: throughput at 16 connections (ratio to the floor: a bare Flask app under the same gunicorn
   and wrk settings) and latency at 2 connections (one per worker: service time, no queueing);
3. reads the workers' peak RSS, checks the targets and writes bench/results.md (overwritten each run).
"""
from __future__ import annotations

import argparse
import atexit
import importlib.metadata as metadata
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: run as a script or loaded by path
from procstat import CLK_TCK, processes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
LUA = BENCH / "wrk" / "bench.lua"
USER_AGENT = "learnpath-bench/1.0"
THREADS = 2
DEFAULT_SQLITE = OUT / "bench.sqlite3"

MODES: dict[str, dict[str, Any]] = {
    "full": dict(learners=1000, heavy=20_000, heavy_small=2_000, duration=10, latency_duration=10, max_duration=30, warm=2,
                 latency_all=True,
                 submit={"warm": 2_000, "c16": 9_000, "c2": 7_000}, start={"warm": 2_000, "c16": 9_000, "c2": 7_000},
                 after_answer=1_000),  # capped at one open attempt per plain lesson (~90)
    "quick": dict(learners=100, heavy=20_000, heavy_small=2_000, duration=1, latency_duration=2, max_duration=3, warm=0,
                  latency_all=False, submit={"warm": 50, "c16": 1_000, "c2": 1_000}, start={"warm": 50, "c16": 1_000},
                  after_answer=40),
}

# (target, description)
TARGETS = [
    ("lesson_ratio", "lesson page throughput ≥ 50% of floor"),
    ("course_ratio", "course page throughput ≥ 50% of floor"),
    ("submit_ratio", "quiz submit throughput ≥ 10% of floor"),
    ("dash_p95", "heavy-learner dashboard p95 ≤ 30 ms"),
    ("submit_p95", "quiz submit p95 ≤ 25 ms"),
    ("dash_scaling", "dashboard 10× answers → ≤ 1.5× p95"),
    ("import_full", "full catalog import ≤ 5 s"),
    ("import_noop", "no-change re-import ≤ 1 s"),
    ("worker_rss", "gunicorn worker peak memory ≤ 150 MB"),
    # issue 19: where learners are (signed in), judged as throughput ratios to the floor of the same run
    ("lesson_user_ratio", "signed-in lesson page ≥ 0.5× floor"),
    ("course_user_ratio", "signed-in course page ≥ 0.5× floor"),
    ("dash_cold_ratio", "dashboard, first view after an answer (20k answers) ≥ 0.2× floor (worker CPU)"),
    ("dash_cold_p95_5", "dashboard, first view after an answer (20k answers) p95 ≤ 5 ms at 2 connections"),
    ("dash_repeat_ratio", "dashboard, repeat view (20k answers, cached) ≥ 0.5× floor"),
    ("submit_ratio_15", "quiz submit ≥ 0.15× floor"),
    ("progress_ratio", "`GET /api/v1/me/progress` ≥ 0.4× floor"),
]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fail(msg: str) -> None:
    print(f"bench: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def venv_bin(name: str) -> str:
    for directory in (ROOT / ".venv" / "bin", Path(sys.executable).parent):
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if not found:
        fail(f"{name} not found (expected in {ROOT / '.venv' / 'bin'}; run `make install`)")
    return found


# ---- servers -----------------------------------------------------------------------------------

SERVERS: list["Server"] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    app_spec: str
    env: dict[str, str]
    extra: list[str] = field(default_factory=list)
    proc: subprocess.Popen | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        logfile = OUT / f"gunicorn-{self.name}.log"
        for _ in range(3):
            self.port = free_port()
            cmd = [venv_bin("gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
                   *self.extra, self.app_spec]
            with open(logfile, "w") as fh:
                self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=fh, stderr=subprocess.STDOUT,
                                             start_new_session=True, preexec_fn=_priority)
            SERVERS.append(self)
            if self._wait_ready():
                log(f"{self.name}: gunicorn pid {self.proc.pid}, workers {self.workers()}, {self.url}")
                return
            text = logfile.read_text(errors="replace")
            self.stop()
            if "Address already in use" not in text:
                fail(f"gunicorn for {self.name} did not start; its log ({logfile}):\n{text[-3000:]}")
        fail(f"gunicorn for {self.name}: no free port after 3 tries")

    def _wait_ready(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                if len(self.workers()) >= 2:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def workers(self) -> list[int]:
        if not self.proc:
            return []
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def cpu_ticks(self) -> int:
        total = 0
        for pid in [self.proc.pid, *self.workers()] if self.proc else []:
            try:
                raw = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
        return total

    def wait_idle(self, timeout: float = 120) -> float:
        """Wait until the workers have burnt no CPU for 0.3 s: requests queued by an earlier run (wrk closes its
        connections at the end, but gunicorn still serves what it had accepted) must not spill into the next."""
        started = time.monotonic()
        last, quiet = self.cpu_ticks(), 0
        while quiet < 3 and time.monotonic() - started < timeout:
            time.sleep(0.1)
            now = self.cpu_ticks()
            quiet = quiet + 1 if now == last else 0
            last = now
        return time.monotonic() - started

    def memory(self) -> dict[int, dict[str, int]]:
        """VmHWM (peak RSS) and VmRSS of each worker, in kB."""
        out = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            out[pid] = {k: int(re.search(rf"^{k}:\s+(\d+) kB", status, re.M).group(1)) for k in ("VmHWM", "VmRSS")}
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: gunicorn master and its workers
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        if self in SERVERS:
            SERVERS.remove(self)


CHILDREN: set[subprocess.Popen] = set()  # wrk or the flask CLI while one runs


def run_child(cmd: list[str], timeout: float | None = None, **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run that an interrupted benchmark does not leave behind (see stop_all)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_priority, **kwargs)
    CHILDREN.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        fail(f"{cmd[0]} did not finish within {timeout:.0f}s")
    finally:
        CHILDREN.discard(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def stop_all() -> None:
    for proc in list(CHILDREN):
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for server in list(SERVERS):
        server.stop()


def on_signal(signum, frame) -> None:
    stop_all()
    sys.exit(128 + signum)


# ---- other load on the machine -----------------------------------------------------------------

PG_DATABASE: str | None = None  # set for a PostgreSQL run: its backends are not "other processes"


def cpu_snapshot() -> dict[int, int]:
    """CPU ticks (user + system) of every process that is not part of this benchmark.

    Ours: this process, its children (wrk, flask CLI) and the gunicorn sessions it started; and, in a
    PostgreSQL run, the backends serving the benchmark's own database (they do the app's work).
    """
    ours_sessions = {s.proc.pid for s in SERVERS if s.proc}
    me = os.getpid()
    return {p.pid: p.ticks for p in processes()
            if not (p.pid == me or p.ppid == me or p.session in ours_sessions
                    or (PG_DATABASE and p.serves_database(PG_DATABASE)))}


def others_cores(before: dict[int, int], after: dict[int, int], seconds: float) -> float:
    """How many cores the rest of the machine used between two snapshots."""
    ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
    return ticks / CLK_TCK / seconds if seconds > 0 else 0.0


def wait_for_quiet(max_wait: float, threshold: float = 0.25) -> float:
    """Wait (up to max_wait s) until other processes use less than `threshold` of a core; returns their load."""
    deadline = time.monotonic() + max_wait
    announced = False
    while True:
        before, t = cpu_snapshot(), time.monotonic()
        time.sleep(0.5)
        load = others_cores(before, cpu_snapshot(), time.monotonic() - t)
        if load < threshold or time.monotonic() >= deadline:
            return load
        if not announced:
            log(f"other processes use {load:.2f} cores: waiting up to {max_wait:.0f}s for a quiet machine")
            announced = True


# ---- wrk ---------------------------------------------------------------------------------------

@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    expect: tuple[int, ...] = (200,)
    headers: dict[str, str] = field(default_factory=dict)
    replay: str | None = None        # "submit" / "start": walk request files (one phase each)
    replay_file: str | None = None   # a fixed request file (all phases)
    latency: bool = False            # always measured at 2 connections too
    note: str = ""
    cold: bool = False               # served with the per-learner dashboard cache off (every view a miss)


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50: float
    p95: float
    p99: float
    mean: float
    statuses: dict[str, int]
    errors: dict[str, int]
    wrapped: int
    others: float = 0.0  # cores used by other processes during the run
    # CPU the gunicorn processes spent per completed request (ms): unlike req/s hardly moved by other
    # load on a shared machine, so its ratio to the floor's is the steadier view of the same question.
    cpu_ms: float = 0.0

    def unexpected(self, expect: tuple[int, ...]) -> int:
        return sum(n for code, n in self.statuses.items() if int(code) not in expect)


QUIET_WAIT = 0.0
NICE = 0


def _priority() -> None:
    """preexec_fn of measured processes (gunicorn, wrk, the import CLI): the --nice priority."""
    if NICE:
        os.nice(NICE)


def run_wrk(server: Server, name: str, path: str, *, connections: int, duration: int, headers: dict[str, str],
            replay_file: str | None = None, offset: int = 0) -> WrkResult:
    drained = server.wait_idle()
    if drained > 1:
        log(f"{name}: waited {drained:.1f}s for the workers to finish requests queued by the previous run")
    if QUIET_WAIT and not name.endswith("-warm"):
        wait_for_quiet(QUIET_WAIT)
    url = server.url + path
    cmd = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
           "-H", f"User-Agent: {USER_AGENT}"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd += ["-s", str(LUA), url, "--"]
    cmd += ["replay", replay_file, str(THREADS), str(offset)] if replay_file else ["get"]
    before, started, ticks = cpu_snapshot(), time.monotonic(), server.cpu_ticks()
    proc = run_child(cmd, timeout=duration + 60)
    ticks = server.cpu_ticks() - ticks
    others = others_cores(before, cpu_snapshot(), time.monotonic() - started)
    (OUT / f"wrk-{name}.txt").write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        fail(f"wrk failed for {name} (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    seconds = data["duration_us"] / 1e6
    lat = data["latency_us"]
    return WrkResult(data["requests"], seconds, data["requests"] / seconds if seconds else 0.0,
                     lat["p50"] / 1000, lat["p95"] / 1000, lat["p99"] / 1000, lat["mean"] / 1000,
                     data["statuses"], data["errors"], data["wrapped"], others,
                     ticks / CLK_TCK * 1000 / data["requests"] if data["requests"] else 0.0)


CONTAMINATED = 0.25  # cores used by other processes during a run above which it is measured again
RETRIES = 0


def measure(server: Server, name: str, path: str, *, connections: int, duration: int, headers: dict[str, str],
            replay_file: str | None = None, advance: bool = False) -> WrkResult:
    """run_wrk, measured again (up to RETRIES times, after waiting for quiet) when other processes took more
    than CONTAMINATED cores; keeps the least disturbed run. Replays continue further down their file."""
    best, offset = None, 0
    for attempt in range(RETRIES + 1):
        if attempt:
            log(f"{name}: other processes used {best.others:.2f} cores, measuring again ({attempt}/{RETRIES})")
            wait_for_quiet(max(QUIET_WAIT, 20))
        r = run_wrk(server, name, path, connections=connections, duration=duration, headers=headers,
                    replay_file=replay_file, offset=offset)
        if advance:
            offset += r.requests + connections  # requests still in flight at the deadline were sent too
        if best is None or r.others < best.others:
            best = r
        if best.others < CONTAMINATED:
            break
    return best


# ---- database ----------------------------------------------------------------------------------

def prepare_database(url: str | None) -> tuple[str, str, str | None]:
    """(DATABASE_URL, backend, PostgreSQL database to drop at the end)."""
    if not url or url.startswith("sqlite"):
        path = DEFAULT_SQLITE if not url else Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path.resolve()}", "sqlite", None
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        fail(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://user@host:port/learnpath_bench")
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    name = parsed.database or "learnpath_bench"
    if "bench" not in name:
        fail(f"refusing to drop and re-create database {name!r}: its name must contain 'bench'")
    admin = sa.create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                             isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        fail(f"PostgreSQL is not reachable at {parsed.render_as_string(hide_password=True)}: {exc.orig}")
    finally:
        admin.dispose()
    plain = parsed.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    return plain, "postgresql", name


def scratch_database_url(url: str) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{OUT / 'import-scratch.sqlite3'}"
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_import").render_as_string(hide_password=False)


def drop_pg_database(url: str, name: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    admin = sa.create_engine(make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


CLI_OTHERS: list[float] = []


def flask_cli(env: dict[str, str], *args: str) -> tuple[str, float]:
    if QUIET_WAIT:
        wait_for_quiet(QUIET_WAIT)
    before, started = cpu_snapshot(), time.perf_counter()
    proc = run_child([venv_bin("flask"), "--app", "learnpath", *args], cwd=ROOT, env=env)
    wall = time.perf_counter() - started
    CLI_OTHERS.append(others_cores(before, cpu_snapshot(), wall))
    if proc.returncode != 0:
        fail(f"`flask {' '.join(args)}` failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout.strip(), wall


def cli_seconds(output: str) -> float:
    m = re.search(r"\(([\d.]+)s\)\s*$", output)
    if not m:
        fail(f"no timing in the import output: {output!r}")
    return float(m.group(1))


def db_stats(url: str) -> dict[str, Any]:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        for table in ("user", "enrollment", "lesson_progress", "attempt", "answer", "review_card", "daily_activity",
                      "topic_stat", "question", "lesson"):
            if table in names:
                out[table] = conn.scalar(sa.text(f'SELECT count(*) FROM "{table}"'))
        if engine.dialect.name == "postgresql":
            out["size_mb"] = round(conn.scalar(sa.text("SELECT pg_database_size(current_database())")) / 2**20, 1)
            out["server_version"] = conn.scalar(sa.text("SHOW server_version"))
    engine.dispose()
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        out["size_mb"] = round(sum(Path(str(path) + s).stat().st_size for s in ("", "-wal")
                                   if Path(str(path) + s).exists()) / 2**20, 1)
    return out


# ---- machine -----------------------------------------------------------------------------------

def machine(pg_version: str | None) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    if pg_version is None:
        pg_version = postgres_version()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_line = (wrk_version.stdout + wrk_version.stderr).splitlines()[0].split("Copyright")[0].strip()

    def version(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "?"

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu, "cores": str(os.cpu_count()), "ram": mem,
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": pg_version,
        "wrk": wrk_line,
        "libs": ", ".join(f"{p} {version(p)}" for p in ("Flask", "SQLAlchemy", "gunicorn", "Werkzeug", "Jinja2", "psycopg")),
    }


def postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2) as conn:
            return conn.execute("SHOW server_version").fetchone()[0] + " (local server; not used in this run)"
    except Exception:
        proc = subprocess.run(["psql", "--version"], capture_output=True, text=True) if shutil.which("psql") else None
        return (proc.stdout.strip() + " (client only)") if proc and proc.returncode == 0 else "not installed"


# ---- the run -----------------------------------------------------------------------------------

def login(base: str, email: str, password: str, name: str) -> str:
    """Log in through the real /login form; returns the Cookie header value."""
    import requests

    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    page = s.get(f"{base}/login", timeout=30)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    if page.status_code != 200 or not m:
        fail(f"GET /login: {page.status_code}, no CSRF token found")
    r = s.post(f"{base}/login", data={"csrf_token": m.group(1), "email": email, "password": password},
               allow_redirects=False, timeout=30)
    if r.status_code != 302:
        fail(f"POST /login for {email}: expected a redirect, got {r.status_code}")
    check = s.get(f"{base}/dashboard", allow_redirects=False, timeout=30)
    if check.status_code != 200 or name not in check.text:
        fail(f"the session of {email} does not open its dashboard ({check.status_code})")
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def preflight(base: str, ep: Endpoint, files: dict[str, dict[str, str]], rounds: int) -> float:
    """The endpoint answers as expected (no redirect to /login, no error) and is warm.

    Returns the fastest sequential request time (s), to size the wrk runs of slow pages."""
    import requests

    best = float("inf")
    s = requests.Session()
    s.headers.update({"User-Agent": USER_AGENT, **ep.headers})
    if ep.replay or ep.replay_file:
        path = ep.replay_file or files[ep.replay]["warm"]
        lines = Path(path).read_text().splitlines()[:2]
        for line in lines:
            method, p, token, body = line.split("\t", 3)
            t = time.perf_counter()
            r = s.request(method, base + p, data=body or None, allow_redirects=False, timeout=30,
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            best = min(best, time.perf_counter() - t)
            if r.status_code not in ep.expect:
                fail(f"{ep.label}: {method} {p} answered {r.status_code}, expected {ep.expect}: {r.text[:300]}")
        return best
    for _ in range(rounds):
        t = time.perf_counter()
        r = s.get(base + ep.path, allow_redirects=False, timeout=30)
        best = min(best, time.perf_counter() - t)
        if r.status_code not in ep.expect:
            fail(f"{ep.label}: GET {ep.path} answered {r.status_code}, expected {ep.expect}: {r.text[:300]}")
    return best


_LOCK = None


@dataclass
class AfterAnswer:
    views: int
    p50: float
    p95: float
    cpu_ms: float  # the app's workers' CPU per view (they serve nothing else meanwhile)
    others: float


def first_views_after_answers(app: Server, writer: Server, cookie: str, request_file: str) -> AfterAnswer:
    """The dashboard's first view after an answer, the way a learner meets it: two connections, each
    submitting one of the heavy learner's open attempts through `writer` (another server on the same
    database: a write on one server must show on the other at once) and then asking `app` for the
    dashboard, timed. `app` serves only these views meanwhile, so its workers' CPU over the phase
    divided by the views is the CPU of one first view after an answer."""
    import http.client

    import requests

    lines = [l.split("\t") for l in Path(request_file).read_text().splitlines()]
    latencies: list[float] = []
    errors: list[str] = []

    def learner(mine: list[list[str]]) -> None:
        writes = requests.Session()
        views = http.client.HTTPConnection("127.0.0.1", app.port, timeout=60)  # lighter than requests: wrk-like
        headers = {"User-Agent": USER_AGENT, "Cookie": cookie}
        for _, path, token, body in mine:
            r = writes.post(writer.url + path, data=body, timeout=60, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json", "User-Agent": USER_AGENT})
            if r.status_code != 200:
                errors.append(f"submit {path}: {r.status_code}")
                continue
            started = time.perf_counter()
            views.request("GET", "/dashboard", headers=headers)
            page = views.getresponse()
            page.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if page.status != 200:
                errors.append(f"dashboard: {page.status}")

    app.wait_idle()
    if QUIET_WAIT:
        wait_for_quiet(QUIET_WAIT)
    threads = [threading.Thread(target=learner, args=(lines[i::2],)) for i in range(2)]
    before, started, ticks = cpu_snapshot(), time.monotonic(), app.cpu_ticks()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ticks = app.cpu_ticks() - ticks
    # The writer's and this process's CPU are part of the phase, not other load: only the rest counts.
    others = others_cores(before, cpu_snapshot(), time.monotonic() - started)
    if errors:
        fail(f"first views after answers: {len(errors)} failed, e.g. {errors[:3]}")
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return AfterAnswer(len(latencies), pick(0.50), pick(0.95), ticks / CLK_TCK * 1000 / len(latencies), others)


def take_lock() -> None:
    """One run at a time: two runs would share the CPU and overwrite each other's bench/out/ files."""
    import fcntl

    global _LOCK
    _LOCK = open(OUT / ".lock", "a+")
    try:
        fcntl.flock(_LOCK, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        _LOCK.seek(0)
        other = _LOCK.read().strip() or "?"
        fail(f"another bench/run.py is running (pid {other}): two runs would disturb each other's measurements "
             f"and overwrite each other's files in bench/out/; wait for it to finish")
    _LOCK.seek(0)
    _LOCK.truncate()
    _LOCK.write(str(os.getpid()))
    _LOCK.flush()


def measure_floor(env: dict[str, str], mode: dict[str, Any], name: str) -> dict[str, WrkResult]:
    hello = Server("hello", "hello:app", env, ["--pythonpath", str(BENCH)])
    hello.start()
    if mode["warm"]:
        run_wrk(hello, f"{name}-warm", "/", connections=16, duration=mode["warm"], headers={})
    floor = {"c16": measure(hello, f"{name}-c16", "/", connections=16, duration=mode["duration"], headers={}),
             "c2": measure(hello, f"{name}-c2", "/", connections=2, duration=mode["duration"], headers={})}
    floor["mem"] = hello.memory()  # type: ignore[assignment]
    hello.stop()
    log(f"{name}: {floor['c16'].rps:,.0f} req/s at 16 connections, p50 {floor['c2'].p50:.2f} ms at 2 (other "
        f"processes: {floor['c16'].others:.2f} / {floor['c2'].others:.2f} cores)")
    return floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer learners, 1 s wrk runs (under a minute)")
    parser.add_argument("--database-url", help="sqlite:///PATH (default bench/out/bench.sqlite3) or "
                                               "postgresql://postgres@127.0.0.1:5432/learnpath_bench (created and dropped)")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database afterwards (for profiling)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 10, quick 1)")
    parser.add_argument("--wait-quiet", type=float, help="before each measurement, wait up to this many seconds "
                        "for other processes to use < 0.25 core (default 20, quick 0)")
    parser.add_argument("--retries", type=int, help="measure a run again, up to this many times, when other "
                        "processes used more than 0.25 core during it (default 2, quick 0)")
    parser.add_argument("--nice", type=int, help="scheduling priority of gunicorn, wrk and the import CLI "
                        "(default -10 as root, so that other busy processes disturb the measurements less; 0 = as is)")
    args = parser.parse_args()
    global QUIET_WAIT, NICE, RETRIES
    QUIET_WAIT = args.wait_quiet if args.wait_quiet is not None else (0.0 if args.quick else 20.0)
    RETRIES = args.retries if args.retries is not None else (0 if args.quick else 2)
    NICE = args.nice if args.nice is not None else (-10 if os.geteuid() == 0 else 0)

    if shutil.which("wrk") is None:
        fail("wrk is not installed: `apt-get install -y wrk` (Debian) — the benchmark measures over HTTP with it")
    mode_name = "quick" if args.quick else "full"
    mode = dict(MODES[mode_name])
    if args.duration:
        mode["duration"] = mode["latency_duration"] = args.duration
    OUT.mkdir(parents=True, exist_ok=True)
    take_lock()
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t0 = time.perf_counter()

    url, backend, pg_name = prepare_database(args.database_url)
    global PG_DATABASE
    PG_DATABASE = pg_name
    if pg_name and not args.keep_db:
        atexit.register(drop_pg_database, url, pg_name)
    secret = secrets.token_urlsafe(48)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "LEARNPATH_"))}
    env.update(DATABASE_URL=url, SECRET_KEY=secret, LEARNPATH_ENV="production", RATELIMIT_ENABLED="0",
               )
    log(f"{mode_name} mode, {backend}: {re.sub(r'//[^@/]*@', '//', url)}")

    # 1. schema, catalog import (timed), re-import with no change (timed)
    _, upgrade_wall = flask_cli(env, "db", "upgrade")
    out1, import_wall = flask_cli(env, "content", "import", "seeds")
    full = (cli_seconds(out1), import_wall, CLI_OTHERS[-1], out1)
    for attempt in range(RETRIES):
        if full[2] < CONTAMINATED:
            break
        # measured again on a scratch database: the full import needs an empty one
        log(f"full import: other processes used {full[2]:.2f} cores, measuring again on a scratch database "
            f"({attempt + 1}/{RETRIES})")
        scratch_url, _, scratch_pg = prepare_database(scratch_database_url(url))
        scratch_env = {**env, "DATABASE_URL": scratch_url}
        flask_cli(scratch_env, "db", "upgrade")
        out, wall = flask_cli(scratch_env, "content", "import", "seeds")
        if CLI_OTHERS[-1] < full[2]:
            full = (cli_seconds(out), wall, CLI_OTHERS[-1], out)
        if scratch_pg:
            drop_pg_database(scratch_url, scratch_pg)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(scratch_url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
    noop = None
    for attempt in range(RETRIES + 1):
        out2, reimport_wall = flask_cli(env, "content", "import", "seeds")
        if "no changes" not in out2:
            fail(f"the re-import of an unchanged pack changed something: {out2}")
        if noop is None or CLI_OTHERS[-1] < noop[2]:
            noop = (cli_seconds(out2), reimport_wall, CLI_OTHERS[-1], out2)
        if noop[2] < CONTAMINATED:
            break
    imports = {"upgrade_wall": upgrade_wall, "full": full[0], "full_wall": full[1], "full_out": full[3],
               "noop": noop[0], "noop_wall": noop[1], "noop_out": noop[3], "others": [full[2], noop[2]]}
    log(f"db upgrade {upgrade_wall:.1f}s; import: {full[3]}; re-import: {noop[3]} (other processes: "
        f"{full[2]:.2f} / {noop[2]:.2f} cores)")

    # 2. learners
    os.environ.update(DATABASE_URL=url, SECRET_KEY=secret, LEARNPATH_ENV="production", RATELIMIT_ENABLED="0")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    import datagen
    from learnpath import create_app

    started = time.perf_counter()
    fixture = datagen.generate(
        create_app(), learners=mode["learners"], heavy_answers=mode["heavy"], heavy_small_answers=mode["heavy_small"],
        submit_phases=mode["submit"], start_phases=mode["start"], out_dir=OUT, after_answer=mode["after_answer"])
    gen_seconds = time.perf_counter() - started
    users = fixture["users"]
    resume_file = OUT / "req-resume.tsv"
    resume_file.write_text(
        f"POST\t/api/v1/lessons/{fixture['resume_lesson']}/attempts\t{users['light']['token']}\t{{}}\n" * THREADS)
    stats = db_stats(url)
    log(f"data: {mode['learners']} learners ({fixture['regular_answers']:,} answers), heavy "
        f"{users['heavy']['answers']:,}, heavy2k {users['heavy2k']['answers']:,}, light {users['light']['answers']} "
        f"answers; rows {stats} in {gen_seconds:.1f}s")
    (OUT / "fixture.json").write_text(json.dumps({**fixture, "database_url": url, "secret_key": secret}, indent=2))

    # 3. the floor (measured again after the app, see below)
    results: dict[str, dict[str, WrkResult]] = {}
    d = mode["duration"]
    floor = measure_floor(env, mode, "floor")

    # 4. the app
    app = Server("learnpath", "learnpath:create_app()", env)
    app.start()
    # The same app with the dashboard cache and the per-learner parts off: every view is rendered from the
    # database as if everything had changed, an upper bound of the first view after an answer (which
    # recomputes only what the answer touched: first_views_after_answers measures that one, with this
    # server taking the answers).
    cold_app = Server("learnpath-cold", "learnpath:create_app()",
                      {**env, "LEARNPATH_DASHBOARD_CACHE": "0", "LEARNPATH_DASHBOARD_PARTS": "0"})
    cold_app.start()
    pw = fixture["password"]
    cookies = {kind: login(app.url, users[kind]["email"], pw, name) for kind, name in
               (("light", "Light Learner"), ("heavy2k", "Heavy Learner 2k"), ("heavy", "Heavy Learner"))}
    bearer = {kind: {"Authorization": f"Bearer {users[kind]['token']}"} for kind in users}
    endpoints = [
        Endpoint("home", "home `/`", "/"),
        Endpoint("course", "course `/courses/distributed-systems`", "/courses/distributed-systems"),
        Endpoint("lesson", "lesson `/lessons/tcp-deep-dive`", "/lessons/tcp-deep-dive"),
        Endpoint("search", "search `/search?q=consistency`", "/search?q=consistency"),
        Endpoint("course_user", "course page, logged in (light learner)", "/courses/distributed-systems",
                 headers={"Cookie": cookies["light"]},
                 note="with a session cookie: personal (enrollment, progress), so never served from a page cache"),
        Endpoint("lesson_user", "lesson page, logged in (light learner)", "/lessons/tcp-deep-dive",
                 headers={"Cookie": cookies["light"]},
                 note="with a session cookie: personal (read state), so never served from a page cache"),
        *(Endpoint(f"{key}{'_cold' if cold else ''}",
                   f"dashboard, {who} ({users[kind]['answers']:,} answers), {'cache off' if cold else 'cached'}",
                   "/dashboard", headers={"Cookie": cookies[kind]}, latency=kind != "light", cold=cold,
                   note="every view rendered from scratch (LEARNPATH_DASHBOARD_CACHE=0, LEARNPATH_DASHBOARD_PARTS=0), "
                        "as if everything had changed: what a worker that keeps nothing would pay; the first view "
                        "after an answer recomputes only what the answer touched (measured below)" if cold
                   else "a repeat view: served from the per-learner cache")
          for cold in (True, False)
          for key, kind, who in (("dash_light", "light", "light learner"), ("dash_2k", "heavy2k", "heavy learner"),
                                 ("dash_20k", "heavy", "heavy learner"))),
        Endpoint("progress", f"API `GET /api/v1/me/progress`, heavy ({users['heavy']['answers']:,} answers)",
                 "/api/v1/me/progress", headers=bearer["heavy"]),
        Endpoint("start_resume", "quiz start, resumed (API, 200)", "/api/v1/lessons/tcp-deep-dive/attempts",
                 expect=(200, 201), replay_file=str(resume_file),
                 note="the same learner and lesson each time: the open attempt is resumed (no insert)"),
        Endpoint("start_new", "quiz start, new attempt (API, 201)", "/api/v1/lessons/<slug>/attempts", expect=(201,),
                 replay="start", note="a different (learner, lesson) each request: a real new attempt"),
        Endpoint("submit", "quiz submit (API, 200)", "/api/v1/attempts/<id>/submit", expect=(200,), replay="submit",
                 latency=True, note="pre-created in-progress attempts, each submitted once: real grading + writes"),
    ]
    files = fixture["request_files"]
    single = {ep.key: preflight((cold_app if ep.cold else app).url, ep, files, rounds=3 if mode_name == "full" else 2)
              for ep in endpoints}
    for ep in endpoints:
        server = cold_app if ep.cold else app
        results[ep.key] = {}
        phases = ["c16"] + (["c2"] if (ep.latency or mode["latency_all"]) else [])
        for phase in phases:
            conns = 16 if phase == "c16" else 2
            if phase == "c16" and mode["warm"]:
                run_wrk(server, f"{ep.key}-warm", ep.path.split("<")[0], connections=16, duration=mode["warm"],
                        headers=ep.headers, replay_file=ep.replay_file or (files[ep.replay]["warm"] if ep.replay else None))
            replay = ep.replay_file or (files[ep.replay][phase] if ep.replay else None)
            # slow pages get longer runs: ~10 s worth of sequential requests, i.e. >= ~20 samples on 2 workers
            base = d if phase == "c16" else mode["latency_duration"]
            duration = max(base, min(mode["max_duration"], int(10 * single[ep.key] + 0.999)))
            r = measure(server, f"{ep.key}-{phase}", ep.path.split("<")[0], connections=conns,
                        duration=duration, headers=ep.headers, replay_file=replay, advance=bool(ep.replay))
            results[ep.key][phase] = r
            bad = r.unexpected(ep.expect)
            log(f"{ep.key:13s} {phase}: {r.rps:8,.0f} req/s  p50 {r.p50:6.1f}  p95 {r.p95:6.1f}  p99 {r.p99:6.1f} ms"
                f"  statuses {r.statuses}" + (f"  UNEXPECTED {bad}" if bad else "")
                + (f"  repeats {r.wrapped}" if r.wrapped and ep.replay else "")
                + f"  (other processes: {r.others:.2f} cores)")
    # The first view after an answer: the answers go through the other server (see first_views_after_answers).
    after = first_views_after_answers(app, cold_app, cookies["heavy"], files["after_answer"])
    log(f"first views after answers: {after.views} views, p50 {after.p50:.1f} p95 {after.p95:.1f} ms, worker CPU "
        f"{after.cpu_ms:.2f} ms a view (other processes: {after.others:.2f} cores)")
    app_mem = {**app.memory(), **cold_app.memory()}
    app.stop()
    cold_app.stop()

    # The floor again: a machine that was busy during the first one (or during the pages) would otherwise
    # skew every ratio. Per phase, the less disturbed of the two floor runs is used.
    floors = [floor, measure_floor(env, mode, "floor-after")]
    floor = {phase: min((f[phase] for f in floors), key=lambda r: (round(r.others, 1), -r.rps))
             for phase in ("c16", "c2")}

    total = time.perf_counter() - t0
    pg_version = stats.get("server_version")
    floor_mem = floors[0]["mem"]
    report = build_report(mode_name, backend, url, machine(pg_version), imports, stats, fixture, floor, floor_mem,
                          endpoints, results, app_mem, gen_seconds, total, mode, floors, after)
    previous = (BENCH / "results.md").read_text() if (BENCH / "results.md").exists() else ""
    go_lab = re.search(r"<!-- go-lab: .*?<!-- /go-lab -->", previous, re.DOTALL)  # bench/go_run.py's section
    (BENCH / "results.md").write_text(report.rstrip("\n") + ("\n\n" + go_lab.group(0) + "\n" if go_lab else "\n"))
    (OUT / f"results-{backend}-{mode_name}.md").write_text(report)
    log(f"done in {total:.0f}s: bench/results.md (copy: bench/out/results-{backend}-{mode_name}.md)")
    print()
    print(report)
    unexpected = {ep.key: sum(r.unexpected(ep.expect) for r in results[ep.key].values()) for ep in endpoints}
    if any(unexpected.values()):
        fail("some measurements got unexpected statuses, so they measured something else: "
             + ", ".join(f"{k} {n:,}" for k, n in unexpected.items() if n) + " (see the statuses column and "
             "bench/out/gunicorn-learnpath.log)")


def build_report(mode_name, backend, url, mach, imports, stats, fixture, floor, floor_mem, endpoints, results,
                 app_mem, gen_seconds, total, mode, floors, after) -> str:
    users = fixture["users"]
    f16 = floor["c16"].rps
    latency_source = "c2"

    def res(key: str, phase: str) -> WrkResult | None:
        return results.get(key, {}).get(phase)

    def fmt(x: float) -> str:
        return f"{x:.1f}" if x < 100 else f"{x:.0f}"

    peak = max((m["VmHWM"] for m in app_mem.values()), default=0) / 1024
    checks: dict[str, tuple[str, bool | None]] = {}
    for key, ep in (("lesson_ratio", "lesson"), ("course_ratio", "course"), ("submit_ratio", "submit")):
        r = res(ep, "c16")
        need = 0.10 if key == "submit_ratio" else 0.50
        ratio = r.rps / f16 if f16 else 0.0
        checks[key] = (f"{ratio:.0%} of floor ({r.rps:,.0f} / {f16:,.0f} req/s)", ratio >= need)
    fcpu = floor["c16"].cpu_ms
    for key, ep, need in (("lesson_user_ratio", "lesson_user", 0.5), ("course_user_ratio", "course_user", 0.5),
                          ("dash_repeat_ratio", "dash_20k", 0.5),
                          ("submit_ratio_15", "submit", 0.15), ("progress_ratio", "progress", 0.4)):
        r = res(ep, "c16")
        ratio = r.rps / f16 if f16 else 0.0
        cpu = f"; worker CPU {r.cpu_ms:.2f} ms a request = {fcpu / r.cpu_ms:.2f}× the floor's" if r.cpu_ms else ""
        checks[key] = (f"{ratio:.2f}× ({r.rps:,.0f} / {f16:,.0f} req/s){cpu}", ratio >= need)
    ratio = fcpu / after.cpu_ms if after.cpu_ms else 0.0
    checks["dash_cold_ratio"] = (f"worker CPU {after.cpu_ms:.2f} ms a view = {ratio:.2f}× the floor's ({after.views} "
                                 "first views after an answer, below)", ratio >= 0.2)
    checks["dash_cold_p95_5"] = (f"p95 {after.p95:.1f} ms (p50 {after.p50:.1f}) over {after.views} first views after an "
                                 "answer at 2 connections", after.views > 0 and after.p95 <= 5)
    expected = {ep.key: ep.expect for ep in endpoints}
    d20, d2 = res("dash_20k_cold", latency_source), res("dash_2k_cold", latency_source)
    hit = res("dash_20k", latency_source)
    checks["dash_p95"] = (f"p95 {d20.p95:.1f} ms at 2 connections, every view from the database "
                          f"({res('dash_20k_cold', 'c16').p95:.0f} ms at 16); a cached repeat view: p95 {hit.p95:.1f} ms",
                          d20.requests > 0 and d20.p95 <= 30)
    s2 = res("submit", latency_source)
    checks["submit_p95"] = (f"p95 {s2.p95:.1f} ms at 2 connections ({res('submit', 'c16').p95:.0f} ms at 16)",
                            s2.requests > 0 and s2.p95 <= 25)
    ratio = d20.p95 / d2.p95 if d2.p95 else float("inf")
    checks["dash_scaling"] = (f"{users['heavy2k']['answers']:,} → {users['heavy']['answers']:,} answers: p95 "
                              f"{d2.p95:.1f} → {d20.p95:.1f} ms = {ratio:.2f}×", ratio <= 1.5)
    checks["import_full"] = (f"{imports['full']:.2f} s (CLI; {imports['full_wall']:.1f} s with process start)",
                             imports["full"] <= 5)
    checks["import_noop"] = (f"{imports['noop']:.2f} s (CLI; {imports['noop_wall']:.1f} s with process start)",
                             imports["noop"] <= 1)
    checks["worker_rss"] = (f"{peak:.0f} MB (max VmHWM of {len(app_mem)} workers)", peak <= 150)
    # A measurement with unexpected statuses (401, 302 to /login, 500, a 409 replay) measured something else.
    for key, pages in (("lesson_ratio", ["lesson"]), ("course_ratio", ["course"]), ("submit_ratio", ["submit"]),
                       ("lesson_user_ratio", ["lesson_user"]), ("course_user_ratio", ["course_user"]),
                       ("dash_repeat_ratio", ["dash_20k"]), ("submit_ratio_15", ["submit"]),
                       ("progress_ratio", ["progress"]),
                       ("dash_p95", ["dash_20k_cold", "dash_20k"]), ("submit_p95", ["submit"]),
                       ("dash_scaling", ["dash_2k_cold", "dash_20k_cold"])):
        bad = sum(r.unexpected(expected[p]) for p in pages for r in results[p].values())
        if bad:
            checks[key] = (f"**invalid: {bad:,} responses with an unexpected status** ({checks[key][0]})", False)

    lines = [
        f"# learnpath benchmark results ({mode_name} mode, {backend})",
        "",
        f"Generated by `.venv/bin/python bench/run.py{' --quick' if mode_name == 'quick' else ''}"
        f"{' --database-url ' + re.sub(r'//[^@/]*@', '//…@', url) if backend != 'sqlite' else ''}` "
        f"in {total:.0f} s. Overwritten by every run; see bench/README.md for the method and bench/PROFILE.md for profiles.",
        "",
        "## Machine",
        "",
        "| | |", "|---|---|",
        f"| date | {mach['date']} |",
        f"| CPU | {mach['cpu']}, {mach['cores']} cores (wrk and gunicorn share them) |",
        f"| RAM | {mach['ram']} |",
        f"| OS | {mach['os']} |",
        f"| Python | {mach['python']} |",
        f"| SQLite | {mach['sqlite']} |",
        f"| PostgreSQL | {mach['postgresql']} |",
        f"| load generator | {mach['wrk']}, {THREADS} threads |",
        f"| priority | gunicorn, wrk and the import CLI at nice {NICE} (other processes at their own) |",
        f"| libraries | {mach['libs']} |",
        "",
        "## Data",
        "",
        f"Database: {backend} ({stats.get('size_mb', '?')} MB). Catalog: {stats.get('lesson', '?')} lessons, "
        f"{stats.get('question', '?')} questions. {fixture['learners']:,} learners with a year of history "
        f"({fixture['regular_answers']:,} answers), a heavy learner with {users['heavy']['answers']:,} answers across "
        f"all courses, a second one with {users['heavy2k']['answers']:,}, a light one with {users['light']['answers']}. "
        f"Rows: " + ", ".join(f"{k} {v:,}" for k, v in stats.items() if k not in ("size_mb", "server_version")) +
        f". Generated in {gen_seconds:.1f} s.",
        "",
        "## Throughput and latency",
        "",
        f"Served by gunicorn, 2 sync workers, `LEARNPATH_ENV=production`; measured with "
        f"`wrk -t{THREADS} -c16 -d{mode['duration']}s` (throughput, and the ratio to the floor) and "
        f"`wrk -t{THREADS} -c2 -d{mode['latency_duration']}s` (latency with one connection per worker, i.e. service "
        f"time without queueing); pages slower than {mode['duration'] / 10:.1f} s a request get longer runs (*run*, "
        f"up to {mode['max_duration']} s) so they still collect ~20+ samples. At 16 connections on 2 workers a request waits for ~7 others: its latency is ~8× the "
        f"service time, so the latency targets are judged at 2 connections. Latencies in ms.",
        "",
        "*CPU*: the gunicorn processes' CPU time per completed request at 16 connections (from /proc), and the "
        "floor's divided by it: what the page costs a worker, which other load on the machine moves far less than "
        "req/s (10 ms clock ticks: rough on short runs).",
        "",
        "| page | req/s (c16) | × floor | CPU ms/req | × floor (CPU) | p50 | p95 | p99 (c16) | p50 | p95 | p99 (c2) | statuses (c16) | other load | run (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    fl16, fl2 = floor["c16"], floor["c2"]
    all_runs = [fl16, fl2] + [r for v in results.values() for r in v.values()]
    lines.append(f"| **floor**: bare Flask hello | {fl16.rps:,.0f} | 1.00 | {fl16.cpu_ms:.2f} | 1.00 | {fmt(fl16.p50)} | {fmt(fl16.p95)} | "
                 f"{fmt(fl16.p99)} | {fmt(fl2.p50)} | {fmt(fl2.p95)} | {fmt(fl2.p99)} | "
                 f"{', '.join(f'{k}: {v:,}' for k, v in fl16.statuses.items())} | {max(fl16.others, fl2.others):.2f} | "
                 f"{fl16.seconds:.0f} / {fl2.seconds:.0f} |")
    for ep in endpoints:
        r16, r2 = res(ep.key, "c16"), res(ep.key, "c2")
        c2 = f"{fmt(r2.p50)} | {fmt(r2.p95)} | {fmt(r2.p99)}" if r2 else "– | – | –"
        others = max(r16.others, r2.others if r2 else 0.0)
        status = ", ".join(f"{k}: {v:,}" for k, v in sorted(r16.statuses.items())) or "**none completed**"
        bad = r16.unexpected(ep.expect) + (r2.unexpected(ep.expect) if r2 else 0)
        if bad:
            status += f" (**{bad} unexpected**)"
        if ep.replay and (r16.wrapped or (r2 and r2.wrapped)):
            status += f" (**request list exhausted: {r16.wrapped + (r2.wrapped if r2 else 0)} repeats**)"
        cpu_ratio = fl16.cpu_ms / r16.cpu_ms if r16.cpu_ms else 0.0
        lines.append(f"| {ep.label} | {r16.rps:,.0f} | {r16.rps / fl16.rps if fl16.rps else 0:.2f} | "
                     f"{r16.cpu_ms:.2f} | {cpu_ratio:.2f} | {fmt(r16.p50)} | "
                     f"{fmt(r16.p95)} | {fmt(r16.p99)} | {c2} | {status} | {others:.2f} | "
                     f"{r16.seconds:.0f}{f' / {r2.seconds:.0f}' if r2 else ''} |")
    lines += ["", "Notes:",
              "- the floor was measured " + ("before and after the pages: " + "; ".join(
                      f"{label} {f['c16'].rps:,.0f} req/s / p50 {f['c2'].p50:.2f} ms (other load {f['c16'].others:.2f} / "
                      f"{f['c2'].others:.2f})" for label, f in zip(("before", "after"), floors))
                  + "; per column the less disturbed run (or, as disturbed, the faster) is used."),
              "- *other load*: cores used by processes outside the benchmark during the run (from /proc); the machine "
              "has " + mach["cores"] + " cores, so anything above ~0.1 means the numbers on that row are pessimistic."]
    busiest = max(r.others for r in all_runs)
    if busiest >= 0.25:
        lines.insert(lines.index("## Throughput and latency") + 2,
                     f"**Warning: other processes used up to {busiest:.2f} cores during some measurements (see "
                     f"*other load*); rerun on a quiet machine for reliable numbers.**\n")
    lines += [f"- {ep.label}: {ep.note}." for ep in endpoints if ep.note]
    lines += [
        f"- **dashboard, first view after an answer** (heavy learner, {users['heavy']['answers']:,} answers): not a wrk "
        f"run. Two connections each submit one of the learner's open quiz attempts through the other server (the "
        f"cache-off one, on the same database) and then ask this server for the dashboard; {after.views} views, "
        f"p50 {after.p50:.1f} ms, p95 {after.p95:.1f} ms (the request from this process's client, including the "
        f"network), worker CPU {after.cpu_ms:.2f} ms a view = {fl16.cpu_ms / after.cpu_ms if after.cpu_ms else 0:.2f}× "
        f"the floor's (this server served nothing else meanwhile; other load {after.others:.2f} cores). Throughput "
        f"cannot be had from wrk here (each view needs an answer before it), so the ratio is by worker CPU."]
    lines += [
        "- Quiz submits go to lessons without SQL or Go exercises (those grade by running DuckDB or the Go sandbox); each "
        "request submits a different in-progress attempt of a different (learner, lesson), so every measured "
        "submit is a first submit (200), never the cheap 409 replay.",
        "",
        "## Import and memory",
        "",
        f"- `flask db upgrade` on an empty database: {imports['upgrade_wall']:.1f} s (wall).",
        f"- `flask content import seeds`, empty database: `{imports['full_out']}` — {imports['full_wall']:.1f} s wall"
        f" (other processes: {imports['others'][0]:.2f} cores).",
        f"- again, nothing changed: `{imports['noop_out']}` — {imports['noop_wall']:.1f} s wall"
        f" (other processes: {imports['others'][1]:.2f} cores).",
        "- gunicorn workers after the whole run (VmHWM = peak RSS, VmRSS = now): " + ", ".join(
            f"pid {pid}: {m['VmHWM'] / 1024:.0f} MB peak, {m['VmRSS'] / 1024:.0f} MB now" for pid, m in app_mem.items())
        + "; the floor's workers: " + ", ".join(f"{m['VmHWM'] / 1024:.0f} MB" for m in floor_mem.values()) + " peak.",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    for key, label in TARGETS:
        text, met = checks[key]
        lines.append(f"| {label} | {text} | {'met' if met else '**not met**'} |")
    met = sum(1 for t, _ in TARGETS if checks[t][1])
    lines += ["", f"{met} of {len(TARGETS)} targets met."]
    if met < len(TARGETS):
        lines += ["", "Why a target is not met, from the profiles (with what was changed and what it would take): "
                      "bench/PROFILE.md, the newest round first."]
    if mode_name == "quick":
        lines += ["", "Quick mode: 1-second wrk runs and fewer learners; indicative only — use the full mode for "
                      "decisions."]
    (OUT / "results.json").write_text(json.dumps({
        "mode": mode_name, "backend": backend, "machine": mach, "imports": imports, "stats": stats,
        "floor": {k: v.__dict__ for k, v in floor.items() if k in ("c16", "c2")},
        "results": {k: {p: r.__dict__ for p, r in v.items()} for k, v in results.items()},
        "workers": app_mem, "checks": {k: {"measured": v[0], "met": v[1]} for k, v in checks.items()},
    }, indent=2, default=str))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
