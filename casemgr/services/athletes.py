"""Athletes: create, edit, find."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.clinical.clinic_days import local_day
from casemgr.db.base import utcnow
from casemgr.db.models import Athlete
from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import check_version, get_or_404, require
from casemgr.services.dto import AthleteInfo
from casemgr.services.settings import clinic_zone
from casemgr.text import clean_line, fold, like_contains


@dataclass(frozen=True)
class AthleteInput:
    full_name: str
    date_of_birth: date | None = None
    sport: str = ""
    position: str = ""
    dominant_limb: str | None = None
    body_mass_kg: float | None = None
    height_m: float | None = None
    external_id: str | None = None


def athlete_info(a: Athlete) -> AthleteInfo:
    return AthleteInfo(
        id=a.id,
        full_name=a.full_name,
        external_id=a.external_id,
        date_of_birth=a.date_of_birth,
        sport=a.sport,
        position=a.position,
        dominant_limb=a.dominant_limb,
        body_mass_kg=a.body_mass_kg,
        height_m=a.height_m,
        version=a.version,
    )


def _validated(session: Session, data: AthleteInput, athlete_id: int | None) -> dict:
    name = clean_line(data.full_name, "Name")
    dob = data.date_of_birth
    today = local_day(utcnow(), clinic_zone(session))  # the clinic's today
    if dob is not None and (dob > today or dob.year < 1900):
        raise ValidationError(f"Date of birth {dob.isoformat()} is not possible.")
    if data.dominant_limb not in (None, "left", "right"):
        raise ValidationError("Dominant limb is left or right.")
    mass, height = data.body_mass_kg, data.height_m
    if mass is not None and not 20 < mass < 250:
        raise ValidationError(f"Body mass {mass} kg is not plausible (20-250 kg).")
    if height is not None and not 1.0 < height < 2.5:
        raise ValidationError(f"Height {height} m is not plausible (1.0-2.5 m; metres, not cm).")
    ext = clean_line(data.external_id or "", "External id", max_len=64, required=False) or None
    if ext is not None:
        clash = session.scalar(select(Athlete).where(Athlete.external_id == ext))
        if clash is not None and clash.id != athlete_id:
            raise ValidationError(f"External id {ext} already belongs to {clash.full_name}.")
    return {
        "full_name": name,
        "name_key": fold(name),
        "date_of_birth": dob,
        "sport": clean_line(data.sport, "Sport", max_len=100, required=False),
        "position": clean_line(data.position, "Position", max_len=100, required=False),
        "dominant_limb": data.dominant_limb,
        "body_mass_kg": mass,
        "height_m": height,
        "external_id": ext,
    }


def create_athlete(session: Session, actor: Actor, data: AthleteInput) -> AthleteInfo:
    require(session, actor, Action.EDIT_ATHLETE, entity_type="athlete")
    athlete = Athlete(**_validated(session, data, None))
    session.add(athlete)
    session.flush()
    audit.record(
        session,
        actor,
        "athlete.create",
        entity_type="athlete",
        entity_id=athlete.id,
        athlete_id=athlete.id,
    )
    return athlete_info(athlete)


def update_athlete(
    session: Session, actor: Actor, athlete_id: int, expected_version: int, data: AthleteInput
) -> AthleteInfo:
    require(
        session,
        actor,
        Action.EDIT_ATHLETE,
        entity_type="athlete",
        entity_id=athlete_id,
        athlete_id=athlete_id,
    )
    athlete = get_or_404(session, Athlete, athlete_id, "Athlete")
    check_version(athlete, expected_version, f"{athlete.full_name}'s record")
    for key, value in _validated(session, data, athlete_id).items():
        setattr(athlete, key, value)
    session.flush()
    audit.record(
        session,
        actor,
        "athlete.update",
        entity_type="athlete",
        entity_id=athlete.id,
        athlete_id=athlete.id,
    )
    return athlete_info(athlete)


def get_athlete(session: Session, actor: Actor, athlete_id: int) -> AthleteInfo:
    require(session, actor, Action.VIEW_CLINICAL, entity_type="athlete", entity_id=athlete_id)
    return athlete_info(get_or_404(session, Athlete, athlete_id, "Athlete"))


def list_athletes(session: Session, actor: Actor, search: str = "") -> list[AthleteInfo]:
    """All athletes by name; *search* ignores case, accents and Unicode form."""
    require(session, actor, Action.VIEW_CLINICAL, entity_type="athlete")
    stmt = select(Athlete).order_by(Athlete.name_key)
    if search.strip():
        stmt = stmt.where(Athlete.name_key.like(like_contains(fold(search)), escape="\\"))
    return [athlete_info(a) for a in session.scalars(stmt)]
