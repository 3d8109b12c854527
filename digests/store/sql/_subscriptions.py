"""Users' topic subscriptions per community (``SubscriptionStore``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from digests.store.models import SubscriptionRow
from digests.store.sql._base import SqlStoreBase


class SubscriptionsMixin(SqlStoreBase):
    def subscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        def work(session: Session) -> bool:
            if session.get(SubscriptionRow, (community_id, user_id, topic)) is not None:
                return False
            session.add(SubscriptionRow(community_id=community_id, user_id=user_id, topic=topic))
            return True

        return self._run(f"subscribing user {user_id} to {topic!r}", work)

    def unsubscribe(self, community_id: int, user_id: int, topic: str) -> bool:
        def work(session: Session) -> bool:
            row = session.get(SubscriptionRow, (community_id, user_id, topic))
            if row is None:
                return False
            session.delete(row)
            return True

        return self._run(f"unsubscribing user {user_id} from {topic!r}", work)

    def subscriptions(self, community_id: int, user_id: int) -> list[str]:
        def work(session: Session) -> list[str]:
            stmt = (
                select(SubscriptionRow.topic)
                .where(
                    SubscriptionRow.community_id == community_id, SubscriptionRow.user_id == user_id
                )
                .order_by(SubscriptionRow.topic)
            )
            return list(session.scalars(stmt))

        return self._run(f"listing the subscriptions of user {user_id}", work, write=False)

    def subscribers(self, community_id: int, topic: str) -> list[int]:
        def work(session: Session) -> list[int]:
            stmt = (
                select(SubscriptionRow.user_id)
                .where(SubscriptionRow.community_id == community_id, SubscriptionRow.topic == topic)
                .order_by(SubscriptionRow.user_id)
            )
            return list(session.scalars(stmt))

        return self._run(f"listing the subscribers of {topic!r}", work, write=False)
