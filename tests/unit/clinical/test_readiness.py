"""Readiness: exit criteria against the athlete's own baseline, limb and window."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.facts import CaseFacts, CheckPoint, MeasurePoint, SessionPoint
from casemgr.clinical.protocols import Criterion, Phase, default_protocols, protocol_from_dict
from casemgr.clinical.readiness import evaluate_criterion, evaluate_phase
from casemgr.clinical.readiness_index import FactIndex

CAT = load_catalogue()
INJURY = date(2026, 9, 1)
AS_OF = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
PRE = datetime(2026, 8, 20, 9, 0, tzinfo=UTC)  # a pre-injury test day
_ids = iter(range(1, 10**9))


def ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def pt(
    key: str,
    value: float,
    when: datetime,
    limb: str | None = None,
    *,
    base: bool = False,
    entry_id: int | None = None,
) -> MeasurePoint:
    return MeasurePoint(key, value, when, limb, base, entry_id if entry_id else next(_ids))


def facts(*measures: MeasurePoint, side: str = "right", **kw: Any) -> CaseFacts:
    return CaseFacts(side, INJURY, AS_OF, tuple(measures), **kw)


def daily(key: str, value: float, days: int = 3, hour: int = 8) -> list[MeasurePoint]:
    """One report a day at *hour* UTC on the last *days* days up to AS_OF (12:00): enough
    to cover a 48 h window (the earliest is 52 h old, one on each day)."""
    first = AS_OF.replace(hour=hour) - timedelta(days=days - 1)
    return [pt(key, value, first + timedelta(days=n)) for n in range(days)]


def criterion(**fields: Any) -> Criterion:
    """A criterion validated exactly like a protocol file would be."""
    fields = {"key": "c", "label": fields.get("label", "Criterion"), **fields}
    data = {
        "key": "t",
        "name": "T",
        "region": "hamstring",
        "phases": [{"key": "p", "name": "P", "criteria": [fields]}],
    }
    return protocol_from_dict(data, origin="test").phases[0].criteria[0]


def evaluate(c: Criterion, f: CaseFacts):
    return evaluate_criterion(c, f, CAT)


VELOCITY_90 = dict(
    label="Max velocity ≥ 90% of baseline",
    measure="max_velocity",
    aggregation="best_in_window",
    comparator=">=",
    threshold=90,
    reference="baseline_pct",
    window_days=14,
)


# --- references ---------------------------------------------------------------------------


def test_percent_of_baseline_shows_baseline_target_and_ratio() -> None:
    f = facts(
        pt("max_velocity", 9.17, PRE, base=True, entry_id=1),
        pt("max_velocity", 8.60, ago(3), entry_id=2),
        pt("max_velocity", 8.10, ago(1), entry_id=3),
    )
    r = evaluate(criterion(**VELOCITY_90), f)
    assert r.status == "pass"
    assert r.value == 8.60  # the best in the window, not the latest
    assert r.measured_at == ago(3)
    assert r.reference == "baseline_pct" and r.reference_value == 9.17
    assert r.reference_measured_at == PRE
    assert r.target == pytest.approx(8.253)  # unrounded; rounding is for display only
    assert r.target_text == "≥ 90% of baseline (9.17 m/s) = 8.25 m/s"
    assert r.ratio_pct == pytest.approx(8.60 / 9.17 * 100)
    assert r.entry_ids == (1, 2)
    assert "8.60 m/s" in r.explanation and "meets" in r.explanation


def test_comparison_uses_unrounded_values_and_shows_them_honestly() -> None:
    # 90% of 9.17 = 8.253 shows as 8.25. Rounding never changes a verdict (the old rule
    # compared at display precision and passed 8.25): 8.25 fails, and the explanation shows
    # the decimal that makes the failure visible instead of "8.25 does not meet 8.25".
    f = facts(pt("max_velocity", 9.17, PRE, base=True), pt("max_velocity", 8.25, ago(1)))
    r = evaluate(criterion(**VELOCITY_90), f)
    assert r.status == "fail"
    assert r.target_text == "≥ 90% of baseline (9.17 m/s) = 8.253 m/s"
    assert "8.250 m/s (2026-09-30) does not meet" in r.explanation
    f = facts(pt("max_velocity", 9.17, PRE, base=True), pt("max_velocity", 8.26, ago(1)))
    r = evaluate(criterion(**VELOCITY_90), f)
    assert r.status == "pass" and r.target_text.endswith("= 8.25 m/s")
    f = facts(pt("max_velocity", 9.17, PRE, base=True), pt("max_velocity", 8.24, ago(1)))
    r = evaluate(criterion(**VELOCITY_90), f)
    assert r.status == "fail" and "does not meet" in r.explanation


def test_baseline_is_the_latest_flagged_result_before_the_injury() -> None:
    f = facts(
        pt("max_velocity", 9.50, PRE - timedelta(days=200), base=True),
        pt("max_velocity", 9.00, PRE, base=True, entry_id=7),
        pt("max_velocity", 9.90, PRE + timedelta(days=2)),  # pre-injury, not flagged
        pt("max_velocity", 6.00, ago(20), base=True),  # flagged after the injury: not a baseline
        pt("max_velocity", 8.20, ago(2)),
    )
    r = evaluate(criterion(**VELOCITY_90), f)
    assert r.reference_value == 9.00 and 7 in r.entry_ids
    assert r.target_text == "≥ 90% of baseline (9.00 m/s) = 8.10 m/s"
    assert r.status == "pass"


def test_pre_injury_results_are_not_current_values() -> None:
    f = facts(pt("max_velocity", 9.17, PRE, base=True))
    r = evaluate(criterion(**VELOCITY_90), f)
    assert r.status == "missing"
    assert r.missing == "Max velocity result"
    assert r.explanation == "No Max velocity result since the injury"


def test_missing_baseline_without_fallback_says_so() -> None:
    f = facts(pt("max_velocity", 8.9, ago(1)))
    r = evaluate(criterion(**VELOCITY_90), f)
    assert r.status == "missing"
    assert r.missing == "Max velocity baseline"
    assert r.explanation.startswith("Missing baseline")
    assert r.target_text == "≥ 90% of baseline"
    assert not r.fallback_used


def test_missing_baseline_with_fallback_uses_and_reports_it() -> None:
    c = criterion(**VELOCITY_90, fallback_reference="pre_injury_best_pct")
    f = facts(
        pt("max_velocity", 9.40, PRE),  # not flagged as baseline
        pt("max_velocity", 9.10, PRE - timedelta(days=7)),
        pt("max_velocity", 8.60, ago(1)),
    )
    r = evaluate(c, f)
    assert r.status == "pass"
    assert r.fallback_used and r.reference == "pre_injury_best_pct"
    assert r.reference_value == 9.40
    assert r.target_text == "≥ 90% of best pre-injury (9.40 m/s) = 8.46 m/s"
    assert r.explanation.startswith("No baseline: using the best pre-injury result instead.")
    # with neither baseline nor any pre-injury result, the criterion stays missing
    r = evaluate(c, facts(pt("max_velocity", 8.6, ago(1))))
    assert r.status == "missing" and r.missing == "Max velocity baseline"
    assert "fallback" in r.explanation


def test_fallback_to_the_uninjured_limb() -> None:
    c = criterion(
        label="Nordic ≥ 90% of baseline",
        measure="nordic_force",
        comparator=">=",
        threshold=90,
        reference="baseline_pct",
        window_days=14,
        fallback_reference="uninjured_pct",
    )
    f = facts(pt("nordic_force", 280, ago(2), "right"), pt("nordic_force", 300, ago(2), "left"))
    r = evaluate(c, f)
    assert r.status == "pass" and r.fallback_used and r.reference == "uninjured_pct"
    assert r.target_text == "≥ 90% of uninjured limb (300 N) = 270 N"
    # with a right-limb baseline the baseline wins
    f = facts(
        pt("nordic_force", 340, PRE, "right", base=True),
        pt("nordic_force", 280, ago(2), "right"),
        pt("nordic_force", 300, ago(2), "left"),
    )
    r = evaluate(c, f)
    assert r.status == "fail" and not r.fallback_used
    assert r.target_text == "≥ 90% of baseline (340 N) = 306 N"


def test_baseline_is_per_limb() -> None:
    c = criterion(measure="nordic_force", comparator=">=", threshold=90, reference="baseline_pct")
    f = facts(
        pt("nordic_force", 300, PRE, "left", base=True), pt("nordic_force", 280, ago(1), "right")
    )
    r = evaluate(c, f)
    assert r.status == "missing" and r.missing == "Nordic force baseline (right)"


def test_lsi_higher_and_lower_is_better() -> None:
    c = criterion(measure="nordic_force", comparator=">=", threshold=90, reference="lsi")
    r = evaluate(
        c, facts(pt("nordic_force", 255, ago(1), "right"), pt("nordic_force", 300, ago(1), "left"))
    )
    assert r.status == "fail" and r.lsi == pytest.approx(85.0)
    assert r.target_text == "LSI ≥ 90%"
    assert r.explanation == (
        "Nordic force: LSI 85% (right 255 N vs left 300 N on 2026-09-30) does not meet LSI ≥ 90%"
    )
    gct = criterion(measure="ground_contact_time", comparator=">=", threshold=90, reference="lsi")
    r = evaluate(
        gct,
        facts(
            pt("ground_contact_time", 220, ago(1), "left"),
            pt("ground_contact_time", 200, ago(1), "right"),
            side="left",
        ),
    )
    assert r.lsi == pytest.approx(200 / 220 * 100) and r.status == "pass"


def test_lsi_needs_the_uninjured_limb() -> None:
    c = criterion(measure="nordic_force", comparator=">=", threshold=90, reference="lsi")
    r = evaluate(c, facts(pt("nordic_force", 255, ago(1), "right")))
    assert r.status == "missing" and r.missing == "Nordic force result (left, uninjured)"
    r = evaluate(c, facts(pt("nordic_force", 255, ago(1), "right"), side="unknown"))
    assert r.status == "missing" and r.missing == "injured side"


def test_asymmetry_and_absolute_for_calf_raises() -> None:
    reps = criterion(measure="calf_raise_reps", comparator=">=", threshold=30)
    asym = criterion(
        measure="calf_raise_reps", comparator="<=", threshold=10, reference="asymmetry"
    )
    f = facts(pt("calf_raise_reps", 31, ago(1), "right"), pt("calf_raise_reps", 33, ago(1), "left"))
    assert evaluate(reps, f).status == "pass"
    r = evaluate(asym, f)
    assert r.status == "pass" and r.asymmetry == pytest.approx(2 / 33 * 100)
    assert r.target_text == "asymmetry ≤ 10%"
    f = facts(pt("calf_raise_reps", 28, ago(1), "right"), pt("calf_raise_reps", 35, ago(1), "left"))
    assert evaluate(reps, f).status == "fail"  # the injured limb is the one that counts
    r = evaluate(asym, f)
    assert r.status == "fail" and r.asymmetry == pytest.approx(20.0)


def test_within_of_uninjured_for_ake() -> None:
    c = criterion(measure="ake", comparator="<=", threshold=15, reference="within_of_uninjured")
    r = evaluate(c, facts(pt("ake", 58, ago(1), "right"), pt("ake", 70, ago(1), "left")))
    assert r.status == "pass"
    assert r.target_text == "within 15° of the uninjured limb (70°) = ≥ 55°"
    r = evaluate(c, facts(pt("ake", 50, ago(1), "right"), pt("ake", 70, ago(1), "left")))
    assert r.status == "fail" and "difference 20°" in r.explanation


# --- aggregations and staleness -------------------------------------------------------------

PAIN_48H = dict(
    label="Pain ≤ 2/10 for 48 h",
    measure="pain",
    aggregation="all_in_window",
    comparator="<=",
    threshold=2,
    window_days=2,
)


def test_pain_for_48_hours_needs_every_report_to_meet_it() -> None:
    c = criterion(**PAIN_48H)
    # reports at 07:12 on 29 Sep (the last before the window opens at 12:00), 30 Sep and
    # 1 Oct; the 6/10 four days ago is before the window
    reports = (pt("pain", 1, ago(0.2)), pt("pain", 2, ago(1.2)), pt("pain", 1, ago(2.2)))
    r = evaluate(c, facts(*reports, pt("pain", 6, ago(4))))
    assert r.status == "pass" and r.value == 2  # the worst report covering the window
    assert r.target_text == "≤ 2/10"
    assert r.explanation == (
        "All 3 pain report(s) covering the last 48 h (one on each day since 2026-09-29) "
        "meet ≤ 2/10 (worst 2/10)"
    )
    r = evaluate(
        c, facts(pt("pain", 1, ago(0.2)), pt("pain", 3, ago(1.2)), pt("pain", 1, ago(2.2)))
    )
    assert r.status == "fail" and r.value == 3
    assert r.explanation.startswith("1 of 3 pain report(s) covering the last 48 h fail ≤ 2/10")


def test_pain_window_without_reports_is_missing_or_stale() -> None:
    c = criterion(**PAIN_48H)
    assert evaluate(c, facts()).status == "missing"
    r = evaluate(c, facts(pt("pain", 0, ago(4))))
    assert r.status == "stale" and "older than 48 h" in r.explanation
    # reports after as_of (a later edit of history) are ignored
    r = evaluate(c, facts(*daily("pain", 0), pt("pain", 9, AS_OF + timedelta(hours=1))))
    assert r.status == "pass"


def test_latest_value_older_than_the_window_is_stale() -> None:
    c = criterion(measure="h_test", comparator="<=", threshold=10, window_days=14)
    r = evaluate(c, facts(pt("h_test", 5, ago(20))))
    assert r.status == "stale"
    assert r.value == 5 and r.measured_at == ago(20)
    assert r.missing == "H-test insecurity result (out of date)"
    assert evaluate(c, facts(pt("h_test", 5, ago(20)), pt("h_test", 15, ago(1)))).status == "fail"


def test_best_in_window_with_only_old_results_is_stale() -> None:
    f = facts(pt("max_velocity", 9.17, PRE, base=True), pt("max_velocity", 9.0, ago(30)))
    assert evaluate(criterion(**VELOCITY_90), f).status == "stale"


def test_split_time_lower_is_better_vs_baseline() -> None:
    c = criterion(
        measure="split_30m",
        aggregation="best_in_window",
        comparator="<=",
        threshold=103,
        reference="baseline_pct",
        window_days=14,
    )
    base = pt("split_30m", 4.10, PRE, base=True)
    r = evaluate(c, facts(base, pt("split_30m", 4.30, ago(1)), pt("split_30m", 4.20, ago(3))))
    assert r.status == "pass" and r.value == 4.20  # best = fastest
    assert r.target_text == "≤ 103% of baseline (4.10 s) = 4.22 s"
    assert evaluate(c, facts(base, pt("split_30m", 4.25, ago(1)))).status == "fail"


def test_max_velocity_on_two_separate_days_within_14_days() -> None:
    c = criterion(
        measure="max_velocity",
        aggregation="days_meeting",
        comparator=">=",
        threshold=95,
        reference="baseline_pct",
        window_days=14,
        min_days=2,
    )
    base = pt("max_velocity", 9.0, PRE, base=True)
    same_day = facts(
        base, pt("max_velocity", 8.6, ago(2)), pt("max_velocity", 8.7, ago(2) + timedelta(hours=1))
    )
    r = evaluate(c, same_day)
    assert r.status == "fail" and r.days_met == 1
    two_days = facts(
        base,
        pt("max_velocity", 8.6, ago(2)),
        pt("max_velocity", 8.58, ago(9)),
        pt("max_velocity", 8.9, ago(20)),
    )
    r = evaluate(c, two_days)
    assert r.status == "pass" and r.days_met == 2 and r.value == 8.6
    assert "2026-09-22, 2026-09-29" in r.explanation


def test_separate_days_are_local_calendar_days() -> None:
    c = criterion(
        measure="max_velocity",
        aggregation="days_meeting",
        comparator=">=",
        threshold=8,
        window_days=14,
        min_days=2,
    )
    # 13:00 and 14:30 UTC on one UTC day are 23:00 and 00:30 on two days in Sydney (UTC+10)
    day = datetime(2026, 9, 28, 13, 0, tzinfo=UTC)
    measures = (pt("max_velocity", 8.5, day), pt("max_velocity", 8.5, day + timedelta(hours=1.5)))
    assert evaluate(c, facts(*measures)).days_met == 1
    assert evaluate(c, facts(*measures, timezone="Australia/Sydney")).days_met == 2


def test_weekly_hsr_against_the_pre_injury_weekly_mean() -> None:
    c = criterion(
        label="Weekly HSR ≥ 80% of pre-injury",
        measure="hsr_distance",
        aggregation="weekly_sum",
        comparator=">=",
        threshold=80,
        reference="baseline_pct",
        window_days=7,
    )
    injury_start = datetime(2026, 9, 1, tzinfo=UTC)
    # 4 pre-injury weeks: 1000 m, 800 m, 600 m, 1000 m (the mean weekly sum is 850 m);
    # a result older than 28 days before the injury is not part of the baseline.
    pre = [
        pt("hsr_distance", v, injury_start - timedelta(days=d))
        for v, d in ((500, 2), (500, 5), (800, 10), (600, 17), (1000, 25), (9000, 40))
    ]
    r = evaluate(
        c,
        facts(
            *pre,
            pt("hsr_distance", 400, ago(1)),
            pt("hsr_distance", 300, ago(5)),
            pt("hsr_distance", 900, ago(9)),
        ),
    )
    assert r.reference_value == pytest.approx(850)
    assert r.value == 700 and r.status == "pass"
    assert r.target_text == "≥ 80% of pre-injury weekly mean (850 m) = 680 m"
    # weeks without any record are not counted as zero weeks
    sparse = [pt("hsr_distance", 1200, injury_start - timedelta(days=3))]
    r = evaluate(c, facts(*sparse, pt("hsr_distance", 900, ago(1))))
    assert r.reference_value == 1200 and r.status == "fail"
    r = evaluate(c, facts(pt("hsr_distance", 900, ago(1))))
    assert (
        r.status == "missing"
        and r.missing == "High-speed running distance pre-injury weekly baseline"
    )


# --- checks, sessions, decisions, alternatives -----------------------------------------------


def test_clinician_check_latest_within_window() -> None:
    c = criterion(
        label="Pain-free single-leg squat",
        kind="check",
        check="pain_free_single_leg_squat",
        window_days=7,
    )
    squat = "pain_free_single_leg_squat"
    assert evaluate(c, facts()).status == "missing"
    r = evaluate(c, facts(checks=(CheckPoint(squat, True, ago(2), 11),)))
    assert r.status == "pass" and r.entry_ids == (11,) and r.target_text == "passed within 7 days"
    r = evaluate(
        c, facts(checks=(CheckPoint(squat, True, ago(5)), CheckPoint(squat, False, ago(1))))
    )
    assert r.status == "fail"
    r = evaluate(c, facts(checks=(CheckPoint(squat, True, ago(10)),)))
    assert r.status == "stale"
    before_injury = CheckPoint(squat, True, datetime(2026, 8, 1, tzinfo=UTC))
    assert evaluate(c, facts(checks=(before_injury,))).status == "missing"


def test_full_training_sessions_are_counted() -> None:
    c = criterion(
        label="≥ 1 full training", kind="sessions", comparator=">=", threshold=1, full_training=True
    )
    partial = SessionPoint(date(2026, 9, 29), "team", 60, 6.0, False, 21)
    full = SessionPoint(date(2026, 9, 30), "team", 90, 7.0, True, 22)
    old = SessionPoint(date(2026, 8, 10), "team", 90, 7.0, True, 23)  # before the injury
    r = evaluate(c, facts(sessions=(partial, old)))
    assert r.status == "fail" and r.value == 0
    r = evaluate(c, facts(sessions=(partial, full, old)))
    assert r.status == "pass" and r.entry_ids == (22,)
    assert (
        r.explanation == "1 full training session(s) logged since the injury (last on 2026-09-30)"
    )


def test_doctors_decision() -> None:
    c = criterion(label="Doctor cleared", kind="decision", expected=["cleared"])
    r = evaluate(c, facts())
    assert r.status == "missing" and r.missing == "doctor's decision"
    assert evaluate(c, facts(decision="cleared")).status == "pass"
    r = evaluate(c, facts(decision="not_cleared"))
    assert r.status == "fail" and r.explanation == "Doctor's decision: not cleared"
    assert evaluate(c, facts(decision="cleared_with_restrictions")).status == "fail"


AKE_ANY = dict(
    label="AKE LSI ≥ 90% or within 15°",
    kind="any",
    alternatives=[
        dict(
            key="lsi",
            label="AKE LSI ≥ 90%",
            measure="ake",
            comparator=">=",
            threshold=90,
            reference="lsi",
        ),
        dict(
            key="within",
            label="AKE within 15°",
            measure="ake",
            comparator="<=",
            threshold=15,
            reference="within_of_uninjured",
        ),
    ],
)


def test_alternatives_pass_when_any_passes() -> None:
    c = criterion(**AKE_ANY)
    # LSI 58/70 = 83% fails, but 12° within 15° passes
    r = evaluate(c, facts(pt("ake", 58, ago(1), "right"), pt("ake", 70, ago(1), "left")))
    assert r.status == "pass"
    assert [a.status for a in r.alternatives] == ["fail", "pass"]
    assert r.explanation.startswith("Met by 'AKE within 15°'")
    r = evaluate(c, facts(pt("ake", 50, ago(1), "right"), pt("ake", 70, ago(1), "left")))
    assert r.status == "fail" and r.explanation.startswith("None of the alternatives met")
    r = evaluate(c, facts(pt("ake", 50, ago(1), "right")))
    assert r.status == "missing" and r.missing == "Active knee extension result (left, uninjured)"


# --- phases ---------------------------------------------------------------------------------


def phase_of(*criteria: dict[str, Any]) -> Phase:
    data = {
        "key": "t",
        "name": "T",
        "region": "hamstring",
        "phases": [{"key": "p", "name": "Test phase", "criteria": list(criteria)}],
    }
    return protocol_from_dict(data, origin="test").phases[0]


def test_summary_counts_and_names_what_is_missing() -> None:
    phase = phase_of(
        dict(key="v", **VELOCITY_90),
        dict(key="pain", **PAIN_48H),
        dict(
            key="n",
            label="Nordic ≥ 90% of baseline",
            measure="nordic_force",
            comparator=">=",
            threshold=90,
            reference="baseline_pct",
        ),
        dict(key="h", label="H-test ≤ 10", measure="h_test", comparator="<=", threshold=10),
        dict(key="d", label="Doctor cleared", kind="decision"),
    )
    f = facts(
        pt("max_velocity", 9.0, PRE, base=True),
        pt("max_velocity", 8.5, ago(1)),
        *daily("pain", 1),
        pt("nordic_force", 300, ago(1), "right"),
        pt("h_test", 20, ago(1)),
    )
    ev = evaluate_phase(phase, f, CAT)
    assert ev.verdict == "not_ready" and not ev.ready
    assert [r.status for r in ev.results] == ["pass", "pass", "missing", "fail", "missing"]
    assert ev.summary == (
        "2 of 5 criteria met; not met: H-test ≤ 10; "
        "missing: Nordic force baseline (right), doctor's decision"
    )


def test_advisory_criteria_never_block() -> None:
    phase = phase_of(
        dict(key="pain", **PAIN_48H),
        dict(
            key="gate",
            label="Calf raises ≥ 25",
            measure="calf_raise_reps",
            comparator=">=",
            threshold=25,
            required=False,
        ),
    )
    f = facts(*daily("pain", 0), pt("calf_raise_reps", 12, ago(1), "right"))
    ev = evaluate_phase(phase, f, CAT)
    assert ev.verdict == "ready"
    assert ev.results[1].status == "fail" and not ev.results[1].required
    assert (
        ev.summary
        == "Ready to advance: all 1 required criteria met; advisory not met: Calf raises ≥ 25"
    )


def test_stale_is_reported_as_out_of_date() -> None:
    phase = phase_of(
        dict(
            key="h",
            label="H-test ≤ 10",
            measure="h_test",
            comparator="<=",
            threshold=10,
            window_days=14,
        )
    )
    ev = evaluate_phase(phase, facts(pt("h_test", 0, ago(30))), CAT)
    assert ev.summary == "0 of 1 criteria met; out of date: H-test ≤ 10"


def test_surveillance_has_no_criteria() -> None:
    ham = default_protocols()[0]
    ev = evaluate_phase(ham.phase("surveillance"), facts(), CAT)
    assert ev.verdict == "no_criteria" and ev.results == ()


def recovered_facts(side: str = "right") -> CaseFacts:
    """An athlete who meets every default exit criterion of both protocols."""
    other = "left" if side == "right" else "right"
    m: list[MeasurePoint] = [
        pt("max_velocity", 9.20, PRE, base=True),
        pt("split_30m", 4.10, PRE, base=True),
        pt("max_velocity", 9.00, ago(1)),
        pt("max_velocity", 8.90, ago(4)),
        pt("split_30m", 4.15, ago(1)),
        *daily("pain", 0),
        *daily("soreness", 0),
        *daily("tightness", 0),
        pt("h_test", 0, ago(2)),
    ]
    for key, value in (
        ("iso_knee_flexion_90", 400),
        ("nordic_force", 380),
        ("ake", 75),
        ("calf_raise_reps", 34),
        ("soleus_strength", 2000),
        ("gastrocnemius_strength", 1500),
        ("hop_distance", 160),
        ("knee_to_wall", 12),
    ):
        m += [pt(key, value, ago(2), side), pt(key, value * 1.02, ago(2), other)]
    injury_start = datetime(2026, 9, 1, tzinfo=UTC)
    m += [pt("hsr_distance", 600, injury_start - timedelta(days=d)) for d in (3, 10, 17, 24)]
    m += [pt("hsr_distance", 300, ago(d)) for d in (1, 3)]
    checks = tuple(
        CheckPoint(name, True, ago(1))
        for name in ("pain_free_single_leg_squat", "pain_free_bike_5min")
    )
    sessions = (SessionPoint(date(2026, 9, 30), "team", 90, 7.0, True, 99),)
    return facts(*m, side=side, checks=checks, sessions=sessions, decision="cleared")


@pytest.mark.parametrize("protocol", default_protocols(), ids=lambda p: p.key)
def test_every_default_exit_criterion_is_evaluable(protocol) -> None:
    f = recovered_facts()
    index = FactIndex(f, CAT)
    for phase in protocol.phases[:-1]:
        ev = evaluate_phase(phase, f, CAT, index=index)
        assert ev.verdict == "ready", (phase.key, ev.summary)
        assert all(r.status == "pass" for r in ev.results), phase.key
    empty = facts()
    for phase in protocol.phases[:-1]:
        ev = evaluate_phase(phase, empty, CAT)
        assert ev.verdict == "not_ready"
        assert {r.status for r in ev.results} <= {"missing", "fail"}


def test_evaluation_is_deterministic_and_order_independent() -> None:
    f = recovered_facts()
    shuffled = list(f.measures)
    random.Random(7).shuffle(shuffled)
    g = CaseFacts(
        f.injured_side, f.injury_date, f.as_of, tuple(shuffled), f.checks, f.sessions, f.decision
    )
    ham = default_protocols()[0]
    for phase in ham.phases:
        assert evaluate_phase(phase, f, CAT) == evaluate_phase(phase, g, CAT)
    ev = evaluate_phase(ham.phases[4], f, CAT)
    assert ev.to_dict()["results"][0]["status"] == "pass"


def test_two_hundred_cases_of_a_thousand_measures_in_well_under_a_second() -> None:
    rng = random.Random(1)
    keys = ["max_velocity", "pain", "soreness", "hsr_distance", "split_30m", "nordic_force", "ake"]
    cases = []
    for _ in range(200):
        points = []
        for i in range(1000):
            key = keys[i % len(keys)]
            limb = ("left", "right")[i % 2] if CAT.get(key).per_limb else None
            when = AS_OF - timedelta(hours=rng.uniform(0, 24 * 90))
            points.append(MeasurePoint(key, rng.uniform(1, 9), when, limb, when < PRE, i))
        cases.append(facts(*points))
    phase = default_protocols()[0].phase("full_sprint")
    start = time.perf_counter()
    for f in cases:
        evaluate_phase(phase, f, CAT)
    assert time.perf_counter() - start < 1.0


def test_a_shown_percentage_never_looks_like_a_pass_it_is_not():
    from casemgr.clinical.readiness_text import result_pct_text

    assert result_pct_text(89.96, ">=", 90) == "89.96"
    assert result_pct_text(90.04, ">=", 90) == "90.0"
    assert result_pct_text(103.04, "<=", 103) == "103.04"
    assert result_pct_text(85.0, ">=", None) == "85.0"
