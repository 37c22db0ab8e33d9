"""Grade a learner's Go file against an exercise's tests, in the sandbox. Pure: no Flask, no database.

    run_exercise(exercise, code, hidden=False)  -> Run: the visible tests only
    run_exercise(exercise, code, hidden=True)   -> Submit: visible + hidden tests

Inside the sandbox: `go vet .` (type errors and vet findings, mapped to lines of solution.go), then
`go test -json -count=1 -vet=off [-race]`. Hidden tests' sources never appear in what is returned:
hidden tests report only their name and pass/fail, and any line pointing into hidden_test.go is dropped.
"""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from learnpath.golab import sandbox
from learnpath.golab.sandbox import GO_MOD, Limits, SandboxUnavailable

LEARNER_FILE = "solution.go"
VISIBLE_FILE = "example_test.go"
HIDDEN_FILE = "hidden_test.go"
MAX_CODE_BYTES = 64 * 1024
STATUSES = ("passed", "failed", "compile_error", "timeout", "limit")

_TEST_FUNC_RE = re.compile(r"^func\s+(Test\w*)\s*\(\s*\w+\s+\*testing\.T\s*\)", re.MULTILINE)
_POSITION_RE = re.compile(r"^(?:vet: )?(?:\./|/work/)?([\w.-]+\.go):(\d+)(?::(\d+))?:\s?(.*)$")
_LIMIT_MESSAGES = {
    "timeout": "time limit: the run took longer than {wall:g} s (wall clock) and was stopped",
    "cpu": "the run used more than its {cpu:g} s of CPU time and was stopped",
    "memory": "the run needed more than its {memory} MiB of memory and was stopped",
    "pids": "the run started more than {pids} processes/threads",
    "output": "the run printed more than {output} KiB and was stopped",
}
_HIDDEN_COMPILE_MESSAGE = ("the hidden tests do not compile against your solution.go: keep the names and "
                           "signatures the task asks for")


@dataclass
class Exercise:
    example_test: str
    hidden_test: str = ""
    race: bool = False
    timeout_seconds: float | None = None
    extra_files: dict[str, str] = field(default_factory=dict)  # e.g. a go.mod of a hostile test

    @classmethod
    def load(cls, folder: Path | str) -> "Exercise":
        folder = Path(folder)
        meta = yaml.safe_load((folder / "exercise.yaml").read_text()) if (folder / "exercise.yaml").exists() else {}
        meta = meta or {}
        hidden = folder / HIDDEN_FILE
        return cls(example_test=(folder / VISIBLE_FILE).read_text(),
                   hidden_test=hidden.read_text() if hidden.exists() else "",
                   race=bool(meta.get("race", False)), timeout_seconds=meta.get("timeout_seconds"))


@dataclass
class TestResult:
    name: str
    passed: bool
    message: str = ""


@dataclass
class Diagnostic:
    line: int
    column: int
    message: str


@dataclass
class RunResult:
    status: str
    tests: list[TestResult]
    output: str
    diagnostics: list[Diagnostic] = field(default_factory=list)  # compile/vet errors in solution.go
    hidden_passed: int = 0
    hidden_total: int = 0
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0   # the whole run's CPU (cgroup): build, vet and tests

    @property
    def points(self) -> float:
        """Submit's partial credit: the share of hidden tests passed (documented in content-format.md)."""
        if self.status == "compile_error" or not self.hidden_total:
            return 1.0 if self.status == "passed" else 0.0
        return self.hidden_passed / self.hidden_total

    def to_dict(self) -> dict:
        return {"status": self.status, "tests": [asdict(t) for t in self.tests], "output": self.output,
                "diagnostics": [asdict(d) for d in self.diagnostics]}


class CodeRefused(ValueError):
    """The learner's file is refused before any build (too big, cgo)."""


def test_names(source: str) -> list[str]:
    return _TEST_FUNC_RE.findall(source)


