"""Plot data of a case: measure points, baselines, target bands, phases, load, sprint."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from casemgr.errors import NotFoundError
from casemgr.services import series
from casemgr.services.cases import move_phase
from casemgr.services.dto import MeasureValue
from casemgr.services.timeline import (
    SessionInput,
    add_feedback,
    add_session,
    record_measures,
    void_entry,
)

INJURY = datetime.now(UTC).date() - timedelta(days=10)  # the clinic's (UTC) calendar


def at(days: int, hour: int = 10) -> datetime:
    """A moment *days* after the injury date (negative: before), in UTC."""
    return datetime.combine(INJURY + timedelta(days=days), time(hour), tzinfo=UTC)


def measure(clinic, values, days, *, baseline=False, role="scientist", **kw):
    with clinic.session() as s:
        return record_measures(
            s,
            clinic.actors[role],
            clinic.case_id,
            [MeasureValue(*v) for v in values],
            measured_at=at(days),
            is_baseline=baseline,
            **kw,
        )


def advance(clinic, times: int) -> None:
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        from casemgr.services.cases import get_case

        case = get_case(s, physio, clinic.case_id)
        for _ in range(times):
            case = move_phase(
                s, physio, case.id, case.version, "advance", "criteria met", override_reason="x"
            )


def get(clinic, func, *args, role="physio", **kw):
    with clinic.session() as s:
        return func(s, clinic.actors[role], clinic.case_id, *args, **kw)


def test_measure_points_baseline_and_target_band(clinic):
    measure(clinic, [("max_velocity", 9.80)], -30, baseline=True)
    latest_base = measure(clinic, [("max_velocity", 10.00)], -14, baseline=True)
    measure(clinic, [("max_velocity", 9.90)], -7)  # pre-injury but not flagged baseline
    e1 = measure(clinic, [("max_velocity", 7.00)], 3)
    e2 = measure(clinic, [("max_velocity", 8.50)], 6)
    advance(clinic, 2)  # phase 3: max velocity >= 90% of baseline

    data = get(clinic, series.measure_series, "max_velocity")

    assert data.label == "Max velocity" and data.unit == "m/s" and not data.per_limb
    points = data.points("")
    assert [p.value for p in points] == [9.80, 10.00, 9.90, 7.00, 8.50]
    assert [p.at for p in points] == [at(-30), at(-14), at(-7), at(3), at(6)]
    assert points[-1].entry_id == e2.id and points[-2].entry_id == e1.id
    assert [p.is_baseline for p in points] == [True, True, False, False, False]
    assert list(series.timestamps(points)) == [at(d).timestamp() for d in (-30, -14, -7, 3, 6)]
    # the latest baseline-flagged result before the injury, not the latest result
    assert data.baseline("") == series.Baseline("", 10.00, at(-14), latest_base.id)
    (band,) = data.targets
    assert band.criterion_key == "velocity_90"
    assert (band.lower, band.upper) == (9.00, None)  # 90% of 10.00 m/s
    assert band.reference == "baseline_pct"
    assert band.explanation == "≥ 90% of baseline (10.00 m/s) = 9.00 m/s"
    assert [(p.ordinal, p.direction) for p in data.phases] == [
        (1, "open"),
        (2, "advance"),
        (3, "advance"),
    ]
    assert data.phases[0].name == "Protection & controlled loading"
    assert data.phases[0].end == data.phases[1].start and data.phases[1].end == data.phases[2].start
    assert data.phases[2].end is None
    assert [e.kind for e in data.events] == ["phase_change"] * 3
    # advanced without the phase-2 data: the title states the override
    assert data.events[-1].title == (
        "Advanced to phase 3: Strength-speed integration (override: 2 exit criteria unmet)"
    )


def test_band_falls_back_to_best_pre_injury_without_baseline(clinic):
    measure(clinic, [("max_velocity", 9.60)], -20)
    measure(clinic, [("max_velocity", 9.20)], -10)
    advance(clinic, 1)  # phase 2: >= 70% of baseline, fallback: best pre-injury
    (band,) = get(clinic, series.measure_series, "max_velocity").targets
    assert band.reference == "pre_injury_best_pct"
    assert band.lower == 6.72  # 70% of 9.60
    assert get(clinic, series.measure_series, "max_velocity").baselines == ()


def test_per_limb_points_and_lsi_band(clinic):
    measure(
        clinic, [("nordic_force", 420, "left"), ("nordic_force", 410, "right")], -14, baseline=True
    )
    measure(clinic, [("nordic_force", 400, "left"), ("nordic_force", 300, "right")], 5)
    advance(clinic, 2)  # phase 3: Nordic LSI >= 80% (convention)

    data = get(clinic, series.measure_series, "nordic_force")

    assert sorted(data.limbs) == ["left", "right"]
    assert [p.value for p in data.points("right")] == [410, 300]
    assert [p.value for p in data.points("left")] == [420, 400]
    assert data.baseline("left").value == 420 and data.baseline("right").value == 410
    (band,) = data.targets
    # injured right limb at least 80% of the uninjured left (400 N): 320 N
    assert (band.limb, band.lower, band.upper, band.reference) == ("right", 320, None, "lsi")


def test_absolute_band_and_voided_results_left_out(clinic):
    with clinic.session() as s:
        fb = add_feedback(
            s, clinic.actors["physio"], clinic.case_id, {"pain": 3}, occurred_at=at(2)
        )
        add_feedback(s, clinic.actors["physio"], clinic.case_id, {"pain": 1}, occurred_at=at(3))
    data = get(clinic, series.measure_series, "pain")
    assert [p.value for p in data.points()] == [3, 1]
    (band,) = data.targets  # phase 1: pain <= 2 for 48 h
    assert (band.lower, band.upper, band.reference) == (None, 2, "absolute")
    with clinic.session() as s:
        void_entry(s, clinic.actors["physio"], fb.id, fb.version, "wrong athlete")
    assert [p.value for p in get(clinic, series.measure_series, "pain").points()] == [1]


def test_no_band_when_no_criterion_uses_the_measure(clinic):
    measure(clinic, [("slr", 80, "left"), ("slr", 70, "right")], 2)
    data = get(clinic, series.measure_series, "slr")
    assert data.targets == () and data.notes == ()


def test_load_series_daily_ewma_and_spike(clinic):
    coach = clinic.actors["coach"]
    with clinic.session() as s:
        for day, srpe, minutes in ((0, 5, 60), (2, 4, 50), (9, 10, 300)):
            add_session(
                s,
                coach,
                clinic.case_id,
                SessionInput("tempo", minutes, srpe=srpe),
                occurred_at=at(day),
            )
    data = get(clinic, series.load_series, as_of=at(10, hour=23))  # day 10, 23:00 UTC
    assert data.sessions == 3
    assert data.days[0] == INJURY and data.days[-1] == INJURY + timedelta(days=10)
    assert data.loads[:3] == (300, 0, 200)  # sRPE x minutes, rest day 0
    # EWMA, lambda 2/(N+1): acute N=7 (0.25), chronic N=28 (2/29), seeded with day 0
    assert data.acute[1] == pytest.approx(225.0)
    assert data.acute[2] == pytest.approx(218.75)
    assert data.chronic[2] == pytest.approx(200 * 2 / 29 + 300 * (27 / 29) ** 2)
    # Corrected (issue 15): this test used to expect a ratio of 0.80 on day 2 and a spike on
    # day 9. With 11 days of data the ratio is building: no value, no spike.
    assert data.acwr == (None,) * 11 and data.spikes == ()
    assert data.building and data.ratio_days == 28


def test_load_series_without_sessions(clinic):
    data = get(clinic, series.load_series)
    assert data.days == () and data.sessions == 0 and len(data.phases) == 1


def test_wellness_series(clinic):
    with clinic.session() as s:
        for day, pain, soreness in ((1, 4, 3), (2, 2, 5)):
            add_feedback(
                s,
                clinic.actors["scientist"],
                clinic.case_id,
                {"pain": pain, "soreness": soreness},
                occurred_at=at(day, 8),
            )
    data = get(clinic, series.wellness_series)
    assert [p.value for p in data.series["pain"]] == [4, 2]
    assert [p.value for p in data.series["soreness"]] == [3, 5]
    assert data.series["tightness"] == ()
    assert data.pain_limit == 2
    assert data.labels["pain"] == "Pain"


def test_available_measures_in_catalogue_order(clinic):
    measure(clinic, [("nordic_force", 400, "left"), ("nordic_force", 380, "right")], 1)
    measure(clinic, [("max_velocity", 8.0)], 2)
    measure(clinic, [("max_velocity", 8.2)], 3)
    choices = get(clinic, series.available_measures)
    assert [(c.key, c.count) for c in choices] == [("max_velocity", 2), ("nordic_force", 2)]
    assert choices[0].unit == "m/s"


# noise-free splits of MSS 8 m/s, MAC 6 m/s^2 (DOMAIN.md section 5 test vector)
SPLITS = {"split_10m": 2.3554, "split_20m": 3.7535, "split_30m": 5.0532, "split_40m": 6.3217}


def test_sprint_profiles_fitted_from_splits_and_stored(clinic):
    measure(
        clinic,
        [(k, v * 0.9) for k, v in SPLITS.items()],
        -7,
        baseline=True,
        source="timing-gates",
    )
    fitted = measure(clinic, [(k, v) for k, v in SPLITS.items()], 4, source="timing-gates")
    stored = measure(
        clinic,
        [("split_10m", 1.9), ("split_20m", 3.1)],
        6,
        source="timing-gates",
        extra_data={
            "profile": {"mss": 9.0, "mac": 7.5},
            "splits": [[5, 1.2], [10, 1.9], [20, 3.1]],
        },
    )
    tests = get(clinic, series.sprint_profiles)

    assert [t.is_baseline for t in tests] == [True, False, False]
    base, fit, saved = tests
    assert fit.entry_id == fitted.id and fit.source == "fitted"
    assert fit.distances == (10, 20, 30, 40) and fit.times == tuple(SPLITS.values())
    # fitted with the default start correction (4 splits: estimated), which the test names
    assert fit.correction.startswith("estimated flying distance 0.00 m, chosen automatically")
    assert fit.mss == pytest.approx(8.0, rel=1e-3)
    assert fit.tau == pytest.approx(8 / 6, rel=1e-3)
    mid, avg = fit.segment_velocities()
    assert mid[0] == pytest.approx(2.3554 / 2) and avg[0] == pytest.approx(10 / 2.3554)
    assert avg[2] == pytest.approx(10 / (5.0532 - 3.7535))
    t, v = fit.curve(5.0)
    assert v[0] == 0 and v[-1] == pytest.approx(
        8 * (1 - pow(2.718281828459045, -5 / (8 / 6))), rel=1e-3
    )
    assert saved.entry_id == stored.id and saved.source == "stored"
    assert (saved.mss, saved.tau) == (9.0, 1.2)
    assert saved.distances == (5, 10, 20)
    assert base.mss > fit.mss  # 10% faster splits before the injury


def test_trend_series_for_the_review(clinic):
    measure(clinic, [("max_velocity", 10.0)], -14, baseline=True)
    measure(clinic, [("max_velocity", 7.5)], 4)
    with clinic.session() as s:
        add_feedback(s, clinic.actors["physio"], clinic.case_id, {"pain": 2}, occurred_at=at(5))
    trends = get(clinic, series.trend_series, days=28)
    assert [p.value for p in trends["max_velocity"].points] == [7.5]  # since the injury only
    assert trends["max_velocity"].baseline == 10.0
    assert [p.value for p in trends["pain"].points] == [2]
    assert trends["pain"].baseline is None


def test_unknown_case(clinic):
    with clinic.session() as s, pytest.raises(NotFoundError):
        series.measure_series(s, clinic.actors["coach"], 9999, "pain")
