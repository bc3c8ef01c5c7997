"""Days are the clinic's days: daily load, weekly targets and "today" follow the clinic's
time zone (the database setting), across daylight-saving changes, whatever the workstation's
zone. Every moment here is fixed and built in the clinic's zone, then stored as UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casemgr.clinical.clinic_days import local_day
from casemgr.errors import ValidationError
from casemgr.services import cases, planning, series, settings, timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, open_case
from casemgr.services.timeline import SessionInput

SYDNEY = ZoneInfo("Australia/Sydney")
LONDON = ZoneInfo("Europe/London")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")


def wall(tz: ZoneInfo, y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    """The moment (UTC) a clock in *tz* shows y-m-d hh:mm (the first one when it repeats)."""
    return datetime(y, m, d, hh, mm, tzinfo=tz).astimezone(UTC)


def set_zone(clinic, name: str) -> None:
    """The admin sets the clinic's zone in the settings."""
    with clinic.session() as s:
        settings.set_setting(s, clinic.actors["admin"], "timezone", name)


@pytest.fixture
def case_id(clinic) -> int:
    """A Sydney clinic's right hamstring case injured on Friday 20 March 2026."""
    set_zone(clinic, "Australia/Sydney")
    with clinic.session() as s:
        athlete = create_athlete(s, clinic.actors["physio"], AthleteInput("Mia Tan"))
        case = open_case(
            s,
            clinic.actors["physio"],
            athlete.id,
            CaseInput("hamstring", "right", "semitendinosus", date(2026, 3, 20)),
        )
    return case.id


def log_session(clinic, case_id: int, when: datetime, minutes: float = 40, srpe: float = 4):
    with clinic.session() as s:
        timeline.add_session(
            s,
            clinic.actors["coach"],
            case_id,
            SessionInput("tempo", minutes, srpe=srpe),
            occurred_at=when,
        )


def load(clinic, case_id: int, **kw) -> series.LoadSeries:
    with clinic.session() as s:
        return series.load_series(s, clinic.actors["scientist"], case_id, **kw)


def targets(clinic, case_id: int, week: date, as_of: datetime):
    with clinic.session() as s:
        return {
            t.target.text: t
            for t in planning.evaluate_targets(
                s, clinic.actors["coach"], case_id, week, as_of=as_of
            )
        }


def test_sessions_either_side_of_sydney_midnight_are_two_days_of_load(clinic, case_id):
    late = wall(SYDNEY, 2026, 6, 10, 23, 30)  # Wednesday night in Sydney
    early = wall(SYDNEY, 2026, 6, 11, 0, 30)  # Thursday, an hour later
    assert late.date() == early.date() == date(2026, 6, 10)  # one UTC day
    log_session(clinic, case_id, late, minutes=40, srpe=4)  # 160 AU
    log_session(clinic, case_id, early, minutes=30, srpe=5)  # 150 AU

    # Friday 08:00 in Sydney is still Thursday in UTC: the series runs to the clinic's today
    data = load(clinic, case_id, as_of=wall(SYDNEY, 2026, 6, 12, 8))

    assert data.days == (date(2026, 6, 10), date(2026, 6, 11), date(2026, 6, 12))
    assert data.loads == (160.0, 150.0, 0.0)
    assert data.sessions == 2 and data.timezone == "Australia/Sydney"
    assert data.day_timestamps()[0] == wall(SYDNEY, 2026, 6, 10, 12).timestamp()  # local noon

    # the same two sessions, once the clinic says it is in London: one day of 310 AU
    set_zone(clinic, "Europe/London")
    data = load(clinic, case_id, until=date(2026, 6, 11))
    assert data.days == (date(2026, 6, 10), date(2026, 6, 11))
    assert data.loads == (310.0, 0.0)