def _strip_comments_keep_strings(source: str) -> str:
    """Go source with comments blanked and string/rune contents kept: enough to see import specs."""
    out, i, n = [], 0, len(source)
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            i = n if j < 0 else j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif c in "\"'`":
            end = c if c != "`" else "`"
            j = i + 1
            while j < n and source[j] != end:
                j += 2 if (source[j] == "\\" and c != "`") else 1
            out.append(source[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


_PACKAGE_RE = re.compile(r"\bpackage\s+\w+")
_IMPORT_DECL_RE = re.compile(r"\s*;?\s*import\s*(\([^)]*\)|[\w.]*\s*(\"[^\"]*\"|`[^`]*`))", re.DOTALL)
_IMPORT_PATH_RE = re.compile(r"\"([^\"]*)\"|`([^`]*)`")


def imported_paths(code: str) -> list[str]:
    """The import paths of a Go file: the import declarations right after the package clause (Go allows
    them nowhere else), comments ignored, so `// import "C"` or a string holding it is no import."""
    source = _strip_comments_keep_strings(code)
    package = _PACKAGE_RE.search(source)
    if not package:
        return []
    rest, paths = source[package.end():], []
    while (m := _IMPORT_DECL_RE.match(rest)):
        paths += [a or b for a, b in _IMPORT_PATH_RE.findall(m.group(1))]
        rest = rest[m.end():]
    return paths


def refuse_reason(code: str) -> str | None:
    if len(code.encode()) > MAX_CODE_BYTES:
        return f"solution.go is larger than {MAX_CODE_BYTES // 1024} KiB"
    if "\x00" in code:
        return "solution.go contains a NUL byte"
    if "C" in imported_paths(code):
        return 'cgo (import "C") is not available in the Go lab: use the standard library only'
    return None


def _script(*, race: bool, wall_seconds: float, nonce: str) -> str:
    """One `go test -vet=all`: vet (every analyzer) and the build run in one go command, which with the warm
    cache is about a second faster than a separate `go vet`; -ldflags=-w skips DWARF (stack traces and race
    reports use the symbol table, kept), ~20% less CPU per run. Go's own -timeout is the wall limit minus a
    margin for the build, so that a hung test is usually named by Go's "test timed out" panic first."""
    flags = "-race " if race else ""
    return (
        f"go test -json -count=1 -vet=all -ldflags=-w {flags}-timeout {max(1, int(wall_seconds) - 3)}s . 2>&1\n"
        f'echo "@@golab-test $? {nonce}"\n'
    )


def run_exercise(exercise: Exercise | Path | str, learner_code: str, *, hidden: bool, race: bool | None = None,
                 limits: Limits | None = None) -> RunResult:
    """Build and test `learner_code` as solution.go with the exercise's visible (and, if hidden, hidden) tests."""
    if not isinstance(exercise, Exercise):
        exercise = Exercise.load(exercise)
    reason = refuse_reason(learner_code)
    if reason:
        raise CodeRefused(reason)
    race = exercise.race if race is None else race
    limits = limits or Limits(wall_seconds=float(exercise.timeout_seconds or Limits.wall_seconds))
    files = {"go.mod": GO_MOD, LEARNER_FILE: learner_code, VISIBLE_FILE: exercise.example_test, **exercise.extra_files}
    if hidden and exercise.hidden_test:
        files[HIDDEN_FILE] = exercise.hidden_test
    visible_names = set(test_names(exercise.example_test))
    hidden_names = test_names(exercise.hidden_test) if hidden else []
    nonce = secrets.token_hex(8)
    result = sandbox.run(files, _script(race=race, wall_seconds=limits.wall_seconds, nonce=nonce), limits, race=race)
    return interpret(result, nonce=nonce, visible_names=visible_names, hidden_names=hidden_names, limits=limits)


# --- reading the output -------------------------------------------------------------------------

def interpret(result: sandbox.SandboxResult, *, nonce: str, visible_names: set[str], hidden_names: list[str],
              limits: Limits) -> RunResult:
    text = result.output.decode("utf-8", errors="replace")
    marker = re.search(rf"^@@golab-test (\d+) {nonce}$", text, re.MULTILINE)
    test_rc = int(marker.group(1)) if marker else None
    test_text = text[:marker.start()] if marker else text
    limit_reason = result.killed or ("pids" if result.pids_limit_hit else None)
    limit_message = _LIMIT_MESSAGES[limit_reason].format(
        wall=limits.wall_seconds, cpu=limits.cpu_seconds, memory=limits.memory_bytes >> 20, pids=limits.pids,
        output=limits.output_bytes >> 10) if limit_reason else ""
    base = dict(wall_seconds=result.wall_seconds, cpu_seconds=result.cpu_seconds, hidden_total=len(hidden_names))
    build_output, build_failed, started = _build_events(test_text)

    if build_failed or (test_rc not in (0, None) and not started and not limit_reason):
        # compile or vet errors, or the go command refused (e.g. a module it may not download)
        diagnostics, output = _compile_errors(build_output + _non_json(test_text))
        return RunResult(status="compile_error", tests=[], output=output, diagnostics=diagnostics, **base)
    if not started:
        if limit_reason is None:  # the sandbox itself failed: say so rather than blame the learner
            raise SandboxUnavailable("the Go sandbox failed: " + text[-1000:])
        status = "timeout" if limit_reason == "timeout" else "limit"
        return RunResult(status=status, tests=[], output=limit_message + " while building", **base)

    tests, package_output, timed_out_in, running = _parse_test_json(test_text, visible_names)
    hidden_set = set(hidden_names)
    shown = []
    for test in tests:
        if test.name in hidden_set or test.name not in visible_names:
            test.message = ""  # hidden: name and pass/fail only
        shown.append(test)
    for name in hidden_names:  # a hidden test that never reported (crash or kill) failed
        if name not in {t.name for t in shown}:
            shown.append(TestResult(name=name, passed=False))
    for name in sorted(visible_names - {t.name for t in shown}):
        shown.append(TestResult(name=name, passed=False, message="did not run"))
    unfinished = [t.name for t in tests if t.name in running]
    for test in shown:
        if test.name in running and test.name in visible_names:
            test.message = (test.message + "\n" if test.message else "") + "did not finish"
    hidden_passed = sum(1 for t in shown if t.name in hidden_set and t.passed)
    visible_output = "".join(_visible_output(test_text, visible_names))
    output = _clean(visible_output + package_output, hidden=bool(hidden_names))
    if limit_reason:
        status = "timeout" if limit_reason == "timeout" else "limit"
        output += ("\n" if output and not output.endswith("\n") else "") + limit_message
        if unfinished:
            output += f"; still running: {', '.join(unfinished)}"
    elif timed_out_in is not None:
        status = "timeout"
        output += (f"\ntime limit: {timed_out_in or 'a test'} did not finish in time "
                   "(an endless loop, a deadlock, or a goroutine nobody stops?)")
    elif test_rc == 0 and shown and all(t.passed for t in shown):
        status = "passed"
    else:
        status = "failed"
    return RunResult(status=status, tests=shown, output=output.strip("\n"), hidden_passed=hidden_passed, **base)


def _build_events(text: str) -> tuple[str, bool, bool]:
    """go test -json's build output, whether the build failed, whether the test binary started."""
    lines, failed, started = [], False, False
    for event in _events(text):
        action = event.get("Action")
        if action == "build-output":
            lines.append(event.get("Output", ""))
        elif action == "build-fail" or event.get("FailedBuild"):
            failed = True
        elif action in ("start", "run") and not event.get("FailedBuild"):
            started = started or action == "run" or "Package" in event
    if failed:
        started = False
    return "".join(lines), failed, started


def _non_json(text: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if line.strip() and not line.startswith("{"))


def _compile_errors(text: str) -> tuple[list[Diagnostic], str]:
    diagnostics, lines, hidden_said = [], [], False
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        m = _POSITION_RE.match(raw.strip())
        if m:
            name, line, column, message = m.group(1), int(m.group(2)), int(m.group(3) or 0), m.group(4)
            if name == LEARNER_FILE:
                diagnostics.append(Diagnostic(line=line, column=column, message=message))
                lines.append(f"{name}:{line}:{column}: {message}")
            elif name == HIDDEN_FILE:
                if not hidden_said:
                    lines.append(_HIDDEN_COMPILE_MESSAGE)
                    hidden_said = True
            else:
                lines.append(f"{name}:{line}:{column}: {message}")
        elif HIDDEN_FILE not in raw and raw.strip():
            lines.append(raw.replace("/work/", "").replace("./", "", 1) if raw.startswith("./") else raw.replace("/work/", ""))
    return diagnostics, "\n".join(lines)


_SKIP_OUTPUT = re.compile(r"^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP):|PASS$|FAIL$|ok\s|FAIL\s)")


def _events(text: str):
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                yield event


def _parse_test_json(text: str, visible_names: set[str]) -> tuple[list[TestResult], str, str | None, set[str]]:
    """Top-level tests with pass/fail and their messages; package-level output; the test a timeout hit;
    the tests that started and never ended."""
    results: dict[str, TestResult] = {}
    messages: dict[str, list[str]] = {}
    package_output: list[str] = []
    timed_out_in = None
    ended: set[str] = set()
    for event in _events(text):
        action, name = event.get("Action"), event.get("Test") or ""
        top = name.split("/", 1)[0]
        if action == "output":
            line = event.get("Output", "")
            if line.startswith("panic: test timed out"):
                timed_out_in = ""
            elif timed_out_in == "" and line.startswith("\t") and line.strip().startswith("Test"):
                timed_out_in = line.strip().split()[0]
            if not top:
                if not _SKIP_OUTPUT.match(line):
                    package_output.append(line)
            elif not _SKIP_OUTPUT.match(line):
                messages.setdefault(top, []).append(line)
        elif action in ("pass", "fail", "skip") and top and "/" not in name:
            results[top] = TestResult(name=top, passed=action == "pass")
            ended.add(top)
        elif action == "run" and top and top not in results:
            results[top] = TestResult(name=top, passed=False)
    for name, result in results.items():
        if name in visible_names:
            result.message = _clean("".join(messages.get(name, [])), hidden=True).strip()
    return list(results.values()), "".join(package_output), timed_out_in, set(results) - ended


def _visible_output(text: str, visible_names: set[str]):
    """Lines the visible tests printed (the learner's own prints included), in order."""
    for event in _events(text):
        if event.get("Action") == "output" and (event.get("Test") or "").split("/", 1)[0] in visible_names:
            line = event.get("Output", "")
            if not _SKIP_OUTPUT.match(line):
                yield line


_RACE_START = "WARNING: DATA RACE"
_TESTING_PREFIX_RE = re.compile(r"^(\s*)testing\.go:\d+: ")  # "testing.go:1712: race detected during ..."


def _trim_goroutine_dumps(lines: list[str]) -> list[str]:
    """After a panic, keep each goroutine's header and only its frames in solution.go (the rest is runtime,
    testing and test code); goroutines with no such frame are dropped."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^goroutine \d+ \[", line):
            block = [line]
            i += 1
            while i < len(lines) and lines[i].strip():
                if i + 1 < len(lines) and lines[i + 1].startswith("\t") and not lines[i].startswith("\t"):
                    if f"/work/{LEARNER_FILE}" in lines[i + 1] or lines[i + 1].strip().startswith(LEARNER_FILE):
                        block += [lines[i], "\t" + lines[i + 1].strip().split(" +0x")[0]]
                    i += 2
                else:
                    i += 1
            if len(block) > 1:
                out += block + [""]
            continue
        out.append(line)
        i += 1
    return out


def _clean(text: str, *, hidden: bool) -> str:
    """Paths made relative, race reports and goroutine dumps trimmed to frames in solution.go,
    hidden_test.go lines dropped."""
    out: list[str] = []
    lines = _trim_goroutine_dumps(text.splitlines())
    i = 0
    in_race = False
    while i < len(lines):
        line = lines[i]
        if line.strip() == _RACE_START:
            in_race = True
            out.append(line)
            i += 1
            continue
        if in_race:
            if line.startswith("=================="):
                in_race = False
                out.append(line)
            elif line.startswith("      "):  # a file:line of a frame whose function line we dropped
                pass
            elif line.startswith("  ") and i + 1 < len(lines) and lines[i + 1].startswith("      "):
                if f"/work/{LEARNER_FILE}" in lines[i + 1]:
                    out.append(line)
                    out.append("      " + lines[i + 1].strip().replace("/work/", "").split(" +0x")[0])
                i += 1
            elif line.strip():
                out.append(line)
            i += 1
            continue
        if hidden and HIDDEN_FILE in line:
            i += 1
            continue
        line = _TESTING_PREFIX_RE.sub(r"\1", line)
        out.append(line.replace("/work/", "").replace("/go/src/", "$GOROOT/src/"))
        i += 1
    out = _mark_frameless_race_headers(out)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)) + ("\n" if text.endswith("\n") else "")


_RACE_HEADER_RE = re.compile(r"^(Read|Write|Previous (read|write)|Atomic \w+|Goroutine \d+ \(\w+\) created)\b.*:$")


def _mark_frameless_race_headers(lines: list[str]) -> list[str]:
    """A race access or goroutine whose every frame was outside solution.go: say where it happened."""
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if _RACE_HEADER_RE.match(line) and not (i + 1 < len(lines) and lines[i + 1].startswith("  ")):
            out.append("  (in the tests' code)")
    return out
