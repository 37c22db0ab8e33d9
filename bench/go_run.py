"""Go lab latency: Run (visible tests) and Submit (visible + hidden) on a small exercise, through the
lab's bounded queue (one build per core), with 1 and 8 learners pressing the button at once; with --web
also through the web routes, as a learner's browser does it.

    .venv/bin/python bench/go_run.py            # full: prints the table, rewrites the Go section of bench/results.md
    .venv/bin/python bench/go_run.py --quick    # fewer samples, prints only
    .venv/bin/python bench/go_run.py --web      # plus the web rows (a Flask test client per learner)

A learner's latency is from enqueue to result (queue wait + sandbox set-up + go vet + go test + teardown).
Web rows: Run = POST /api/v1/questions/<id>/run with wait 0, then GET its poll URL (wait 2 s) until the
result, as static/js/golab.js does; Submit = the quiz form's POST /attempts/<id> (graded through the same
queue, then recorded), on a SQLite database with the fixture pack plus the *sum* exercise.
Needs what the sandbox needs (root, bubblewrap, cgroup v1) and its warm cache (prepared on first use).
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from learnpath import create_app  # noqa: E402
from learnpath.content.importer import import_pack  # noqa: E402
from learnpath.content.pack import load_pack  # noqa: E402
from learnpath.extensions import db  # noqa: E402
from learnpath.golab import jobs, runner, sandbox, toolchain  # noqa: E402
from learnpath.models import Question  # noqa: E402

EXERCISES = {"sum": ROOT / "tests" / "fixtures" / "go" / "sum", "counter (race)": ROOT / "tests" / "fixtures" / "go" / "counter"}
SECTION_START = "<!-- go-lab: written by bench/go_run.py -->"
SECTION_END = "<!-- /go-lab -->"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(queue: jobs.InProcessQueue, exercise: runner.Exercise, code: str, *, hidden: bool, learners: int,
            rounds: int) -> dict:
    latencies: list[float] = []
    cpu: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def learner() -> None:
        for _ in range(rounds):
            started = time.monotonic()
            result = queue.run(jobs.RunRequest.for_exercise(exercise, code, hidden=hidden).__dict__, timeout=600)
            elapsed = time.monotonic() - started
            with lock:
                latencies.append(elapsed)
                cpu.append((result or {}).get("cpu_seconds", 0.0))
                status = (result or {}).get("status", "no result")
                statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=learner) for _ in range(learners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {"n": len(latencies), "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "max": max(latencies), "cpu": statistics.median(cpu), "throughput": len(latencies) / wall, "statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=None, help="concurrent builds (default: cores)")
    parser.add_argument("--web", action="store_true", help="also measure Run and Submit through the web routes")
    args = parser.parse_args(argv)
    try:
        sandbox.prepare(log=print)
    except sandbox.SandboxUnavailable as exc:
        print(f"Go sandbox unavailable: {exc}", file=sys.stderr)
        return 2
    queue = jobs.InProcessQueue(workers=args.workers)
    rows = []
    load_before = os.getloadavg()
    started = time.monotonic()
    try:
        for label, folder in EXERCISES.items():
            if args.quick and label != "sum":
                continue
            exercise = runner.Exercise.load(folder)
            code = (folder / "solution.go").read_text()
            queue.run(jobs.RunRequest.for_exercise(exercise, code, hidden=False).__dict__)  # first run: page cache
            for action, hidden in (("Run", False), ("Submit", True)):
                for learners, rounds in ((1, 5 if args.quick else 12), (8, 1 if args.quick else 3)):
                    row = measure(queue, exercise, code, hidden=hidden, learners=learners, rounds=rounds)
                    rows.append((label, action, learners, row))
                    print(f"{label:15} {action:6} {learners} learner(s): n={row['n']:3} p50={row['p50']:.2f}s "
                          f"p95={row['p95']:.2f}s max={row['max']:.2f}s cpu={row['cpu']:.2f}s {row['throughput']:.2f} runs/s {row['statuses']}",
                          flush=True)
    finally:
        queue.close()
    if args.web:
        rows += measure_web(quick=args.quick)
    load_after = os.getloadavg()
    report = render(rows, queue.workers, load_before, load_after, time.monotonic() - started, args.quick)
    print(report)
    if not args.quick:
        write_section(report)
    return 0


def timed(learners: int, rounds: int, action) -> dict:
    """Run `action(learner, round) -> status` for `learners` threads at once; latencies and statuses."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def learner(n: int) -> None:
        for r in range(rounds):
            started = time.monotonic()
            status = action(n, r)
            with lock:
                latencies.append(time.monotonic() - started)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=learner, args=(n,)) for n in range(learners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {"n": len(latencies), "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "max": max(latencies), "cpu": 0.0, "throughput": len(latencies) / wall, "statuses": statuses}


def measure_web(*, quick: bool) -> list:
    """Run and Submit through the app's routes (the real runner: the process's default queue, the sandbox)."""
    folder = EXERCISES["sum"]
    solution = (folder / "solution.go").read_text()
    work = Path(tempfile.mkdtemp(prefix="go-bench-web-"))
    try:
        pack = work / "pack"
        shutil.copytree(ROOT / "tests" / "fixtures" / "pack", pack)
        shutil.copytree(folder, pack / "go" / "tcp" / "sum-of-ints")
        (pack / "topics.yaml").write_text((pack / "topics.yaml").read_text() + "go: Go\n")
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}", "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False, "SECRET_KEY": "go-bench", "TESTING": True},
                         instance_path=str(work / "instance"))
        with app.app_context():
            upgrade()
            import_pack(load_pack(pack))
            qid = db.session.scalar(sa.select(Question.id).where(Question.kind == "go"))
        clients = []
        for n in range(8):
            client = app.test_client()
            client.post("/signup", data={"email": f"bench{n}@example.com", "password": "correct horse battery",
                                          "name": f"Bench {n}"})
            page = client.get("/lessons/tcp/quiz").get_data(as_text=True)  # the session's CSRF token, as golab.js sends it
            client.environ_base["HTTP_X_CSRFTOKEN"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            clients.append(client)

        def run(n: int, _r: int) -> str:
            response = clients[n].post(f"/api/v1/questions/{qid}/run", json={"code": solution, "wait": 0})
            while response.status_code == 202:
                response = clients[n].get(response.get_json()["poll"] + "?wait=2")
            body = response.get_json()
            return body["status"] if response.status_code == 200 else f"{response.status_code}: {body['error']['message']}"

        def submit(n: int, _r: int) -> str:
            client = clients[n]
            started = client.post("/lessons/tcp/attempts")
            attempt = started.headers["Location"].rsplit("/", 1)[-1].split("?")[0]
            response = client.post(f"/attempts/{attempt}", data={f"q{qid}": solution, "action": "submit"})
            return "graded" if response.status_code == 302 else str(response.status_code)

        run(0, 0)  # first run: page cache
        rows = []
        for action, fn in (("Run", run), ("Submit", submit)):
            for learners, rounds in ((1, 5 if quick else 12), (8, 1 if quick else 3)):
                row = timed(learners, rounds, fn)
                rows.append(("sum (web)", action, learners, row))
                print(f"{'sum (web)':15} {action:6} {learners} learner(s): n={row['n']:3} p50={row['p50']:.2f}s "
                      f"p95={row['p95']:.2f}s max={row['max']:.2f}s {row['throughput']:.2f} runs/s {row['statuses']}",
                      flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(rows, workers, load_before, load_after, seconds, quick) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION_START,
        "## Go lab: Run and Submit latency",
        "",
        f"Generated by `.venv/bin/python bench/go_run.py`{' --quick' if quick else ''} on {now} in {seconds:.0f} s: "
        f"{toolchain.version()}, {os.cpu_count()} cores, {workers} concurrent builds (the queue's default: one per core), "
        f"Linux {platform.release()}. Load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} "
        "(the machine is shared: other processes compete for the same cores). Latency = enqueue to result: queue wait, "
        "sandbox set-up (cgroups, tmpfs, overlay on the warm cache, bwrap), `go vet`, `go test -json`, teardown. "
        "Exercises: tests/fixtures/go/ (*sum*: 2 visible + 2 hidden tests; *counter*: `race: true`). "
        "*sum (web)* rows (`--web`): through the app's routes, as the browser does it: Run = the JSON API, queued "
        "then polled; Submit = the quiz form's POST, graded through the same queue and recorded (CPU not measured there). "
        "*CPU per run* is the run's cgroup CPU time (build, vet, tests): the load-independent cost of a run, "
        "so 2 cores serve about 2 / that many runs per second.",
        "",
        "| exercise | action | learners at once | runs | p50 (s) | p95 (s) | max (s) | CPU per run, p50 (s) | runs/s | statuses |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, action, learners, row in rows:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(row["statuses"].items()))
        lines.append(f"| {label} | {action} | {learners} | {row['n']} | {row['p50']:.2f} | {row['p95']:.2f} | "
                     f"{row['max']:.2f} | {row['cpu']:.2f} | {row['throughput']:.2f} | {statuses} |".replace(
                         "| 0.00 | " + f"{row['throughput']:.2f}", "| – | " + f"{row['throughput']:.2f}"))  # web rows: CPU not measured
    lines += ["", SECTION_END]
    return "\n".join(lines)


def write_section(section: str) -> None:
    """Replace (or append) the Go section of bench/results.md; bench/run.py keeps it when it rewrites the rest."""
    path = ROOT / "bench" / "results.md"
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(re.escape(SECTION_START) + ".*?" + re.escape(SECTION_END), re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


if __name__ == "__main__":
    sys.exit(main())
