"""The bot's metrics: digests queued, Discord deliveries, the outbox and scheduler leadership.

They sit in the core's registry (``digests.metrics``), so ``/metrics`` shows both.
"""

from __future__ import annotations

from digests.metrics import counter, gauge

DIGESTS_POSTED = counter("newsdigest_digests_posted", "Digests queued for a channel.")
MESSAGES_SENT = counter("newsdigest_messages_sent", "Outbox messages delivered to Discord.")
MESSAGES_FAILED = counter("newsdigest_messages_failed", "Outbox deliveries that failed.")
OUTBOX_PENDING = gauge("newsdigest_outbox_pending", "Outbox messages not yet delivered.")
LEADER = gauge("newsdigest_scheduler_leader", "1 while this process runs the scheduler.")
