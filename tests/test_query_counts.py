"""Opening a case and listing cases take a constant number of SQL statements.

The statements are counted on the engine (``before_cursor_execute``) for the same clinic
before and after it grows (more entries and measures on the case, more athletes and
cases): the counts must not grow with the data (no N+1 queries).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from casemgr.services import cases, readiness, series, timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, open_case
from casemgr.services.dto import MeasureValue
from casemgr.services.timeline import TimelineFilter

OPEN_CASE_LIMIT = 25
CASE_LIST_LIMIT = 10


@contextmanager
def counting(database):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = database.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def open_case_statements(clinic, case_id: int) -> int:
    actor = clinic.actors["physio"]
    with counting(clinic.database) as statements, clinic.session() as s:
        cases.get_case(s, actor, case_id)
        page = timeline.list_entries(s, actor, case_id, TimelineFilter(), limit=200)
        assert page.items
        readiness.evaluate_case(s, actor, case_id)
        series.measure_series(s, actor, case_id, "nordic_force")
    return len(statements)


def case_list_statements(clinic) -> tuple[int, int]:
    with counting(clinic.database) as statements, clinic.session() as s:
        rows = cases.list_case_rows(s, clinic.actors["physio"])
    return len(statements), len(rows)


def readiness_statements(clinic, case_ids: list[int]) -> int:
    with counting(clinic.database) as statements, clinic.session() as s:
        out = readiness.evaluate_cases(s, clinic.actors["physio"], case_ids)
    assert set(out) == set(case_ids)
    return len(statements)


def grow_case(clinic, case_id: int, days: int) -> None:
    """*days* of daily feedback, a session and per-limb Nordic tests on the case."""
    start = datetime.now(UTC) - timedelta(days=days + 1)
    coach, physio = clinic.actors["coach"], clinic.actors["physio"]
    with clinic.session() as s:
        for d in range(days):
            when = start + timedelta(days=d)
            timeline.add_feedback(
                s, coach, case_id, {"pain": d % 3, "soreness": 1}, occurred_at=when
            )
            timeline.add_note(s, physio, case_id, f"Day {d} note", occurred_at=when)
            timeline.record_measures(
                s,
                coach,
                case_id,
                [
                    MeasureValue("nordic_force", 300.0 + d, "left"),
                    MeasureValue("nordic_force", 310.0 + d, "right"),
                ],
                measured_at=when,
            )


def grow_clinic(clinic, athletes: int) -> list[int]:
    """*athletes* more athletes, each with an open case; returns their case ids."""
    physio = clinic.actors["physio"]
    ids = []
    with clinic.session() as s:
        for n in range(athletes):
            a = create_athlete(s, physio, AthleteInput(f"Extra Athlete {n}"))
            case = open_case(
                s,
                physio,
                a.id,
                CaseInput(
                    region="calf" if n % 2 else "hamstring",
                    side="left",
                    muscle="soleus" if n % 2 else "semitendinosus",
                    injury_date=datetime.now(UTC).date() - timedelta(days=5 + n),
                ),
            )
            ids.append(case.id)
    return ids


def test_opening_a_case_takes_a_constant_number_of_statements(clinic):
    grow_case(clinic, clinic.case_id, 2)
    small = open_case_statements(clinic, clinic.case_id)
    grow_case(clinic, clinic.case_id, 30)
    big = open_case_statements(clinic, clinic.case_id)
    assert big == small, f"{small} statements for 2 days of data, {big} for 32 days"
    assert big <= OPEN_CASE_LIMIT


def test_case_list_takes_a_constant_number_of_statements(clinic):
    small, rows_small = case_list_statements(clinic)
    grow_clinic(clinic, 6)
    grow_case(clinic, clinic.case_id, 5)
    big, rows_big = case_list_statements(clinic)
    assert rows_big == rows_small + 6
    assert big == small, f"{small} statements for {rows_small} cases, {big} for {rows_big}"
    assert big <= CASE_LIST_LIMIT


def test_readiness_of_many_cases_takes_a_constant_number_of_statements(clinic):
    grow_case(clinic, clinic.case_id, 3)
    small = readiness_statements(clinic, [clinic.case_id])
    extra = grow_clinic(clinic, 8)
    big = readiness_statements(clinic, [clinic.case_id, *extra])
    assert big == small, f"{small} statements for 1 case, {big} for 9"


@pytest.mark.parametrize("when", ["now", "past"])
def test_readiness_of_many_cases_equals_one_by_one(clinic, when):
    grow_case(clinic, clinic.case_id, 10)
    ids = [clinic.case_id, *grow_clinic(clinic, 3)]
    as_of = datetime.now(UTC) - timedelta(days=0 if when == "now" else 4)
    actor = clinic.actors["physio"]
    with clinic.session() as s:
        many = readiness.evaluate_cases(s, actor, ids, as_of)
        for case_id in ids:
            assert readiness.evaluate_case(s, actor, case_id, as_of) == many[case_id]
