"""Measurable weekly targets computed from a hand-built week of data."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from casemgr.errors import ValidationError
from casemgr.services import planning, timeline
from casemgr.services.dto import MeasureValue
from casemgr.services.timeline import SessionInput

MONDAY = planning.week_start(datetime.now(UTC).date()) - timedelta(
    days=7
)  # last week: entirely past


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), tzinfo=UTC)


@pytest.fixture
def week(clinic):
    """Last week of the right hamstring case (Mon = day 0)."""
    sci, coach = clinic.actors["scientist"], clinic.actors["coach"]
    with clinic.session() as s:
        for day, velocity in ((1, 8.20), (3, 8.62), (6, 8.49)):  # Sunday 23:30 still counts
            timeline.record_measures(
                s,
                sci,
                clinic.case_id,
                [MeasureValue("max_velocity", velocity)],
                measured_at=_at(day, 23 if day == 6 else 15, 30),
            )
        timeline.record_measures(  # Sunday before the week: not in it
            s,
            sci,
            clinic.case_id,
            [MeasureValue("max_velocity", 9.9)],
            measured_at=_at(0, 0) - timedelta(minutes=1),
        )
        wrong = timeline.record_measures(
            s, sci, clinic.case_id, [MeasureValue("max_velocity", 9.5)], measured_at=_at(4, 15)
        )
        for day, pain in ((0, 2), (1, 3), (2, 1), (3, 0), (4, 1)):
            timeline.add_feedback(
                s, sci, clinic.case_id, {"pain": pain}, occurred_at=_at(day, 7, 45)
            )
        for day, hsr in ((1, 600), (3, 750.4), (5, 820)):
            timeline.record_measures(
                s,
                sci,
                clinic.case_id,
                [MeasureValue("hsr_distance", hsr)],
                measured_at=_at(day, 11),
                source="gps",
            )
        timeline.record_measures(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            [MeasureValue("nordic_force", 310, "right")],
            measured_at=_at(2, 9),
        )
        for day, kind, minutes, srpe in (
            (0, "tempo", 30, 4),  # 120 AU
            (0, "strength", 45, 5),  # 225 AU
            (2, "tempo", 35, 4),  # 140 AU
            (4, "acceleration", 40, None),  # no sRPE: counted, no load
        ):
            timeline.add_session(
                s,
                coach,
                clinic.case_id,
                SessionInput(kind, minutes, srpe=srpe),
                occurred_at=_at(day, 10 + len(kind) % 3),
            )
    with clinic.session() as s:
        timeline.void_entry(s, sci, wrong.id, wrong.version, "Gate misfire")
    return clinic


def _add(clinic, text="", **rule):
    with clinic.session() as s:
        return planning.add_target(s, clinic.actors["coach"], clinic.case_id, MONDAY, text, **rule)


def _statuses(clinic, day=MONDAY + timedelta(days=3)):
    with clinic.session() as s:
        return planning.evaluate_targets(s, clinic.actors["doctor"], clinic.case_id, day)


def test_measure_targets_over_a_hand_built_week(week):
    rules = [
        dict(measure="max_velocity", threshold=8.5),
        dict(measure="max_velocity", threshold=8.7),
        dict(measure="pain", aggregation="worst", comparator="<=", threshold=2),
        dict(measure="pain", aggregation="days", threshold=5),
        dict(measure="hsr_distance", aggregation="sum", threshold=2170),
        dict(measure="nordic_force", limb="injured", threshold=300),
        dict(measure="nordic_force", limb="uninjured", threshold=300),
    ]
    for rule in rules:
        _add(week, **rule)
    result = [(t.status, t.value, t.explanation) for t in _statuses(week)]
    assert result == [
        ("met", 8.62, "Best of the week 8.62 m/s from 3 results: meets the target ≥ 8.50 m/s"),
        (
            "not_met",
            8.62,
            "Best of the week 8.62 m/s from 3 results: does not meet the target ≥ 8.70 m/s",
        ),
        ("not_met", 3.0, "Worst of the week 3/10 from 5 results: does not meet the target ≤ 2/10"),
        ("met", 5.0, "5 days with a result: meets the target ≥ 5"),
        # 600 + 750.4 + 820 = 2170.4 m, compared as displayed (2170 m)
        (
            "met",
            pytest.approx(2170.4),
            "Week total 2170 m from 3 results: meets the target ≥ 2170 m",
        ),
        ("met", 310.0, "Best of the week 310 N from 1 result: meets the target ≥ 300 N"),
        ("no_data", None, "No data this week for the target ≥ 300 N"),
    ]
    statuses = _statuses(week)
    assert (statuses[5].limb, statuses[6].limb) == ("right", "left")  # injured side: right
    assert statuses[0].target.text == "Max velocity, best of the week ≥ 8.50 m/s"
    assert statuses[3].target.text == "Pain: days with a result ≥ 5"
    assert statuses[6].target.text == "Nordic force (left), best of the week ≥ 300 N"


def test_session_targets_count_sessions_days_and_load(week):
    _add(week, "Four sessions", measure="sessions", aggregation="sum", threshold=4)
    _add(week, measure="sessions", aggregation="days", threshold=4)
    _add(week, measure="session_load", aggregation="sum", comparator="<=", threshold=500)
    _add(week, measure="session_load", aggregation="best", threshold=250)
    result = [(t.status, t.value, t.explanation) for t in _statuses(week)]
    assert result == [
        ("met", 4.0, "4 sessions logged: meets the target ≥ 4"),
        ("not_met", 3.0, "3 days with a session: does not meet the target ≥ 4"),  # Mon, Wed, Fri
        # 120 + 225 + 140 AU; the session without sRPE has no load
        ("met", 485.0, "Week total 485 AU from 3 sessions with sRPE: meets the target ≤ 500 AU"),
        (
            "not_met",
            225.0,
            "Best of the week 225 AU from 3 sessions with sRPE: does not meet the target ≥ 250 AU",
        ),
    ]
    assert _statuses(week)[1].target.text == "Training sessions: days with a session ≥ 4"


def test_free_text_targets_stay_ticked_by_hand(week):
    manual = _add(week, "Two pain-free tempo sessions")
    measured = _add(week, measure="max_velocity", threshold=8.5)
    with week.session() as s:
        planning.mark_target(s, week.actors["physio"], manual.id, manual.version, True)
    with (
        pytest.raises(ValidationError, match="computed from the week's data"),
        week.session() as s,
    ):
        planning.mark_target(s, week.actors["physio"], measured.id, measured.version, True)
    first = _statuses(week)[0]
    assert (first.status, first.value, first.met) == ("manual", None, True)
    assert first.explanation == "Free-text target, ticked as met"


def test_a_week_still_running_says_so(clinic):
    this_monday = planning.week_start(datetime.now(UTC).date())
    with clinic.session() as s:
        planning.add_target(
            s,
            clinic.actors["coach"],
            clinic.case_id,
            this_monday,
            measure="pain",
            aggregation="days",
            threshold=1,
        )
        timeline.add_feedback(s, clinic.actors["coach"], clinic.case_id, {"pain": 1})
        status = planning.evaluate_targets(s, clinic.actors["coach"], clinic.case_id, this_monday)[
            0
        ]
    assert status.status == "met"
    assert status.explanation == (
        "1 day with a result: meets the target ≥ 1 so far (the week is not over)"
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            dict(measure="max_velocty", threshold=8),
            r"Unknown measure 'max_velocty' \(did you mean 'max_velocity'.*'sessions'",
        ),
        (dict(measure="nordic_force", threshold=300), "measured per limb: say which"),
        (dict(measure="pain", limb="left", threshold=2), "not measured per limb"),
        (
            dict(measure="hsr_distance", threshold=2000),
            "cannot be aggregated as 'best'.*sum or days",
        ),
        (dict(measure="sessions", aggregation="best", threshold=2), "sessions are counted"),
        (
            dict(measure="pain", aggregation="average", threshold=2),
            "the aggregations are best, worst, sum, days",
        ),
        (dict(measure="pain", comparator="=>", threshold=2), "comparison is one of"),
        (dict(measure="pain", aggregation="days", threshold=8), "0 to 7 days"),
        (dict(measure="max_velocity", threshold=85), "outside the plausible range"),
        (dict(measure="max_velocity"), "Give the target value for Max velocity"),
        (dict(threshold=3), "needs a measure"),
    ],
)
def test_unusable_targets_are_refused_with_a_plain_message(clinic, rule, message):
    with pytest.raises(ValidationError, match=message):
        _add(clinic, "", **rule)
    with clinic.session() as s:
        assert planning.list_targets(s, clinic.actors["coach"], clinic.case_id) == []
