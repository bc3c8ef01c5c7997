"""Training load (DOMAIN.md section 4): hand-computed values, arithmetic written out."""

from __future__ import annotations

import math
import statistics
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgr.clinical.load import (
    DailyLoadSummary,
    acwr_ewma,
    acwr_rolling,
    acwr_rolling_coupled,
    acwr_rolling_uncoupled,
    building_text,
    daily_load_series,
    ewma,
    load_summary,
    monotony,
    session_load,
    strain,
)

D0 = date(2024, 3, 1)


def day(i: int) -> date:
    return D0 + timedelta(days=i)


# --- session and daily load -----------------------------------------------------------------


def test_session_load() -> None:
    assert session_load(7, 60) == 420.0  # 7 x 60 min
    assert session_load(0, 30) == 0.0
    assert session_load(5.5, 10) == 55.0


@pytest.mark.parametrize(("srpe", "minutes"), [(-1, 60), (11, 60), (5, -1), (math.nan, 60)])
def test_session_load_rejects_bad_values(srpe: float, minutes: float) -> None:
    with pytest.raises(ValueError):
        session_load(srpe, minutes)


def test_daily_series_sums_per_day_and_fills_rest_days() -> None:
    sessions = [
        (day(0), 420.0),
        (datetime(2024, 3, 1, 18, 30), 150.0),  # second session on day 0 (a datetime)
        (day(3), 300.0),
    ]
    assert daily_load_series(sessions) == [
        (day(0), 570.0),  # 420 + 150
        (day(1), 0.0),
        (day(2), 0.0),
        (day(3), 300.0),
    ]


def test_daily_series_range() -> None:
    # Corrected (issue 15): this test used to expect day -1 as a rest day (0 AU) and two rest
    # days for no sessions at all. Days before the first session are unknown, not zero: the
    # series starts at the first session however early ``start`` is.
    sessions = [(day(0), 100.0), (day(2), 200.0), (day(5), 50.0)]
    assert daily_load_series(sessions, start=day(-1), end=day(3)) == [
        (day(0), 100.0),  # nothing before the first session
        (day(1), 0.0),
        (day(2), 200.0),
        (day(3), 0.0),  # day 5 is outside the range
    ]
    assert daily_load_series(sessions, start=day(1), end=day(2)) == [
        (day(1), 0.0),
        (day(2), 200.0),
    ]
    assert daily_load_series(sessions, end=day(-1)) == []  # ends before anything is known
    assert daily_load_series([], start=day(0), end=day(1)) == []
    with pytest.raises(ValueError, match="after end"):
        daily_load_series(sessions, start=day(3), end=day(1))


def test_daily_series_empty() -> None:
    assert daily_load_series([]) == []
    with pytest.raises(ValueError):
        daily_load_series([(day(0), -5.0)])


# --- EWMA and ACWR --------------------------------------------------------------------------


def test_ewma_hand_computed() -> None:
    # N = 7: lambda = 2/8 = 0.25, seeded with the first day's load.
    # 100; 0.25*0 + 0.75*100 = 75; 0.25*200 + 0.75*75 = 50 + 56.25 = 106.25
    assert ewma([100, 0, 200], 7) == pytest.approx([100.0, 75.0, 106.25])
    # N = 3: lambda = 0.5: 100; 50; 0.5*200 + 0.5*50 = 125
    assert ewma([100, 0, 200], 3) == pytest.approx([100.0, 50.0, 125.0])
    assert ewma([], 7) == []
    with pytest.raises(ValueError):
        ewma([1.0], 0)


def test_acwr_ewma_hand_computed() -> None:
    # acute (lambda 1/4):   100, 75, 106.25
    # chronic (lambda 2/29): 100, 27/29*100 = 2700/29, 2/29*200 + 27/29*2700/29
    c1 = 2700 / 29
    c2 = 400 / 29 + 27 / 29 * c1
    assert acwr_ewma([100, 0, 200]) == pytest.approx([1.0, 75 / c1, 106.25 / c2])
    # Chronic EWMA of 0 -> None, never a division by zero.
    assert acwr_ewma([0, 0, 0]) == [None, None, None]
    assert acwr_ewma([]) == []


