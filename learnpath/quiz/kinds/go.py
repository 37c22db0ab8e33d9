"""Go: the learner writes solution.go; Submit runs the visible and the hidden tests in the Go lab's sandbox.

The pack loads each exercise folder `go/<lesson>/<id>/` as a question of that lesson (learnpath.content.go),
or an author writes the same fields inline. Grading needs the app's Go runner, handed in as `runner`
(learnpath.golab.lab.QueueRunner is the real one: the bounded queue, then the sandbox); this module only
decides what to run and turns the result into a grade.

What never leaves the server: `hidden` (the hidden tests' source) and `solution` (the reference, kept so
`correct_response` is a real right answer). The learner sees the starter, the visible tests and the hidden
tests' names; after submitting, each test's name and pass/fail, and the visible tests' messages.
"""
from __future__ import annotations

import re
from typing import Any, Protocol

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import GoLexer

from learnpath.golab.runner import MAX_CODE_BYTES, refuse_reason, test_names
from learnpath.quiz.kinds.base import WRONG, AnswerError, Grade, TextKind, single_text

PACKAGE = "exercise"
_PACKAGE_RE = re.compile(r"^\s*package\s+(\w+)", re.MULTILINE)
DEFAULT_TIMEOUT, MAX_TIMEOUT = 10.0, 30.0
MAX_FEEDBACK_CHARS = 4000


class GoRunner(Protocol):
    """The Go lab: runs `code` as solution.go with the exercise's visible (and, if `hidden`, hidden) tests.

    Returns learnpath.golab.jobs.execute's dict: status (passed, failed, compile_error, timeout, limit, or
    refused with a message), tests [{name, passed, message}], output, diagnostics. Raises
    learnpath.golab.lab.GoLabUnavailable when the code cannot be run (no sandbox, queue full): grading is
    then refused, never recorded as wrong.
    """

    def run(self, spec: dict[str, Any], code: str, *, hidden: bool) -> dict[str, Any]: ...


class Go(TextKind):
    name = "go"
    fields = frozenset({"starter", "example_test", "hidden", "solution", "race", "timeout_seconds"})
    max_chars, label = MAX_CODE_BYTES, "a Go answer (the code of solution.go)"
    runner = "go"
    example = {
        "starter": "package exercise\n\n// Add returns a + b.\nfunc Add(a, b int) int {\n\treturn 0\n}\n",
        "example_test": ('package exercise\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n'
                         '\tif got := Add(1, 2); got != 3 {\n\t\tt.Fatalf("Add(1, 2) = %d, want 3", got)\n\t}\n}\n'),
        "hidden": ('package exercise\n\nimport "testing"\n\nfunc TestHiddenNegative(t *testing.T) {\n'
                   '\tif Add(-2, 1) != -1 {\n\t\tt.Fatal("negative")\n\t}\n}\n'),
        "solution": "package exercise\n\n// Add returns a + b.\nfunc Add(a, b int) int {\n\treturn a + b\n}\n",
    }

    # ---- content pack ---------------------------------------------------------------------------
    def read_spec(self, reader):
        spec: dict[str, Any] = {}
        for key in ("starter", "example_test", "hidden", "solution"):
            source = reader.get(key)
            if not isinstance(source, str) or not source.strip():
                reader.problem(key, f"'{key}' is required: Go source of package {PACKAGE}")
                continue
            package = _PACKAGE_RE.search(source)
            if not package or package.group(1) != PACKAGE:
                reader.problem(key, f"'{key}' must be Go source starting with 'package {PACKAGE}'")
            elif key in ("starter", "solution") and (reason := refuse_reason(source)):
                reader.problem(key, f"'{key}': {reason}")
            spec[key] = source
        visible = test_names(spec.get("example_test", ""))
        hidden = test_names(spec.get("hidden", ""))
        if "example_test" in spec and not visible:
            reader.problem("example_test", "the visible tests have no 'func TestXxx(t *testing.T)'")
        if "hidden" in spec and not hidden:
            reader.problem("hidden", "the hidden tests have no 'func TestXxx(t *testing.T)'")
        if clash := sorted(set(visible) & set(hidden)):
            reader.problem("hidden", f"hidden test names clash with visible ones: {', '.join(clash)}")
        spec["visible_names"], spec["hidden_names"] = visible, hidden
        spec["race"] = reader.flag("race")
        timeout = reader.number("timeout_seconds", DEFAULT_TIMEOUT)
        if timeout is None or not 1 <= timeout <= MAX_TIMEOUT:
            reader.problem("timeout_seconds", f"'timeout_seconds' must be a number of seconds from 1 to {MAX_TIMEOUT:g}")
            timeout = DEFAULT_TIMEOUT
        spec["timeout_seconds"] = float(timeout)
        return spec

    def display_spec(self, spec, render_inline):
        """The visible tests highlighted once, at import (Pygments, the lessons' code style)."""
        html = highlight(spec["example_test"], GoLexer(), HtmlFormatter(cssclass="highlight", wrapcode=True))
        # It scrolls sideways on a phone: reachable by keyboard (WCAG 2.1.1), as render.py does for lessons.
        return {**spec, "example_test_html": html.replace("<pre>", '<pre tabindex="0">', 1)}

    # ---- before submission: the whitelist --------------------------------------------------------
    def present(self, spec, ids, rng):
        return {"starter": spec["starter"], "example_test": spec["example_test"],
                "example_test_html": spec.get("example_test_html", ""),
                "hidden_names": list(spec["hidden_names"]), "race": spec["race"],
                "timeout_seconds": spec["timeout_seconds"]}

    # ---- parsing: the code as one string (TextKind), its size checked in bytes ------------------
    def _text(self, value, field):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")  # a textarea posts CRLF
        text = super()._text(value, field)
        if text is not None and len(text.encode()) > MAX_CODE_BYTES:
            raise AnswerError(field, f"the code is larger than {MAX_CODE_BYTES // 1024} KiB")
        if text is not None and "\x00" in text:
            raise AnswerError(field, "the code contains a NUL character")
        return text

    def parse_api(self, spec, value, field, ids):
        return None if value is None else self._unless_starter(spec, self._text(value, field))

    def parse_form(self, spec, form, name, ids):
        value = single_text(form, name, name)
        return None if value is None else self._unless_starter(spec, self._text(value, name))

    @staticmethod
    def _unless_starter(spec, code):
        """The starter as given is no attempt: the editor starts with it, so an untouched form is unanswered."""
        if code is None or code.strip() == spec["starter"].strip():
            return None
        return code

    # ---- grading and review -------------------------------------------------------------------------
    def grade(self, spec, response, runner: GoRunner | None = None):
        if not isinstance(response, str) or not response.strip():
            return WRONG
        if runner is None:
            raise TypeError("grading a Go exercise needs the Go lab runner")
        result = runner.run(spec, response, hidden=True)
        return grade_result(result)

    def correct_response(self, spec):
        return spec["solution"]

    def public_correct(self, spec, ids):
        return None  # the reference solution never leaves the server

    def describe(self, spec, response):
        return {"code": response}

    def describe_correct(self, spec):
        return {"withheld": True}


