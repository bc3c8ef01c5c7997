"""The documents print the clinic's dates and times (its zone, the database setting), never
UTC's nor the workstation's: a Sydney clinic's Saturday-morning session is on Saturday."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest

from casemgr.services import report_data, settings, timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, open_case
from casemgr.services.decisions import record_decision
from reports.build import render_document

SYDNEY = ZoneInfo("Australia/Sydney")


def wall(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """The moment (UTC) a Sydney clock shows y-m-d hh:mm."""
    return datetime(y, m, d, hh, mm, tzinfo=SYDNEY).astimezone(UTC)


def words(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def sydney_case(clinic) -> int:
    """A Sydney clinic's case injured Monday 1 June 2026: a tempo session on Saturday
    morning, a note and a decision on the Saturday morning two weeks later (every one of
    them still Friday in UTC)."""
    with clinic.session() as s:
        settings.set_setting(s, clinic.actors["admin"], "timezone", "Australia/Sydney")
        athlete = create_athlete(s, clinic.actors["physio"], AthleteInput("Mia Tan"))
        case = open_case(
            s,
            clinic.actors["physio"],
            athlete.id,
            CaseInput("hamstring", "left", "semitendinosus", date(2026, 6, 1)),
        )
        timeline.add_session(
            s,
            clinic.actors["coach"],
            case.id,
            timeline.SessionInput("tempo", 30, srpe=3),
            occurred_at=wall(2026, 6, 6, 8),
        )
        timeline.add_note(
            s,
            clinic.actors["physio"],
            case.id,
            "Ran pain-free on grass.",
            occurred_at=wall(2026, 6, 20, 7, 30),
        )
        record_decision(
            s,
            clinic.actors["doctor"],
            case.id,
            "not_cleared",
            monitoring_plan="Review next week",
            decided_at=wall(2026, 6, 20, 7, 45),
        )
    return case.id


def test_the_rtp_report_prints_the_clinics_dates_and_times(clinic, sydney_case):
    assert wall(2026, 6, 6, 8).date() == date(2026, 6, 5)  # UTC says Friday
    with clinic.session() as s:
        data = report_data.rtp_data(
            s, clinic.actors["doctor"], sydney_case, as_of=wall(2026, 6, 21, 10)
        )
    text = words(render_document(data))

    assert data.ctx.timezone == "Australia/Sydney"
    assert "First running session 2026-06-06 5" in text  # Saturday, day 5
    assert "2026-06-20 07:30 (UTC+10:00) · Test physio" in text  # the note
    assert "recorded 2026-06-20 07:45 (UTC+10:00) by Test doctor" in text
    assert "Test doctor Doctor 2026-06-20" in text  # the signature's date
    assert "2026-06-05" not in text and "2026-06-19" not in text  # no UTC day anywhere
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\+1[01]:00\)", text)


def test_the_weekly_sheet_lists_a_session_on_the_clinics_day(clinic, sydney_case):
    with clinic.session() as s:
        data = report_data.weekly_data(s, clinic.actors["coach"], sydney_case, date(2026, 6, 3))
    text = words(render_document(data))
    assert "week 2026-06-01 to 2026-06-07" in text
    assert "Sat 2026-06-06 Tempo" in text
    assert "Fri 2026-06-05" not in text
