"""Surveillance after return to play: detecting a decline in a measure.

A result is flagged when it is worse than:

1. the pre-injury baseline mean, when at least 3 baseline results exist, by more than the
   larger of k x TE and the measure's smallest worthwhile change (SWC), or else by more than
   5% of the baseline (*convention*, not evidence); or
2. the athlete's own recent band: mean - 2 SD of the previous results (mean + 2 SD for
   lower-is-better measures), once at least 5 previous results exist.

TE, the typical error (Hopkins 2000, Sports Med 30:1-15), is the within-athlete SD of the
repeated baseline results, never less than the measure's published reliability (a CV% or
an SEM from the catalogue). For a stable athlete with n baseline results and no floor or
SWC, (mean - result) / (TE sqrt(1 + 1/n)) follows Student's t with n - 1 degrees of
freedom, so k = 2 and n = 3 flag a single result 11.3% of the time.

Two consecutive flagged results raise a case flag. The limits are keyword parameters
(defaults: ``SIGNAL_DEFAULTS``); the service passes the case protocol's thresholds.
Results of one measure only: do not mix measures in one call.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Literal

from casemgr.clinical.catalogue import Figure
from casemgr.clinical.protocols import SIGNAL_DEFAULTS

__all__ = [
    "BaselineRule",
    "CaseFlag",
    "DeclineRecord",
    "TypicalErrorLimit",
    "case_flag",
    "decline_flags",
    "typical_error",
    "typical_error_of_pairs",
]

BaselineRule = Literal["typical_error", "percent"]


def _fmt(value: float) -> str:
    """Compact number for messages: at most 2 decimals, trailing zeros dropped."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _finite(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return v


def typical_error(results: Sequence[float]) -> float:
    """TE of one athlete's repeated results under stable conditions: their sample SD.

    The within-athlete SD (n - 1 denominator; Hopkins 2000). Needs at least 2 results.
    For test-retest *pairs* use :func:`typical_error_of_pairs`.
    """
    values = [_finite("baseline value", v) for v in results]
    if len(values) < 2:
        raise ValueError(f"typical error needs at least 2 baseline results, got {len(values)}")
    return statistics.stdev(values)


def typical_error_of_pairs(pairs: Sequence[tuple[float, float]]) -> float:
    """TE from test-retest pairs: SD of the difference scores / sqrt 2 (Hopkins 2000).

    Each pair is (test, retest) of one athlete; needs at least 2 pairs.
    """
    diffs = [_finite("retest", b) - _finite("test", a) for a, b in pairs]
    if len(diffs) < 2:
        raise ValueError(f"typical error needs at least 2 test-retest pairs, got {len(diffs)}")
    return statistics.stdev(diffs) / math.sqrt(2.0)


@dataclass(frozen=True)
class TypicalErrorLimit:
    """The numbers behind the typical-error rule, all in the measure's unit.

    ``estimate`` is the SD of the ``count`` baseline results, ``floor`` the published
    reliability (None without one), ``te`` the larger of the two, ``multiplier`` k, ``swc``
    the smallest worthwhile change (None without one); ``limit`` = max(k x te, swc).
    ``reliability`` and ``swc_figure`` are the catalogue figures with their sources.
    """

    count: int
    estimate: float
    floor: float | None
    te: float
    multiplier: float
    swc: float | None
    limit: float
    reliability: Figure | None = None
    swc_figure: Figure | None = None

    @property
    def floor_used(self) -> bool:
        """True when the published reliability, not the baseline SD, set the TE."""
        return self.floor is not None and self.floor > self.estimate

    def text(self, fmt: Callable[[float], str] = _fmt, unit: str = "") -> str:
        """k, TE (and its floor if used) and the SWC, in words.

        ``fmt`` formats an amount in the measure's unit; ``unit`` follows an SEM figure.
        """
        k = self.multiplier
        te_rule = f"{_fmt(k)} x TE = {fmt(k * self.te)}"
        n = f"{self.count} baseline results"
        if self.floor_used and self.reliability is not None:
            te = (
                f"TE {fmt(self.te)} is the published reliability "
                f"{self.reliability.describe(unit)} ({self.reliability.source}), above the SD "
                f"{fmt(self.estimate)} of the {n}"
            )
        else:
            te = f"TE {fmt(self.te)} is the SD of the {n}"
        if self.swc is None or self.swc_figure is None:
            return f"{te_rule}; {te}; no smallest worthwhile change on file"
        swc = (
            f"smallest worthwhile change {fmt(self.swc)} "
            f"({self.swc_figure.describe(unit)}, {self.swc_figure.source})"
        )
        if self.swc > k * self.te:
            return f"{swc}, above {te_rule}; {te}"
        return f"{te_rule}; {te}; {swc}"


