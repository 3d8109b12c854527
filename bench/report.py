"""Pure helpers of the performance benchmark: ratios, targets, the table and machine facts."""

from __future__ import annotations

import math
import operator
import platform
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

# "higher": a bigger number is better (throughput); "lower": a smaller one is (seconds, MB).
Better = Literal["higher", "lower"]
_OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True, slots=True)
class Target:
    """A goal for one figure, e.g. ``Target("<=", 10.0)``."""

    op: Literal["<=", ">="]
    bound: float

    def met(self, value: float | None) -> bool | None:
        if value is None or math.isnan(value):
            return None
        return _OPS[self.op](value, self.bound)

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: our figure, the peer's, the ratio, and the goals."""

    scenario: str
    unit: str
    ours: float
    better: Better
    peer_name: str | None = None
    peer: float | None = None
    target: Target | None = None
    # A target on the ratio to the peer, e.g. ">= 10" times faster than the sequential loop.
    ratio_target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better we are than the peer (>1 means better), or None."""
        return advantage(self.ours, self.peer, self.better)

    @property
    def met(self) -> bool | None:
        """Whether every target given is met; None when there is none to judge."""
        verdicts = [
            v
            for v in (
                self.target.met(self.ours) if self.target else None,
                self.ratio_target.met(self.ratio) if self.ratio_target else None,
            )
            if v is not None
        ]
        return all(verdicts) if verdicts else None

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "unit": self.unit,
            "ours": self.ours,
            "better": self.better,
            "peer": self.peer_name,
            "peer_value": self.peer,
            "ratio_vs_peer": self.ratio,
            "target": str(self.target) if self.target else None,
            "ratio_target": str(self.ratio_target) if self.ratio_target else None,
            "met": self.met,
            "note": self.note,
        }


def advantage(ours: float, peer: float | None, better: Better) -> float | None:
    """``peer / ours`` for costs, ``ours / peer`` for throughputs: >1 means we do better."""
    if peer is None:
        return None
    num, den = (peer, ours) if better == "lower" else (ours, peer)
    if den == 0:
        return math.inf if num > 0 else None
    return num / den


def network_floor(
    feeds: int, *, hosts: int, concurrency: int, per_host: int, latency: float
) -> float:
    """The least time a refresh can take when every response waits ``latency``: rounds of
    ``concurrency`` requests, and no more than ``per_host`` at once on the busiest host
    (feeds are dealt over the hosts in turn)."""
    busiest = math.ceil(feeds / hosts)
    rounds = max(math.ceil(feeds / concurrency), math.ceil(busiest / per_host))
    return rounds * latency


def extrapolate(seconds: float, measured: int, total: int) -> float:
    """The time ``total`` items would take at the per-item rate seen on ``measured``."""
    if measured <= 0:
        raise ValueError("need at least one measured item")
    return seconds / measured * total


def fmt(value: float | None, unit: str = "") -> str:
    """A number short enough for a table cell: 3 significant digits, thousands kept whole."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def verdict(met: bool | None) -> str:
    return {True: "yes", False: "MISSED", None: "-"}[met]


def table_lines(rows: Sequence[Row]) -> list[str]:
    """The rows as a Markdown table (also readable as plain text)."""
    header = ("Scenario", "Ours", "Peer", "Peer value", "x vs peer", "Target", "Met")
    cells = [header]
    for row in rows:
        goals = " ; ".join(
            g
            for g in (
                str(row.target) + f" {row.unit}" if row.target else "",
                f"x {row.ratio_target}" if row.ratio_target else "",
            )
            if g
        )
        cells.append(
            (
                row.scenario + (f" ({row.note})" if row.note else ""),
                fmt(row.ours, row.unit),
                row.peer_name or "-",
                fmt(row.peer, row.unit) if row.peer is not None else "-",
                fmt(row.ratio) if row.ratio is not None else "-",
                goals or "-",
                verdict(row.met),
            )
        )
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines


def cpu_model(cpuinfo: str) -> str:
    """The processor's model name from the text of /proc/cpuinfo."""
    match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def mem_total_gib(meminfo: str) -> float | None:
    """Total memory in GiB from the text of /proc/meminfo."""
    match = re.search(r"^MemTotal:\s*(\d+)\s*kB", meminfo, re.MULTILINE)
    return int(match.group(1)) / 1024 / 1024 if match else None


def rss_mb(maxrss_kib: int) -> float:
    """``ru_maxrss`` (KiB on Linux) in MB of 2**20 bytes."""
    return maxrss_kib / 1024


def vm_hwm_mb(status: str) -> float | None:
    """The peak resident set (VmHWM) in MB from the text of /proc/<pid>/status."""
    match = re.search(r"^VmHWM:\s*(\d+)\s*kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None
