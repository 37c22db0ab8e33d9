"""The Go lab tests' shared fixture: the sandbox, ready with its warm cache, or a skip (a failure in CI)."""
from __future__ import annotations

import os

import pytest

from learnpath.golab import sandbox


@pytest.fixture(scope="session")
def go_sandbox():
    try:
        sandbox.prepare()
    except sandbox.SandboxUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the Go sandbox must work in CI: {exc}")
        pytest.skip(str(exc))
    return sandbox
