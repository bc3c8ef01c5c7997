"""Surveillance after return to play: typical error, floors, SWC, band, case flags."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import pytest

from casemgr.clinical.catalogue import Figure
from casemgr.clinical.surveillance import (
    CaseFlag,
    DeclineRecord,
    case_flag,
    decline_flags,
    typical_error,
    typical_error_of_pairs,
)

T0 = datetime(2024, 5, 1, 10, 0)


def at(i: int) -> datetime:
    return T0 + timedelta(weeks=i)


def series(*values: float) -> list[tuple[datetime, float]]:
    return [(at(i), v) for i, v in enumerate(values)]


# --- typical error --------------------------------------------------------------------------


def test_typical_error_is_the_sd_of_repeated_results() -> None:
    # mean 9.1; sample SD = sqrt((0.1^2 + 0.1^2 + 0) / 2) = 0.1 = TE (Hopkins 2000)
    assert typical_error([9.0, 9.2, 9.1]) == pytest.approx(0.1)
    assert typical_error([5.0, 5.0]) == 0.0


def test_typical_error_of_test_retest_pairs() -> None:
    # differences 0.2, -0.2, 0.0: SD 0.2; TE = 0.2 / sqrt 2
    pairs = [(9.0, 9.2), (9.4, 9.2), (8.8, 8.8)]
    assert typical_error_of_pairs(pairs) == pytest.approx(0.2 / math.sqrt(2))
    with pytest.raises(ValueError, match="at least 2 test-retest pairs"):
        typical_error_of_pairs([(9.0, 9.1)])


def test_typical_error_needs_two_values() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        typical_error([9.0])
    with pytest.raises(ValueError):
        typical_error([9.0, math.nan])


# --- baseline rules -------------------------------------------------------------------------


def test_typical_error_rule_with_three_baselines() -> None:
    # TE = SD 0.1, limit = 2 x TE = 0.2; 8.95 is 0.15 below 9.1 (ok), 8.85 is 0.25 below (flag)
    records = decline_flags([9.0, 9.2, 9.1], series(8.95, 8.85), True, measure="max_velocity")
    ok, bad = records
    assert ok.baseline_rule == bad.baseline_rule == "typical_error"
    assert ok.convention is False
    assert ok.baseline_limit == pytest.approx(0.2)
    assert ok.flagged is False and ok.reasons == () and ok.reason == "no decline"
    assert bad.flagged is True and bad.baseline_flag is True and bad.band_flag is False
    assert bad.reason == (
        "max_velocity 8.85 is 0.25 below baseline 9.1 (limit 2 x TE = 0.2; TE 0.1 is the SD "
        "of the 3 baseline results; no smallest worthwhile change on file)"
    )
    assert bad.change_pct == pytest.approx((8.85 - 9.1) / 9.1 * 100)
    te = bad.te_limit
    assert (te.count, te.floor, te.swc, te.multiplier) == (3, None, None, 2.0)
    assert te.estimate == te.te == pytest.approx(0.1)


def test_the_old_sqrt2_limit_no_longer_flags() -> None:
    # 0.15 below: beyond 2 x SD / sqrt 2 = 0.141 (the former rule), within 2 x TE = 0.2.
    assert decline_flags([9.0, 9.2, 9.1], series(8.95), True)[0].flagged is False


SEM = Figure("sem", 5.3, "Reurink et al. 2013")
CV = Figure("cv", 5.8, "Opar et al. 2013")


def test_published_reliability_is_a_floor_of_the_typical_error() -> None:
    # AKE baseline 80/81/82 deg: SD 1 deg < SEM 5.3 deg, so TE = 5.3 and the limit 10.6 deg.
    records = decline_flags(
        [80.0, 81.0, 82.0], series(72.0, 70.0), True, measure="AKE", reliability=SEM, unit="deg"
    )
    ok, bad = records
    assert ok.baseline_limit == pytest.approx(10.6) and ok.flagged is False  # 9 deg below
    assert bad.flagged is True and bad.te_limit.floor_used
    assert bad.reason == (
        "AKE 70 is 11 below baseline 81 (limit 2 x TE = 10.6; TE 5.3 is the published "
        "reliability SEM 5.3 deg (Reurink et al. 2013), above the SD 1 of the 3 baseline "
        "results; no smallest worthwhile change on file)"
    )
    # A noisier baseline than the floor keeps its own SD: SD 10 deg > 5.3.
    noisy = decline_flags([70.0, 80.0, 90.0], series(70.0), True, reliability=SEM)[0]
    assert noisy.te_limit.te == pytest.approx(10.0) and not noisy.te_limit.floor_used
    assert "is the SD of the 3 baseline results" in (noisy.te_limit.text())


def test_a_cv_floor_is_taken_of_the_baseline_mean() -> None:
    # Nordic 395/400/405 N: SD 5 N; CV 5.8% of 400 N = 23.2 N, so 2 x TE = 46.4 N.
    rec = decline_flags([395.0, 400.0, 405.0], series(353.0), True, reliability=CV)[0]
    assert rec.te_limit.floor == pytest.approx(23.2)
    assert rec.baseline_limit == pytest.approx(46.4)
    assert rec.flagged is True  # 47 N below
    assert "TE 23.2 is the published reliability CV 5.8% (Opar et al. 2013)" in rec.reason
    assert not decline_flags([395.0, 400.0, 405.0], series(354.0), True, reliability=CV)[0].flagged


def test_a_decline_must_also_exceed_the_smallest_worthwhile_change() -> None:
    # SD 0.1, 2 x TE = 0.2; SWC 3% of 9.1 = 0.273: 0.25 below is within the SWC.
    swc = Figure("pct", 3.0, "clinical convention")
    base = [9.0, 9.2, 9.1]
    ok, bad = decline_flags(base, series(8.85, 8.8), True, measure="v", swc=swc, unit="m/s")
    assert ok.baseline_limit == pytest.approx(0.273) and ok.flagged is False
    assert bad.flagged is True
    assert bad.reason == (
        "v 8.8 is 0.3 below baseline 9.1 (limit smallest worthwhile change 0.27 (SWC 3%, "
        "clinical convention), above 2 x TE = 0.2; TE 0.1 is the SD of the 3 baseline results)"
    )
    # An SWC below k x TE: k x TE decides, and the flag still names the SWC.
    small = Figure("value", 0.05, "test figure")
    rec = decline_flags(base, series(8.85), True, swc=small, unit="m/s")[0]
    assert rec.baseline_limit == pytest.approx(0.2) and rec.flagged is True
    assert rec.reason.endswith(
        "(limit 2 x TE = 0.2; TE 0.1 is the SD of the 3 baseline results; smallest worthwhile "
        "change 0.05 (SWC 0.05 m/s, test figure))"
    )


def test_floor_and_swc_do_not_touch_the_percent_and_band_rules() -> None:
    # Two baselines: the 5% convention, whatever the floor or SWC.
    rec = decline_flags([100.0, 100.0], series(94.0), True, reliability=CV, swc=CV)[0]
    assert rec.baseline_rule == "percent" and rec.te_limit is None and rec.flagged
    prev = (100.0, 102.0, 98.0, 101.0, 99.0)
    low = decline_flags([], series(*prev, 96.0), True, reliability=SEM)[-1]
    assert low.band_flag is True


# --- false flags of stable athletes ---------------------------------------------------------


def _t_tail(t: float, df: int, steps: int = 4000) -> float:
    """P(T > t) for Student's t with *df* degrees of freedom (Simpson's rule, t >= 0)."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def f(x: float) -> float:
        return c * (1 + x * x / df) ** (-(df + 1) / 2)

    h = t / steps
    total = f(0.0) + f(t) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, steps))
    return 0.5 - total * h / 3


