"""Evaluation of measure criteria: references (baseline, pre-injury best, uninjured limb),
aggregations of results in a window and limb comparisons, plus the evaluator state and the
small helpers that :mod:`casemgr.clinical.readiness` shares. Window coverage and same-day
limb pairs are defined in :mod:`casemgr.clinical.readiness_windows`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from casemgr.clinical import symmetry
from casemgr.clinical.catalogue import Catalogue, Measure
from casemgr.clinical.facts import CaseFacts, MeasurePoint
from casemgr.clinical.protocols import DEFAULT_BASELINE_WINDOW_DAYS, Criterion
from casemgr.clinical.readiness_index import FactIndex
from casemgr.clinical.readiness_text import (
    PCT_DECIMALS,
    REFERENCE_NAMES,
    SYMBOLS,
    describe_target,
    duration_text,
    fmt_threshold,
    fmt_value,
    honest_decimals,
    limb_text,
    meets,
    pct,
    window_text,
)
from casemgr.clinical.readiness_windows import Pair, local_day, same_day_pairs, window_span

__all__ = ["MeasureEvaluator", "Missing", "ids_of", "meets"]


def ids_of(points: Iterable[Any]) -> tuple[int, ...]:
    return tuple(sorted({p.entry_id for p in points if p.entry_id is not None}))


def _best(points: Sequence[MeasurePoint], measure: Measure) -> MeasurePoint:
    if measure.better == "lower":
        return min(points, key=lambda p: (p.value, -p.measured_at.timestamp()))
    return max(points, key=lambda p: (p.value, p.measured_at.timestamp()))


def _noun(m: Measure) -> str:
    """Symptoms and wellbeing come as reports; tests and GPS as results."""
    return "report" if m.group in ("symptoms", "wellbeing") else "result"


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
    """The reference of a value criterion; ``target`` is unrounded (rounding is display)."""

    kind: str
    value: float | None
    measured_at: datetime | None
    entry_ids: tuple[int, ...]
    target: float
    comparator: str
    threshold: float
    name: str = ""  # "baseline", "best pre-injury", ...; empty for an absolute target
    #: % of the uninjured limb per result: the uninjured result of each local day
    per_day: Mapping[date, MeasurePoint] | None = None

    def target_for(self, day: date) -> float:
        if self.per_day is None:
            return self.target
        return self.per_day[day].value * self.threshold / 100

    def text(self, m: Measure, decimals: int | None = None, day: date | None = None) -> str:
        cmp = SYMBOLS[self.comparator]
        if self.kind == "absolute":
            return f"{cmp} {fmt_threshold(m, self.threshold, decimals)}"
        if self.per_day is not None and day is None:
            return f"{cmp} {pct(self.threshold)} of the uninjured limb on the same day"
        value = self.value if day is None or self.per_day is None else self.per_day[day].value
        target = self.target if day is None else self.target_for(day)
        return (
            f"{cmp} {pct(self.threshold)} of {self.name} ({m.format(value)}) = "
            f"{fmt_value(m, target, decimals)}"
        )


class MeasureEvaluator:
    """The evaluator's state and the measure criteria (the readiness evaluator adds the
    other kinds)."""

    def __init__(self, facts: CaseFacts, catalogue: Catalogue, index: FactIndex) -> None:
        self.facts = facts
        self.catalogue = catalogue
        self.index = index
        self.tz = index.tz
        self.as_of = facts.as_of
        self.injured = facts.injured_side if facts.injured_side in ("left", "right") else None
        self.uninjured = facts.uninjured_side

    def date_text(self, moment: datetime) -> str:
        return self.index.local_date(moment).isoformat()

    def day_of(self, point: MeasurePoint) -> date:
        return local_day(point.measured_at, self.tz)

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
        aggregation = c.aggregation or "latest"
        if reference in ("lsi", "asymmetry", "within_of_uninjured") or (
            reference == "uninjured_pct" and aggregation in ("latest", "best_in_window")
        ):
            return self.limb_comparison(c, m, reference, threshold)
        ref = self.reference(c, m, limb, reference, threshold)
        fields = getattr(self, f"agg_{aggregation}")(c, m, limb, ref)
        fields.setdefault("target_text", ref.text(m))
        fields.update(
            unit=m.display_unit,
            limb=limb,
            reference=reference,
            reference_value=ref.value,
            reference_measured_at=ref.measured_at,
            target=ref.target,
        )
        fields["entry_ids"] = tuple(sorted(set(fields.get("entry_ids", ())) | set(ref.entry_ids)))
        if ref.value and fields.get("value") is not None and reference != "absolute":
            fields["ratio_pct"] = fields["value"] / ref.value * 100
        return fields

    def reference(
        self, c: Criterion, m: Measure, limb: str | None, reference: str, threshold: float
    ) -> _Ref:
        cmp = c.comparator or ">="
        if reference == "absolute":
            return _Ref(reference, None, None, (), threshold, cmp, threshold)
        per_day = None
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
            value, ids, when = point.value, ids_of([point]), point.measured_at
            name = "best pre-injury"
        else:  # uninjured_pct per result: the uninjured result of the same day
            pairs = self.pairs(m)
            per_day = {p.day: p.other for p in pairs}
            latest = pairs[-1].other
            value, ids, when, name = latest.value, (), latest.measured_at, "uninjured limb"
        return _Ref(
            reference, value, when, ids, value * threshold / 100, cmp, threshold, name, per_day
        )

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

    def series(self, c: Criterion, m: Measure, limb: str | None, ref: _Ref) -> list[MeasurePoint]:
        """The current results of *limb*; with a per-day reference only those of days with
        an uninjured result."""
        points = self.index.current(m.key, limb).points
        if ref.per_day is not None:
            points = [p for p in points if self.day_of(p) in ref.per_day]
        if not points:
            raise Missing(
                "missing",
                f"No {m.label}{limb_text(limb)} result since the injury",
                f"{m.label} result{limb_text(limb)}",
            )
        return points

    def pick(self, c: Criterion, m: Measure, limb: str | None) -> MeasurePoint:
        """The latest result (aggregation latest) or the best in the window."""
        series = self.index.current(m.key, limb)
        side = limb_text(limb)
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
            f"Latest {m.label}{side} {_noun(m)} ({m.format(point.value)}, "
            f"{self.date_text(point.measured_at)}) is older than {window}; re-test",
            f"{m.label} result{side} (out of date)",
            value=point.value,
            measured_at=point.measured_at,
            unit=m.display_unit,
            entry_ids=ids_of([point]),
        )

    def window_points(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> list[MeasurePoint]:
        assert c.window_days is not None
        points = self.series(c, m, limb, ref)
        start = self.window_start(c.window_days)
        in_window = [p for p in points if p.measured_at >= start]
        if not in_window:
            raise self.stale(c, m, points[-1], limb_text(limb))
        return in_window

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
        cmp = c.comparator or ">="
        ok = meets(point.value, cmp, ref.target)
        d = honest_decimals(point.value, cmp, ref.target, m.decimals)
        target_text = ref.text(m, d)
        return {
            "status": "pass" if ok else "fail",
            "value": point.value,
            "measured_at": point.measured_at,
            "entry_ids": ids_of([point]),
            "target_text": target_text,
            "explanation": f"{described} {fmt_value(m, point.value, d)} "
            f"({self.date_text(point.measured_at)}) {'meets' if ok else 'does not meet'} "
            f"{target_text}",
        }

    def agg_all_in_window(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        """Every result covering the window meets the target, and the results cover it
        (:mod:`casemgr.clinical.readiness_windows`)."""
        assert c.window_days is not None
        points = self.series(c, m, limb, ref)
        span = window_span(points, self.as_of, c.window_days, self.tz)
        if not span.inside:
            raise self.stale(c, m, points[-1], limb_text(limb))
        cmp = c.comparator or "<="
        considered = span.points
        failing = [p for p in considered if not meets(p.value, cmp, ref.target_for(self.day_of(p)))]
        worst = _worst(failing or considered, cmp)
        target = ref.target_for(self.day_of(worst))
        d = honest_decimals(worst.value, cmp, target, m.decimals)
        target_text = ref.text(m, d)
        window, noun, n = window_text(c.window_days), _noun(m), len(considered)
        common = {
            "value": worst.value,
            "measured_at": worst.measured_at,
            "entry_ids": ids_of(considered),
            "target_text": target_text,
        }
        worst_text = f"{fmt_value(m, worst.value, d)} on {self.date_text(worst.measured_at)}"
        if failing:
            before = ", the last before the window" if worst is span.opening else ""
            return {
                **common,
                "status": "fail",
                "explanation": f"{len(failing)} of {n} {m.label.lower()} {noun}(s) covering the "
                f"last {window} fail {target_text} (worst {worst_text}{before})",
            }
        if not span.complete:
            parts = []
            if not span.spanned:
                parts.append(
                    f"{m.label.lower()} {noun}s cover {duration_text(span.covered, c.window_days)}"
                    f" of the {window}"
                )
            if span.missing_days:
                days = ", ".join(day.isoformat() for day in span.missing_days)
                parts.append(f"no {noun} on {days}")
            raise Missing(
                "missing",
                "Not enough data: " + "; ".join(parts),
                f"{m.label} {noun}s covering {window}",
                **common,
            )
        return {
            **common,
            "status": "pass",
            "explanation": f"All {n} {m.label.lower()} {noun}(s) covering the last {window} "
            f"(one on each day since {self.date_text(considered[0].measured_at)}) meet "
            f"{target_text} (worst {fmt_value(m, worst.value, d)})",
        }

    def agg_days_meeting(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb, ref)
        cmp = c.comparator or ">="
        meeting = [p for p in points if meets(p.value, cmp, ref.target_for(self.day_of(p)))]
        days = sorted({self.day_of(p) for p in meeting})
        need = c.min_days or 1
        best = _best(points, m) if m.better != "none" else points[-1]
        d = honest_decimals(best.value, cmp, ref.target_for(self.day_of(best)), m.decimals)
        target_text = ref.text(m, d)
        ok = len(days) >= need
        listed = ", ".join(day.isoformat() for day in days) if days else "none"
        return {
            "status": "pass" if ok else "fail",
            "value": best.value,
            "measured_at": best.measured_at,
            "days_met": len(days),
            "entry_ids": ids_of(meeting),
            "target_text": target_text,
            "explanation": f"{target_text} on {len(days)} of the required {need} separate "
            f"day(s) in the last {window_text(c.window_days or 0)} ({listed}); "
            f"best {fmt_value(m, best.value, d)}",
        }

    def agg_weekly_sum(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb, ref)
        total = sum(p.value for p in points)
        cmp = c.comparator or ">="
        ok = meets(total, cmp, ref.target)
        d = honest_decimals(total, cmp, ref.target, m.decimals)
        target_text = ref.text(m, d)
        window = window_text(c.window_days or 7)
        return {
            "status": "pass" if ok else "fail",
            "value": total,
            "measured_at": points[-1].measured_at,
            "entry_ids": ids_of(points),
            "target_text": target_text,
            "explanation": f"{m.label} over the last {window}: {fmt_value(m, total, d)} from "
            f"{len(points)} result(s); {'meets' if ok else 'does not meet'} {target_text}",
        }

    # limb comparisons: both limbs measured on the same clinic-local day
    def pairs(self, m: Measure) -> list[Pair]:
        """Every same-day pair of the injured and uninjured limb, oldest first; missing
        when a limb has no result or the limbs were never measured on one day."""
        injured = self.index.current(m.key, self.injured).points
        other = self.index.current(m.key, self.uninjured).points
        for points, limb, uninjured in (
            (injured, self.injured, False),
            (other, self.uninjured, True),
        ):
            if not points:
                side = limb_text(limb, uninjured)
                raise Missing(
                    "missing",
                    f"No {m.label}{side} result since the injury",
                    f"{m.label} result{side}",
                )
        pairs = same_day_pairs(injured, other, self.tz)
        if not pairs:
            raise Missing(
                "missing",
                f"No {self.injured} and {self.uninjured} {m.label} on the same day (latest "
                f"{self.injured} {self.date_text(injured[-1].measured_at)}, latest "
                f"{self.uninjured} {self.date_text(other[-1].measured_at)}); test both limbs "
                "in one session",
                f"{m.label}, both limbs on the same day",
            )
        return pairs

    def limb_comparison(
        self, c: Criterion, m: Measure, reference: str, threshold: float
    ) -> dict[str, Any]:
        pairs = self.pairs(m)
        if c.window_days is not None:
            start = self.window_start(c.window_days)
            recent = [p for p in pairs if min(p.injured.measured_at, p.other.measured_at) >= start]
            if not recent:
                last = pairs[-1]
                raise Missing(
                    "stale",
                    f"Latest {m.label} of both limbs on one day ({last.day.isoformat()}) is "
                    f"older than {window_text(c.window_days)}; re-test both limbs",
                    f"{m.label}, both limbs (out of date)",
                    value=last.injured.value,
                    measured_at=last.injured.measured_at,
                    unit=m.display_unit,
                    entry_ids=ids_of([last.injured, last.other]),
                )
        else:
            recent = pairs
        cmp = c.comparator or ">="
        judged = [self.judge(m, reference, threshold, cmp, p) for p in recent]
        if c.aggregation == "best_in_window":
            fields = max(judged, key=lambda f: (f["status"] == "pass", f["_score"], f["_day"]))
        else:
            fields = judged[-1]
        fields.pop("_score")
        day = fields.pop("_day")
        pair = next(p for p in recent if p.day == day)
        fields["explanation"] += self.unpaired_note(m, pair)
        return fields

    def judge(
        self, m: Measure, reference: str, threshold: float, cmp: str, p: Pair
    ) -> dict[str, Any]:
        """One same-day pair against the criterion (the result fields, with a sort score)."""
        injured, other = p.injured, p.other
        lsi = _safe(symmetry.lsi, injured.value, other.value, m.higher_is_better)
        asym = _safe(symmetry.asymmetry_pct, injured.value, other.value)
        on = f" on {p.day.isoformat()}"
        pair = (
            f"{self.injured} {m.format(injured.value)} vs {self.uninjured} "
            f"{m.format(other.value)}{on}"
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
            "_day": p.day,
        }
        if reference == "within_of_uninjured":
            deficit = (
                other.value - injured.value if m.higher_is_better else injured.value - other.value
            )
            limit = other.value - threshold if m.higher_is_better else other.value + threshold
            bound = "≥" if m.higher_is_better else "≤"
            ok = meets(deficit, cmp, threshold)
            d = honest_decimals(deficit, cmp, threshold, m.decimals)
            target_text = (
                f"within {fmt_threshold(m, threshold, d)} of the uninjured limb "
                f"({m.format(other.value)}) = {bound} {fmt_value(m, limit, d)}"
            )
            shown = f"difference {fmt_value(m, max(deficit, 0.0), d)} ({pair})"
            target, score = limit, -deficit
        elif reference == "uninjured_pct":
            target = other.value * threshold / 100
            ok = meets(injured.value, cmp, target)
            d = honest_decimals(injured.value, cmp, target, m.decimals)
            target_text = (
                f"{SYMBOLS[cmp]} {pct(threshold)} of uninjured limb ({m.format(other.value)}) = "
                f"{fmt_value(m, target, d)}"
            )
            shown = f"{fmt_value(m, injured.value, d)} ({pair})"
            score = lsi if lsi is not None else 0.0
        else:
            metric, name = (lsi, "LSI") if reference == "lsi" else (asym, "asymmetry")
            target_text = f"{name} {SYMBOLS[cmp]} {pct(threshold)}"
            target = threshold
            if metric is None:
                return {
                    **common,
                    "status": "fail",
                    "target": target,
                    "target_text": target_text,
                    "explanation": f"{name} cannot be computed ({pair})",
                    "_score": float("-inf"),
                }
            ok = meets(metric, cmp, threshold)
            d = honest_decimals(metric, cmp, threshold, PCT_DECIMALS)
            shown = f"{name} {pct(metric, d)} ({pair})"
            score = metric if reference == "lsi" else -metric
        return {
            **common,
            "status": "pass" if ok else "fail",
            "target": target,
            "target_text": target_text,
            "explanation": f"{m.label}: {shown} {'meets' if ok else 'does not meet'} {target_text}",
            "_score": score,
        }

    def unpaired_note(self, m: Measure, pair: Pair) -> str:
        """Say so when a limb has a later result that has no partner on its day."""
        notes = []
        for limb in (self.injured, self.uninjured):
            latest = self.index.current(m.key, limb).points[-1]
            day = self.day_of(latest)
            if day > pair.day:
                other = self.uninjured if limb == self.injured else self.injured
                notes.append(
                    f"the {limb} result of {day.isoformat()} has no {other} result that day"
                )
        return ("; " + "; ".join(notes)) if notes else ""


def _safe(func: Any, *args: Any) -> float | None:
    try:
        return func(*args)
    except (TypeError, ValueError):
        return None


def _worst(points: Sequence[MeasurePoint], comparator: str) -> MeasurePoint:
    if comparator in ("<", "<="):
        return max(points, key=lambda p: (p.value, p.measured_at))
    return min(points, key=lambda p: (p.value, p.measured_at))
