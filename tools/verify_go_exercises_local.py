"""Check the Go exercises in seeds/go/ by running the pinned Go directly (trusted content only).

    python tools/verify_go_exercises_local.py [--go PATH] [--runs 3] [EXERCISE_DIR ...]

For every exercise (seeds/go/<lesson>/<id>/) in a fresh temp dir with a generated go.mod:
  - metadata: id matches the folder and the id pattern, no clash with the lesson's question ids,
    topics exist in seeds/topics.yaml, difficulty 1-3, every file is `package exercise`, hidden tests
    are named TestHidden..., files are gofmt-clean, at least two wrong solutions;
  - reference (solution.go): `go vet` clean and `go test -count=1` passes --runs times, the first
    run with `-cpu 1,2` (and -race when race: true), every run under the 5 s test-time budget;
  - each wrong/*.go as solution.go: compiles, and fails at least one test on each of --wrong-runs
    runs, alternating GOMAXPROCS 1 and 2 (failing tests reported, hidden ones marked; a vet finding
    is reported as a note);
  - starter.go with the example tests only: vets, and at least one visible test fails.

This runs learners' code nowhere: it only executes the pack's own files. The app's sandboxed checker
replaces it in CI. Exit status 1 when any check fails.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "seeds"
GO_MOD = "module exercise\n\ngo 1.27\n"
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TEST_BUDGET_S = 5.0


@dataclass
class Result:
    path: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    max_test_s: float = 0.0


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", CGO_ENABLED="1", GO111MODULE="on")
    return env


def run(cmd: list[str], cwd: Path, timeout: float = 600) -> tuple[int, str]:
    try:
        p = subprocess.run(cmd, cwd=cwd, env=go_env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, f"timeout after {timeout}s: {' '.join(cmd)}"
    return p.returncode, p.stdout + p.stderr


def go_test(go: str, d: Path, race: bool, cpu: str | None = None) -> tuple[bool, bool, list[str], float, str]:
    """Returns (passed, build_failed, failed test names, package elapsed seconds, raw output)."""
    cmd = [go, "test", "-json", "-count=1", "-timeout=60s"]
    if race:
        cmd.append("-race")
    if cpu:
        cmd += ["-cpu", cpu]
    rc, out = run(cmd, d)
    failed: list[str] = []
    build_failed = False
    elapsed = 0.0
    for line in out.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            if "build failed" in line or line.startswith("#"):
                build_failed = True
            continue
        if ev.get("Action") == "build-fail" or ev.get("FailedBuild"):
            build_failed = True
        if ev.get("Action") == "fail" and ev.get("Test"):
            failed.append(ev["Test"].split("/")[0])
        if ev.get("Action") in ("pass", "fail") and not ev.get("Test") and ev.get("Elapsed") is not None:
            elapsed = float(ev["Elapsed"])
    return rc == 0, build_failed, sorted(set(failed)), elapsed, out


def setup(tmp: Path, ex: Path, candidate: Path, hidden: bool = True) -> None:
    for f in tmp.iterdir():
        f.unlink()
    (tmp / "go.mod").write_text(GO_MOD)
    shutil.copy(ex / "example_test.go", tmp / "example_test.go")
    if hidden:
        shutil.copy(ex / "hidden_test.go", tmp / "hidden_test.go")
    shutil.copy(candidate, tmp / "solution.go")


def test_names(src: str) -> list[str]:
    return re.findall(r"^func (Test\w*)\(", src, re.M)


def check_meta(ex: Path, topics: set[str], res: Result) -> dict:
    meta = yaml.safe_load((ex / "exercise.yaml").read_text())
    for key in ("id", "title", "prompt", "explanation", "topics", "difficulty"):
        if not meta.get(key):
            res.problems.append(f"exercise.yaml: missing {key}")
    if meta.get("id") != ex.name or not ID_RE.match(str(meta.get("id"))):
        res.problems.append(f"id {meta.get('id')!r} must match folder {ex.name!r} and {ID_RE.pattern}")
    lesson = PACK / "lessons" / f"{ex.parent.name}.md"
    if not lesson.exists():
        res.problems.append(f"no lesson {lesson.name}")
    elif re.search(rf"^- id: {re.escape(str(meta.get('id')))}\s*$", lesson.read_text(), re.M):
        res.problems.append(f"id {meta.get('id')} clashes with a question of {lesson.name}")
    for t in meta.get("topics") or []:
        if t not in topics:
            res.problems.append(f"unknown topic {t}")
    if meta.get("difficulty") not in (1, 2, 3):
        res.problems.append("difficulty must be 1, 2 or 3")
    if not isinstance(meta.get("race", False), bool):
        res.problems.append("race must be a boolean")
    files = [ex / n for n in ("starter.go", "example_test.go", "hidden_test.go", "solution.go")]
    wrongs = sorted((ex / "wrong").glob("*.go"))
    if len(wrongs) < 2:
        res.problems.append("needs at least two wrong solutions")
    for f in files + wrongs:
        if not f.exists():
            res.problems.append(f"missing {f.name}")
            continue
        if not re.search(r"^package exercise$", f.read_text(), re.M):
            res.problems.append(f"{f.relative_to(ex)}: not package exercise")
    if all(f.exists() for f in files):
        visible = set(test_names((ex / "example_test.go").read_text()))
        hidden = test_names((ex / "hidden_test.go").read_text())
        bad = [n for n in hidden if not n.startswith("TestHidden") or n in visible]
        if bad:
            res.problems.append(f"hidden test names must start with TestHidden: {bad}")
        if not hidden:
            res.problems.append("hidden_test.go has no tests")
    return meta


def verify(go: str, ex: Path, topics: set[str], runs: int, wrong_runs: int = 1) -> Result:
    res = Result(str(ex.relative_to(ROOT)))
    meta = check_meta(ex, topics, res)
    if res.problems:
        return res
    race = bool(meta.get("race", False))
    gofmt = str(Path(run([go, "env", "GOROOT"], ROOT)[1].strip()) / "bin" / "gofmt")
    rc, out = run([gofmt, "-l", *[str(p) for p in sorted(ex.rglob("*.go"))]], ex)
    if out.strip():
        res.problems.append(f"not gofmt-clean: {out.strip()}")
    hidden_names = set(test_names((ex / "hidden_test.go").read_text()))
    with tempfile.TemporaryDirectory(prefix="goex-") as t:
        tmp = Path(t)
        # Reference solution.
        setup(tmp, ex, ex / "solution.go")
        rc, out = run([go, "vet", "."], tmp)
        if rc != 0:
            res.problems.append(f"solution: go vet failed:\n{out}")
        for i in range(runs):
            cpu = "1,2" if i == 0 else None
            ok, build_failed, failed, elapsed, out = go_test(go, tmp, race, cpu)
            # -cpu 1,2 runs every test twice: budget is per run of the test set.
            per_run = elapsed / 2 if cpu else elapsed
            res.max_test_s = max(res.max_test_s, per_run)
            if not ok:
                res.problems.append(f"solution run {i + 1} failed {failed}:\n{out[-3000:]}")
                break
            if per_run > TEST_BUDGET_S:
                res.problems.append(f"solution run {i + 1} took {per_run:.2f}s > {TEST_BUDGET_S}s")
        # Wrong solutions.
        for w in sorted((ex / "wrong").glob("*.go")):
            setup(tmp, ex, w)
            rc, out = run([go, "vet", "."], tmp)
            if rc != 0:
                res.notes.append(f"wrong/{w.name}: go vet reports: {out.strip().splitlines()[-1]}")
            for i in range(wrong_runs):  # a wrong solution must fail on every run, not just usually
                # Alternate GOMAXPROCS 1 and 2: a sandbox limited to one CPU runs with GOMAXPROCS=1.
                ok, build_failed, failed, elapsed, out = go_test(go, tmp, race, "1" if i % 2 == 0 else "2")
                if build_failed:
                    res.problems.append(f"wrong/{w.name}: does not compile:\n{out[-2000:]}")
                    break
                if ok:
                    res.problems.append(f"wrong/{w.name}: passes every test (run {i + 1} of {wrong_runs})")
                    break
            else:
                hid = [n for n in failed if n in hidden_names]
                vis = [n for n in failed if n not in hidden_names]
                how = ""
                if "panic: test timed out" in out:
                    how = " (HANGS until the test timeout)"
                elif not failed:
                    how = " (test binary crashed)"
                res.notes.append(f"wrong/{w.name}: fails visible={vis} hidden={hid}{how}")
        # Starter with the visible tests.
        setup(tmp, ex, ex / "starter.go", hidden=False)
        rc, out = run([go, "vet", "."], tmp)
        if rc != 0:
            res.problems.append(f"starter: go vet failed:\n{out}")
        ok, build_failed, failed, elapsed, out = go_test(go, tmp, race)
        if "panic: test timed out" in out:
            res.problems.append("starter: the visible tests hang instead of failing")
        if build_failed:
            res.problems.append(f"starter: does not compile with example tests:\n{out[-2000:]}")
        elif ok:
            res.problems.append("starter: passes the visible tests")
        else:
            res.notes.append(f"starter: fails visible={failed}")
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--go", default=str(ROOT / ".govenv" / "bin" / "go"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--wrong-runs", type=int, default=2,
                    help="runs per wrong solution, alternating -cpu 1 and -cpu 2; each must fail")
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args()
    go = args.go
    if os.path.islink(go) or not os.path.exists(go):
        go = shutil.which(go) or go
    topics = set(yaml.safe_load((PACK / "topics.yaml").read_text()))
    dirs = [Path(d).resolve() for d in args.dirs] or sorted(p.parent for p in (PACK / "go").glob("*/*/exercise.yaml"))
    rc, ver = run([go, "version"], ROOT)
    print(ver.strip(), flush=True)
    failed = 0
    slowest = 0.0
    started = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for res in pool.map(lambda d: verify(go, d, topics, args.runs, args.wrong_runs), dirs):
            status = "FAIL" if res.problems else "ok"
            print(f"{status:4} {res.path}  (max test time {res.max_test_s:.2f}s)")
            for n in res.notes:
                print(f"       {n}")
            for p in res.problems:
                print("   !! " + p.replace("\n", "\n      "))
            failed += bool(res.problems)
            slowest = max(slowest, res.max_test_s)
            sys.stdout.flush()
    print(f"{len(dirs)} exercises, {failed} failing; slowest reference test run {slowest:.2f}s; "
          f"{time.monotonic() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
