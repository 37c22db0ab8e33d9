"""The machine's processes as /proc/<pid>/stat shows them: what the benchmark and the load test count
to tell their own CPU from everyone else's."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    session: int
    name: str  # the executable's name (comm)
    ticks: int  # user + system CPU, in CLK_TCK ticks

    def serves_database(self, database: str) -> bool:
        """A PostgreSQL backend whose command line names `database` (its title: "postgres: user db …")."""
        if self.name != "postgres":
            return False
        try:
            return f" {database} " in Path(f"/proc/{self.pid}/cmdline").read_text()
        except OSError:
            return False


def processes() -> Iterator[Proc]:
    """Every process readable now (one that ends meanwhile is skipped)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2:].split()  # after "(comm)", which may hold spaces
        yield Proc(int(entry.name), int(fields[1]), int(fields[3]), raw[raw.find("(") + 1:raw.rfind(")")],
                   int(fields[11]) + int(fields[12]))
