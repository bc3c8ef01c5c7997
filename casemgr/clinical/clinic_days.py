"""The clinic's calendar days: every day-based rule counts local days in one time zone.

Timestamps are stored in UTC; "N separate days", windows, daily load, weekly targets and
"day N since injury" are calendar days in the clinic's zone (an IANA name such as
``Australia/Sydney``), across daylight-saving changes. An unknown name is an error, never
a silent UTC.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from casemgr.errors import ValidationError

DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone *name*; a ``ValidationError`` naming the problem when it is unknown."""
    text = (name or "").strip()
    if not text or text.startswith(("/", ".")) or ".." in text:
        raise ValidationError(_unknown(name))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(_unknown(name)) from None


def _unknown(name: str) -> str:
    return (
        f"Unknown time zone '{name}': give an IANA name such as Europe/London, "
        "Australia/Sydney or America/New_York."
    )


def valid_zone_name(name: str) -> str:
    """*name* stripped, once it is known to be a valid IANA zone."""
    zone(name)
    return name.strip()


def workstation_zone_name() -> str:
    """The IANA name of this workstation's zone (``TZ``, ``/etc/timezone``, the
    ``/etc/localtime`` link, or Windows' standard zone name), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    candidates.append(_windows_zone())
    for name in candidates:
        if (name and "/" in name) or name in ("UTC", "Etc/UTC"):
            try:
                zone(name)
            except ValidationError:
                continue
            return "UTC" if name == "Etc/UTC" else name
    return DEFAULT_ZONE


def _windows_zone() -> str:
    """Windows keeps no IANA name; map the common standard names (else empty)."""
    if os.name != "nt":
        return ""
    import time as _time

    return _WINDOWS_NAMES.get(_time.tzname[0], "")


_WINDOWS_NAMES = {
    "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "E. Australia Standard Time": "Australia/Brisbane",
    "W. Australia Standard Time": "Australia/Perth",
    "New Zealand Standard Time": "Pacific/Auckland",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "Tokyo Standard Time": "Asia/Tokyo",
    "China Standard Time": "Asia/Shanghai",
    "UTC": "UTC",
}


def zone_names() -> list[str]:
    """Every IANA zone known on this machine, sorted (for the settings dialog)."""
    return sorted(n for n in available_timezones() if "/" in n or n == "UTC")


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The clinic's calendar day of an aware (or naive UTC) moment."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def day_start(day: date, tz: tzinfo) -> datetime:
    """The first moment (aware UTC) of the clinic's calendar *day* (DST-safe)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_end(day: date, tz: tzinfo) -> datetime:
    """The first moment (aware UTC) of the day after *day*."""
    return day_start(day + timedelta(days=1), tz)
