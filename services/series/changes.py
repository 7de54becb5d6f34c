"""The changes organisers make while a term runs: pause, resume and end the series; skip,
reschedule and edit a session; add and remove participants. Each is stored first (the database is
the truth about sessions) and yields the notices the running workflow sends (a Change)."""

from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict, InvalidField
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import SessionAnnouncement, SessionCancelled, SessionChanged, SessionNotice
from contracts.series.api import RescheduleIn, SessionStatus, SessionUpdate
from contracts.series.history import SeriesAction, SeriesChange, SeriesStatus
from models import School, Series, SeriesParticipant, SeriesSession, Teacher, User
from models import SeriesChange as SeriesChangeRow
from services.schedule import occurrences
from services.schedule.changes import StoredChange, not_seen
from services.series import notices
from services.series.service import log_change, require_of_cluster


class Change(StoredChange):
    """A stored change of a series and what the workflow must tell people about it."""

    def __init__(self, series: Series, row: SeriesChangeRow, notices: list[NotifyRequest] | None = None) -> None:
        super().__init__(series, row, notices or [])

    @property
    def series(self) -> Series:
        return self.record

    def for_workflow(self) -> SeriesChange:
        return SeriesChange.model_validate(self.for_run())


async def changes_not_seen(session: AsyncSession, *, series_id: int, seen: Collection[int]) -> list[SeriesChange]:
    """Stored changes the series' run has not taken, oldest first."""
    stored = await not_seen(session, table=SeriesChangeRow, owner_column=SeriesChangeRow.series_id,
                            owner_id=series_id, seen=seen)
    return [SeriesChange.model_validate(change) for change in stored]


def _require_status(series: Series, *allowed: SeriesStatus) -> None:
    if series.status not in allowed:
        raise Conflict(f"系列当前状态为 {series.status}，不能进行此操作 (series is {series.status})", status=series.status)


async def _future_sessions(session: AsyncSession, series: Series, now: datetime, *statuses: SessionStatus) -> list[SeriesSession]:
    stmt = select(SeriesSession).where(
        SeriesSession.series_id == series.id, SeriesSession.starts_at > now, SeriesSession.status.in_(statuses)
    ).order_by(SeriesSession.starts_at)
    return list((await session.scalars(stmt)).all())


async def _series_notice(
    session: AsyncSession, *, series: Series, row: SeriesChangeRow, model: type[SessionNotice],
    affected: list[SeriesSession], **fields,
) -> list[NotifyRequest]:
    """To the whole series, about the first session affected; nothing when no session is."""
    if not affected:
        return []
    host = await session.get(School, affected[0].host_school_id)
    return [notices.session_notice(
        model=model, key=notices.change_key(series, row.id), series=series, meeting=affected[0], host=host,
        link=f"/console/series/{series.id}", audience=notices.series_participants(series), **fields,
    )]


async def pause_series(session: AsyncSession, *, series: Series, data: SeriesAction, actor: User, now: datetime) -> Change:
    _require_status(series, SeriesStatus.active)
    series.status = SeriesStatus.paused
    paused = await _future_sessions(session, series, now, SessionStatus.scheduled)
    occurrences.set_status(paused, SessionStatus.paused, now)
    row = await log_change(session, series=series, action="paused", actor=actor, now=now,
                     data={"reason": data.reason, "sessions": [s.id for s in paused]})
    return Change(series, row, await _series_notice(
        session, series=series, row=row, model=SessionCancelled, affected=paused, action=row.action,
        reason=data.reason, sessions=len(paused),
    ))


async def resume_series(session: AsyncSession, *, series: Series, data: SeriesAction, actor: User, now: datetime) -> Change:
    _require_status(series, SeriesStatus.paused)
    series.status = SeriesStatus.active
    resumed = await _future_sessions(session, series, now, SessionStatus.paused)
    occurrences.set_status(resumed, SessionStatus.scheduled, now)
    row = await log_change(session, series=series, action="resumed", actor=actor, now=now,
                     data={"reason": data.reason, "sessions": [s.id for s in resumed]})
    return Change(series, row, await _series_notice(
        session, series=series, row=row, model=SessionChanged, affected=resumed, action=row.action,
    ))


async def end_series(session: AsyncSession, *, series: Series, data: SeriesAction, actor: User | None,
                     now: datetime) -> Change:
    _require_status(series, SeriesStatus.active, SeriesStatus.paused)
    series.status = SeriesStatus.ended
    cancelled = await _future_sessions(session, series, now, SessionStatus.scheduled, SessionStatus.paused)
    occurrences.set_status(cancelled, SessionStatus.cancelled, now)
    row = await log_change(session, series=series, action="ended", actor=actor, now=now,
                     data={"reason": data.reason, "sessions": [s.id for s in cancelled]})
    return Change(series, row, await _series_notice(
        session, series=series, row=row, model=SessionCancelled, affected=cancelled, action=row.action,
        reason=data.reason, sessions=len(cancelled),
    ))


async def _session_change_notice(
    session: AsyncSession, *, series: Series, meeting: SeriesSession, row: SeriesChangeRow, model: type[SessionNotice],
    **fields,
) -> NotifyRequest:
    """To the session's participants (unless `fields` name other recipients)."""
    host = await session.get(School, meeting.host_school_id)
    return notices.session_notice(
        model=model, key=notices.change_key(series, row.id), series=series, meeting=meeting, host=host,
        link=notices.session_link(meeting), **({"audience": notices.participants_of(meeting)} | fields),
    )


