"""Builds the demo clinic: users, athletes, cases (via the case writer), weekly targets and
planned sessions, and creates a demo database at a path or URL."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from casemgr import audit, passwords
from casemgr.clinical.clinic_days import local_day
from casemgr.db.base import utcnow
from casemgr.db.engine import resolve_url, sqlite_path
from casemgr.db.models import (
    AppMeta,
    Athlete,
    InjuryCase,
    PlannedSession,
    Protocol,
    User,
    WeeklyTarget,
)
from casemgr.db.open import open_database
from casemgr.demo.cases import CLINIC_ZONE, _at, _build_case, _Builder, _decide
from casemgr.demo.data import ATHLETES, CLINIC_NAME, DEMO_PASSWORD, SEED, USERS
from casemgr.errors import ValidationError
from casemgr.permissions import SYSTEM, Actor
from casemgr.services.protocols import install_default_protocols
from casemgr.services.settings import clinic_zone
from casemgr.text import fold


@dataclass(frozen=True)
class DemoResult:
    where: str
    athletes: int
    cases: int
    entries: int
    measures: int


def build_demo(session, today: date | None = None) -> DemoResult:
    """Fill an empty, migrated database with the demo clinic."""
    if session.scalar(select(func.count(User.id))):
        raise ValidationError("The demo clinic goes into an empty database.")
    rng = random.Random(SEED)
    zone = clinic_zone(session)  # the workstation's, set when the database was created
    CLINIC_ZONE[0] = zone
    today = today or local_day(utcnow(), zone)
    users = {}
    for username, name, role in USERS:
        users[username] = User(
            username=username,
            display_name=name,
            role=role,
            password_hash=passwords.hash_password(DEMO_PASSWORD),
            active=True,
            failed_logins=0,
        )
        session.add(users[username])
    session.add_all([AppMeta(key="demo", value="1"), AppMeta(key="clinic_name", value=CLINIC_NAME)])
    session.flush()
    install_default_protocols(session, SYSTEM)
    protocols = {p.region: p for p in session.scalars(select(Protocol))}
    b = _Builder(session, users, rng, today)
    physio = Actor(users["physio"].id, "physio", "physio", users["physio"].display_name)
    n_cases = 0
    for spec in ATHLETES:
        name, ext, sport, position, dominant, mass, height, year = spec[:8]
        athlete = Athlete(
            full_name=name,
            name_key=fold(name),
            external_id=ext,
            date_of_birth=date(year, rng.randint(1, 12), rng.randint(1, 28)),
            sport=sport,
            position=position,
            dominant_limb=dominant,
            body_mass_kg=float(mass),
            height_m=height,
        )
        session.add(athlete)
        session.flush()
        audit.record(
            session,
            physio,
            "athlete.create",
            entity_type="athlete",
            entity_id=athlete.id,
            athlete_id=athlete.id,
            reason="demo clinic",
        )
        earlier = None
        if spec[15] == "recurrence":
            earlier = InjuryCase(
                athlete_id=athlete.id,
                region="hamstring",
                side="right",
                muscle="biceps_femoris_long_head",
                classification="bamic",
                grade="2",
                site="b",
                mechanism="high_speed_running",
                injury_date=today - timedelta(days=400),
                status="closed",
                protocol_id=protocols["hamstring"].id,
                current_phase_id=protocols["hamstring"].phases[-1].id,
                phase_entered_at=_at(today - timedelta(days=350), 9),
                opened_at=_at(today - timedelta(days=399), 9),
                opened_by_id=users["physio"].id,
            )
            session.add(earlier)
            session.flush()
            b.entry(
                earlier,
                "note",
                _at(today - timedelta(days=330), 9),
                "physio",
                "Case closed",
                body="Returned to full training; surveillance completed.",
            )
            n_cases += 1
        case = _build_case(b, athlete, spec, protocols[spec[8]], earlier.id if earlier else None)
        n_cases += 1
        audit.record(
            session,
            physio,
            "case.open",
            entity_type="case",
            entity_id=case.id,
            athlete_id=athlete.id,
            reason="demo clinic",
        )
        if spec[15] == "cleared":
            _decide(b, case, _at(today - timedelta(days=1), 14))
        if spec[14] == 7:
            _decide(b, case, case.phase_entered_at - timedelta(days=2))
        week = today - timedelta(days=today.weekday())
        for text in (
            "Two pain-free sessions at the planned intensity",
            "Nordic LSI retest on Thursday"
            if spec[8] == "hamstring"
            else "Single-leg calf raise test, both sides, on Thursday",
        ):
            session.add(
                WeeklyTarget(
                    case_id=case.id,
                    week_start=week,
                    text=text,
                    discipline="physio",
                    created_by_id=users["physio"].id,
                )
            )
        for offset, kind in ((1, "tempo"), (3, "strength"), (5, "acceleration")):
            session.add(
                PlannedSession(
                    case_id=case.id,
                    planned_date=week + timedelta(days=offset),
                    session_type=kind,
                    surface="grass" if kind != "strength" else "gym",
                    status="planned",
                    created_by_id=users["coach"].id,
                )
            )
        if spec[15] in ("step_back", "declining"):
            b.entry(
                case,
                "flag",
                _at(today - timedelta(days=1), 12),
                "scientist",
                "Max velocity below the surveillance band on two tests"
                if spec[15] == "declining"
                else "Soreness jump after speed block",
                data={"severity": "attention"},
            )
    session.flush()
    audit.record(
        session,
        SYSTEM,
        "demo.create",
        reason=f"{len(ATHLETES)} athletes, "
        f"{n_cases} cases, {b.entries} entries, {b.measures} measures",
    )
    return DemoResult("", len(ATHLETES), n_cases, b.entries, b.measures)


def create_demo_database(
    db: str | None, *, force: bool = False, if_missing: bool = False
) -> DemoResult | None:
    """Create the demo clinic at *db* (path or URL). Refuses to overwrite unless *force*."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None and path.exists():
        if if_missing:
            return None
        if not force:
            raise ValidationError(
                f"{path} exists already; use --force to replace it with the demo clinic."
            )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif path is None:
        _prepare_server_database(url, force=force, if_missing=if_missing)
    database = open_database(url, create=True)
    try:
        with database.session() as s:
            if path is None and if_missing and s.scalar(select(func.count(User.id))):
                return None
            result = build_demo(s)
        return DemoResult(
            database.describe(), result.athletes, result.cases, result.entries, result.measures
        )
    finally:
        database.dispose()


def _prepare_server_database(url: str, *, force: bool, if_missing: bool) -> None:
    """On a server database, --force empties the schema; otherwise it must be empty."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        tables = inspect(engine).get_table_names()
        if tables and force:
            with engine.connect() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        elif tables and not if_missing:
            raise ValidationError("That database is not empty; use --force to replace it.")
    finally:
        engine.dispose()
