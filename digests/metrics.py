"""Prometheus metrics of the work done; every hook is a no-op without prometheus-client.

The counters are process-wide: each process of a deployment exposes its own, and Prometheus
adds them up. They live in their own registry, so nothing else a library registers leaks in.
"""

from __future__ import annotations

from typing import Any, Protocol


class _Counter(Protocol):
    def inc(self, amount: float = 1) -> None: ...


class _Gauge(Protocol):
    def set(self, value: float) -> None: ...


class _NoMetric:
    """Stands in for a counter or gauge when prometheus-client is not installed."""

    def inc(self, amount: float = 1) -> None:
        return None

    def set(self, value: float) -> None:
        return None


try:
    import prometheus_client
except ImportError:  # the optional `metrics` extra
    prometheus_client = None  # type: ignore[assignment]

AVAILABLE = prometheus_client is not None
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST if prometheus_client else "text/plain"
UNAVAILABLE_REASON = "metrics need prometheus-client: pip install 'newsdigest[metrics]'"
_registry: Any = prometheus_client.CollectorRegistry() if prometheus_client else None


def _counter(name: str, documentation: str) -> _Counter:
    if prometheus_client is None:
        return _NoMetric()
    counter: _Counter = prometheus_client.Counter(name, documentation, registry=_registry)
    return counter


def _gauge(name: str, documentation: str) -> _Gauge:
    if prometheus_client is None:
        return _NoMetric()
    gauge: _Gauge = prometheus_client.Gauge(name, documentation, registry=_registry)
    return gauge


FEEDS_FETCHED = _counter("newsdigest_feeds_fetched", "Feed fetches that succeeded (or were 304).")
FEEDS_FAILED = _counter("newsdigest_feeds_failed", "Feed fetches that failed.")
ARTICLES_STORED = _counter("newsdigest_articles_stored", "New articles stored.")
DIGESTS_POSTED = _counter("newsdigest_digests_posted", "Digests queued for a channel.")
MESSAGES_SENT = _counter("newsdigest_messages_sent", "Outbox messages delivered to Discord.")
MESSAGES_FAILED = _counter("newsdigest_messages_failed", "Outbox deliveries that failed.")
LLM_TOKENS = _counter("newsdigest_llm_tokens", "Tokens the language model used.")
OUTBOX_PENDING = _gauge("newsdigest_outbox_pending", "Outbox messages not yet delivered.")
LEADER = _gauge("newsdigest_scheduler_leader", "1 while this process runs the scheduler.")


def exposition() -> bytes | None:
    """The metrics in Prometheus' text format, or None without prometheus-client."""
    if prometheus_client is None:
        return None
    data: bytes = prometheus_client.generate_latest(_registry)
    return data