def _four_weeks() -> list[float]:
    # 21 days at 100 AU, then 7 days at 200 AU.
    return [100.0] * 21 + [200.0] * 7


def test_rolling_acwr_hand_computed() -> None:
    loads = _four_weeks()
    coupled = acwr_rolling_coupled(loads)
    uncoupled = acwr_rolling_uncoupled(loads)
    assert coupled[:27] == [None] * 27  # undefined until 28 days of data
    assert uncoupled[:27] == [None] * 27
    # coupled: acute mean 200 / chronic mean (21*100 + 7*200)/28 = 3500/28 = 125 -> 1.6
    assert coupled[27] == pytest.approx(1.6)
    # uncoupled: acute mean 200 / mean of days 8-28 back (21 days at 100) = 2.0
    assert uncoupled[27] == pytest.approx(2.0)
    # Day 29 with a rest day: last 7 = 6*200 + 0 = 1200 -> 1200/7;
    # last 28 = 20*100 + 7*200 + 0 = 3400 -> 3400/28; days 8-28 back = 20*100 + 200 = 2200/21.
    loads.append(0.0)
    assert acwr_rolling_coupled(loads)[28] == pytest.approx((1200 / 7) / (3400 / 28))
    assert acwr_rolling_uncoupled(loads)[28] == pytest.approx((1200 / 7) / (2200 / 21))


def test_rolling_acwr_zero_chronic_and_bad_windows() -> None:
    assert acwr_rolling_coupled([0.0] * 28)[-1] is None
    assert acwr_rolling_uncoupled([0.0] * 21 + [50.0] * 7)[-1] is None  # days 8-28 all rest
    with pytest.raises(ValueError):
        acwr_rolling_coupled([1.0] * 30, acute=28, chronic=7)


def test_acwr_rolling_contract_and_wrappers() -> None:
    loads = [*_four_weeks(), 0.0]
    assert acwr_rolling(loads) == acwr_rolling_coupled(loads)
    assert acwr_rolling(loads, coupled=True)[27] == pytest.approx(1.6)
    assert acwr_rolling(loads, 7, 28, coupled=False) == acwr_rolling_uncoupled(loads)
    assert acwr_rolling(loads, coupled=False)[27] == pytest.approx(2.0)
    assert acwr_rolling(loads, acute=3, chronic=6)[5] == pytest.approx((300 / 3) / (600 / 6))
    assert acwr_rolling([]) == []


def test_per_day_functions_accept_date_load_pairs() -> None:
    # (date, load) pairs are summed per day and gaps are rest days, as in daily_load_series.
    sessions = [(day(i), 100.0) for i in range(0, 30, 2)] + [(day(4), 50.0)]
    plain = [load for _, load in daily_load_series(sessions)]
    assert plain[4] == 150.0 and plain[1] == 0.0
    assert acwr_ewma(sessions) == acwr_ewma(plain)
    assert acwr_rolling(sessions) == acwr_rolling(plain)
    assert acwr_rolling(sessions, coupled=False) == acwr_rolling(plain, coupled=False)
    assert monotony(sessions) == monotony(plain)
    assert strain(sessions) == strain(plain)


@pytest.mark.parametrize("bad", [[100.0, -1.0], [100.0, math.nan], [math.inf]])
def test_per_day_functions_reject_bad_loads(bad: list[float]) -> None:
    for fn in (acwr_ewma, acwr_rolling, monotony, strain):
        with pytest.raises(ValueError, match="daily load"):
            fn(bad)
    with pytest.raises(TypeError):
        acwr_ewma(["heavy"])  # type: ignore[list-item]


# --- properties (hypothesis) ----------------------------------------------------------------

# Daily loads in AU: rest days (exactly 0) mixed with sessions of 1-2000 AU.
_load = st.one_of(st.just(0.0), st.floats(min_value=1.0, max_value=2000.0))
_series = st.lists(_load, min_size=0, max_size=70)
_PROPS = settings(max_examples=150, deadline=None)