async def skip_session(
    session: AsyncSession, *, meeting: SeriesSession, reason: str, actor: User, now: datetime
) -> Change:
    series = await session.get(Series, meeting.series_id)
    occurrences.skip(meeting, now=now)
    meeting.skip_reason = reason
    row = await log_change(session, series=series, meeting=meeting, action="skipped", actor=actor, now=now, data={"reason": reason})
    notice = await _session_change_notice(
        session, series=series, meeting=meeting, row=row, model=SessionCancelled, action=row.action, reason=reason,
    )
    return Change(series, row, [notice])


async def reschedule_session(
    session: AsyncSession, *, meeting: SeriesSession, data: RescheduleIn, actor: User, now: datetime, tz: ZoneInfo
) -> Change:
    series = await session.get(Series, meeting.series_id)
    before = occurrences.reschedule(meeting, starts_at=data.starts_at, ends_at=data.ends_at, now=now, tz=tz)
    after = {"starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat()}
    row = await log_change(session, series=series, meeting=meeting, action="rescheduled", actor=actor, now=now,
                     data={"before": before, "after": after})
    notice = await _session_change_notice(
        session, series=series, meeting=meeting, row=row, model=SessionChanged, action=row.action,
        previous_starts_at=before["starts_at"],
    )
    return Change(series, row, [notice])


# Fields a calendar shows: changing them bumps SEQUENCE and tells the participants.
VISIBLE_FIELDS = {"host_school_id", "place", "theme"}


async def update_session(
    session: AsyncSession, *, meeting: SeriesSession, data: SessionUpdate, actor: User, now: datetime
) -> Change:
    series = await session.get(Series, meeting.series_id)
    values = data.model_dump(exclude_unset=True)
    if not values:
        raise InvalidField("host_school_id", "没有要修改的内容 (nothing to change)")
    if VISIBLE_FIELDS & values.keys() or "agenda" in values:
        occurrences.require_upcoming(meeting, now)
    if values.get("host_school_id") is not None:
        host = await session.get(School, values["host_school_id"])
        if host is None or host.cluster_id != series.cluster_id:
            raise InvalidField("host_school_id", "承办学校须属于本片区 (the host must be a school of this cluster)")
        values.setdefault("place", host.address or host.name)
    if values.get("recorder_user_id") is not None:
        await require_of_cluster(session, cluster_id=series.cluster_id, user_id=values["recorder_user_id"],
                                 field="recorder_user_id")
    before = {key: getattr(meeting, key) for key in values}
    changed = {key: value for key, value in values.items() if value is not None and before[key] != value}
    for key, value in changed.items():
        setattr(meeting, key, value)
    meeting.updated_at = now
    visible = VISIBLE_FIELDS & changed.keys()
    if visible:
        meeting.sequence += 1
    row = await log_change(session, series=series, meeting=meeting, action="updated", actor=actor, now=now,
                     data={"before": {k: before[k] for k in changed}, "after": changed})
    change = Change(series, row)
    if visible or "agenda" in changed:
        change.notices.append(await _session_change_notice(
            session, series=series, meeting=meeting, row=row, model=SessionChanged, action=row.action,
            changed=sorted((VISIBLE_FIELDS | {"agenda"}) & changed.keys()),
        ))
    return change


async def add_participants(
    session: AsyncSession, *, series: Series, teacher_ids: list[int], actor: User, now: datetime
) -> tuple[Change, list[int], list[int]]:
    _require_status(series, SeriesStatus.active, SeriesStatus.paused)
    rows = (await session.execute(select(Teacher, School.cluster_id).join(School, School.id == Teacher.school_id)
                                  .where(Teacher.id.in_(teacher_ids)))).all()
    teachers = {teacher.id: teacher for teacher, _ in rows}
    missing = [tid for tid in teacher_ids if tid not in teachers or teachers[tid].user_id is None]
    if missing:
        raise InvalidField("teacher_ids", f"教师 {missing} 不存在或没有账号 (unknown teachers or without a login)")
    outside = [teacher.id for teacher, cluster_id in rows if cluster_id != series.cluster_id]
    if outside:
        raise InvalidField("teacher_ids", f"教师 {outside} 不是本片区的教师 (not teachers of this series' cluster)")
    current = set(await session.scalars(select(SeriesParticipant.teacher_id).where(
        SeriesParticipant.series_id == series.id, SeriesParticipant.left_at.is_(None))))
    added = [tid for tid in dict.fromkeys(teacher_ids) if tid not in current]
    session.add_all(
        SeriesParticipant(series_id=series.id, teacher_id=tid, user_id=teachers[tid].user_id, joined_at=now,
                          added_by_user_id=actor.id)
        for tid in added
    )
    row = await log_change(session, series=series, action="participants_added", actor=actor, now=now, data={"teacher_ids": added})
    change = Change(series, row)
    upcoming = await _future_sessions(session, series, now, SessionStatus.scheduled)
    if added and upcoming:
        # Welcome the newcomers with the next session they are in.
        change.notices.append(await _session_change_notice(
            session, series=series, meeting=upcoming[0], row=row, model=SessionAnnouncement, joined=True, audience=None,
            user_ids=[teachers[tid].user_id for tid in added],
        ))
    return change, added, [tid for tid in teacher_ids if tid in current]


async def remove_participant(
    session: AsyncSession, *, series: Series, teacher_id: int, actor: User, now: datetime
) -> Change:
    membership = await session.scalar(select(SeriesParticipant).where(
        SeriesParticipant.series_id == series.id, SeriesParticipant.teacher_id == teacher_id,
        SeriesParticipant.left_at.is_(None)))
    if membership is None:
        raise InvalidField("teacher_id", f"教师 {teacher_id} 不是本系列的参与者 (not a participant)")
    membership.left_at = now
    membership.removed_by_user_id = actor.id
    row = await log_change(session, series=series, action="participant_removed", actor=actor, now=now,
                     data={"teacher_ids": [teacher_id]})
    return Change(series, row)
