"""The clinic's time zone as the app knows it: every time and day on screen is the clinic's.

Timestamps are stored in UTC. The app shows them, and takes them from the "When" fields, in
the clinic's zone (the database setting), whatever zone the workstation is in; "today" (day
N since the injury, this week) is the clinic's today. The zone is read after login
(:func:`load`) and set again when an admin changes it (:func:`set_zone`);
``notifier().zone_changed`` tells the open windows.

Qt's local time is never used for a clinic time: a date-time edit holds the clinic's
wall-clock time with a UTC time spec (:func:`wall_clock`, :func:`from_wall_clock`), so the
workstation's daylight-saving gaps cannot move it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QObject, QTime, QTimeZone, Signal

from casemgr.clinical import clinic_days
from casemgr.db.base import utcnow
from casemgr.services import settings

TIME_FORMAT = "%Y-%m-%d %H:%M"


class ZoneNotifier(QObject):
    """``zone_changed(name)`` after the clinic's zone changed (days on screen moved)."""

    zone_changed = Signal(str)


_name = clinic_days.DEFAULT_ZONE  # until the app has read the database's (after login)
_zone: ZoneInfo = clinic_days.zone(_name)
_notifier: ZoneNotifier | None = None


def notifier() -> ZoneNotifier:
    global _notifier
    if _notifier is None:
        _notifier = ZoneNotifier()
    return _notifier


def set_zone(name: str) -> None:
    """Make *name* (an IANA zone; unknown: ``ValidationError``) the clinic's zone on screen."""
    global _name, _zone
    tz = clinic_days.zone(name)
    name = name.strip()
    if name == _name:
        return
    _name, _zone = name, tz
    notifier().zone_changed.emit(name)


def load(session) -> str:
    """Read the clinic's zone from the database (after login, on refresh); its name."""
    set_zone(settings.clinic_zone_name(session))
    return _name


def zone() -> ZoneInfo:
    return _zone


def zone_name() -> str:
    return _name


def now() -> datetime:
    """The current moment (aware UTC)."""
    return utcnow()


def today(moment: datetime | None = None) -> date:
    """The clinic's calendar day at *moment* (default now)."""
    return clinic_days.local_day(moment or now(), zone())


def local(moment: datetime) -> datetime:
    """A stored (UTC; naive means UTC) moment in the clinic's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def day_of(moment: datetime) -> date:
    """The clinic's calendar day of a stored moment."""
    return clinic_days.local_day(moment, zone())


def time_text(moment: datetime | None, fmt: str = TIME_FORMAT) -> str:
    """A stored moment as the clinic's local time (``2026-04-05 02:30``; "" for None)."""
    return local(moment).strftime(fmt) if moment is not None else ""


def day_start(day: date) -> datetime:
    """The first moment (aware UTC) of the clinic's calendar *day*."""
    return clinic_days.day_start(day, zone())


def day_end(day: date) -> datetime:
    """The first moment (aware UTC) of the clinic's day after *day*."""
    return clinic_days.day_end(day, zone())


def today_qdate() -> QDate:
    """The clinic's today for a date edit."""
    day = today()
    return QDate(day.year, day.month, day.day)


def wall_clock(moment: datetime | None = None) -> QDateTime:
    """A stored moment (default now) as the clinic's wall-clock time for a date-time edit,
    with a UTC time spec so that Qt never shifts it into the workstation's zone."""
    t = local(moment or now())
    return QDateTime(
        QDate(t.year, t.month, t.day),
        QTime(t.hour, t.minute, t.second, t.microsecond // 1000),
        QTimeZone.utc(),
    )


def from_wall_clock(value: QDateTime) -> datetime:
    """The moment (aware UTC) a clinic wall-clock time from a date-time edit stands for.

    Daylight saving: a time skipped by the spring change counts with the offset before it;
    a time the autumn change repeats is its first occurrence."""
    d, t = value.date(), value.time()
    wall = datetime.combine(
        date(d.year(), d.month(), d.day()),
        time(t.hour(), t.minute(), t.second(), t.msec() * 1000),
        tzinfo=zone(),
    )
    return wall.astimezone(UTC)


def axis_offset(moment: datetime | None = None) -> int:
    """Seconds west of UTC of the clinic's zone at *moment* (default now): the
    ``utcOffset`` of a pyqtgraph date axis, so that its ticks are the clinic's days."""
    offset = local(moment or now()).utcoffset()
    return -int(offset.total_seconds()) if offset is not None else 0
