"""`python -m learnpath.golab warm`: prepare the sandbox's warm Go build cache (once per toolchain)."""
from __future__ import annotations

import sys
import time

from learnpath.golab import sandbox


def main(argv: list[str]) -> int:
    if argv[:1] != ["warm"]:
        print("usage: python -m learnpath.golab warm", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        sandbox.prepare(log=print)
        path = sandbox.warm_cache()
    except sandbox.SandboxUnavailable as exc:
        print(f"Go sandbox unavailable: {exc}", file=sys.stderr)
        return 1
    print(f"Go build cache ready in {path} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