def grade_result(result: dict[str, Any]) -> Grade:
    """A Submit's run -> a grade. All tests pass = correct (1 point). Otherwise partial credit: the share
    of tests (visible and hidden) that passed; a compile error, a refused file or no test run scores 0."""
    status = result.get("status")
    if status == "refused":
        return Grade(False, 0.0, str(result.get("message", "")))
    tests = result.get("tests") or []
    passed = sum(1 for t in tests if t.get("passed"))
    if status == "passed" and tests and passed == len(tests):
        return Grade(True, 1.0, f"All {len(tests)} tests pass.")
    points = round(passed / len(tests), 4) if tests and status != "compile_error" else 0.0
    return Grade(False, points, feedback(result))


def feedback(result: dict[str, Any]) -> str:
    """Plain text kept with the answer: what went wrong, by test name (hidden tests: name and pass/fail only)."""
    status = result.get("status")
    tests = result.get("tests") or []
    lines = []
    if status == "compile_error":
        lines.append("Does not compile:")
        lines += [f"solution.go:{d['line']}:{d['column']}: {d['message']}" for d in result.get("diagnostics") or []]
        if not result.get("diagnostics"):
            lines.append(str(result.get("output", ""))[:1000])
    else:
        passed = sum(1 for t in tests if t.get("passed"))
        label = {"timeout": " (time limit reached)", "limit": " (a resource limit was reached)"}.get(status or "", "")
        lines.append(f"{passed} of {len(tests)} tests pass{label}.")
        for test in tests:
            if not test.get("passed"):
                message = (test.get("message") or "").strip()
                lines.append(f"FAIL {test['name']}" + (f": {message}" if message else ""))
        if status in ("timeout", "limit") and result.get("output"):
            lines.append(str(result["output"]).strip().splitlines()[-1])
    text = "\n".join(lines)
    return text if len(text) <= MAX_FEEDBACK_CHARS else text[:MAX_FEEDBACK_CHARS - 1] + "…"


KIND = Go()