@dataclass(frozen=True)
class DeclineRecord:
    """One surveillance result and why it is, or is not, flagged.

    ``baseline_rule`` is the rule used against the baseline ("typical_error" or "percent";
    None without a usable baseline); ``convention`` is True when that rule is the 5% rule,
    which is convention, not evidence. ``baseline_limit`` is the allowed worsening in the
    measure's unit (the larger of k x TE and the SWC; its numbers in ``te_limit``) or in %
    (percent rule). ``band_limit`` is the edge of the recent band (None until enough
    previous results). ``reasons`` holds one plain-language sentence per rule that fired.
    """

    when: datetime
    value: float
    flagged: bool
    baseline_flag: bool
    band_flag: bool
    baseline_rule: BaselineRule | None
    convention: bool
    baseline_mean: float | None
    baseline_limit: float | None
    change_pct: float | None
    band_limit: float | None
    reasons: tuple[str, ...]
    te_limit: TypicalErrorLimit | None = None

    @property
    def reason(self) -> str:
        """All reasons joined, or a short note when the result is not flagged."""
        return "; ".join(self.reasons) if self.reasons else "no decline"


@dataclass(frozen=True)
class CaseFlag:
    """Two consecutive flagged results. ``current`` is True when ``second`` is the latest."""

    first: DeclineRecord
    second: DeclineRecord
    current: bool

    @property
    def reason(self) -> str:
        return (
            f"two consecutive flagged results ({self.first.when:%Y-%m-%d} and "
            f"{self.second.when:%Y-%m-%d}): {self.second.reason}"
        )


class _RunningSD:
    """The sample SD of a growing list of floats, equal to ``statistics.stdev`` of it.

    Like ``statistics.stdev`` the sums are exact (fractions) and the square root is
    correctly rounded, so the result is the same float; adding a value costs O(1) instead
    of re-summing the whole list (surveillance runs for years of weekly tests).
    """

    def __init__(self) -> None:
        self.n = 0
        self.sx = Fraction(0)
        self.sxx = Fraction(0)

    def add(self, value: float) -> None:
        x = Fraction(value)
        self.n += 1
        self.sx += x
        self.sxx += x * x

    def stdev(self) -> float:
        n = self.n
        if n < 2:
            raise statistics.StatisticsError("stdev requires at least two data points")
        mss = (n * self.sxx - self.sx * self.sx) / (n * (n - 1))
        return _sqrt_of_frac(mss.numerator, mss.denominator)


def _sqrt_of_frac(n: int, m: int) -> float:
    """sqrt(n/m) correctly rounded to a float (as ``statistics`` does since 3.11)."""
    q = (n.bit_length() - m.bit_length() - _SQRT_BITS) // 2
    if q >= 0:
        return float(_isqrt_rto(n, m << 2 * q) << q)
    return _isqrt_rto(n << -2 * q, m) / (1 << -q)