@_PROPS
@given(level=st.floats(min_value=1.0, max_value=5000.0), n=st.integers(0, 70))
def test_acwr_of_a_constant_load_is_one_once_defined(level: float, n: int) -> None:
    loads = [level] * n
    assert acwr_ewma(loads) == [pytest.approx(1.0, rel=1e-9)] * n
    for coupled in (True, False):
        rolling = acwr_rolling(loads, coupled=coupled)
        assert rolling[:27] == [None] * min(n, 27)
        assert rolling[27:] == [pytest.approx(1.0, rel=1e-9)] * max(0, n - 27)


@_PROPS
@given(loads=_series, span=st.integers(1, 40))
def test_ewma_stays_within_the_range_of_the_inputs(loads: list[float], span: int) -> None:
    smoothed = ewma(loads, span)
    assert len(smoothed) == len(loads)
    if loads:
        lo, hi = min(loads), max(loads)
        tol = 1e-9 * max(1.0, hi)
        assert all(lo - tol <= x <= hi + tol for x in smoothed)


@_PROPS
@given(loads=_series)
def test_results_are_aligned_with_the_input(loads: list[float]) -> None:
    n = len(loads)
    assert len(acwr_ewma(loads)) == n
    assert len(acwr_rolling(loads)) == n
    assert len(acwr_rolling(loads, coupled=False)) == n
    assert len(monotony(loads)) == n
    assert len(strain(loads)) == n


@_PROPS
@given(loads=_series)
def test_rolling_acwr_equals_independent_means(loads: list[float]) -> None:
    coupled = acwr_rolling(loads, coupled=True)
    uncoupled = acwr_rolling(loads, coupled=False)
    for i in range(len(loads)):
        if i < 27:
            assert coupled[i] is None and uncoupled[i] is None
            continue
        acute = statistics.fmean(loads[i - 6 : i + 1])
        chronic = statistics.fmean(loads[i - 27 : i + 1])  # coupled: the 28 include the 7
        older = statistics.fmean(loads[i - 27 : i - 6])  # uncoupled: days 8-28 back
        assert coupled[i] == (None if chronic == 0 else pytest.approx(acute / chronic))
        assert uncoupled[i] == (None if older == 0 else pytest.approx(acute / older))


@_PROPS
@given(loads=_series)
def test_ewma_acwr_equals_ratio_of_independent_ewmas(loads: list[float]) -> None:
    acute = chronic = 0.0
    expected: list[float | None] = []
    for i, x in enumerate(loads):
        acute = x if i == 0 else 0.25 * x + 0.75 * acute  # lambda = 2/(7+1)
        chronic = x if i == 0 else (2 / 29) * x + (27 / 29) * chronic  # lambda = 2/(28+1)
        expected.append(None if chronic == 0 else acute / chronic)
    got = acwr_ewma(loads)
    assert [g is None for g in got] == [e is None for e in expected]
    assert [g for g in got if g is not None] == pytest.approx(
        [e for e in expected if e is not None], rel=1e-9
    )


def _same_ratios(a: list[float | None], b: list[float | None]) -> None:
    assert [x is None for x in a] == [y is None for y in b]
    assert [x for x in a if x is not None] == pytest.approx(
        [y for y in b if y is not None], rel=1e-9
    )


@_PROPS
@given(loads=_series, k=st.floats(min_value=0.01, max_value=100.0))
def test_scaling_all_loads_leaves_acwr_and_monotony_unchanged(loads: list[float], k: float) -> None:
    scaled = [k * x for x in loads]
    _same_ratios(acwr_ewma(scaled), acwr_ewma(loads))
    _same_ratios(acwr_rolling(scaled), acwr_rolling(loads))
    _same_ratios(acwr_rolling(scaled, coupled=False), acwr_rolling(loads, coupled=False))
    # Monotony is scale-free too (SD 0 stays SD 0 up to rounding, so compare defined days).
    for a, b in zip(monotony(scaled), monotony(loads), strict=True):
        if a is not None and b is not None:
            assert a == pytest.approx(b, rel=1e-6)


# --- monotony and strain --------------------------------------------------------------------


