"""CPU time of this process and the processes it started, the bench's feed server apart.

The refresh parses feeds in worker processes (children of a forkserver, grandchildren of
this process), so this process's own CPU time would leave most of the work out. Processes
that ended count through their parent's ``cutime``/``cstime``, or through
``RUSAGE_CHILDREN`` for this process's own children.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

_PROC = Path("/proc")
# Processes serving the bench's feeds play the network: their CPU is not ours.
_NOT_OURS = ("bench.feeds",)


def stat_fields(stat: str) -> list[str]:
    """The fields of a /proc/<pid>/stat line after the command name (ppid is index 1)."""
    return stat[stat.rindex(")") + 2 :].split()


def tree_cpu_seconds() -> float:
    """CPU seconds of this process and every live descendant, with what they reaped."""
    total = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total += children.ru_utime + children.ru_stime
    if not _PROC.is_dir():
        return total
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = stat_fields((entry / "stat").read_text())
        except (OSError, ValueError):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        # utime, stime, cutime, cstime
        times[pid] = sum(int(f) for f in fields[11:15]) / tick
    me = os.getpid()
    for pid in times:
        if pid != me and _descends(pid, me, parents) and not _excluded(pid):
            total += times[pid]
    return total


def _descends(pid: int, ancestor: int, parents: dict[int, int]) -> bool:
    seen = 0
    while pid in parents and seen < 64:
        pid = parents[pid]
        if pid == ancestor:
            return True
        seen += 1
    return False


def _excluded(pid: int) -> bool:
    try:
        cmdline = (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return True
    return any(name in cmdline for name in _NOT_OURS)
