"""CPU time and resident memory of groups of processes, read from /proc.

A group is a list of root pids; with `children` the group also counts every live child of
each root and the CPU its reaped children used (`cutime`/`cstime`), which is how all of a
Postgres cluster's backends, gone or alive, are counted through its postmaster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU of `pid` (and of its reaped children when `reaped`)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICK


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pss_mib(pid: int) -> float:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass(frozen=True)
class Group:
    """A named set of processes: `roots`, plus their children when `children`."""

    name: str
    roots: tuple[int, ...]
    children: bool = False

    def pids(self) -> list[int]:
        pids = list(self.roots)
        if self.children:
            for root in self.roots:
                pids += children_of(root)
        return pids

    def cpu(self) -> float:
        total = sum(cpu_seconds(r, reaped=self.children) for r in self.roots)
        if self.children:
            total += sum(cpu_seconds(c) for r in self.roots for c in children_of(r))
        return total

    def rss(self) -> float:
        """RSS in MiB; for a group with children (Postgres and its backends, which share
        their buffers) the sum of PSS, so shared memory is counted once."""
        size = pss_mib if self.children else rss_mib
        return round(sum(size(p) for p in self.pids()), 1)


def cpu_snapshot(groups: list[Group]) -> dict[str, float]:
    return {g.name: g.cpu() for g in groups}


def cpu_ms_per(before: dict[str, float], after: dict[str, float], count: int) -> dict[str, float]:
    """CPU milliseconds each group used per unit of work between two snapshots."""
    return {name: round((after[name] - before[name]) * 1000 / max(count, 1), 3) for name in before}


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