def test_t_tail_matches_the_closed_form_for_two_degrees_of_freedom() -> None:
    for t in (0.5, 1.2247, 1.7321, 3.0):
        assert _t_tail(t, 2) == pytest.approx(0.5 * (1 - t / math.sqrt(t * t + 2)), abs=1e-9)


def expected_false_flag_rate(n: int, k: float) -> float:
    """Stable athlete, n baseline results, no floor or SWC: mean - result is N(0, s^2 (1 +
    1/n)) and TE the sample SD, so P(flag) = P(T(n - 1) > k / sqrt(1 + 1/n))."""
    return _t_tail(k / math.sqrt(1 + 1 / n), n - 1)


@pytest.mark.parametrize(("n", "expected"), [(3, 0.1127), (5, 0.0710)])
def test_stable_athletes_are_flagged_at_the_rate_the_rule_implies(n: int, expected: float) -> None:
    """20000 simulated stable athletes (true value 100, noise SD 3, seed fixed): n baseline
    results and one later result each; the share of flagged results matches the t
    distribution within 4 binomial standard errors, and is far from the former sqrt 2 rule."""
    assert expected_false_flag_rate(n, 2.0) == pytest.approx(expected, abs=5e-4)
    rng = random.Random(20001 + n)
    athletes = 20000
    flagged = 0
    for _ in range(athletes):
        baseline = [rng.gauss(100.0, 3.0) for _ in range(n)]
        record = decline_flags(baseline, [(T0, rng.gauss(100.0, 3.0))], True)[0]
        assert record.baseline_rule == "typical_error" and not record.band_flag
        flagged += record.flagged
    rate = flagged / athletes
    expected_rate = expected_false_flag_rate(n, 2.0)
    se = math.sqrt(expected_rate * (1 - expected_rate) / athletes)
    assert abs(rate - expected_rate) < 4 * se, (rate, expected_rate)
    former = expected_false_flag_rate(n, 2.0 / math.sqrt(2))  # 17.3% (n = 3), 13.3% (n = 5)
    assert rate < former - 10 * se


def test_a_floor_above_the_noise_lowers_the_false_flag_rate() -> None:
    # True noise SD 3 with a published floor of 6 (SEM): TE >= 6, so a stable result is
    # flagged only beyond 12 below the mean: P(Z > 12 / (3 sqrt(4/3))) = P(Z > 3.46) ~ 0.03%.
    rng = random.Random(7)
    floor = Figure("sem", 6.0, "test figure")
    flags = sum(
        decline_flags(
            [rng.gauss(100.0, 3.0) for _ in range(3)],
            [(T0, rng.gauss(100.0, 3.0))],
            True,
            reliability=floor,
        )[0].flagged
        for _ in range(5000)
    )
    assert flags / 5000 < 0.005


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
