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
WEBHOOK_MESSAGES = counter(
    "newsdigest_webhook_messages", "Outbox messages delivered through a channel's webhook."
)
WEBHOOK_RESENDS_AVOIDED = counter(
    "newsdigest_webhook_resends_avoided",
    "Webhook messages found already posted by an earlier attempt, so not posted again.",
)
WEBHOOKS_REMADE = counter("newsdigest_webhooks_remade", "Deleted channel webhooks made again.")
PUBLISHED = counter("newsdigest_published", "Announcement-channel messages published.")
PUBLISH_SKIPPED = counter(
    "newsdigest_publish_skipped",
    "Announcement-channel messages left unpublished (hourly limit spent, or publishing failed).",
)
