"""Prometheus metrics of the work done; every hook is a no-op without prometheus-client.

The counters are process-wide: each process of a deployment exposes its own, and Prometheus
adds them up. They live in their own registry, so nothing else a library registers leaks in.
This module holds the core's metrics and the registry; an edge registers its own metrics in
the same registry through ``counter`` and ``gauge`` (the bot's are in ``bot/metrics.py``), so
one exposition carries them all.
"""

from __future__ import annotations

from typing import Any, Protocol


class Counter(Protocol):
    def inc(self, amount: float = 1) -> None: ...


class Gauge(Protocol):
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


def counter(name: str, documentation: str) -> Counter:
    """A counter in the shared registry (a no-op without prometheus-client)."""
    if prometheus_client is None:
        return _NoMetric()
    made: Counter = prometheus_client.Counter(name, documentation, registry=_registry)
    return made


def gauge(name: str, documentation: str) -> Gauge:
    """A gauge in the shared registry (a no-op without prometheus-client)."""
    if prometheus_client is None:
        return _NoMetric()
    made: Gauge = prometheus_client.Gauge(name, documentation, registry=_registry)
    return made


FEEDS_FETCHED = counter("newsdigest_feeds_fetched", "Feed fetches that succeeded (or were 304).")
FEEDS_FAILED = counter("newsdigest_feeds_failed", "Feed fetches that failed.")
ARTICLES_STORED = counter("newsdigest_articles_stored", "New articles stored.")
LLM_TOKENS = counter("newsdigest_llm_tokens", "Tokens the language model used.")


def exposition() -> bytes | None:
    """The metrics in Prometheus' text format, or None without prometheus-client."""
    if prometheus_client is None:
        return None
    data: bytes = prometheus_client.generate_latest(_registry)
    return data
