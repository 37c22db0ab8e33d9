#!/usr/bin/env python
"""Worker CPU per request of one gunicorn sync worker, page by page, with an optional py-spy profile.

    .venv/bin/python bench/worker_cpu.py [--pages floor,lesson,course,dash,progress] [-d 8] [--profile DIR]
                                         [--env LEARNPATH_DASHBOARD_CACHE=0 …]

Uses the database and users bench/run.py left (bench/out/fixture.json). Starts the bare Flask hello
(bench/hello.py, the floor) and learnpath, each as gunicorn with ONE sync worker, drives each page with
`wrk -t1 -c2` for `-d` seconds, and divides the worker's CPU (user + system, /proc) by the requests
served. A single worker's CPU per request is what throughput on a busy machine comes down to, and it
moves far less than req/s when other processes share the cores. With --profile, py-spy (pip install
py-spy) samples the worker during the run and DIR/<page>.txt gets its busiest functions (own and
cumulative share of samples).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from procstat import CLK_TCK  # noqa: E402
from run import USER_AGENT, free_port, login  # noqa: E402

PAGES = {  # name -> (path, who: a fixture user for a cookie, "token:<user>" for a bearer token, None: anonymous)
    "floor": ("/", None),
    "lesson": ("/lessons/tcp-deep-dive", "light"),
    "course": ("/courses/distributed-systems", "light"),
    "dash": ("/dashboard", "heavy"),
    "progress": ("/api/v1/me/progress", "token:heavy"),
    "visitor_lesson": ("/lessons/tcp-deep-dive", None),
}


def ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def serve(app_spec: str, env: dict) -> tuple[subprocess.Popen, str, int]:
    port = free_port()
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", app_spec], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=open(BENCH / "out" / "gunicorn-worker-cpu.log", "a"))
    base = f"http://127.0.0.1:{port}"
    import requests
    for _ in range(200):
        try:
            requests.get(base + "/healthz" if "learnpath" in app_spec else base, timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.1)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    return proc, base, int(children[0])


def wrk(base: str, path: str, headers: dict, seconds: int) -> int:
    args = ["wrk", "-t1", "-c2", f"-d{seconds}s", "-H", f"User-Agent: {USER_AGENT}"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run([*args, base + path], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{path}: non-2xx answers\n{out}")
    return int(re.search(r"(\d+) requests in", out).group(1))


def summarise(raw: Path, out: Path, top: int = 25) -> None:
    """py-spy's raw (collapsed) stacks -> the functions with the most samples, own and cumulative."""
    own, total, samples = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r" \(/.*?site-packages/| \(/work/[^/]*/", " (", f) for f in stack.split(";")]
        n = int(count)
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    lines = [f"{samples} samples", "", "own%  function"]
    lines += [f"{100 * n / samples:5.1f} {f}" for f, n in own.most_common(top)]
    lines += ["", "cum%  function"]
    lines += [f"{100 * n / samples:5.1f} {f}" for f, n in total.most_common(top)]
    out.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="floor,lesson,course,dash,progress")
    parser.add_argument("-d", "--duration", type=int, default=8)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for the app, e.g. LEARNPATH_DASHBOARD_CACHE=0 (repeatable)")
    args = parser.parse_args()
    fixture = json.loads((BENCH / "out" / "fixture.json").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "LEARNPATH_"))}
    env.update(DATABASE_URL=fixture["database_url"], SECRET_KEY=fixture["secret_key"], LEARNPATH_ENV="production",
               RATELIMIT_ENABLED="0", PYTHONPATH=str(BENCH))
    env.update(setting.split("=", 1) for setting in args.env)
    hello, hello_base, hello_worker = serve("hello:app", env)
    app, app_base, app_worker = serve("learnpath:create_app()", env)
    try:
        cookies: dict[str, str] = {}
        for name in args.pages.split(","):
            path, who = PAGES[name]
            base, worker = (hello_base, hello_worker) if name == "floor" else (app_base, app_worker)
            headers = {}
            if who and who.startswith("token:"):
                headers["Authorization"] = f"Bearer {fixture['users'][who[6:]]['token']}"
            elif who:
                if who not in cookies:
                    user = fixture["users"][who]
                    cookies[who] = login(app_base, user["email"], fixture["password"], "")
                headers["Cookie"] = cookies[who]
            wrk(base, path, headers, 1)  # warm: shells rendered, tickets left
            spy = None
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                spy = subprocess.Popen([str(ROOT / ".venv/bin/py-spy"), "record", "-r", "500", "-p", str(worker), "-f", "raw",
                                        "-o", str(args.profile / f"{name}.raw"), "-d", str(args.duration)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(0.5)
            before = ticks(worker)
            requests_done = wrk(base, path, headers, args.duration)
            cpu = (ticks(worker) - before) / CLK_TCK
            print(f"{name:16} {requests_done / args.duration:8.0f} req/s at c2   worker CPU {cpu / requests_done * 1e3:.3f} ms/request",
                  flush=True)
            if spy is not None:
                spy.wait()
                summarise(args.profile / f"{name}.raw", args.profile / f"{name}.txt")
    finally:
        for proc in (hello, app):
            os.killpg(proc.pid, 15)


if __name__ == "__main__":
    main()