def test_the_week_sydney_leaves_daylight_saving_has_seven_local_days(clinic, case_id):
    # Sunday 5 April 2026, 03:00 AEDT -> 02:00 AEST: the week of Monday 30 March is 169 h
    start, end = planning.week_bounds(date(2026, 4, 2), SYDNEY)
    assert start == wall(SYDNEY, 2026, 3, 30, 0) == datetime(2026, 3, 29, 13, tzinfo=UTC)
    assert end == wall(SYDNEY, 2026, 4, 6, 0) == datetime(2026, 4, 5, 14, tzinfo=UTC)
    assert end - start == timedelta(hours=169)

    log_session(clinic, case_id, wall(SYDNEY, 2026, 3, 29, 23, 45))  # the Sunday before
    log_session(clinic, case_id, wall(SYDNEY, 2026, 3, 30, 0, 15))  # Monday (UTC: Sunday)
    for day in (date(2026, 3, 31), *(date(2026, 4, d) for d in range(1, 5))):  # Tue-Sat
        log_session(clinic, case_id, wall(SYDNEY, day.year, day.month, day.day, 18))
    log_session(clinic, case_id, wall(SYDNEY, 2026, 4, 5, 2, 30))  # 02:30 AEDT, the first
    log_session(clinic, case_id, wall(SYDNEY, 2026, 4, 5, 23, 30))  # Sunday night (AEST)
    log_session(clinic, case_id, wall(SYDNEY, 2026, 4, 6, 0, 30))  # next Monday (UTC: Sunday)
    with clinic.session() as s:
        for day, aggregation, threshold, text in (
            (date(2026, 4, 5), "days", 7, "every day"),  # any day: the week is the Monday's
            (date(2026, 4, 5), "sum", 8, "eight sessions"),
            (date(2026, 4, 6), "sum", 1, "next week"),
        ):
            planning.add_target(
                s,
                clinic.actors["coach"],
                case_id,
                day,
                text,
                measure="sessions",
                aggregation=aggregation,
                comparator=">=",
                threshold=threshold,
            )

    week = targets(clinic, case_id, date(2026, 4, 1), as_of=wall(SYDNEY, 2026, 4, 6, 9))

    assert week["every day"].target.week_start == date(2026, 3, 30)
    assert (week["every day"].status, week["every day"].value) == ("met", 7.0)
    assert week["every day"].explanation == "7 days with a session: meets the target ≥ 7"
    assert (week["eight sessions"].status, week["eight sessions"].value) == ("met", 8.0)
    # Monday 00:30 of the next week is the next week's, though UTC still says Sunday
    (next_week,) = targets(clinic, case_id, date(2026, 4, 6), wall(SYDNEY, 2026, 4, 6, 9)).values()
    assert (next_week.target.week_start, next_week.value) == (date(2026, 4, 6), 1.0)
    assert next_week.explanation.endswith("so far (the week is not over)")


def test_the_week_london_starts_daylight_saving_is_a_clinic_week(clinic, case_id):
    set_zone(clinic, "Europe/London")
    # Sunday 29 March 2026, 01:00 GMT -> 02:00 BST: the week of Monday 23 March is 167 h
    start, end = planning.week_bounds(date(2026, 3, 29), LONDON)
    assert (start, end - start) == (datetime(2026, 3, 23, 0, tzinfo=UTC), timedelta(hours=167))
    sunday_night = wall(LONDON, 2026, 3, 29, 23, 30)  # 22:30 UTC
    monday_early = wall(LONDON, 2026, 3, 30, 0, 30)  # 23:30 UTC, still Sunday in UTC
    assert sunday_night.date() == monday_early.date() == date(2026, 3, 29)
    log_session(clinic, case_id, sunday_night)
    log_session(clinic, case_id, monday_early)
    with clinic.session() as s:
        for monday in (date(2026, 3, 23), date(2026, 3, 30)):
            planning.add_target(
                s,
                clinic.actors["coach"],
                case_id,
                monday,
                "one day of running",
                measure="sessions",
                aggregation="days",
                comparator=">=",
                threshold=1,
            )

    for monday in (date(2026, 3, 23), date(2026, 3, 30)):
        (status,) = targets(clinic, case_id, monday, as_of=wall(LONDON, 2026, 4, 6, 9)).values()
        assert (status.status, status.value) == ("met", 1.0)  # one session in each week


