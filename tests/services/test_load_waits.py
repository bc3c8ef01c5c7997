"""The load series waits for data: it starts at the first session with a load (days before
it are unknown, not rest days), the EWMA ratio is building (no value, no spike) for the
first 27 days and shown from the 28th. Fixed dates in a Sydney clinic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casemgr.services import series, settings, timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, open_case

SYDNEY = ZoneInfo("Australia/Sydney")
INJURY = date(2026, 3, 2)


def evening(day: date) -> datetime:
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


def log(clinic, case_id: int, day: date, minutes: float = 20, srpe: float | None = 5) -> None:
    with clinic.session() as s:
        timeline.add_session(
            s,
            clinic.actors["coach"],
            case_id,
            timeline.SessionInput("tempo", minutes, srpe=srpe),
            occurred_at=evening(day),
        )


def load(clinic, case_id: int, until: date) -> series.LoadSeries:
    with clinic.session() as s:
        return series.load_series(
            s, clinic.actors["scientist"], case_id, until=until, as_of=evening(until)
        )


def test_first_session_20_days_after_the_injury(clinic, case_id):
    log(clinic, case_id, INJURY + timedelta(days=1), srpe=None)  # no load known: not a 0
    first = INJURY + timedelta(days=20)
    for i in range(30):
        log(clinic, case_id, first + timedelta(days=i))  # 100 AU a day
    data = load(clinic, case_id, first + timedelta(days=29))
    assert data.days[0] == first and len(data.days) == 30  # nothing before the first load
    assert data.spikes == () and not data.building
    assert data.acwr[:27] == (None,) * 27  # building
    assert data.acwr[27:] == (pytest.approx(1.0),) * 3  # a constant load
    assert data.acute[0] == data.chronic[0] == 100.0  # both seeded with the first day's load


def test_a_spike_is_only_raised_on_a_supported_ratio(clinic, case_id):
    first = INJURY + timedelta(days=3)
    for i in (0, 1, 2):
        log(clinic, case_id, first + timedelta(days=i))
    log(clinic, case_id, first + timedelta(days=8), minutes=300, srpe=10)  # 3000 AU
    early = load(clinic, case_id, first + timedelta(days=9))
    assert early.building and early.spikes == () and set(early.acwr) == {None}
    # the same jump after 28 days of data is flagged: acute 0.25 x 3000 = 750 on a chronic
    # of about 100 + 2/29 x 2900
    late_day = first + timedelta(days=40)
    for i in range(3, 40):
        if i != 8:
            log(clinic, case_id, first + timedelta(days=i))
    log(clinic, case_id, late_day, minutes=300, srpe=10)
    late = load(clinic, case_id, late_day)
    assert late.spikes == (late_day,)
    assert late.acwr[-1] is not None and late.acwr[-1] > late.spike_threshold
