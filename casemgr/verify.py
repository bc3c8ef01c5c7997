"""Whole-database verification: SQLite integrity and foreign keys, and the audit chain."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from casemgr import audit
from casemgr.db.engine import Database, wrap_db_error
from casemgr.db.models import Athlete, InjuryCase, Measure, TimelineEntry
from casemgr.db.open import open_database


@dataclass
class VerifyReport:
    ok: bool = True
    problem: str = ""
    lines: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        if self.ok:
            self.ok, self.problem = False, problem
        self.lines.append("FAIL  " + problem)


def verify_open(database: Database) -> VerifyReport:
    report = VerifyReport()
    report.lines.append(f"database: {database.describe()}")
    with database.session() as s:
        if database.is_sqlite:
            problems = [r[0] for r in s.connection().exec_driver_sql("PRAGMA integrity_check")]
            if problems != ["ok"]:
                report.fail("SQLite integrity check: " + "; ".join(problems[:5]))
            else:
                report.lines.append("ok    SQLite integrity check")
            fk = list(s.connection().exec_driver_sql("PRAGMA foreign_key_check"))
            if fk:
                report.fail(
                    f"{len(fk)} rows point at records that do not exist "
                    f"(first: table {fk[0][0]} row {fk[0][1]})"
                )
            else:
                report.lines.append("ok    foreign keys")
        counts = {
            name: s.scalar(select(func.count()).select_from(model))
            for name, model in (
                ("athletes", Athlete),
                ("cases", InjuryCase),
                ("timeline entries", TimelineEntry),
                ("measures", Measure),
            )
        }
        report.lines.append("      " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        chain = audit.verify_chain(s)
        if chain.ok:
            report.lines.append("ok    " + chain.describe())
        else:
            report.fail(chain.describe())
    return report


def verify_database(db: str | None) -> VerifyReport:
    database = open_database(db)
    try:
        return verify_open(database)
    except SQLAlchemyError as exc:  # a page too damaged to read even for the checks
        raise wrap_db_error(exc, database.describe()) from exc
    finally:
        database.dispose()