def test_a_sunday_session_counts_on_the_clinic_sunday_in_the_running_week(clinic, case_id):
    log_session(clinic, case_id, wall(SYDNEY, 2026, 4, 5, 23, 30))
    with clinic.session() as s:
        planning.add_target(
            s,
            clinic.actors["coach"],
            case_id,
            date(2026, 3, 30),
            "two sessions",
            measure="sessions",
            aggregation="sum",
            comparator=">=",
            threshold=2,
        )
    # Sunday 23:45 in Sydney: the clinic's week is still running, though UTC is past 13:00
    (status,) = targets(
        clinic, case_id, date(2026, 3, 30), wall(SYDNEY, 2026, 4, 5, 23, 45)
    ).values()
    assert status.status == "not_met"
    assert status.explanation.endswith("so far (the week is not over)")


def test_an_injury_on_the_clinics_today_is_not_in_the_future(clinic, monkeypatch):
    # 11:00 UTC on Wednesday 10 June 2026 is already Thursday 01:00 in Kiritimati (UTC+14)
    now = datetime(2026, 6, 10, 11, tzinfo=UTC)
    monkeypatch.setattr(cases, "utcnow", lambda: now)
    thursday = local_day(now, KIRITIMATI)
    assert thursday == date(2026, 6, 11)
    with clinic.session() as s:
        athlete = create_athlete(s, clinic.actors["physio"], AthleteInput("Teuea Toatu"))

    def open_on(day: date):
        with clinic.session() as s:
            return open_case(
                s,
                clinic.actors["physio"],
                athlete.id,
                CaseInput("calf", "left", "soleus", day),
            )

    with pytest.raises(ValidationError, match="2026-06-11 is in the future"):
        open_on(thursday)  # a UTC clinic: Thursday has not come yet
    set_zone(clinic, "Pacific/Kiritimati")
    info = open_on(thursday)
    assert info.days_since_injury(thursday) == 0  # day 0, the clinic's today
    with pytest.raises(ValidationError, match="2026-06-12 is in the future"):
        open_on(thursday + timedelta(days=1))


def test_an_athlete_born_on_the_clinics_today_is_possible(clinic, monkeypatch):
    from casemgr.services import athletes

    now = datetime(2026, 6, 10, 11, tzinfo=UTC)  # Thursday 11 June in Kiritimati
    monkeypatch.setattr(athletes, "utcnow", lambda: now)
    with clinic.session() as s, pytest.raises(ValidationError, match="not possible"):
        create_athlete(s, clinic.actors["physio"], AthleteInput("Baby", date(2026, 6, 11)))
    set_zone(clinic, "Pacific/Kiritimati")
    with clinic.session() as s:
        born = create_athlete(s, clinic.actors["physio"], AthleteInput("Baby", date(2026, 6, 11)))
    assert born.date_of_birth == date(2026, 6, 11)


def test_the_baseline_is_the_last_one_before_the_clinics_injury_day(clinic, case_id):
    from casemgr.services.dto import MeasureValue

    evening = wall(SYDNEY, 2026, 3, 19, 21)  # Thursday 21:00 in Sydney: 10:00 UTC
    morning = wall(SYDNEY, 2026, 3, 20, 7)  # the injury day, 07:00: still 19 March in UTC
    assert morning.date() == date(2026, 3, 19)
    with clinic.session() as s:
        for when, value in ((evening, 9.9), (morning, 6.5)):  # both flagged as baselines
            timeline.record_measures(
                s,
                clinic.actors["scientist"],
                case_id,
                [MeasureValue("max_velocity", value)],
                measured_at=when,
                is_baseline=True,
            )
        data = series.measure_series(s, clinic.actors["physio"], case_id, "max_velocity")
    # a result from the injury day itself is no pre-injury baseline, whatever its UTC date
    assert (data.baseline("").value, data.baseline("").at) == (9.9, evening)
