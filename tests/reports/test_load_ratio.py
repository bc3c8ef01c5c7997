"""The RTP report's load section prints no acute:chronic ratio its data cannot support:
"building (n of 28 days)" until 28 clinic days of load data, and days before the first
session are unknown, not rest days (no artificial spike). Fixed dates in a Sydney clinic."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest

from casemgr.services import report_data, settings, timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, open_case
from reports.build import render_document

SYDNEY = ZoneInfo("Australia/Sydney")
INJURY = date(2026, 3, 2)
RATIO = re.compile(r"Acute:chronic workload ratio \(EWMA 7/28 days.*?\) on [^:]+: (\d+\.\d\d)")


def evening(day: date) -> datetime:
    """18:00 on *day* in Sydney, as a UTC moment (the clinic's day is the Sydney day)."""
    return datetime(day.year, day.month, day.day, 18, tzinfo=SYDNEY).astimezone(UTC)


@pytest.fixture
def case_id(clinic) -> int:
    with clinic.session() as s:
        settings.set_setting(s, clinic.actors["admin"], "timezone", "Australia/Sydney")
        athlete = create_athlete(s, clinic.actors["physio"], AthleteInput("Ana Lopes"))
        case = open_case(
            s,
            clinic.actors["physio"],
            athlete.id,
            CaseInput("hamstring", "left", "semitendinosus", INJURY),
        )
    return case.id


def log(clinic, case_id: int, first: date, days: int, srpe: float | None = 5) -> None:
    """One session a day (20 min; sRPE 5 -> 100 AU) on *days* days from *first*."""
    with clinic.session() as s:
        for i in range(days):
            timeline.add_session(
                s,
                clinic.actors["coach"],
                case_id,
                timeline.SessionInput("tempo", 20, srpe=srpe),
                occurred_at=evening(first + timedelta(days=i)),
            )


def load_text(clinic, case_id: int, as_of: datetime) -> tuple[str, report_data.RtpData]:
    with clinic.session() as s:
        data = report_data.rtp_data(s, clinic.actors["doctor"], case_id, as_of=as_of)
    reader = pypdf.PdfReader(io.BytesIO(render_document(data, "a4")))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text[text.index("Load vs pre-injury") : text.index("Athlete confidence")], data


def test_nine_days_of_sessions_print_building_and_no_ratio(clinic, case_id):
    first = INJURY + timedelta(days=3)
    log(clinic, case_id, first, 9)
    text, data = load_text(clinic, case_id, evening(first + timedelta(days=8)) + timedelta(hours=2))
    assert "building (9 of 28 days" in text
    assert RATIO.search(text) is None  # no 7:28 ratio printed
    assert data.load.acwr_ewma is None and data.load.spikes_last_7 == 0
    assert "Williams et al. 2017" in text


def test_thirty_days_of_sessions_print_a_ratio(clinic, case_id):
    first = INJURY + timedelta(days=3)
    log(clinic, case_id, first, 30)
    text, data = load_text(
        clinic, case_id, evening(first + timedelta(days=29)) + timedelta(hours=2)
    )
    match = RATIO.search(text)
    assert match is not None and match.group(1) == "1.00"  # a constant load
    assert "building" not in text
    assert data.load.acwr_days_of_data == 30


def test_first_session_20_days_after_the_injury_makes_no_artificial_spike(clinic, case_id):
    # a session logged without sRPE the day after the injury has no known load: it is not a
    # zero-load day that would seed both EWMAs with 0 (the first real session would then read
    # 0.25 / (2/29) = 3.6, a "spike")
    log(clinic, case_id, INJURY + timedelta(days=1), 1, srpe=None)
    first = INJURY + timedelta(days=20)
    log(clinic, case_id, first, 30)
    text, data = load_text(
        clinic, case_id, evening(first + timedelta(days=29)) + timedelta(hours=2)
    )
    match = RATIO.search(text)
    assert match is not None and match.group(1) == "1.00"
    assert data.load.spikes_last_7 == 0 and "was above" not in text
    assert data.load.acwr_days_of_data == 30  # counted from the first session with a load
