"""Check Go exercises in the sandbox: the reference passes every test (with -race when set), each
wrong/*.go fails (and compiles: a compile error is not a meaningful wrong solution), starter.go compiles
with the visible tests.

    .venv/bin/python tools/check_go_exercises.py [FOLDER ...]     (default: seeds/go)

An exercise is any folder holding exercise.yaml (docs/content-format.md). Runs go through the lab's
bounded queue (one per core). Exit status 1 on any problem, 2 if the sandbox is unavailable.
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from learnpath.golab import runner, sandbox  # noqa: E402
from learnpath.golab.jobs import InProcessQueue, RunRequest  # noqa: E402

REQUIRED = ("exercise.yaml", "starter.go", "example_test.go", "hidden_test.go", "solution.go")


@dataclass
class Check:
    exercise: Path
    label: str          # "solution.go", "wrong/x.go", "starter.go"
    expect: str         # "pass" | "fail" | "compiles"
    request: RunRequest


def find_exercises(folders: list[Path]) -> list[Path]:
    found = []
    for folder in folders:
        found += sorted(p.parent for p in folder.rglob("exercise.yaml"))
    return found


def structural_problems(folder: Path) -> list[str]:
    problems = [f"{folder}: missing {name}" for name in REQUIRED if not (folder / name).exists()]
    if problems:
        return problems
    wrong = sorted((folder / "wrong").glob("*.go")) if (folder / "wrong").is_dir() else []
    if len(wrong) < 2:
        problems.append(f"{folder}: needs at least two wrong/*.go")
    visible = set(runner.test_names((folder / "example_test.go").read_text()))
    hidden = runner.test_names((folder / "hidden_test.go").read_text())
    if not visible:
        problems.append(f"{folder}: example_test.go has no Test function")
    if not hidden:
        problems.append(f"{folder}: hidden_test.go has no Test function")
    clash = visible & set(hidden)
    if clash:
        problems.append(f"{folder}: hidden test names clash with visible ones: {sorted(clash)}")
    for path in [folder / "starter.go", folder / "solution.go", *wrong]:
        reason = runner.refuse_reason(path.read_text())
        if reason:
            problems.append(f"{path}: {reason}")
    return problems


def checks_for(folder: Path) -> list[Check]:
    exercise = runner.Exercise.load(folder)
    checks = [Check(folder, "solution.go", "pass", RunRequest.for_exercise(exercise, (folder / "solution.go").read_text(), hidden=True)),
              # the starter compiles with the visible tests (a generics exercise's hidden tests may need the fix)
              Check(folder, "starter.go", "compiles", RunRequest.for_exercise(exercise, (folder / "starter.go").read_text(), hidden=False))]
    for wrong in sorted((folder / "wrong").glob("*.go")):
        checks.append(Check(folder, f"wrong/{wrong.name}", "fail", RunRequest.for_exercise(exercise, wrong.read_text(), hidden=True)))
    return checks


def verdict(check: Check, result: dict) -> str | None:
    status = result.get("status")
    where = f"{check.exercise}/{check.label}"
    if status in ("refused", "unavailable", "error"):
        return f"{where}: {status}: {result.get('message')}"
    if check.expect == "pass" and status != "passed":
        failing = [t["name"] for t in result.get("tests", []) if not t["passed"]]
        return f"{where}: the reference must pass, got {status} {failing} {result.get('output', '')[-800:]}"
    if check.expect == "fail" and status == "passed":
        return f"{where}: this wrong solution passes every test"
    if check.expect == "fail" and status == "compile_error":
        return f"{where}: a wrong solution must compile (a compile error teaches nothing): {result.get('output', '')[-400:]}"
    if check.expect == "compiles" and status == "compile_error":
        return f"{where}: the starter does not compile: {result.get('output', '')[-400:]}"
    return None


def check(folders: list[Path], *, workers: int | None = None, log=print) -> list[str]:
    exercises = find_exercises(folders)
    problems = [p for folder in exercises for p in structural_problems(folder)]
    checks = [c for folder in exercises if not structural_problems(folder) for c in checks_for(folder)]
    queue = InProcessQueue(workers=workers)
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=max(1, len(checks))) as pool:
            results = list(pool.map(lambda c: queue.run(c.request.__dict__), checks))
    finally:
        queue.close()
    for item, result in zip(checks, results):
        problem = verdict(item, result or {"status": "error", "message": "no result"})
        if problem:
            problems.append(problem)
    log(f"{len(exercises)} exercises, {len(checks)} runs in {time.monotonic() - started:.1f} s, {len(problems)} problems")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[ROOT / "seeds" / "go"])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        sandbox.prepare(log=print)
    except sandbox.SandboxUnavailable as exc:
        print(f"Go sandbox unavailable: {exc}", file=sys.stderr)
        return 2
    problems = check([f for f in args.folders if f.exists()], workers=args.workers)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