def _isqrt_rto(n: int, m: int) -> int:
    """floor(sqrt(n/m)), with the last bit set when inexact (round to odd)."""
    a = math.isqrt(n // m)
    return a | (a * a * m != n)


_SQRT_BITS = 2 * sys.float_info.mant_dig + 3


def decline_flags(
    baseline_values: Sequence[float],
    results: Iterable[tuple[datetime, float]],
    higher_is_better: bool,
    *,
    measure: str = "value",
    te_multiplier: float = SIGNAL_DEFAULTS["surveillance_te_multiple"].value,
    min_baseline_for_te: int = 3,
    pct_limit: float = SIGNAL_DEFAULTS["surveillance_pct"].value,
    band_sd: float = SIGNAL_DEFAULTS["surveillance_band_sd"].value,
    band_min_results: int = int(SIGNAL_DEFAULTS["surveillance_band_results"].value),
    band_window: int | None = None,
    reliability: Figure | None = None,
    swc: Figure | None = None,
    unit: str = "",
) -> list[DeclineRecord]:
    """Flag each result (sorted by time) that is worse than the baseline or the recent band.

    Baseline rule: with >= ``min_baseline_for_te`` baseline results, worse than the baseline
    mean by more than both ``te_multiplier`` x TE and the smallest worthwhile change *swc*
    (no SWC rule without one); TE is :func:`typical_error` of the baseline, never below the
    published *reliability* (no floor without one). With fewer baseline results (but at
    least one), worse by more than ``pct_limit`` % of the baseline mean (*convention*); not
    applied without a baseline, or for the percent rule when the baseline mean is 0. A CV%
    or SWC% is taken of the baseline mean; *unit* follows an SEM in the messages.
    Band rule: worse than mean -/+ ``band_sd`` x SD (sample SD) of the previous results (all
    of them, or the last ``band_window``), once ``band_min_results`` exist. "Worse by more
    than" is strict.
    Returns one record per result, oldest first; ``change_pct`` is the signed change from the
    baseline mean in %.
    """
    if min_baseline_for_te < 2:
        raise ValueError("min_baseline_for_te must be >= 2 (TE needs repeated tests)")
    if band_min_results < 2:
        raise ValueError("band_min_results must be >= 2 (the band needs an SD)")
    if band_window is not None and band_window < band_min_results:
        raise ValueError("band_window must be at least band_min_results")
    baseline = [_finite("baseline value", v) for v in baseline_values]
    ordered = sorted(((when, _finite("result", v)) for when, v in results), key=lambda r: r[0])
    sign = 1.0 if higher_is_better else -1.0
    worse_word = "below" if higher_is_better else "above"

    base_mean = statistics.fmean(baseline) if baseline else None
    rule: BaselineRule | None = None
    limit: float | None = None
    te_limit: TypicalErrorLimit | None = None
    if base_mean is not None:
        if len(baseline) >= min_baseline_for_te:
            rule = "typical_error"
            estimate = typical_error(baseline)
            floor = reliability.amount(base_mean) if reliability is not None else None
            te = max(estimate, floor or 0.0)
            swc_amount = swc.amount(base_mean) if swc is not None else None
            limit = max(te_multiplier * te, swc_amount or 0.0)
            te_limit = TypicalErrorLimit(
                len(baseline),
                estimate,
                floor,
                te,
                float(te_multiplier),
                swc_amount,
                limit,
                reliability,
                swc,
            )
        elif base_mean != 0:
            rule = "percent"
            limit = pct_limit

    records: list[DeclineRecord] = []
    previous: list[float] = []
    running = _RunningSD()  # the SD of all previous results, without re-summing them
    for when, value in ordered:
        reasons: list[str] = []
        change_pct: float | None = None
        baseline_flag = False
        if base_mean is not None:
            worsening = sign * (base_mean - value)
            if base_mean != 0:
                change_pct = (value - base_mean) / abs(base_mean) * 100.0
            if te_limit is not None and worsening > te_limit.limit:
                baseline_flag = True
                reasons.append(
                    f"{measure} {_fmt(value)} is {_fmt(worsening)} {worse_word} baseline "
                    f"{_fmt(base_mean)} (limit {te_limit.text(unit=unit)})"
                )
            elif rule == "percent" and limit is not None:
                worsening_pct = worsening / abs(base_mean) * 100.0
                if worsening_pct > limit:
                    baseline_flag = True
                    reasons.append(
                        f"{measure} {_fmt(value)} is {worsening_pct:.1f}% {worse_word} baseline "
                        f"{_fmt(base_mean)} (limit {_fmt(limit)}%, convention)"
                    )

        band_limit: float | None = None
        band_flag = False
        recent = previous if band_window is None else previous[-band_window:]
        if len(recent) >= band_min_results:
            mean = statistics.fmean(recent)
            sd = running.stdev() if band_window is None else statistics.stdev(recent)
            band_limit = mean - sign * band_sd * sd
            if sign * (band_limit - value) > 0:
                band_flag = True
                edge = "-" if higher_is_better else "+"
                reasons.append(
                    f"{measure} {_fmt(value)} is {worse_word} the recent band "
                    f"{_fmt(band_limit)} (mean {_fmt(mean)} {edge} {_fmt(band_sd)} SD of the "
                    f"last {len(recent)} results)"
                )

        records.append(
            DeclineRecord(
                when=when,
                value=value,
                flagged=baseline_flag or band_flag,
                baseline_flag=baseline_flag,
                band_flag=band_flag,
                baseline_rule=rule,
                convention=rule == "percent",
                baseline_mean=base_mean,
                baseline_limit=limit,
                change_pct=change_pct,
                band_limit=band_limit,
                reasons=tuple(reasons),
                te_limit=te_limit,
            )
        )
        previous.append(value)
        running.add(value)
    return records


def case_flag(records: Sequence[DeclineRecord]) -> CaseFlag | None:
    """The most recent pair of consecutive flagged results, or None.

    Records are taken in time order; ``current`` tells whether the pair ends at the latest
    result (an older pair stays reported: the flag is for the clinician to close).
    """
    ordered = sorted(records, key=lambda r: r.when)
    for i in range(len(ordered) - 1, 0, -1):
        if ordered[i].flagged and ordered[i - 1].flagged:
            return CaseFlag(first=ordered[i - 1], second=ordered[i], current=i == len(ordered) - 1)
    return None
