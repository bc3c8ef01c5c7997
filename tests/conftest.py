"""Shared fixtures: a private CASEMGR_HOME per test, fresh databases on each backend.

Set ``CASEMGR_TEST_PG_URL`` (``.ci/run`` does) to run the backend tests on PostgreSQL
as well as SQLite.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402

PG_URL = os.environ.get("CASEMGR_TEST_PG_URL", "")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
TEST_PASSWORD = "correct-horse"


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEMGR_HOME", str(tmp_path / "home"))
    for var in ("CASEMGR_DB", "CASEMGR_USER", "CASEMGR_PASSWORD", "CASEMGR_NEW_PASSWORD"):
        monkeypatch.delenv(var, raising=False)


def reset_postgres(url: str) -> None:
    """Empty the test PostgreSQL database (drop and recreate the public schema)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'clinic.sqlite3'}"


@pytest.fixture
def database(db_url):
    from casemgr.db.open import open_database

    db = open_database(db_url, create=True)
    yield db
    _wait_for_background_work()
    db.dispose()


def _wait_for_background_work() -> None:
    """Let background tasks of the test (readiness, plots...) end before their database
    goes: a worker still querying a disposed or reset database must not outlive its test."""
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(10_000)


_HASH: list[str] = []


def _test_hash() -> str:
    if not _HASH:
        from casemgr.passwords import hash_password

        _HASH.append(hash_password(TEST_PASSWORD))
    return _HASH[0]


@dataclass
class Clinic:
    database: object
    actors: dict
    athlete_id: int
    case_id: int

    def session(self):
        return self.database.session()


@pytest.fixture
def clinic(database) -> Clinic:
    """One user per role (password TEST_PASSWORD), the default protocols, one athlete
    with an open right hamstring case."""
    from datetime import UTC, date, datetime, timedelta

    from casemgr.db.models import User
    from casemgr.permissions import SYSTEM, Actor
    from casemgr.services.athletes import AthleteInput, create_athlete
    from casemgr.services.cases import CaseInput, open_case
    from casemgr.services.protocols import install_default_protocols
    from casemgr.services.settings import init_zone

    actors = {}
    with database.session() as s:
        for role in ("admin", "doctor", "physio", "coach", "scientist"):
            user = User(
                username=role,
                display_name=f"Test {role}",
                role=role,
                password_hash=_test_hash(),
                active=True,
                failed_logins=0,
            )
            s.add(user)
            s.flush()
            actors[role] = Actor(user.id, user.username, role, user.display_name)
        install_default_protocols(s, SYSTEM)
        # the clinic's days are UTC days unless a test sets its own zone: the suite passes
        # whatever the workstation's zone (TZ=Pacific/Kiritimati, TZ=America/Adak...)
        init_zone(s, "UTC")
    with database.session() as s:
        athlete = create_athlete(
            s,
            actors["physio"],
            AthleteInput(
                "Sam Carter",
                date_of_birth=date(1999, 4, 2),
                sport="Athletics",
                position="100 m",
                dominant_limb="right",
                body_mass_kg=78.0,
                height_m=1.82,
                external_id="ATH-0001",
            ),
        )
        case = open_case(
            s,
            actors["physio"],
            athlete.id,
            CaseInput(
                region="hamstring",
                side="right",
                muscle="biceps_femoris_long_head",
                # 10 days ago in the clinic's calendar (UTC), not the workstation's
                injury_date=datetime.now(UTC).date() - timedelta(days=10),
                grade="2",
                site="b",
            ),
        )
    return Clinic(database, actors, athlete.id, case.id)
