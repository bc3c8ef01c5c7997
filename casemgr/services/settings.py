"""Clinic settings kept in the database (``app_meta``): today the clinic's time zone.

The zone decides what a "day" is for every day-based rule (windows, separate days, daily
load, weekly targets, dates in reports). It is set by ``init``/``demo`` to the
workstation's zone and changed by an admin (settings dialog or
``casemgr settings set timezone Area/City``); the change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.clinic_days import DEFAULT_ZONE, valid_zone_name, zone
from casemgr.db.models import AppMeta
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import require

TIMEZONE_KEY = "clinic_timezone"
SETTINGS = {"timezone": TIMEZONE_KEY}
"""The names ``casemgr settings set NAME VALUE`` knows, and their ``app_meta`` keys."""


@dataclass(frozen=True)
class ClinicSettings:
    timezone: str
    clinic_name: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"timezone": self.timezone, "clinic_name": self.clinic_name}


def _meta(session: Session, key: str) -> str | None:
    return session.scalar(select(AppMeta.value).where(AppMeta.key == key))


def clinic_zone_name(session: Session) -> str:
    """The clinic's IANA zone name (UTC for a database that has none yet)."""
    return _meta(session, TIMEZONE_KEY) or DEFAULT_ZONE


def clinic_zone(session: Session) -> ZoneInfo:
    """The clinic's zone; an unknown stored name is an error, never a silent UTC."""
    return zone(clinic_zone_name(session))


def get_settings(session: Session) -> ClinicSettings:
    return ClinicSettings(
        timezone=clinic_zone_name(session), clinic_name=_meta(session, "clinic_name") or ""
    )


def init_zone(session: Session, name: str) -> None:
    """Set the zone of a new database (``init``/``demo``; no actor, not audited)."""
    session.merge(AppMeta(key=TIMEZONE_KEY, value=valid_zone_name(name)))


def set_setting(session: Session, actor: Actor, name: str, value: str) -> ClinicSettings:
    """Change one setting (admins only, audited with the old and the new value)."""
    require(session, actor, Action.MANAGE_SETTINGS, entity_type="settings", entity_id=name)
    key = SETTINGS.get(name)
    if key is None:
        raise ValidationError(f"Unknown setting '{name}'; known: {', '.join(SETTINGS)}.")
    new = valid_zone_name(value)
    old = _meta(session, key) or ""
    if new != old:
        session.merge(AppMeta(key=key, value=new))
        audit.record(
            session,
            actor,
            "settings.set",
            entity_type="settings",
            entity_id=name,
            reason=f"{name}: {old or '(none)'} -> {new}",
        )
    return get_settings(session)