def test_monotony_and_strain_hand_computed() -> None:
    week = [100.0, 200.0, 0.0, 300.0, 100.0, 0.0, 0.0]
    # mean = 700/7 = 100; deviations 0, 100, -100, 200, 0, -100, -100;
    # squares sum = 1e4 + 1e4 + 4e4 + 1e4 + 1e4 = 8e4; population SD = sqrt(8e4/7)
    sd = math.sqrt(80000 / 7)
    assert monotony(week) == [None] * 6 + [pytest.approx(100 / sd)]
    assert 100 / sd == pytest.approx(math.sqrt(7 / 8))  # = 0.9354
    # strain = weekly load 700 x monotony
    assert strain(week) == [None] * 6 + [pytest.approx(700 * 100 / sd)]
    # Day 8 window = days 2-8: [200, 0, 300, 100, 0, 0, 400] -> mean 1000/7
    week2 = [*week, 400.0]
    w = week2[1:]
    mean = sum(w) / 7
    sd2 = math.sqrt(sum((x - mean) ** 2 for x in w) / 7)
    assert monotony(week2)[7] == pytest.approx(mean / sd2)
    assert strain(week2)[7] == pytest.approx(1000 * mean / sd2)


def test_monotony_uses_population_sd() -> None:
    week = [0.0, 100.0] * 3 + [0.0]  # mean 300/7
    mean = 300 / 7
    pop_sd = math.sqrt(sum((x - mean) ** 2 for x in week) / 7)
    sample_sd = math.sqrt(sum((x - mean) ** 2 for x in week) / 6)
    assert monotony(week)[-1] == pytest.approx(mean / pop_sd)
    assert monotony(week)[-1] != pytest.approx(mean / sample_sd)


def test_monotony_zero_sd_is_none() -> None:
    assert monotony([50.0] * 7)[-1] is None  # identical days
    assert monotony([0.1] * 7)[-1] is None  # no float noise turning 0 into a tiny SD
    assert monotony([0.0] * 7)[-1] is None  # a week of rest
    assert strain([50.0] * 7)[-1] is None
    assert monotony([]) == [] and strain([]) == []


# --- summary --------------------------------------------------------------------------------


def test_summary_spike_and_fields() -> None:
    # 28 days at 100 AU then 1000 AU on day 29:
    # acute = 0.25*1000 + 0.75*100 = 325; chronic = (2*1000 + 27*100)/29 = 4700/29
    # ACWR = 325 * 29 / 4700 = 2.005 > 1.5 -> spike
    daily = [(day(i), 100.0) for i in range(28)] + [(day(28), 1000.0)]
    rows = load_summary(daily)
    assert len(rows) == 29
    assert all(isinstance(r, DailyLoadSummary) for r in rows)
    last = rows[-1]
    assert last.date == day(28)
    assert last.load == 1000.0
    assert last.acute_ewma == pytest.approx(325.0)
    assert last.chronic_ewma == pytest.approx(4700 / 29)
    assert last.acwr_ewma == pytest.approx(325 * 29 / 4700)
    assert last.spike is True
    assert not any(r.spike for r in rows[:-1])  # flat load: ACWR 1
    # coupled: (6*100 + 1000)/7 over (27*100 + 1000)/28
    assert last.acwr_coupled == pytest.approx((1600 / 7) / (3700 / 28))
    assert last.acwr_uncoupled == pytest.approx((1600 / 7) / 100)
    assert rows[26].acwr_coupled is None and rows[27].acwr_coupled == pytest.approx(1.0)
    # the EWMA ratio is building for 27 days and shown from the 28th day of data
    assert [r.days_of_data for r in rows] == list(range(1, 30))
    assert all(r.building and r.acwr_ewma is None for r in rows[:27])
    assert not rows[27].building and rows[27].acwr_ewma == pytest.approx(1.0)
    assert rows[5].monotony is None and rows[6].monotony is None  # SD 0 on flat days
    assert last.monotony is not None and last.strain == pytest.approx(1600 * last.monotony)
    # Threshold is a parameter.
    assert load_summary(daily, spike_threshold=2.1)[-1].spike is False
    with pytest.raises(AttributeError):
        last.load = 0.0  # type: ignore[misc]


