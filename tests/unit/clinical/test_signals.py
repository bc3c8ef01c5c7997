"""Step-back and pause suggestions from daily feedback: the protocol's thresholds, their
sources, persistent symptoms, phase 1 and the suggestions' keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from casemgr.clinical.facts import CaseFacts, MeasurePoint
from casemgr.clinical.protocols import SIGNAL_DEFAULTS
from casemgr.clinical.signals import key_units, step_back_signals, thresholds

AS_OF = datetime(2026, 10, 1, 20, 0, tzinfo=UTC)
DEFAULTS = SIGNAL_DEFAULTS
PAIN_SOURCE = (
    " Source: Hickey et al. 2020 (pain-free protocol: 2/10; pain-threshold protocols: 4/10)."
)


def on(day: int, hour: int = 8) -> datetime:
    """A morning report on 2026-09-<day> (or 2026-10-01 for day 31)."""
    return datetime(2026, 9, 1, hour, tzinfo=UTC) + timedelta(days=day - 1)


def report(key: str, value: float, when: datetime, entry_id: int) -> MeasurePoint:
    return MeasurePoint(key, value, when, None, False, entry_id)


def facts(*points: MeasurePoint) -> CaseFacts:
    return CaseFacts("right", date(2026, 9, 1), AS_OF, tuple(points))


def test_no_feedback_no_signal() -> None:
    assert step_back_signals(facts(), DEFAULTS, AS_OF) == []


def test_pain_above_the_limit_suggests_stepping_back() -> None:
    f = facts(
        report("pain", 2, on(28), 1),  # at the limit: fine
        report("pain", 5, on(29), 2),
        report("pain", 3, on(29, 18), 3),
    )
    signals = step_back_signals(f, DEFAULTS, AS_OF)
    assert len(signals) == 1
    s = signals[0]
    assert s.kind == "step_back" and s.measure == "pain"
    assert s.triggered_by == (2, 3) and s.value == 5
    assert s.measured_at == on(29, 18) and s.day == date(2026, 9, 29)
    assert s.message == (
        "Pain 5/10 on 2026-09-29 is above the protocol's pain limit of 2/10: "
        "suggest stepping back one phase." + PAIN_SOURCE
    )
    assert s.key == "step_back:pain:2,3" and not s.medical_review


def test_pain_threshold_protocol_uses_its_own_limit() -> None:
    f = facts(report("pain", 3, on(29), 1))
    assert step_back_signals(f, thresholds(pain_limit=4), AS_OF) == []
    assert [s.kind for s in step_back_signals(f, DEFAULTS, AS_OF)] == ["step_back"]


def test_only_the_recent_window_counts() -> None:
    f = facts(report("pain", 6, on(20), 1), report("pain", 1, on(30), 2))
    assert step_back_signals(f, DEFAULTS, AS_OF) == []
    assert len(step_back_signals(f, DEFAULTS, AS_OF, window_days=14)) == 1
    # as_of defaults to the facts' as_of; reports after it are ignored
    late = facts(report("pain", 6, AS_OF + timedelta(hours=2), 3))
    assert step_back_signals(late, DEFAULTS) == []


def test_soreness_two_points_above_the_7_day_median_suggests_a_pause() -> None:
    usual = [
        report("soreness", v, on(d), d)
        for d, v in zip(range(22, 29), [2, 1, 2, 3, 2, 2, 1], strict=True)
    ]
    f = facts(*usual, report("soreness", 4, on(29), 100))
    signals = step_back_signals(f, DEFAULTS, AS_OF)
    assert len(signals) == 1
    s = signals[0]
    assert s.kind == "pause" and s.measure == "soreness" and s.triggered_by == (100,)
    assert s.message == (
        "Soreness 4/10 on 2026-09-29 is 2 points above the athlete's 7-day median (2/10): "
        "suggest a pause. Source: Clinical convention (next-day soreness 2 points above the "
        "7-day median)."
    )
    # one point above the median is the athlete's normal variation
    f = facts(*usual, report("soreness", 3, on(29), 100))
    assert step_back_signals(f, DEFAULTS, AS_OF) == []


def test_soreness_median_uses_the_7_days_before_that_day_only() -> None:
    # high soreness long ago does not lift the median; days 22-28 median is 1
    points = [report("soreness", 8, on(d), d) for d in range(10, 15)]
    points += [report("soreness", 1, on(d), d) for d in range(22, 29)]
    f = facts(*points, report("soreness", 3, on(29), 100))
    assert [s.triggered_by for s in step_back_signals(f, DEFAULTS, AS_OF)] == [(100,)]


def test_soreness_needs_a_few_days_for_a_median() -> None:
    f = facts(report("soreness", 0, on(27), 1), report("soreness", 5, on(28), 2))
    assert step_back_signals(f, DEFAULTS, AS_OF) == []
    assert len(step_back_signals(f, thresholds(soreness_min_days=1), AS_OF)) == 1


def test_tightness_on_two_consecutive_days_suggests_a_pause() -> None:
    f = facts(
        report("tightness", 3, on(28), 1),
        report("tightness", 4, on(29), 2),
        report("tightness", 1, on(30), 3),
    )
    signals = step_back_signals(f, DEFAULTS, AS_OF)
    assert len(signals) == 1
    s = signals[0]
    assert s.kind == "pause" and s.measure == "tightness"
    assert s.triggered_by == (1, 2) and s.value == 4
    assert s.message == (
        "Tightness ≥ 3/10 on 2 consecutive days (2026-09-28 to 2026-09-29, highest 4/10): "
        "suggest a pause. Source: Clinical convention."
    )


def test_tightness_on_separate_days_is_not_a_signal() -> None:
    f = facts(report("tightness", 5, on(26), 1), report("tightness", 5, on(28), 2))
    assert step_back_signals(f, DEFAULTS, AS_OF) == []


def test_a_long_run_of_tightness_is_one_signal() -> None:
    f = facts(*[report("tightness", 3, on(d), d) for d in range(26, 31)])
    signals = step_back_signals(f, DEFAULTS, AS_OF)
    assert len(signals) == 1 and "5 consecutive days" in signals[0].message
    assert signals[0].triggered_by == (26, 27, 28, 29, 30)


def test_signals_are_sorted_by_time_and_deterministic() -> None:
    points = [
        report("tightness", 3, on(29), 1),
        report("tightness", 3, on(30), 2),
        report("pain", 4, on(27), 3),
        report("pain", 4, on(30, 9), 4),
    ]
    signals = step_back_signals(facts(*points), DEFAULTS, AS_OF)
    assert [(s.kind, s.day) for s in signals] == [
        ("step_back", date(2026, 9, 27)),
        ("pause", date(2026, 9, 30)),
        ("step_back", date(2026, 9, 30)),
    ]
    assert step_back_signals(facts(*reversed(points)), DEFAULTS, AS_OF) == signals


# -- persistent symptoms -------------------------------------------------------------------


def test_soreness_high_three_days_running_suggests_a_pause_even_when_flat() -> None:
    flat = [report("soreness", 7, on(d), d) for d in (28, 29, 30)]
    signals = step_back_signals(facts(*flat), DEFAULTS, AS_OF)
    assert len(signals) == 1
    s = signals[0]
    assert (s.kind, s.measure, s.rule) == ("pause", "soreness", "persistent")
    assert s.triggered_by == (28, 29, 30) and s.key == "pause:soreness:28,29,30"
    assert s.message == (
        "Soreness ≥ 3/10 on 3 days running (2026-09-28 to 2026-09-30, highest 7/10), high "
        "even though it is not rising: suggest a pause. Source: Clinical convention "
        "(soreness or tightness at or above 3/10); Clinical convention (3 days running)."
    )
    # two days are not yet persistent; a day below the limit breaks the run
    assert step_back_signals(facts(*flat[:2]), DEFAULTS, AS_OF) == []
    broken = [*flat[:2], report("soreness", 2, on(30), 30)]
    assert step_back_signals(facts(*broken), DEFAULTS, AS_OF) == []


def test_persistence_uses_the_protocols_limits() -> None:
    flat = [report("soreness", 4, on(d), d) for d in (29, 30)]
    assert step_back_signals(facts(*flat), DEFAULTS, AS_OF) == []
    two_days = thresholds(persistent_days=2)
    assert [s.rule for s in step_back_signals(facts(*flat), two_days, AS_OF)] == ["persistent"]
    assert (
        step_back_signals(facts(*flat), thresholds(persistent_days=2, persistent_limit=5), AS_OF)
        == []
    )


def test_a_tightness_run_is_suggested_once_not_once_per_rule() -> None:
    # 5/10 on 3 days: both the consecutive-days rule and the persistence rule fire on the
    # same days; the team sees one suggestion for the run
    run = [report("tightness", 5, on(d), d) for d in (28, 29, 30)]
    signals = step_back_signals(facts(*run), DEFAULTS, AS_OF)
    assert [(s.rule, s.triggered_by) for s in signals] == [("tightness_run", (28, 29, 30))]
    # a protocol whose tightness limit is higher still flags persistent moderate tightness
    signals = step_back_signals(facts(*run), thresholds(tightness_limit=6), AS_OF)
    assert [(s.rule, s.measure) for s in signals] == [("persistent", "tightness")]


def test_days_running_are_the_clinics_local_days() -> None:
    # Sydney (UTC+10 in September): 23:30 on the 27th, 00:30 on the 28th and 09:00 on the
    # 29th are three local days, though only two UTC days
    moments = [
        datetime(2026, 9, 27, 13, 30, tzinfo=UTC),
        datetime(2026, 9, 27, 14, 30, tzinfo=UTC),
        datetime(2026, 9, 28, 23, 0, tzinfo=UTC),
    ]
    points = tuple(report("soreness", 6, m, n) for n, m in enumerate(moments, 1))
    sydney = CaseFacts("right", date(2026, 9, 1), AS_OF, points, timezone="Australia/Sydney")
    utc = CaseFacts("right", date(2026, 9, 1), AS_OF, points, timezone="UTC")
    signals = step_back_signals(sydney, DEFAULTS, AS_OF)
    assert [(s.rule, s.day) for s in signals] == [("persistent", date(2026, 9, 29))]
    assert step_back_signals(utc, DEFAULTS, AS_OF) == []


# -- phase 1 and keys ----------------------------------------------------------------------


def test_in_phase_one_pain_suggests_a_pause_and_a_medical_review() -> None:
    f = facts(report("pain", 5, on(30), 7))
    (s,) = step_back_signals(f, DEFAULTS, AS_OF, phase_ordinal=1)
    assert s.kind == "pause" and s.medical_review and s.key == "pause:pain:7"
    assert s.message == (
        "Pain 5/10 on 2026-09-30 is above the protocol's pain limit of 2/10: the case is in "
        "phase 1, with no phase to step back to: suggest a pause and a medical review."
        + PAIN_SOURCE
    )
    (later,) = step_back_signals(f, DEFAULTS, AS_OF, phase_ordinal=2)
    assert later.kind == "step_back" and not later.medical_review


def test_a_convention_threshold_says_so_even_when_its_source_does_not() -> None:
    from casemgr.clinical.protocols import Threshold

    custom = {"tightness_limit": Threshold(3, "Club physio panel 2025", True)}
    run = [report("tightness", 4, on(d), d) for d in (29, 30)]
    (s,) = step_back_signals(facts(*run), custom, AS_OF)
    assert s.source == "clinical convention (Club physio panel 2025); Clinical convention"
    assert "DOMAIN" not in s.message


def test_keys_name_the_kind_the_measure_and_the_reports() -> None:
    f = facts(report("pain", 5, on(30), 12), report("pain", 6, on(30, 18), 3))
    (s,) = step_back_signals(f, DEFAULTS, AS_OF)
    assert s.key == "step_back:pain:3,12"
    assert key_units(s.key) == s.units == {("pain", 3), ("pain", 12)}
    assert key_units("nonsense") == frozenset() and key_units("pause:pain:x") == frozenset()
    assert s.to_dict()["key"] == s.key and s.to_dict()["entries"] == [3, 12]
