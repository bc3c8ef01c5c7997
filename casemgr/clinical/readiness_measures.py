"""Evaluation of measure criteria: references (baseline, pre-injury best, uninjured limb),
aggregations of results in a window and limb comparisons, plus the evaluator state and the
small helpers that :mod:`casemgr.clinical.readiness` shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from casemgr.clinical import symmetry
from casemgr.clinical.catalogue import Catalogue, Measure, round_half_up
from casemgr.clinical.facts import CaseFacts, MeasurePoint
from casemgr.clinical.protocols import DEFAULT_BASELINE_WINDOW_DAYS, Criterion
from casemgr.clinical.readiness_index import FactIndex
from casemgr.clinical.readiness_text import (
    PCT_DECIMALS,
    REFERENCE_NAMES,
    SYMBOLS,
    describe_target,
    fmt_threshold,
    limb_text,
    pct,
    window_text,
)


def meets(value: float, comparator: str, target: float) -> bool:
    if comparator == "<":
        return value < target
    if comparator == "<=":
        return value <= target
    if comparator == ">=":
        return value >= target
    if comparator == ">":
        return value > target
    return value == target


def meets_at(value: float, comparator: str, target: float, decimals: int) -> bool:
    return meets(round_half_up(value, decimals), comparator, target)


def ids_of(points: Iterable[Any]) -> tuple[int, ...]:
    return tuple(sorted({p.entry_id for p in points if p.entry_id is not None}))


def _best(points: Sequence[MeasurePoint], measure: Measure) -> MeasurePoint:
    if measure.better == "lower":
        return min(points, key=lambda p: (p.value, -p.measured_at.timestamp()))
    return max(points, key=lambda p: (p.value, p.measured_at.timestamp()))


class Missing(Exception):
    """Internal: a criterion cannot be evaluated (status missing or stale)."""

    def __init__(self, status: str, explanation: str, missing: str | None = None, **extra: Any):
        super().__init__(explanation)
        self.status = status
        self.explanation = explanation
        self.missing = missing
        self.extra = extra


class _NoBaseline(Missing):
    pass


@dataclass(frozen=True)
class _Ref:
    kind: str
    value: float | None
    measured_at: datetime | None
    entry_ids: tuple[int, ...]
    target: float
    target_text: str


class MeasureEvaluator:
    """The evaluator's state and the measure criteria (the readiness evaluator adds the
    other kinds)."""

    def __init__(self, facts: CaseFacts, catalogue: Catalogue, index: FactIndex) -> None:
        self.facts = facts
        self.catalogue = catalogue
        self.index = index
        self.as_of = facts.as_of
        self.injured = facts.injured_side if facts.injured_side in ("left", "right") else None
        self.uninjured = facts.uninjured_side

    def date_text(self, moment: datetime) -> str:
        return self.index.local_date(moment).isoformat()

    def window_start(self, days: float) -> datetime:
        return self.as_of - timedelta(days=days)

    # measures
    def kind_measure(self, c: Criterion) -> dict[str, Any]:
        assert c.measure is not None and c.reference is not None and c.threshold is not None
        m = self.catalogue.get(c.measure)
        limb = self.injured if m.per_limb else None
        try:
            if m.per_limb and limb is None:
                raise Missing(
                    "missing",
                    f"Injured side '{self.facts.injured_side}' is not left or right",
                    "injured side",
                )
            return self.measure_or_fallback(c, m, limb)
        except Missing as gap:
            for name, value in (
                ("reference", c.reference),
                ("unit", m.display_unit),
                ("limb", limb),
                ("target_text", describe_target(c, m, c.reference, c.threshold)),
            ):
                gap.extra.setdefault(name, value)
            raise

    def measure_or_fallback(self, c: Criterion, m: Measure, limb: str | None) -> dict[str, Any]:
        assert c.reference is not None and c.threshold is not None
        try:
            return self.measure_with(c, m, limb, c.reference, c.threshold)
        except _NoBaseline as gap:
            if c.fallback_reference is None:
                raise
            fallback = c.fallback_reference
            threshold = c.threshold if c.fallback_threshold is None else c.fallback_threshold
            try:
                fields = self.measure_with(c, m, limb, fallback, threshold)
            except _NoBaseline as second:
                raise Missing(
                    "missing",
                    f"{gap.explanation}; fallback ({REFERENCE_NAMES[fallback]}): "
                    f"{second.explanation}",
                    gap.missing,
                ) from None
            except Missing as other:
                other.extra.update(
                    fallback_used=True,
                    reference=fallback,
                    target_text=describe_target(c, m, fallback, threshold),
                )
                raise
            fields["fallback_used"] = True
            fields["explanation"] = (
                f"No baseline: using the {REFERENCE_NAMES[fallback]} instead. "
                + fields["explanation"]
            )
            return fields

    def measure_with(
        self, c: Criterion, m: Measure, limb: str | None, reference: str, threshold: float
    ) -> dict[str, Any]:
        if reference in ("lsi", "asymmetry", "within_of_uninjured"):
            return self.limb_comparison(c, m, reference, threshold)
        ref = self.reference(c, m, limb, reference, threshold)
        aggregation = c.aggregation or "latest"
        fields = getattr(self, f"agg_{aggregation}")(c, m, limb, ref)
        fields.update(
            unit=m.display_unit,
            limb=limb,
            reference=reference,
            reference_value=ref.value,
            reference_measured_at=ref.measured_at,
            target=ref.target,
            target_text=ref.target_text,
        )
        fields["entry_ids"] = tuple(sorted(set(fields.get("entry_ids", ())) | set(ref.entry_ids)))
        if ref.value and fields.get("value") is not None and reference != "absolute":
            fields["ratio_pct"] = fields["value"] / ref.value * 100
        return fields

    def reference(
        self, c: Criterion, m: Measure, limb: str | None, reference: str, threshold: float
    ) -> _Ref:
        cmp = SYMBOLS[c.comparator or ">="]
        if reference == "absolute":
            return _Ref(
                reference, None, None, (), threshold, f"{cmp} {fmt_threshold(m, threshold)}"
            )
        if reference == "baseline_pct" and c.aggregation == "weekly_sum":
            value, ids = self.weekly_baseline(c, m)
            name = "pre-injury weekly mean"
            when = None
        elif reference == "baseline_pct":
            point = self.index.baseline(m.key, limb)
            if point is None:
                what = f"{m.label} baseline{limb_text(limb)}"
                raise _NoBaseline(
                    "missing",
                    f"Missing baseline: no {m.label}{limb_text(limb)} result flagged as "
                    "baseline before the injury",
                    what,
                )
            value, ids, when, name = point.value, ids_of([point]), point.measured_at, "baseline"
        elif reference == "pre_injury_best_pct":
            points = self.index.pre_injury(m.key, limb).points
            if not points:
                raise _NoBaseline(
                    "missing",
                    f"No {m.label}{limb_text(limb)} result before the injury",
                    f"{m.label} pre-injury result{limb_text(limb)}",
                )
            point = _best(points, m)
            value, ids, when, name = (
                point.value,
                ids_of([point]),
                point.measured_at,
                "best pre-injury",
            )
        else:  # uninjured_pct
            point = self.pick(c, m, self.uninjured, uninjured=True)
            value, ids, when, name = (
                point.value,
                ids_of([point]),
                point.measured_at,
                "uninjured limb",
            )
        target = round_half_up(value * threshold / 100, m.decimals)
        text = f"{cmp} {pct(threshold)} of {name} ({m.format(value)}) = {m.format(target)}"
        return _Ref(reference, value, when, ids, target, text)

    def weekly_baseline(self, c: Criterion, m: Measure) -> tuple[float, tuple[int, ...]]:
        days = c.baseline_window_days or DEFAULT_BASELINE_WINDOW_DAYS
        start = self.index.injury_start - timedelta(days=days)
        points = self.index.pre_injury(m.key, None).since(start)
        if not points:
            raise _NoBaseline(
                "missing",
                f"Missing baseline: no {m.label} results in the {window_text(days)} before "
                "the injury",
                f"{m.label} pre-injury weekly baseline",
            )
        week = 7 * 86400
        blocks = {
            int((self.index.injury_start - p.measured_at).total_seconds() // week) for p in points
        }
        return sum(p.value for p in points) / len(blocks), ids_of(points)

    def pick(
        self, c: Criterion, m: Measure, limb: str | None, uninjured: bool = False
    ) -> MeasurePoint:
        """The latest result (aggregation latest) or the best in the window."""
        series = self.index.current(m.key, limb)
        side = limb_text(limb, uninjured)
        if not series.points:
            raise Missing(
                "missing",
                f"No {m.label}{side} result since the injury",
                f"{m.label} result{side}",
            )
        if c.aggregation == "latest" or c.window_days is None:
            point = series.points[-1]
            if c.window_days is not None and point.measured_at < self.window_start(c.window_days):
                raise self.stale(c, m, point, side)
            return point
        in_window = series.since(self.window_start(c.window_days))
        if not in_window:
            raise self.stale(c, m, series.points[-1], side)
        return _best(in_window, m)

    def stale(self, c: Criterion, m: Measure, point: MeasurePoint, side: str = "") -> Missing:
        window = window_text(c.window_days or 0)
        return Missing(
            "stale",
            f"Latest {m.label}{side} result ({m.format(point.value)}, "
            f"{self.date_text(point.measured_at)}) is older than {window}; re-test",
            f"{m.label} result{side} (out of date)",
            value=point.value,
            measured_at=point.measured_at,
            unit=m.display_unit,
            entry_ids=ids_of([point]),
        )

    def window_points(self, c: Criterion, m: Measure, limb: str | None) -> list[MeasurePoint]:
        assert c.window_days is not None
        series = self.index.current(m.key, limb)
        points = series.since(self.window_start(c.window_days))
        if points:
            return points
        if series.points:
            raise self.stale(c, m, series.points[-1], limb_text(limb))
        raise Missing(
            "missing",
            f"No {m.label}{limb_text(limb)} result since the injury",
            f"{m.label} result{limb_text(limb)}",
        )

    # aggregations (value-based references)
    def agg_latest(self, c: Criterion, m: Measure, limb: str | None, ref: _Ref) -> dict[str, Any]:
        point = self.pick(c, m, limb)
        return self.single(c, m, point, ref, f"Latest {m.label.lower()}")

    def agg_best_in_window(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        point = self.pick(c, m, limb)
        window = window_text(c.window_days or 0)
        return self.single(c, m, point, ref, f"Best {m.label.lower()} in the last {window}")

    def single(
        self, c: Criterion, m: Measure, point: MeasurePoint, ref: _Ref, described: str
    ) -> dict[str, Any]:
        ok = meets_at(point.value, c.comparator or ">=", ref.target, m.decimals)
        return {
            "status": "pass" if ok else "fail",
            "value": point.value,
            "measured_at": point.measured_at,
            "entry_ids": ids_of([point]),
            "explanation": f"{described} {m.format(point.value)} "
            f"({self.date_text(point.measured_at)}) {'meets' if ok else 'does not meet'} "
            f"{ref.target_text}",
        }

    def agg_all_in_window(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb)
        cmp = c.comparator or "<="
        failing = [p for p in points if not meets_at(p.value, cmp, ref.target, m.decimals)]
        worst = _worst(failing or points, cmp)
        window = window_text(c.window_days or 0)
        n = len(points)
        if failing:
            explanation = (
                f"{len(failing)} of {n} {m.label.lower()} result(s) in the last {window} fail "
                f"{ref.target_text} (worst {m.format(worst.value)} on "
                f"{self.date_text(worst.measured_at)})"
            )
        else:
            explanation = (
                f"All {n} {m.label.lower()} result(s) in the last {window} meet "
                f"{ref.target_text} (worst {m.format(worst.value)})"
            )
        return {
            "status": "fail" if failing else "pass",
            "value": worst.value,
            "measured_at": worst.measured_at,
            "entry_ids": ids_of(points),
            "explanation": explanation,
        }

    def agg_days_meeting(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb)
        cmp = c.comparator or ">="
        meeting = [p for p in points if meets_at(p.value, cmp, ref.target, m.decimals)]
        days = sorted({self.index.local_date(p.measured_at) for p in meeting})
        need = c.min_days or 1
        best = _best(points, m) if m.better != "none" else points[-1]
        ok = len(days) >= need
        listed = ", ".join(d.isoformat() for d in days) if days else "none"
        return {
            "status": "pass" if ok else "fail",
            "value": best.value,
            "measured_at": best.measured_at,
            "days_met": len(days),
            "entry_ids": ids_of(meeting),
            "explanation": f"{ref.target_text} on {len(days)} of the required {need} separate "
            f"day(s) in the last {window_text(c.window_days or 0)} ({listed}); "
            f"best {m.format(best.value)}",
        }

    def agg_weekly_sum(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb)
        total = sum(p.value for p in points)
        ok = meets_at(total, c.comparator or ">=", ref.target, m.decimals)
        window = window_text(c.window_days or 7)
        return {
            "status": "pass" if ok else "fail",
            "value": total,
            "measured_at": points[-1].measured_at,
            "entry_ids": ids_of(points),
            "explanation": f"{m.label} over the last {window}: {m.format(total)} from "
            f"{len(points)} result(s); {'meets' if ok else 'does not meet'} {ref.target_text}",
        }

    # limb comparisons
    def limb_comparison(
        self, c: Criterion, m: Measure, reference: str, threshold: float
    ) -> dict[str, Any]:
        injured = self.pick(c, m, self.injured)
        other = self.pick(c, m, self.uninjured, uninjured=True)
        cmp = c.comparator or ">="
        sym = SYMBOLS[cmp]
        lsi = _safe(symmetry.lsi, injured.value, other.value, m.higher_is_better)
        asym = _safe(symmetry.asymmetry_pct, injured.value, other.value)
        pair = (
            f"{self.injured} {m.format(injured.value)} vs {self.uninjured} {m.format(other.value)}"
        )
        common: dict[str, Any] = {
            "value": injured.value,
            "measured_at": injured.measured_at,
            "unit": m.display_unit,
            "limb": self.injured,
            "reference": reference,
            "reference_value": other.value,
            "reference_measured_at": other.measured_at,
            "lsi": lsi,
            "asymmetry": asym,
            "ratio_pct": injured.value / other.value * 100 if other.value else None,
            "entry_ids": ids_of([injured, other]),
        }
        if reference == "within_of_uninjured":
            deficit = (
                other.value - injured.value if m.higher_is_better else injured.value - other.value
            )
            limit = other.value - threshold if m.higher_is_better else other.value + threshold
            bound = "≥" if m.higher_is_better else "≤"
            target_text = (
                f"within {fmt_threshold(m, threshold)} of the uninjured limb "
                f"({m.format(other.value)}) = {bound} {m.format(limit)}"
            )
            ok = meets_at(deficit, cmp, threshold, m.decimals)
            shown = f"difference {m.format(max(deficit, 0.0))} ({pair})"
            target = limit
        else:
            metric, name = (lsi, "LSI") if reference == "lsi" else (asym, "asymmetry")
            target_text = f"{name} {sym} {pct(threshold)}"
            target = threshold
            if metric is None:
                return {
                    **common,
                    "status": "fail",
                    "target": target,
                    "target_text": target_text,
                    "explanation": f"{name} cannot be computed ({pair})",
                }
            ok = meets_at(metric, cmp, threshold, PCT_DECIMALS)
            shown = f"{name} {pct(metric)} ({pair})"
        return {
            **common,
            "status": "pass" if ok else "fail",
            "target": target,
            "target_text": target_text,
            "explanation": f"{m.label}: {shown} {'meets' if ok else 'does not meet'} {target_text}",
        }


def _safe(func: Any, *args: Any) -> float | None:
    try:
        return func(*args)
    except (TypeError, ValueError):
        return None


def _worst(points: Sequence[MeasurePoint], comparator: str) -> MeasurePoint:
    if comparator in ("<", "<="):
        return max(points, key=lambda p: (p.value, p.measured_at))
    return min(points, key=lambda p: (p.value, p.measured_at))
