"""When each channel gets digests (``ScheduleStore``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from digests.errors import NotFoundError
from digests.store.models import ScheduleRow
from digests.store.records import Schedule
from digests.store.sql import _rows
from digests.store.sql._base import SqlStoreBase, aware, aware_or_none, get_or_add


class SchedulesMixin(SqlStoreBase):
    @staticmethod
    def _schedule_row(session: Session, community_id: int, channel_id: int) -> ScheduleRow:
        row = session.get(ScheduleRow, channel_id)
        if row is None or row.community_id != community_id:
            raise NotFoundError(f"no schedule for channel {channel_id} in community {community_id}")
        return row

    def set_schedule(self, schedule: Schedule, *, now: datetime) -> Schedule:
        now = aware(now, "now")
        last_run_at = aware_or_none(schedule.last_run_at, "schedule.last_run_at")

        def work(session: Session) -> Schedule:
            row = get_or_add(session, ScheduleRow, channel_id=schedule.channel_id)
            row.community_id = schedule.community_id
            row.timezone = schedule.timezone
            row.cron = schedule.cron
            row.times = list(schedule.times)
            row.paused = schedule.paused
            row.updated_at = now
            if last_run_at is not None:
                row.last_run_at = last_run_at
            session.flush()
            return _rows.schedule(row)

        return self._run(f"setting the schedule of channel {schedule.channel_id}", work)

    def list_schedules(self, community_id: int | None = None) -> list[Schedule]:
        def work(session: Session) -> list[Schedule]:
            stmt = select(ScheduleRow).order_by(ScheduleRow.community_id, ScheduleRow.channel_id)
            if community_id is not None:
                stmt = stmt.where(ScheduleRow.community_id == community_id)
            return [_rows.schedule(r) for r in session.scalars(stmt)]

        return self._run("listing schedules", work, write=False)

    def set_schedule_paused(self, community_id: int, channel_id: int, paused: bool) -> Schedule:
        def work(session: Session) -> Schedule:
            row = self._schedule_row(session, community_id, channel_id)
            row.paused = paused
            session.flush()
            return _rows.schedule(row)

        return self._run(f"pausing the schedule of channel {channel_id}", work)

    def remove_schedule(self, community_id: int, channel_id: int) -> None:
        def work(session: Session) -> None:
            session.delete(self._schedule_row(session, community_id, channel_id))

        self._run(f"removing the schedule of channel {channel_id}", work)

    def mark_schedule_run(self, community_id: int, channel_id: int, when: datetime) -> None:
        when = aware(when, "when")

        def work(session: Session) -> None:
            self._schedule_row(session, community_id, channel_id).last_run_at = when

        self._run(f"marking the schedule of channel {channel_id} as run", work)
