"""The SQL store: the ``Store`` contract on SQLAlchemy, for SQLite and PostgreSQL.

Split into per-domain mixins over ``SqlStoreBase``; a new method goes into its domain's module,
and a query helper two domains need goes into ``_base`` (or ``_rows``), once.
"""

from digests.store.sql._articles import ArticlesMixin
from digests.store.sql._base import MIGRATIONS_DIR, SqlStoreBase, normalize_url
from digests.store.sql._briefings import BriefingsMixin, TokensMixin
from digests.store.sql._channels import ChannelsMixin
from digests.store.sql._feeds import CommunitiesMixin, FeedsMixin
from digests.store.sql._filters import FiltersMixin, TopicRolesMixin
from digests.store.sql._languages import LanguagesMixin
from digests.store.sql._outbox import OutboxMixin
from digests.store.sql._schedules import SchedulesMixin
from digests.store.sql._stories import StoriesMixin
from digests.store.sql._story_updates import StoryUpdatesMixin
from digests.store.sql._subscriptions import SubscriptionsMixin
from digests.store.sql._webhooks import PublishesMixin, WebhooksMixin

__all__ = ["MIGRATIONS_DIR", "SqlStore", "normalize_url"]


class SqlStore(
    FeedsMixin,
    CommunitiesMixin,
    ArticlesMixin,
    StoriesMixin,
    BriefingsMixin,
    TokensMixin,
    SchedulesMixin,
    OutboxMixin,
    SubscriptionsMixin,
    ChannelsMixin,
    FiltersMixin,
    TopicRolesMixin,
    WebhooksMixin,
    PublishesMixin,
    StoryUpdatesMixin,
    LanguagesMixin,
    SqlStoreBase,
):
    """The ``Store`` contract on SQLite (file or memory) or PostgreSQL via SQLAlchemy."""
