"""What /status shows and how it reads: the core's figures plus this process's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.markup import relative_or_never
from bot.render import neutralise_mentions
from digests import FeedState

MAX_NAMED_FAILING = 10


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything /status shows, gathered from the store and this process."""

    feeds: tuple[FeedState, ...]
    last_digests: tuple[tuple[int, datetime | None], ...]
    unsent_messages: int
    tokens_today: int
    leader: bool
    shard_ids: tuple[int, ...]
    shard_count: int
    # What the last refresh (all servers) and this server's last digest skipped, and why.
    skipped: tuple[str, ...] = ()
    # Where failing-feed notices go (set with /status channel:), if anywhere.
    notice_channel: int | None = None


def render_status(report: StatusReport) -> str:
    """The /status reply: feed health, last digests, outbox, tokens, leadership, shards."""
    failing = [s for s in report.feeds if s.failing]
    lines = [f"**Feeds**: {len(report.feeds) - len(failing)} ok, {len(failing)} failing"]
    for state in failing[:MAX_NAMED_FAILING]:
        name = neutralise_mentions(state.name or state.title or state.url)[:80]
        why = neutralise_mentions(state.disabled_reason or state.last_error or "")[:120]
        word = "disabled" if state.disabled_reason else f"{state.failure_count} failures"
        lines.append(f"- {name} ({word}): {why}")
    if len(failing) > MAX_NAMED_FAILING:
        lines.append(f"- … and {len(failing) - MAX_NAMED_FAILING} more")
    if report.notice_channel is not None:
        lines.append(f"**Feed notices** go to <#{report.notice_channel}>")
    else:
        lines.append("**Feed notices**: off (turn on with /status channel:)")
    if report.last_digests:
        lines.append("**Last digest**")
        lines += [f"- <#{cid}>: {relative_or_never(when)}" for cid, when in report.last_digests]
    else:
        lines.append("**Last digest**: none yet")
    if report.skipped:
        lines.append("**Skipped**")
        lines += [f"- {neutralise_mentions(line)[:300]}" for line in report.skipped]
    lines.append(f"**Unsent messages** (all servers): {report.unsent_messages}")
    lines.append(f"**LLM tokens today**: {report.tokens_today}")
    role = "yes" if report.leader else "no (another process runs it)"
    lines.append(f"**Scheduler leader**: {role}")
    shards = ", ".join(str(i) for i in report.shard_ids) or "none"
    lines.append(f"**Shards**: {shards} of {report.shard_count}")
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1990] + "\n…"
