"""Windows mean what they say, limbs compare on the same day, verdicts use unrounded values,
sessions count from the phase entry, and gates follow the injured muscle.

Each test lives a case as a clinic does: reports come in day by day, the engine is asked
again with an explicit ``as_of``, and the answer changes only when the data do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.facts import CaseFacts, MeasurePoint, SessionPoint
from casemgr.clinical.protocols import Criterion, Phase, default_protocols, protocol_from_dict
from casemgr.clinical.readiness import evaluate_criterion, evaluate_phase

CAT = load_catalogue()
INJURY = date(2026, 2, 27)
SYDNEY = ZoneInfo("Australia/Sydney")  # AEDT, UTC+11, in March 2026
_ids = iter(range(1, 10**9))


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def sydney(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SYDNEY).astimezone(UTC)


def pt(key: str, value: float, when: datetime, limb: str | None = None) -> MeasurePoint:
    return MeasurePoint(key, value, when, limb, False, next(_ids))


def base(key: str, value: float, limb: str | None = None) -> MeasurePoint:
    return MeasurePoint(key, value, utc(10, 9, month=2), limb, True, next(_ids))


def facts(as_of: datetime, *measures: MeasurePoint, **kw: Any) -> CaseFacts:
    return CaseFacts("right", INJURY, as_of, tuple(measures), **kw)


def criterion(**fields: Any) -> Criterion:
    return phase_of({"label": "Criterion", **fields}).criteria[0]


def phase_of(*criteria: dict[str, Any], region: str = "hamstring") -> Phase:
    data = {
        "key": "t",
        "name": "T",
        "region": region,
        "phases": [
            {
                "key": "p",
                "name": "P",
                "criteria": [{"key": f"c{n}", **c} for n, c in enumerate(criteria)],
            }
        ],
    }
    return protocol_from_dict(data, origin="test").phases[0]


PAIN_48H = criterion(
    label="Pain ≤ 2/10 for 48 h",
    measure="pain",
    aggregation="all_in_window",
    comparator="<=",
    threshold=2,
    window_days=2,
)


# --- windows ---------------------------------------------------------------------------------


def test_pain_for_48_h_as_the_reports_come_in() -> None:
    reports: list[MeasurePoint] = []

    def ask(as_of: datetime):
        return evaluate_criterion(PAIN_48H, facts(as_of, *reports), CAT)

    # no report yet: a window without data is never a pass
    r = ask(utc(2, 8))
    assert r.status == "missing" and r.explanation == "No Pain result since the injury"
    # Monday 09:00: one good report an hour ago is not 48 h of pain <= 2
    reports.append(pt("pain", 1, utc(2, 9)))
    r = ask(utc(2, 10))
    assert r.status == "missing"
    assert r.explanation == (
        "Not enough data: pain reports cover 1 h of the 48 h; no report on 2026-02-28, 2026-03-01"
    )
    assert r.missing == "Pain reports covering 48 h"
    # Tuesday: 25 h covered
    reports.append(pt("pain", 0, utc(3, 9)))
    r = ask(utc(3, 10))
    assert r.status == "missing"
    assert r.explanation == (
        "Not enough data: pain reports cover 25 h of the 48 h; no report on 2026-03-01"
    )
    # Wednesday: Monday's report is now 49 h old and opens the window: met
    reports.append(pt("pain", 1, utc(4, 9)))
    r = ask(utc(4, 10))
    assert r.status == "pass" and r.value == 1
    assert r.explanation == (
        "All 3 pain report(s) covering the last 48 h (one on each day since 2026-03-02) "
        "meet ≤ 2/10 (worst 1/10)"
    )
    # Thursday 08:00, before the athlete's morning report: yesterday's (23 h old) stands
    assert ask(utc(5, 8)).status == "pass"
    # 09:30 and still no report: today's is due
    r = ask(utc(5, 9, 30))
    assert r.status == "missing" and r.explanation == "Not enough data: no report on 2026-03-05"
    # 09:40: a 3/10 report fails the window at once
    reports.append(pt("pain", 3, utc(5, 9, 40)))
    r = ask(utc(5, 10))
    assert r.status == "fail" and r.value == 3
    assert r.explanation == (
        "1 of 3 pain report(s) covering the last 48 h fail ≤ 2/10 (worst 3/10 on 2026-03-05)"
    )
    # two good days later the 3/10 still opens the window: not yet 48 h pain-free
    reports += [pt("pain", 0, utc(6, 9)), pt("pain", 0, utc(7, 9))]
    r = ask(utc(7, 10))
    assert r.status == "fail"
    assert r.explanation == (
        "1 of 3 pain report(s) covering the last 48 h fail ≤ 2/10 "
        "(worst 3/10 on 2026-03-05, the last before the window)"
    )
    # one more day: 48 h of good reports
    reports.append(pt("pain", 0, utc(8, 9)))
    assert ask(utc(8, 10)).status == "pass"


def test_a_window_with_a_missing_day_is_not_enough_data() -> None:
    # reports on Monday and Wednesday only: the window is spanned, but Tuesday has none
    reports = (pt("pain", 0, utc(2, 9)), pt("pain", 0, utc(4, 9)))
    r = evaluate_criterion(PAIN_48H, facts(utc(4, 10), *reports), CAT)
    assert r.status == "missing"
    assert r.explanation == "Not enough data: no report on 2026-03-03"


def test_only_old_reports_are_out_of_date() -> None:
    r = evaluate_criterion(PAIN_48H, facts(utc(8, 10), pt("pain", 0, utc(2, 9))), CAT)
    assert r.status == "stale" and "older than 48 h" in r.explanation


def test_window_days_are_the_clinics_local_days() -> None:
    # Sydney (UTC+11): 00:30 and 23:30 on Tuesday 3 March, then 08:00 on Thursday 5 March.
    # In UTC the three reports fall on 2, 3 and 4 March: every UTC day has one. In the
    # clinic, Wednesday 4 March has none.
    reports = (
        pt("pain", 0, sydney(3, 0, 30)),
        pt("pain", 0, sydney(3, 23, 30)),
        pt("pain", 0, sydney(5, 8)),
    )
    as_of = sydney(5, 10)
    r = evaluate_criterion(PAIN_48H, facts(as_of, *reports, timezone="Australia/Sydney"), CAT)
    assert r.status == "missing"
    assert r.explanation == "Not enough data: no report on 2026-03-04"
    assert evaluate_criterion(PAIN_48H, facts(as_of, *reports), CAT).status == "pass"


def test_separate_days_are_sydney_days_around_local_midnight() -> None:
    c = criterion(
        label="Max velocity ≥ 8 m/s on 2 days",
        measure="max_velocity",
        aggregation="days_meeting",
        comparator=">=",
        threshold=8,
        window_days=14,
        min_days=2,
    )
    # two sprints 15 minutes apart at 11:00 in Sydney: 23:55 and 00:10 UTC, two UTC days
    sprints = (
        pt("max_velocity", 8.5, sydney(4, 10, 55)),
        pt("max_velocity", 8.6, sydney(4, 11, 10)),
    )
    assert sprints[0].measured_at.date() != sprints[1].measured_at.date()
    r = evaluate_criterion(c, facts(sydney(4, 15), *sprints, timezone="Australia/Sydney"), CAT)
    assert r.status == "fail" and r.days_met == 1
    assert "(2026-03-04)" in r.explanation
    # 23:50 and 00:20 in Sydney are two clinic days, though the same UTC day
    late = (pt("max_velocity", 8.5, sydney(4, 23, 50)), pt("max_velocity", 8.5, sydney(5, 0, 20)))
    assert late[0].measured_at.date() == late[1].measured_at.date()
    r = evaluate_criterion(c, facts(sydney(5, 9), *late, timezone="Australia/Sydney"), CAT)
    assert r.status == "pass" and r.days_met == 2


# --- pairs -----------------------------------------------------------------------------------

NORDIC_LSI = criterion(
    label="Nordic force LSI ≥ 90%",
    measure="nordic_force",
    comparator=">=",
    threshold=90,
    reference="lsi",
    window_days=14,
)


def test_lsi_compares_both_limbs_of_the_same_day() -> None:
    results = [pt("nordic_force", 360, utc(2, 10), "right")]
    results.append(pt("nordic_force", 380, utc(3, 10), "left"))
    r = evaluate_criterion(NORDIC_LSI, facts(utc(3, 12), *results), CAT)
    assert r.status == "missing"
    assert r.missing == "Nordic force, both limbs on the same day"
    assert r.explanation.startswith(
        "No right and left Nordic force on the same day (latest right 2026-03-02, "
        "latest left 2026-03-03)"
    )
    # Wednesday's session tests both limbs
    results += [
        pt("nordic_force", 350, utc(4, 10), "right"),
        pt("nordic_force", 370, utc(4, 10, 5), "left"),
    ]
    r = evaluate_criterion(NORDIC_LSI, facts(utc(4, 12), *results), CAT)
    assert r.status == "pass" and r.lsi == pytest.approx(350 / 370 * 100)
    assert r.reference_value == 370 and r.reference_measured_at == utc(4, 10, 5)
    # Thursday: the injured limb alone, weaker. The LSI stays Wednesday's pair, and says so.
    results.append(pt("nordic_force", 300, utc(5, 10), "right"))
    r = evaluate_criterion(NORDIC_LSI, facts(utc(5, 12), *results), CAT)
    assert r.status == "pass" and r.value == 350
    assert "on 2026-03-04" in r.explanation
    assert "the right result of 2026-03-05 has no left result that day" in r.explanation
    # three weeks on, the last pair is older than the window
    r = evaluate_criterion(NORDIC_LSI, facts(utc(25, 12), *results), CAT)
    assert r.status == "stale"
    assert r.explanation.startswith("Latest Nordic force of both limbs on one day (2026-03-04)")


def test_pairs_are_clinic_days() -> None:
    # 23:50 and 00:10 in Sydney: one UTC day, two clinic days
    results = (
        pt("nordic_force", 350, sydney(4, 23, 50), "right"),
        pt("nordic_force", 370, sydney(5, 0, 10), "left"),
    )
    as_of = sydney(5, 9)
    r = evaluate_criterion(NORDIC_LSI, facts(as_of, *results, timezone="Australia/Sydney"), CAT)
    assert r.status == "missing" and r.missing == "Nordic force, both limbs on the same day"
    assert evaluate_criterion(NORDIC_LSI, facts(as_of, *results), CAT).status == "pass"


def test_percent_of_uninjured_limb_uses_the_same_day() -> None:
    c = criterion(
        label="Hop ≥ 90% of the uninjured limb",
        measure="hop_distance",
        comparator=">=",
        threshold=90,
        reference="uninjured_pct",
    )
    results = (
        pt("hop_distance", 150, utc(3, 10), "left"),  # a short day for the left leg
        pt("hop_distance", 170, utc(4, 10), "right"),
        pt("hop_distance", 200, utc(4, 10), "left"),
        pt("hop_distance", 150, utc(5, 10), "left"),
    )
    r = evaluate_criterion(c, facts(utc(5, 12), *results), CAT)
    # 170 vs the same day's 200 (target 180), not vs the later 150
    assert r.status == "fail" and r.reference_value == 200
    assert r.target_text == "≥ 90% of uninjured limb (200 cm) = 180 cm"


# --- unrounded verdicts ------------------------------------------------------------------------


def test_lsi_of_89_96_percent_fails_90_and_shows_why() -> None:
    results = (
        pt("nordic_force", 359.84, utc(4, 10), "right"),
        pt("nordic_force", 400, utc(4, 10), "left"),
    )
    r = evaluate_criterion(NORDIC_LSI, facts(utc(4, 12), *results), CAT)
    assert r.lsi == pytest.approx(89.96)
    assert r.status == "fail"
    assert "LSI 89.96% (right" in r.explanation and "does not meet LSI ≥ 90%" in r.explanation
    # exactly 90% meets 90% (floating-point noise never fails a boundary value)
    exact = (
        pt("nordic_force", 57, utc(4, 10), "right"),
        pt("nordic_force", 100, utc(4, 10), "left"),
    )
    c = criterion(measure="nordic_force", comparator=">=", threshold=57, reference="lsi")
    assert evaluate_criterion(c, facts(utc(4, 12), *exact), CAT).status == "pass"


def test_split_of_103_1_percent_fails_103() -> None:
    c = criterion(
        label="30 m split ≤ 103% of baseline",
        measure="split_30m",
        aggregation="best_in_window",
        comparator="<=",
        threshold=103,
        reference="baseline_pct",
        window_days=14,
    )
    # 4.124 s / 4.00 s = 103.1%: shown at 2 decimals, 4.12 s beside a 4.12 s target
    r = evaluate_criterion(
        c, facts(utc(4, 12), base("split_30m", 4.0), pt("split_30m", 4.124, utc(4, 10))), CAT
    )
    assert r.status == "fail" and r.ratio_pct == pytest.approx(103.1)
    assert r.target_text == "≤ 103% of baseline (4.00 s) = 4.120 s"
    assert "4.124 s (2026-03-04) does not meet" in r.explanation
    r = evaluate_criterion(
        c, facts(utc(4, 12), base("split_30m", 4.0), pt("split_30m", 4.12, utc(4, 10))), CAT
    )
    assert r.status == "pass" and r.target_text.endswith("= 4.12 s")


def test_asymmetry_and_difference_just_over_the_limit_fail_visibly() -> None:
    # knee to wall 9.0 vs 10.004 cm: asymmetry 10.04%, shown as "10%" at display precision
    ktw = criterion(measure="knee_to_wall", comparator="<=", threshold=10, reference="asymmetry")
    results = (
        pt("knee_to_wall", 9.0, utc(4, 10), "right"),
        pt("knee_to_wall", 10.004, utc(4, 10), "left"),
    )
    r = evaluate_criterion(ktw, facts(utc(4, 12), *results), CAT)
    assert r.status == "fail" and "asymmetry 10.04%" in r.explanation
    ake = criterion(measure="ake", comparator="<=", threshold=15, reference="within_of_uninjured")
    results = (pt("ake", 54.96, utc(4, 10), "right"), pt("ake", 70, utc(4, 10), "left"))
    r = evaluate_criterion(ake, facts(utc(4, 12), *results), CAT)
    assert r.status == "fail" and "difference 15.04°" in r.explanation


# --- sessions since the phase began -------------------------------------------------------------

FULL_TRAINING = criterion(
    label="≥ 1 full training session logged",
    kind="sessions",
    comparator=">=",
    threshold=1,
    full_training=True,
)


def session(when: datetime, full: bool = True) -> SessionPoint:
    return SessionPoint(when.date(), "team", 90, 7.0, full, next(_ids), when)


def test_full_training_counts_only_sessions_in_the_current_phase() -> None:
    entered = utc(10, 14)  # the case entered phase 6 on Tuesday afternoon
    sessions = [session(utc(4, 10))]  # full training last week, before the phase
    r = evaluate_criterion(
        FULL_TRAINING, facts(utc(11, 9), sessions=tuple(sessions), phase_entered_at=entered), CAT
    )
    assert r.status == "fail" and r.value == 0
    assert r.explanation == (
        "0 full training session(s) logged since the case entered this phase (2026-03-10)"
    )
    assert r.target_text == "≥ 1 full training session(s) in this phase"
    # a session earlier on the day of the advance belongs to the phase before
    sessions.append(session(utc(10, 10)))
    r = evaluate_criterion(
        FULL_TRAINING, facts(utc(11, 9), sessions=tuple(sessions), phase_entered_at=entered), CAT
    )
    assert r.status == "fail"
    # Wednesday's team session is logged: met
    sessions.append(session(utc(11, 10)))
    r = evaluate_criterion(
        FULL_TRAINING, facts(utc(11, 12), sessions=tuple(sessions), phase_entered_at=entered), CAT
    )
    assert r.status == "pass" and r.value == 1
    assert r.explanation.endswith("(2026-03-10) (last on 2026-03-11)")


def test_a_session_known_only_by_its_day_counts_from_the_day_of_the_entry() -> None:
    day_only = SessionPoint(date(2026, 3, 10), "team", 90, 7.0, True, 7)
    r = evaluate_criterion(
        FULL_TRAINING,
        facts(utc(11, 9), sessions=(day_only,), phase_entered_at=utc(10, 14)),
        CAT,
    )
    assert r.status == "pass"


def test_sessions_follow_the_entry_into_the_evaluated_phase() -> None:
    ham = default_protocols()[0]
    sport = ham.phase("sport_specific")
    entries = (
        ("full_sprint", utc(1, 9)),
        ("sport_specific", utc(8, 9)),
        ("surveillance", utc(15, 9)),
    )
    sessions = (session(utc(5, 10)), session(utc(9, 10)))
    f = facts(utc(15, 8), sessions=sessions, phase_entries=entries, phase_entered_at=utc(15, 9))
    # evaluated just before the advance to surveillance: the session of the 9th counts,
    # the one of the 5th (phase 5) does not
    ev = evaluate_phase(sport, f, CAT)
    full = next(r for r in ev.results if r.key == "full_training")
    assert full.status == "pass" and full.value == 1
    # before the case reached phase 6, no session counts for it
    ev = evaluate_phase(sport, facts(utc(6, 8), sessions=sessions, phase_entries=entries), CAT)
    full = next(r for r in ev.results if r.key == "full_training")
    assert full.status == "fail"
    assert full.explanation.startswith(
        "0 full training session(s) logged (the case had not entered"
    )


# --- injury-specific gates -----------------------------------------------------------------------


def calf_strength(muscle: str, *measures: MeasurePoint):
    calf = next(p for p in default_protocols() if p.key == "calf")
    f = CaseFacts("right", INJURY, utc(4, 12), tuple(measures), muscle=muscle)
    return evaluate_phase(calf.phase("strength_speed"), f, CAT)


def strength(key: str, right: float) -> tuple[MeasurePoint, MeasurePoint]:
    return pt(key, right, utc(4, 10), "right"), pt(key, 1000, utc(4, 10), "left")


def test_a_gastrocnemius_tear_must_pass_the_gastrocnemius_test() -> None:
    # a strong soleus does not clear a weak gastrocnemius
    ev = calf_strength(
        "medial_gastrocnemius",
        *strength("soleus_strength", 990),
        *strength("gastrocnemius_strength", 800),
    )
    assert [r.key for r in ev.results] == ["gastrocnemius_lsi_90"]
    assert ev.verdict == "not_ready"
    assert ev.summary.startswith("0 of 1 criteria met")
    assert ev.not_applicable == ("Loaded soleus strength LSI ≥ 90%",)
    # and is not asked for the soleus test
    ev = calf_strength("medial_gastrocnemius", *strength("gastrocnemius_strength", 950))
    assert ev.verdict == "ready"


def test_a_soleus_tear_must_pass_the_soleus_test() -> None:
    ev = calf_strength("soleus", *strength("gastrocnemius_strength", 990))
    assert [r.key for r in ev.results] == ["soleus_lsi_90"]
    assert ev.results[0].status == "missing" and ev.verdict == "not_ready"
    ev = calf_strength("soleus", *strength("soleus_strength", 950))
    assert ev.verdict == "ready"


@pytest.mark.parametrize("muscle", ["unspecified", ""])
def test_an_unknown_calf_muscle_needs_both_tests(muscle: str) -> None:
    ev = calf_strength(muscle, *strength("soleus_strength", 950))
    assert [r.key for r in ev.results] == ["soleus_lsi_90", "gastrocnemius_lsi_90"]
    assert ev.not_applicable == () and ev.verdict == "not_ready"
    ev = calf_strength(
        muscle, *strength("soleus_strength", 950), *strength("gastrocnemius_strength", 950)
    )
    assert ev.verdict == "ready" and ev.summary == "Ready to advance: all 2 criteria met"


def test_alternatives_for_other_muscles_are_left_out() -> None:
    phase = phase_of(
        {
            "label": "Loaded strength of the injured muscle",
            "kind": "any",
            "alternatives": [
                {
                    "key": "sol",
                    "label": "Soleus LSI ≥ 90%",
                    "measure": "soleus_strength",
                    "comparator": ">=",
                    "threshold": 90,
                    "reference": "lsi",
                    "muscles": ["soleus"],
                },
                {
                    "key": "gas",
                    "label": "Gastrocnemius LSI ≥ 90%",
                    "measure": "gastrocnemius_strength",
                    "comparator": ">=",
                    "threshold": 90,
                    "reference": "lsi",
                    "muscles": ["medial_gastrocnemius", "lateral_gastrocnemius"],
                },
            ],
        },
        region="calf",
    )
    soleus_only = strength("soleus_strength", 990)
    f = CaseFacts("right", INJURY, utc(4, 12), soleus_only, muscle="lateral_gastrocnemius")
    ev = evaluate_phase(phase, f, CAT)
    assert [a.key for a in ev.results[0].alternatives] == ["gas"]
    assert ev.results[0].status == "missing"
    f = CaseFacts("right", INJURY, utc(4, 12), soleus_only, muscle="soleus")
    assert evaluate_phase(phase, f, CAT).verdict == "ready"
