#!/usr/bin/env python
"""CPU per quiz submit, in-process: what one API submit costs a worker, without HTTP or wrk.

    .venv/bin/python bench/submit_cpu.py                       # SQLite, bench/out/submit-cpu.sqlite3
    .venv/bin/python bench/submit_cpu.py --database-url postgresql://postgres@127.0.0.1:5432/submit_bench
    .venv/bin/python bench/submit_cpu.py --profile bench/out/profile-submit-cpu.txt   # + pyinstrument
    LEARNPATH_CODE=/tmp/main-export .venv/bin/python bench/submit_cpu.py   # measure another checkout's app

The database is built once (migrations, the seed catalog, 60 learners with histories from
bench/datagen.py) and reused by later runs (`--rebuild` to start afresh; a PostgreSQL database's
name must contain 'bench'). Each run starts N new in-progress attempts of different (learner, lesson)
pairs through the API (not measured), on lessons without SQL or Go exercises as bench/run.py does,
then submits each once through the app's test client with a bearer token (~75% right, 20% wrong,
5% left out) and reports the process's CPU time (time.process_time) per submit: median, mean, p90.
Wall time is printed too, but on a shared machine only the CPU figure is steady. The first
`--warm` submits are not counted (compiled statements, caches); then, as gunicorn.conf.py does in
each worker, the garbage collector freezes what is loaded. The floor is a bare Flask hello through
the same test client, measured the same way, so `floor / submit` is the in-process ratio.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
CODE = os.environ.get("LEARNPATH_CODE", str(ROOT))  # the checkout whose app is measured
SECRET = "submit-cpu-bench-secret-key-0123456789abcdef"  # fixed: the opaque option ids depend on it


def flask_cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "learnpath", *args], env=env, cwd=CODE, check=True,
                   stdout=subprocess.DEVNULL)


class _NoGo:
    def run(self, spec, code, hidden=False):
        return {"status": "build_failed", "tests": []}


def ensure_database(url: str, rebuild: bool) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        if path.exists() and not rebuild:
            return
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        parsed = make_url(url)
        if "bench" not in (parsed.database or ""):
            raise SystemExit("the PostgreSQL database's name must contain 'bench' (it may be dropped)")
        admin = sa.create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
            if exists and not rebuild:
                admin.dispose()
                return
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    print(f"building {url} (migrations, seed catalog, learners) …", flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "LEARNPATH_"))}
    env.update(DATABASE_URL=url, SECRET_KEY=SECRET, LEARNPATH_ENV="production", RATELIMIT_ENABLED="0",
               PYTHONPATH=CODE)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "content", "import", "seeds")
    import datagen
    from learnpath import create_app
    from learnpath.quiz.grading import register_runner

    app = create_app()
    # The histories' Go answers are graded as failed builds: the sandbox (seconds a run) is not what
    # this measures, and submits never go to lessons with Go exercises.
    register_runner(app, "go", _NoGo())
    datagen.generate(app, learners=60, heavy_answers=500, heavy_small_answers=200, submit_phases={},
                     start_phases={}, out_dir=OUT, log=print)


def _cprofile_report(profile, path: Path, n: int) -> None:
    """CPU (process time) per submit by package (self time) and the costliest functions."""
    import pstats
    from collections import defaultdict

    stats = pstats.Stats(profile)
    by_package: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        parts = filename.replace("\\", "/").split("/")
        package = next((p for p in ("learnpath", "sqlalchemy", "flask_login", "flask", "werkzeug", "fsrs", "json",
                                    "jinja2", "itsdangerous", "psycopg", "sqlite3") if p in parts), None)
        by_package[package or ("builtins" if filename == "~" else "other")] += tottime
        rows.append((tottime, cumtime, f"{'/'.join(parts[-2:])}:{line}({name})"))
    total = sum(by_package.values())
    lines = [f"cProfile, process time, {n} submits: {total / n * 1000:.2f} ms per submit (with cProfile's overhead)",
             "", "self time by package:"]
    lines += [f"  {t / total:6.1%}  {name}" for name, t in sorted(by_package.items(), key=lambda kv: -kv[1])]
    lines += ["", "costliest functions (self ms per submit, cumulative ms per submit):"]
    lines += [f"  {t / n * 1000:7.3f} {c / n * 1000:7.3f}  {where}" for t, c, where in sorted(rows, reverse=True)[:40]]
    lines += ["", "cumulative (ms per submit):"]
    lines += [f"  {c / n * 1000:7.3f}  {where}" for t, c, where in sorted(rows, key=lambda r: -r[1])[:60]]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'submit-cpu.sqlite3'}")
    parser.add_argument("-n", type=int, default=300, help="submits measured")
    parser.add_argument("--warm", type=int, default=30, help="submits before measuring (not counted)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--profile", help="also profile the measured submits with pyinstrument, text to this file")
    parser.add_argument("--cprofile", help="also run cProfile over the measured submits; top functions to this file")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    sys.path[:0] = [CODE, str(BENCH)]
    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY=SECRET, LEARNPATH_ENV="production",
                      RATELIMIT_ENABLED="0")
    OUT.mkdir(parents=True, exist_ok=True)
    ensure_database(args.database_url, args.rebuild)

    import sqlalchemy as sa
    from datetime import timedelta

    import datagen
    from learnpath import create_app
    from learnpath.extensions import db
    from learnpath.models import ApiToken, User

    app = create_app()
    rng = random.Random(args.seed if args.seed is not None else time.time_ns())
    total = args.n + args.warm
    with app.app_context():
        catalog = datagen.load_catalog(db.session)
        plain = [l for l in catalog.lessons.values() if l.qids and not l.runs_code]
        learners = db.session.scalars(sa.select(User).where(User.email.like("learner%"))).all()
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < total:
            pairs.add((rng.choice(learners).id, rng.choice(plain).id))
        tokens = {}
        for user in {u.id: u for u in learners}.values():
            if any(uid == user.id for uid, _ in pairs):
                row, tokens[user.id] = ApiToken.issue(user, timedelta(days=1))
                row.last_used_at = row.created_at  # its first use would otherwise write last_used_at
                db.session.add(row)
        db.session.commit()
        slugs = {l.id: l.slug for l in plain}
        db.session.remove()

    client = app.test_client()
    requests = []
    for uid, lid in sorted(pairs, key=lambda _: rng.random()):
        headers = {"Authorization": f"Bearer {tokens[uid]}"}
        started = client.post(f"/api/v1/lessons/{slugs[lid]}/attempts", headers=headers)
        assert started.status_code in (200, 201), started.get_data(as_text=True)[:300]
        attempt = started.get_json()
        answers = {}
        for q in attempt["questions"]:
            r = rng.random()
            if r >= 0.05:
                answers[str(q["id"])] = catalog.questions[q["id"]].public["right" if r < 0.80 else "wrong"]
        body = json.dumps({"answers": answers})
        requests.append((f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers, body))

    statements = []

    def count(*_args):
        statements[-1] += 1

    with app.app_context():
        engine = db.engine
    from sqlalchemy import event

    def submit(path, headers, body):
        response = client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])

    try:  # a worker that has served a while holds every lesson's catalog rows (where the app caches them)
        from learnpath.quiz import catalog_cache
    except ImportError:
        catalog_cache = None
    if catalog_cache is not None:
        with app.test_request_context():
            for lesson in plain:
                catalog_cache.lesson(lesson.id)
                catalog_cache.questions(lesson.qids)
    event.listen(engine, "after_cursor_execute", count)
    for path, headers, body in requests[: args.warm]:
        statements.append(0)
        submit(path, headers, body)
    event.remove(engine, "after_cursor_execute", count)
    gc.collect()
    gc.freeze()

    measured = requests[args.warm:]
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    cprofile = None
    if args.cprofile:
        import cProfile

        cprofile = cProfile.Profile(time.process_time)
        cprofile.enable()
    cpu, wall = [], []
    for path, headers, body in measured:
        c, t = time.process_time(), time.perf_counter()
        submit(path, headers, body)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    if cprofile is not None:
        cprofile.disable()
        _cprofile_report(cprofile, Path(args.cprofile), len(measured))
    if profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, color=False, show_all=False))

    from flask import Flask

    hello = Flask("hello")
    hello.get("/")(lambda: "Hello, World!")
    hc = hello.test_client()
    for _ in range(200):
        hc.get("/")
    floor = []
    for _ in range(2000):
        c = time.process_time()
        hc.get("/")
        floor.append(time.process_time() - c)

    ms = lambda xs: [x * 1000 for x in xs]  # noqa: E731
    cpu_ms, wall_ms, floor_ms = ms(cpu), ms(wall), ms(floor)
    cpu_ms.sort()
    # process_time() ticks are coarse on some kernels: the mean over many submits is the steady figure
    figures = {
        "backend": engine.dialect.name, "n": len(cpu_ms), "cpu_mean_ms": statistics.fmean(cpu_ms),
        "cpu_median_ms": statistics.median(cpu_ms), "cpu_p90_ms": cpu_ms[int(len(cpu_ms) * 0.9)],
        "wall_median_ms": statistics.median(wall_ms), "floor_cpu_mean_ms": statistics.fmean(floor_ms),
        "statements": statistics.median(statements) if statements else None,
        "load_avg": os.getloadavg()[0],
    }
    figures["ratio_to_floor"] = figures["floor_cpu_mean_ms"] / figures["cpu_mean_ms"]
    print(f"{figures['backend']}: {figures['n']} submits, CPU per submit mean {figures['cpu_mean_ms']:.2f} ms, "
          f"median {figures['cpu_median_ms']:.2f} ms, p90 {figures['cpu_p90_ms']:.2f} ms; wall median "
          f"{figures['wall_median_ms']:.2f} ms; {figures['statements']} statements per submit; floor (Flask hello, "
          f"same client) {figures['floor_cpu_mean_ms']:.3f} ms → {figures['ratio_to_floor']:.3f}× floor; "
          f"load average {figures['load_avg']:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
