"""CPU per dashboard view, in-process: the first view after an answer, a repeat view, and the
cache-off view, for a heavy learner of the benchmark's dataset.

    .venv/bin/python bench/compare_dashboards.py                     # SQLite, this checkout
    .venv/bin/python bench/compare_dashboards.py --root /tmp/before  # the same with another checkout's code
    .venv/bin/python bench/compare_dashboards.py --database-url postgresql://postgres@127.0.0.1:5432/dash_bench

The database is built once (migrations, the seed catalog, `bench/datagen.py` with a few regular learners,
the 20,000- and 2,000-answer learners) and reused while its file or database exists (`--build` rebuilds;
a PostgreSQL database name must contain `bench`). Each round submits a lesson quiz for the learner through
the API (a real first submit: answers, progress, review cards, aggregates), then times one dashboard view
(the first after that answer) and one more (a repeat); then the same learner's view on an app with
LEARNPATH_DASHBOARD_CACHE=0 is timed N times with no answer between (what bench/run.py's cache-off server
measures). Reported: CPU of this process per view (time.process_time: what a worker spends, steady on a
shared machine), wall time, and SQL statements per view (on the app's engine and the fast path's: the
signed-in user's row counts).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'dash.sqlite3'}")
    parser.add_argument("--root", default=str(BENCH.parent), help="checkout whose learnpath package is measured")
    parser.add_argument("--build", action="store_true", help="rebuild the database first")
    parser.add_argument("-n", type=int, default=40, help="rounds (answer + first view + repeat view)")
    parser.add_argument("--learner", default="heavy", choices=("heavy", "heavy2k", "light"))
    parser.add_argument("--profile", help="write a pyinstrument profile of the first views to this file")
    parser.add_argument("--json", help="append the figures as one JSON line to this file")
    parser.add_argument("--check", action="store_true",
                        help="also render each first view from scratch (LEARNPATH_DASHBOARD_PARTS=0) at the same moment "
                             "and stop at the first difference (this checkout only)")
    args = parser.parse_args()

    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(BENCH))
    OUT.mkdir(exist_ok=True)
    os.environ.update(DATABASE_URL=args.database_url, SECRET_KEY="compare-dashboards-secret-key-0123456789",
                      LEARNPATH_ENV="production", RATELIMIT_ENABLED="0")
    import sqlalchemy as sa
    from sqlalchemy import event

    import datagen
    from learnpath import create_app
    from learnpath.extensions import db

    fixture_path = OUT / ("dash-fixture-" + re.sub(r"\W", "_", args.database_url.rsplit("/", 1)[-1]) + ".json")
    instance = str(OUT / "dash-instance")
    if args.build or not fixture_path.exists() or not _exists(args.database_url):
        _build(args.database_url, fixture_path, instance)
    fixture = json.loads(fixture_path.read_text())
    learner = fixture["users"][args.learner]

    app = create_app(instance_path=instance)
    off = create_app({"DASHBOARD_CACHE": False}, instance_path=instance)
    print(f"code: {root}; database: {args.database_url}; learner {args.learner} ({learner['answers']:,} answers)")

    with app.app_context():
        catalog = datagen.load_catalog(db.session)
        db.session.remove()
    plain = [l for l in catalog.lessons.values() if l.qids and not l.runs_code]
    rng = random.Random(7)

    statements = {"n": 0}

    def count(*_):
        statements["n"] += 1

    def client_for(flask_app):
        client = flask_app.test_client()
        page = client.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        r = client.post("/login", data={"csrf_token": token, "email": learner["email"], "password": fixture["password"]})
        assert r.status_code == 302, r.status_code
        return client

    web, web_off = client_for(app), client_for(off)
    if args.check:
        from learnpath.review import services as review
        scratch = client_for(create_app({"DASHBOARD_CACHE": False, "DASHBOARD_PARTS": False}, instance_path=instance))

        def body(html: str) -> str:
            return html[html.index("<h1>Your dashboard</h1>"):html.index("</main>")]
    api = app.test_client()
    auth = {"Authorization": f"Bearer {learner['token']}", "Content-Type": "application/json"}

    def answer() -> None:
        lesson = rng.choice(plain)
        r = api.post(f"/api/v1/lessons/{lesson.slug}/attempts", headers=auth, data="{}")
        assert r.status_code in (200, 201), (r.status_code, r.text[:300])
        started = r.get_json()
        asked = {str(q["id"]) for q in started["questions"]}  # a pool may ask a subset of the lesson's questions
        body = json.loads(datagen.submit_body(catalog, lesson, rng))
        body["answers"] = {k: v for k, v in body["answers"].items() if k in asked}
        r = api.post(f"/api/v1/attempts/{started['attempt_id']}/submit", headers=auth, data=json.dumps(body))
        assert r.status_code == 200, (r.status_code, r.text[:300])

    def view(client) -> tuple[float, float, int, str]:
        statements["n"] = 0
        t, c = time.perf_counter(), time.process_time()
        r = client.get("/dashboard")
        cpu, wall = time.process_time() - c, time.perf_counter() - t
        assert r.status_code == 200 and "Your dashboard" in r.text, r.status_code
        return cpu, wall, statements["n"], r.text

    # Warm both apps (templates, compiled statements), then freeze what is loaded, as gunicorn.conf.py does.
    for _ in range(2):
        answer()
        view(web), view(web), view(web_off)
    gc.collect()
    gc.freeze()
    engines = []
    for flask_app in (app, off):
        with flask_app.app_context():
            engines.append(db.engine)
            lane = flask_app.extensions.get("lane")  # the signed-in fast path reads on an engine of its own
            if lane is not None and lane.engine() is not db.engine:
                engines.append(lane.engine())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)

    profiler = None
    if args.profile:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0005)
    first, repeat, cold = [], [], []
    checked = 0
    for i in range(args.n):
        answer()
        if args.check:  # the same moment for both renders, and time moving on (recall decays between views)
            from datetime import datetime, timedelta, timezone
            moment = datetime.now(timezone.utc) + timedelta(hours=i)
            review.now_utc = lambda moment=moment: moment
        if profiler:
            profiler.start()
        cpu, wall, count_, html = view(web)
        first.append((cpu, wall, count_))
        if profiler:
            profiler.stop()
        if args.check:
            expected = scratch.get("/dashboard").text
            if body(html) != body(expected):
                Path(OUT / "check-parts.html").write_text(body(html))
                Path(OUT / "check-scratch.html").write_text(body(expected))
                raise SystemExit(f"round {i}: the dashboard from parts differs from one rendered from scratch "
                                 f"(bench/out/check-parts.html, bench/out/check-scratch.html)")
            checked += 1
        repeat.append(view(web)[:3])
    for _ in range(args.n):
        cold.append(view(web_off)[:3])
    for engine in engines:
        event.remove(engine, "before_cursor_execute", count)
    if profiler:
        Path(args.profile).write_text(profiler.output_text(unicode=True, color=False))

    def line(name, rows):
        cpu = sorted(r[0] * 1000 for r in rows)
        wall = sorted(r[1] * 1000 for r in rows)
        q = statistics.mean(r[2] for r in rows)
        p95 = cpu[min(len(cpu) - 1, int(len(cpu) * 0.95))]
        print(f"  {name:34} CPU median {statistics.median(cpu):6.2f} ms  mean {statistics.mean(cpu):6.2f}  "
              f"p95 {p95:6.2f}   wall median {statistics.median(wall):6.2f} ms   {q:4.1f} statements")
        return {"cpu_median": statistics.median(cpu), "cpu_mean": statistics.mean(cpu), "cpu_p95": p95,
                "wall_median": statistics.median(wall), "statements": q}

    if args.check:
        print(f"checked: {checked} first views equal to a render from scratch")
    print(f"{args.n} rounds; load average {os.getloadavg()[0]:.2f} (2 cores, shared)")
    result = {"root": str(root), "database": args.database_url.split(":", 1)[0], "learner": args.learner,
              "first_after_answer": line("first view after an answer", first),
              "repeat": line("repeat view", repeat),
              "cache_off": line("cache off (no answer between)", cold)}
    if args.json:
        with open(args.json, "a") as fh:
            fh.write(json.dumps(result) + "\n")


def _exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):]).exists()
    import sqlalchemy as sa
    try:
        sa.create_engine(url).connect().close()
        return True
    except sa.exc.OperationalError:
        return False


class _PassingGoRunner:
    """Grades every Go answer as passing: the dataset's Go answers are not what this script measures,
    and the real runner would build each one in the sandbox."""

    def run(self, spec, response, hidden=False):
        return {"status": "passed", "tests": [{"name": "TestAll", "passed": True}]}


def _build(url: str, fixture_path: Path, instance: str) -> None:
    """A fresh database with the seed catalog and the benchmark's learners (a few regular ones)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    import datagen
    from learnpath import create_app
    from learnpath.config import REPO_ROOT
    from learnpath.content.importer import import_pack
    from learnpath.content.pack import load_pack
    from learnpath.extensions import db

    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    else:
        server, name = url.rsplit("/", 1)
        if "bench" not in name:
            raise SystemExit("a PostgreSQL database for this script must have 'bench' in its name (it is dropped)")
        engine = sa.create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    app = create_app({"GO_RUNNER": _PassingGoRunner()}, instance_path=instance)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        import_pack(load_pack(REPO_ROOT / "seeds"))
        db.session.remove()
    fixture = datagen.generate(app, learners=20, heavy_answers=20_000, heavy_small_answers=2_000,
                               submit_phases={}, start_phases={}, out_dir=OUT, log=print)
    fixture_path.write_text(json.dumps(fixture, indent=2))
    print(f"built {url} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
