"""The Go lab's editor bundle is committed (README, "Go exercises for learners"): it exists, carries the
CodeMirror licence banner, holds CodeMirror and the Go grammar, and was built from the current source (every
message the source shows a learner is in it), and the pages load it only where a Go exercise is."""
from __future__ import annotations

import json
import re

from learnpath.config import REPO_ROOT

BUNDLE = REPO_ROOT / "learnpath" / "static" / "js" / "golab.js"
SOURCE = REPO_ROOT / "assets" / "golab.js"


def test_bundle_is_committed_with_its_licence_and_build_script():
    text = BUNDLE.read_text()
    assert text.startswith("/* learnpath Go lab editor") and "CodeMirror 6 and Lezer, MIT licensed" in text
    assert "cm-editor" in text and "attachShadow" in text  # CodeMirror, mounted in a shadow root
    scripts = json.loads((REPO_ROOT / "package.json").read_text())["scripts"]
    assert "assets/golab.js" in scripts["build:golab"] and "learnpath/static/js/golab.js" in scripts["build:golab"]


def test_bundle_was_built_from_the_current_source():
    source, bundle = SOURCE.read_text(), BUNDLE.read_text()
    strings = re.findall(r'"([^"\\\n]*)"', re.sub(r"//[^\n]*", "", source))  # every "..." literal, in order
    messages = [m for m in strings if len(m) >= 12 and " " in m]
    assert len(messages) >= 8
    stale = [m for m in messages if m not in bundle]
    assert not stale, f"rebuild with `npm run build:golab`: {stale}"


def test_no_inline_script_or_style_in_the_go_partial():
    partial = (REPO_ROOT / "templates" / "quiz" / "kinds" / "go.html").read_text()
    assert "<script" not in partial and "style=" not in partial and " on" not in partial.replace(" one", "")
