#!/usr/bin/env python
"""Profile pages in-process against the benchmark database (after bench/run.py has built it).

    .venv/bin/python bench/profile_pages.py [--pages dash_20k,lesson,...] [-n 30] [--no-pyinstrument]

For each page: wall time per request through the Flask test client (no profiler), the SQL it runs
(statements per request, time in the database per request, the costliest statements), and a
pyinstrument profile of a request loop (text in bench/out/profile-<page>.txt, HTML beside it).
The database and users come from bench/out/fixture.json (written by bench/run.py; for PostgreSQL
run it with --keep-db).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

PAGES = {
    "home": ("GET", "/", None),
    "course": ("GET", "/courses/distributed-systems", None),
    "lesson": ("GET", "/lessons/tcp-deep-dive", None),
    "search": ("GET", "/search?q=consistency", None),
    "course_user": ("GET", "/courses/distributed-systems", "light"),
    "lesson_user": ("GET", "/lessons/tcp-deep-dive", "light"),
    "dash_light": ("GET", "/dashboard", "light"),
    "dash_2k": ("GET", "/dashboard", "heavy2k"),
    "dash_20k": ("GET", "/dashboard", "heavy"),
    "progress": ("GET", "/api/v1/me/progress", "heavy"),
    "submit": ("SUBMIT", None, None),
    "start_new": ("START", None, None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="home,course,lesson,search,dash_light,dash_2k,dash_20k,progress,submit")
    parser.add_argument("-n", type=int, default=30, help="requests per page (each timed and profiled)")
    parser.add_argument("--no-pyinstrument", action="store_true")
    parser.add_argument("--skip", type=int, default=0,
                        help="for submit/start: skip this many request lines from the end (already used by a run)")
    parser.add_argument("--tag", default="", help="suffix for the output files")
    args = parser.parse_args()

    fixture = json.loads((OUT / "fixture.json").read_text())
    os.environ.update(DATABASE_URL=fixture["database_url"], SECRET_KEY=fixture["secret_key"],
                      LEARNPATH_ENV="production", RATELIMIT_ENABLED="0")
    from sqlalchemy import event

    from learnpath import create_app
    from learnpath.extensions import db

    app = create_app()
    stats: dict[str, list] = defaultdict(list)
    recording = {"on": False}

    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t0", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        t = time.perf_counter() - conn.info["t0"].pop()
        if recording["on"]:
            stats[" ".join(statement.split())[:160]].append(t)

    def listen(on: bool) -> None:
        """SQL timing only while timing: the listeners would otherwise show up in the pyinstrument profile."""
        for name, fn in (("before_cursor_execute", before), ("after_cursor_execute", after)):
            if on and not event.contains(engine, name, fn):
                event.listen(engine, name, fn)
            elif not on and event.contains(engine, name, fn):
                event.remove(engine, name, fn)

    def client_for(kind: str | None):
        client = app.test_client()
        if kind:
            user = fixture["users"][kind]
            page = client.get("/login")
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
            r = client.post("/login", data={"csrf_token": token, "email": user["email"],
                                            "password": fixture["password"]})
            assert r.status_code == 302, r.status_code
        return client

    def requests_for(name: str, n: int):
        """(client, callable) making one request; replays use unused lines of the c2 request files."""
        method, path, kind = PAGES[name]
        if method == "GET":
            client = client_for(kind)
            headers = {"Authorization": f"Bearer {fixture['users'][kind]['token']}"} if path.startswith("/api/") else {}
            return [lambda: client.get(path, headers=headers)] * n
        key = "submit" if method == "SUBMIT" else "start"
        phases = fixture["request_files"][key]
        lines = Path(phases.get("c2") or phases["c16"]).read_text().splitlines()
        lines = lines[: len(lines) - args.skip][-2 * n:]
        client = app.test_client()
        calls = []
        for line in lines:
            m, p, token, body = line.split("\t", 3)
            calls.append(lambda p=p, token=token, body=body: client.post(
                p, data=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}))
        return calls

    summary = []
    for name in args.pages.split(","):
        calls = requests_for(name, args.n)
        timed, profiled = calls[: args.n], calls[args.n:] or calls[: args.n]
        timed[0]()  # warm (templates, compiled SQL)
        stats.clear()
        listen(True)
        recording["on"] = True
        times, cpu = [], []
        for call in timed[1:]:
            t, c = time.perf_counter(), time.process_time()
            r = call()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            assert r.status_code in (200, 201), (name, r.status_code, r.get_data(as_text=True)[:300])
        recording["on"] = False
        listen(False)
        n = len(times)
        times.sort()
        cpu.sort()
        queries = sum(len(v) for v in stats.values()) / n
        sql_ms = sum(sum(v) for v in stats.values()) / n * 1000
        mean_ms = sum(times) / n * 1000
        top = sorted(stats.items(), key=lambda kv: -sum(kv[1]))[:8]
        lines = [f"## {name}: {PAGES[name][1] or PAGES[name][0].lower()}",
                 f"wall per request (test client, no profiler): mean {mean_ms:.1f} ms, median {times[n // 2] * 1000:.1f} ms, "
                 f"max {times[-1] * 1000:.1f} ms over {n}",
                 # CPU time of this process: what a worker spends, unlike wall time hardly moved by other load
                 f"CPU per request: median {cpu[n // 2] * 1000:.2f} ms, p90 {cpu[int(n * 0.9)] * 1000:.2f} ms",
                 f"SQL: {queries:.1f} statements per request, {sql_ms:.1f} ms per request in the database driver "
                 f"({sql_ms / mean_ms:.0%} of the request)",
                 "costliest statements (ms per request, calls per request):"]
        for stmt, ts in top:
            lines.append(f"  {sum(ts) / n * 1000:7.2f} ms  x{len(ts) / n:4.1f}  {stmt}")
        if not args.no_pyinstrument and profiled:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for call in profiled:
                call()
            profiler.stop()
            text = profiler.output_text(unicode=True, color=False, show_all=False)
            (OUT / f"profile-{name}{args.tag}.txt").write_text(text)
            (OUT / f"profile-{name}{args.tag}.html").write_text(profiler.output_html())
            lines.append(f"pyinstrument ({len(profiled)} requests): bench/out/profile-{name}{args.tag}.txt")
        block = "\n".join(lines)
        print(block + "\n", flush=True)
        summary.append(block)
    (OUT / f"profile-summary{args.tag}.md").write_text("\n\n".join(summary) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
