"""Surveillance after return to play (DOMAIN.md section 6)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from casemgr.clinical.surveillance import (
    CaseFlag,
    DeclineRecord,
    case_flag,
    decline_flags,
    typical_error,
)

T0 = datetime(2024, 5, 1, 10, 0)


def at(i: int) -> datetime:
    return T0 + timedelta(weeks=i)


def series(*values: float) -> list[tuple[datetime, float]]:
    return [(at(i), v) for i, v in enumerate(values)]


# --- typical error --------------------------------------------------------------------------


def test_typical_error_hand_computed() -> None:
    # mean 9.1; sample SD = sqrt((0.1^2 + 0.1^2 + 0) / 2) = 0.1; TE = 0.1 / sqrt(2)
    assert typical_error([9.0, 9.2, 9.1]) == pytest.approx(0.1 / math.sqrt(2))
    assert typical_error([5.0, 5.0]) == 0.0


def test_typical_error_needs_two_values() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        typical_error([9.0])
    with pytest.raises(ValueError):
        typical_error([9.0, math.nan])


# --- baseline rules -------------------------------------------------------------------------


def test_typical_error_rule_with_three_baselines() -> None:
    # limit = 2 x TE = 2 x 0.0707 = 0.1414; 9.0 is 0.1 below 9.1 (ok), 8.9 is 0.2 below (flag)
    records = decline_flags([9.0, 9.2, 9.1], series(9.0, 8.9), True, measure="max_velocity")
    ok, bad = records
    assert ok.baseline_rule == bad.baseline_rule == "typical_error"
    assert ok.convention is False
    assert ok.baseline_limit == pytest.approx(2 * 0.1 / math.sqrt(2))
    assert ok.flagged is False and ok.reasons == () and ok.reason == "no decline"
    assert bad.flagged is True and bad.baseline_flag is True and bad.band_flag is False
    assert bad.reason == "max_velocity 8.9 is 0.2 below baseline 9.1 (limit 2 x TE = 0.14)"
    assert bad.change_pct == pytest.approx((8.9 - 9.1) / 9.1 * 100)


def test_percent_rule_with_fewer_than_three_baselines() -> None:
    # (9.17 - 8.61) / 9.17 = 6.1% > 5% -> flag; (9.17 - 8.75) / 9.17 = 4.6% -> ok
    records = decline_flags([9.12, 9.22], series(8.75, 8.61), True, measure="max_velocity")
    ok, bad = records
    assert ok.flagged is False
    assert bad.baseline_rule == "percent" and bad.convention is True
    assert bad.baseline_limit == 5.0
    assert bad.reason == "max_velocity 8.61 is 6.1% below baseline 9.17 (limit 5%, convention)"


def test_lower_is_better_mirrors() -> None:
    # Split time baseline 1.81 s; 1.92 s is (1.92 - 1.81)/1.81 = 6.1% slower -> flag;
    # 1.70 s is faster -> never a decline.
    records = decline_flags([1.80, 1.82], series(1.70, 1.92), False, measure="split_10m")
    faster, slower = records
    assert faster.flagged is False
    assert slower.flagged is True
    assert slower.reason == "split_10m 1.92 is 6.1% above baseline 1.81 (limit 5%, convention)"


def test_limit_is_strict_and_configurable() -> None:
    # Exactly 5% worse: not "more than 5%".
    assert decline_flags([100.0], series(95.0), True)[0].flagged is False
    assert decline_flags([100.0], series(95.0), True, pct_limit=4.0)[0].flagged is True


def test_no_baseline_and_zero_baseline() -> None:
    rec = decline_flags([], series(5.0), True)[0]
    assert rec.baseline_rule is None and rec.baseline_mean is None and rec.flagged is False
    # A baseline mean of 0 (e.g. no pain) has no percent: the rule is not applied.
    rec = decline_flags([0.0], series(3.0), False, measure="pain")[0]
    assert rec.baseline_rule is None and rec.change_pct is None and rec.flagged is False


# --- recent band ----------------------------------------------------------------------------


def test_band_rule_higher_is_better() -> None:
    # Previous 5: mean 100, sample SD = sqrt((0 + 4 + 4 + 1 + 1) / 4) = sqrt(2.5) = 1.581;
    # band = 100 - 2 x 1.581 = 96.84. 96 is below -> flag; 97 is not.
    prev = (100.0, 102.0, 98.0, 101.0, 99.0)
    low = decline_flags([], series(*prev, 96.0), True, measure="nordic_force")[-1]
    assert low.band_limit == pytest.approx(100 - 2 * math.sqrt(2.5))
    assert low.band_flag is True and low.flagged is True and low.baseline_flag is False
    assert low.reason == (
        "nordic_force 96 is below the recent band 96.84 (mean 100 - 2 SD of the last 5 results)"
    )
    assert decline_flags([], series(*prev, 97.0), True)[-1].flagged is False


def test_band_needs_five_previous_results() -> None:
    records = decline_flags([], series(100.0, 102.0, 98.0, 101.0, 50.0), True)
    assert all(r.band_limit is None and not r.flagged for r in records)


def test_band_rule_lower_is_better_and_window() -> None:
    # Contact time, ms: previous mean 200, SD sqrt(2.5) -> band top 203.16; 204 is above.
    prev = (200.0, 202.0, 198.0, 201.0, 199.0)
    rec = decline_flags([], series(*prev, 204.0), False, measure="ground_contact_time")[-1]
    assert rec.band_limit == pytest.approx(200 + 2 * math.sqrt(2.5))
    assert rec.band_flag is True
    assert "above the recent band 203.16 (mean 200 + 2 SD" in rec.reason
    # band_window=5 ignores older results.
    records = decline_flags([], series(150.0, *prev, 204.0), False, band_window=5)
    assert records[-1].band_limit == pytest.approx(200 + 2 * math.sqrt(2.5))


def test_both_rules_give_two_reasons() -> None:
    prev = (100.0, 102.0, 98.0, 101.0, 99.0)
    rec = decline_flags([100.0], series(*prev, 90.0), True)[-1]
    assert rec.baseline_flag and rec.band_flag
    assert len(rec.reasons) == 2
    assert "; " in rec.reason


def test_results_are_sorted_by_time() -> None:
    results = [(at(2), 8.0), (at(0), 9.0), (at(1), 8.5)]
    records = decline_flags([9.0], results, True)
    assert [r.when for r in records] == [at(0), at(1), at(2)]
    assert all(isinstance(r, DeclineRecord) for r in records)


# --- case flag ------------------------------------------------------------------------------


def test_case_flag_two_consecutive() -> None:
    # baseline 100 (percent rule): 94 flagged, 99 ok, 94 flagged, 93 flagged
    records = decline_flags([100.0], series(94.0, 99.0, 94.0, 93.0), True)
    assert [r.flagged for r in records] == [True, False, True, True]
    flag = case_flag(records)
    assert isinstance(flag, CaseFlag)
    assert (flag.first.when, flag.second.when) == (at(2), at(3))
    assert flag.current is True
    assert flag.reason.startswith("two consecutive flagged results (2024-05-15 and 2024-05-22)")


def test_case_flag_none_or_historical() -> None:
    assert case_flag(decline_flags([100.0], series(94.0, 99.0, 94.0), True)) is None
    assert case_flag([]) is None
    flag = case_flag(decline_flags([100.0], series(94.0, 93.0, 100.0), True))
    assert flag is not None and flag.current is False
