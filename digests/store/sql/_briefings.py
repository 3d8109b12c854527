"""Cached briefings (``BriefingStore``) and the LLM tokens spent per day (``TokenStore``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from digests.records import Briefing
from digests.store.models import BriefingRow, TokenUsageRow
from digests.store.sql import _rows
from digests.store.sql._base import SqlStoreBase, aware


def _tokens_of(session: Session, day: date) -> int:
    return session.scalar(select(TokenUsageRow.tokens).where(TokenUsageRow.day == day)) or 0


class BriefingsMixin(SqlStoreBase):
    def get_briefing(self, content_hash: str) -> Briefing | None:
        def work(session: Session) -> Briefing | None:
            row = session.get(BriefingRow, content_hash)
            return None if row is None else _rows.briefing(row)

        return self._run("reading a cached briefing", work, write=False)

    def put_briefing(self, content_hash: str, briefing: Briefing, *, now: datetime) -> None:
        now = aware(now, "now")

        def work(session: Session) -> None:
            row = session.get(BriefingRow, content_hash)
            if row is None:
                row = BriefingRow(content_hash=content_hash)
                session.add(row)
            row.headline = briefing.headline
            row.summary = briefing.summary
            row.key_facts = list(briefing.key_facts)
            row.why_it_matters = briefing.why_it_matters
            row.summarizer = briefing.summarizer
            row.dropped_facts = briefing.dropped_facts
            row.fallback_reason = briefing.fallback_reason
            row.tokens = briefing.tokens
            row.language = briefing.language
            row.created_at = now

        self._run("caching a briefing", work)


class TokensMixin(SqlStoreBase):
    def add_tokens(self, day: date, tokens: int) -> int:
        def work(session: Session) -> int:
            insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
            stmt = insert(TokenUsageRow).values(day=day, tokens=tokens)
            # One statement, so concurrent adders never lose an increment.
            stmt = stmt.on_conflict_do_update(
                index_elements=[TokenUsageRow.day],
                set_={"tokens": TokenUsageRow.tokens + stmt.excluded.tokens},
            )
            session.execute(stmt)
            return _tokens_of(session, day)

        return self._run(f"counting tokens for {day.isoformat()}", work)

    def tokens_used(self, day: date) -> int:
        def work(session: Session) -> int:
            return _tokens_of(session, day)

        return self._run(f"reading tokens for {day.isoformat()}", work, write=False)
