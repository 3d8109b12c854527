"""Channel filter rules and topic roles of a community (``FilterStore``, ``TopicRoleStore``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from digests.errors import NotFoundError
from digests.filters import FilterRule
from digests.store.models import FilterRow, TopicRoleRow
from digests.store.records import FilterRecord
from digests.store.sql import _rows
from digests.store.sql._base import SqlStoreBase, aware


class FiltersMixin(SqlStoreBase):
    def add_filter(self, community_id: int, rule: FilterRule, *, now: datetime) -> FilterRecord:
        now = aware(now, "now")
        if rule.channel_id is None:
            raise ValueError("a stored filter belongs to a channel: rule.channel_id is None")
        channel_id = rule.channel_id

        def work(session: Session) -> FilterRecord:
            row = FilterRow(
                community_id=community_id,
                channel_id=channel_id,
                feed_url=rule.feed_url,
                action=rule.action,
                kind=rule.kind,
                pattern=rule.pattern,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return _rows.filter_record(row)

        return self._run(f"adding a filter to channel {channel_id}", work)

    def list_filters(self, community_id: int, channel_id: int | None = None) -> list[FilterRecord]:
        def work(session: Session) -> list[FilterRecord]:
            stmt = (
                select(FilterRow)
                .where(FilterRow.community_id == community_id)
                .order_by(FilterRow.channel_id, FilterRow.id)
            )
            if channel_id is not None:
                stmt = stmt.where(FilterRow.channel_id == channel_id)
            return [_rows.filter_record(r) for r in session.scalars(stmt)]

        return self._run(f"listing the filters of community {community_id}", work, write=False)

    def remove_filter(self, community_id: int, filter_id: int) -> FilterRecord:
        def work(session: Session) -> FilterRecord:
            row = session.get(FilterRow, filter_id)
            if row is None or row.community_id != community_id:
                raise NotFoundError(f"no filter {filter_id} in community {community_id}")
            record = _rows.filter_record(row)
            session.delete(row)
            return record

        return self._run(f"removing filter {filter_id}", work)


class TopicRolesMixin(SqlStoreBase):
    def set_topic_role(self, community_id: int, topic: str, role_id: int) -> None:
        def work(session: Session) -> None:
            row = session.get(TopicRoleRow, (community_id, topic))
            if row is None:
                session.add(TopicRoleRow(community_id=community_id, topic=topic, role_id=role_id))
            else:
                row.role_id = role_id

        self._run(f"setting the role of topic {topic!r}", work)

    def remove_topic_role(self, community_id: int, topic: str) -> None:
        def work(session: Session) -> None:
            row = session.get(TopicRoleRow, (community_id, topic))
            if row is None:
                raise NotFoundError(f"topic {topic!r} has no role in community {community_id}")
            session.delete(row)

        self._run(f"removing the role of topic {topic!r}", work)

    def topic_roles(self, community_id: int) -> dict[str, int]:
        def work(session: Session) -> dict[str, int]:
            stmt = (
                select(TopicRoleRow.topic, TopicRoleRow.role_id)
                .where(TopicRoleRow.community_id == community_id)
                .order_by(TopicRoleRow.topic)
            )
            return {topic: role_id for topic, role_id in session.execute(stmt)}

        return self._run(f"listing the topic roles of community {community_id}", work, write=False)
