"""Step-back and pause suggestions from daily feedback (DOMAIN.md section 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from casemgr.clinical.facts import CaseFacts, MeasurePoint
from casemgr.clinical.signals import step_back_signals

AS_OF = datetime(2026, 10, 1, 20, 0, tzinfo=UTC)


def on(day: int, hour: int = 8) -> datetime:
    """A morning report on 2026-09-<day> (or 2026-10-01 for day 31)."""
    return datetime(2026, 9, 1, hour, tzinfo=UTC) + timedelta(days=day - 1)


def report(key: str, value: float, when: datetime, entry_id: int) -> MeasurePoint:
    return MeasurePoint(key, value, when, None, False, entry_id)


def facts(*points: MeasurePoint) -> CaseFacts:
    return CaseFacts("right", date(2026, 9, 1), AS_OF, tuple(points))


def test_no_feedback_no_signal() -> None:
    assert step_back_signals(facts(), pain_limit=2, as_of=AS_OF) == []


def test_pain_above_the_limit_suggests_stepping_back() -> None:
    f = facts(
        report("pain", 2, on(28), 1),  # at the limit: fine
        report("pain", 5, on(29), 2),
        report("pain", 3, on(29, 18), 3),
    )
    signals = step_back_signals(f, pain_limit=2, as_of=AS_OF)
    assert len(signals) == 1
    s = signals[0]
    assert s.kind == "step_back" and s.measure == "pain"
    assert s.triggered_by == (2, 3) and s.value == 5
    assert s.measured_at == on(29, 18) and s.day == date(2026, 9, 29)
    assert s.message == (
        "Pain 5/10 on 2026-09-29 is above the protocol's pain limit of 2/10: "
        "suggest stepping back one phase."
    )


def test_pain_threshold_protocol_uses_its_own_limit() -> None:
    f = facts(report("pain", 3, on(29), 1))
    assert step_back_signals(f, pain_limit=4, as_of=AS_OF) == []
    assert [s.kind for s in step_back_signals(f, pain_limit=2, as_of=AS_OF)] == ["step_back"]


def test_only_the_recent_window_counts() -> None:
    f = facts(report("pain", 6, on(20), 1), report("pain", 1, on(30), 2))
    assert step_back_signals(f, pain_limit=2, as_of=AS_OF) == []
    assert len(step_back_signals(f, pain_limit=2, as_of=AS_OF, window_days=14)) == 1
    # as_of defaults to the facts' as_of; reports after it are ignored
    late = facts(report("pain", 6, AS_OF + timedelta(hours=2), 3))
    assert step_back_signals(late, pain_limit=2) == []


def test_soreness_two_points_above_the_7_day_median_suggests_a_pause() -> None:
    usual = [
        report("soreness", v, on(d), d)
        for d, v in zip(range(22, 29), [2, 1, 2, 3, 2, 2, 1], strict=True)
    ]
    f = facts(*usual, report("soreness", 4, on(29), 100))
    signals = step_back_signals(f, pain_limit=2, as_of=AS_OF)
    assert len(signals) == 1
    s = signals[0]
    assert s.kind == "pause" and s.measure == "soreness" and s.triggered_by == (100,)
    assert s.message == (
        "Soreness 4/10 on 2026-09-29 is 2 points above the athlete's 7-day median (2/10): "
        "suggest a pause."
    )
    # one point above the median is the athlete's normal variation
    f = facts(*usual, report("soreness", 3, on(29), 100))
    assert step_back_signals(f, pain_limit=2, as_of=AS_OF) == []


def test_soreness_median_uses_the_7_days_before_that_day_only() -> None:
    # high soreness long ago does not lift the median; days 22-28 median is 1
    points = [report("soreness", 8, on(d), d) for d in range(10, 15)]
    points += [report("soreness", 1, on(d), d) for d in range(22, 29)]
    f = facts(*points, report("soreness", 3, on(29), 100))
    assert [s.triggered_by for s in step_back_signals(f, pain_limit=2, as_of=AS_OF)] == [(100,)]


def test_soreness_needs_a_few_days_for_a_median() -> None:
    f = facts(report("soreness", 0, on(27), 1), report("soreness", 5, on(28), 2))
    assert step_back_signals(f, pain_limit=2, as_of=AS_OF) == []
    assert len(step_back_signals(f, pain_limit=2, as_of=AS_OF, min_median_days=1)) == 1


def test_tightness_on_two_consecutive_days_suggests_a_pause() -> None:
    f = facts(
        report("tightness", 3, on(28), 1),
        report("tightness", 4, on(29), 2),
        report("tightness", 1, on(30), 3),
    )
    signals = step_back_signals(f, pain_limit=2, as_of=AS_OF)
    assert len(signals) == 1
    s = signals[0]
    assert s.kind == "pause" and s.measure == "tightness"
    assert s.triggered_by == (1, 2) and s.value == 4
    assert s.message == (
        "Tightness ≥ 3/10 on 2 consecutive days (2026-09-28 to 2026-09-29, highest 4/10): "
        "suggest a pause."
    )


def test_tightness_on_separate_days_is_not_a_signal() -> None:
    f = facts(report("tightness", 5, on(26), 1), report("tightness", 5, on(28), 2))
    assert step_back_signals(f, pain_limit=2, as_of=AS_OF) == []


def test_a_long_run_of_tightness_is_one_signal() -> None:
    f = facts(*[report("tightness", 3, on(d), d) for d in range(26, 31)])
    signals = step_back_signals(f, pain_limit=2, as_of=AS_OF)
    assert len(signals) == 1 and "5 consecutive days" in signals[0].message
    assert signals[0].triggered_by == (26, 27, 28, 29, 30)


def test_signals_are_sorted_by_time_and_deterministic() -> None:
    points = [
        report("tightness", 3, on(29), 1),
        report("tightness", 3, on(30), 2),
        report("pain", 4, on(27), 3),
        report("pain", 4, on(30, 9), 4),
    ]
    signals = step_back_signals(facts(*points), pain_limit=2, as_of=AS_OF)
    assert [(s.kind, s.day) for s in signals] == [
        ("step_back", date(2026, 9, 27)),
        ("pause", date(2026, 9, 30)),
        ("step_back", date(2026, 9, 30)),
    ]
    assert step_back_signals(facts(*reversed(points)), pain_limit=2, as_of=AS_OF) == signals