def test_summary_date_range_cut_keeps_history() -> None:
    daily = daily_load_series([(day(i), float(10 * (i % 5))) for i in range(40)])
    full = load_summary(daily)
    cut = load_summary(daily, start=day(30), end=day(34))
    assert [r.date for r in cut] == [day(30 + i) for i in range(5)]
    assert cut == full[30:35]  # computed over the whole history, then cut


def test_summary_pads_rest_days_and_clips_before_data() -> None:
    daily = [(day(0), 100.0), (day(1), 100.0)]
    rows = load_summary(daily, start=day(-5), end=day(3))
    assert [r.date for r in rows] == [day(0), day(1), day(2), day(3)]  # nothing before data
    assert [r.load for r in rows] == [100.0, 100.0, 0.0, 0.0]
    # Rest days decay the EWMAs: acute 100 -> 75 -> 56.25
    assert rows[2].acute_ewma == pytest.approx(75.0)
    assert rows[3].acute_ewma == pytest.approx(56.25)


def test_summary_gaps_are_rest_days_and_zero_chronic() -> None:
    rows = load_summary([(day(0), 0.0), (day(2), 0.0)])
    assert [r.date for r in rows] == [day(0), day(1), day(2)]
    assert all(r.acwr_ewma is None and r.spike is False for r in rows)


def test_summary_empty() -> None:
    assert load_summary([]) == []
    assert load_summary([], start=day(0), end=day(5)) == []


# --- a ratio waits for data -------------------------------------------------------------


def test_ewma_ratio_is_building_until_28_days_of_data() -> None:
    # 9 days of sessions: no ratio and no spike, even on a tripled load
    daily = [(day(i), 100.0) for i in range(8)] + [(day(8), 900.0)]
    rows = load_summary(daily)
    assert len(rows) == 9 and rows[-1].days_of_data == 9
    raw = acwr_ewma([load for _, load in daily])[-1]
    assert raw is not None and raw > 1.5  # the raw ratio would have been a "spike"
    assert all(r.building and r.acwr_ewma is None and not r.spike for r in rows)
    assert building_text(rows[-1].days_of_data) == "building (9 of 28 days)"
    # the EWMAs themselves are computed from day 1 (a ratio shown later is warmed up)
    assert rows[1].acute_ewma == pytest.approx(100.0)
    # 30 days: a ratio from the 28th day on
    rows = load_summary([(day(i), 100.0) for i in range(30)])
    assert [r.acwr_ewma is None for r in rows] == [True] * 27 + [False] * 3
    assert rows[-1].acwr_ewma == pytest.approx(1.0) and building_text(5, 7) == (
        "building (5 of 7 days)"
    )
    # the window follows the chronic span
    assert load_summary([(day(i), 100.0) for i in range(7)], acute=3, chronic=7)[-1].acwr_ewma == (
        pytest.approx(1.0)
    )


def test_no_artificial_spike_from_the_days_before_the_first_session() -> None:
    # Injury on day 0, first session on day 20, then 100 AU a day for 30 days. Zero-filling
    # the 20 unknown days would seed both EWMAs with 0 and make day 20 a spike:
    # acute 0.25*100 = 25, chronic 2/29*100 = 6.9 -> ratio 3.6 on the first session.
    sessions = [(day(20 + i), 100.0) for i in range(30)]
    zero_filled = [load for _, load in [(day(i), 0.0) for i in range(20)] + sessions]
    assert acwr_ewma(zero_filled)[20] == pytest.approx(0.25 / (2 / 29))  # what it would say
    rows = load_summary(sessions, start=day(0), end=day(49))
    assert rows[0].date == day(20) and rows[0].days_of_data == 1  # nothing before day 20
    assert not any(r.spike for r in rows)
    assert [r.acwr_ewma for r in rows if r.acwr_ewma is not None] == [pytest.approx(1.0)] * 3
    # starting the series at the injury day adds no rest days before the first session
    assert daily_load_series(sessions, start=day(0))[0] == (day(20), 100.0)
    # a real spike after 28 days of data is still flagged
    late = [*sessions, (day(50), 1000.0)]
    assert load_summary(late)[-1].spike is True
