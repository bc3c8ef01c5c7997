"""Chart data: a measure over time against its baseline and target band, and the daily
pain and soreness chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from casemgr.clinical.catalogue import format_number
from casemgr.clinical.facts import MeasurePoint
from casemgr.services.report_data.case import _Case
from casemgr.services.report_data.common import ChartData, SeriesData

_CHART_SKIP = {"pain", "soreness", "tightness", "hsr_distance", "total_distance", "confidence"}


def _target_for(c: _Case, key: str) -> tuple[str, float] | None:
    """The reference and threshold of the last criterion on *key* (the final target)."""
    found = None
    for phase in c.protocol.phases:
        stack = list(phase.criteria)
        while stack:
            cr = stack.pop(0)
            stack.extend(cr.alternatives)
            if (
                cr.measure == key
                and cr.threshold is not None
                and cr.reference in ("baseline_pct", "lsi", "uninjured_pct", "asymmetry")
            ):
                found = (cr.reference, cr.threshold)
    return found


def _chart_keys(c: _Case) -> list[str]:
    keys: list[str] = []
    for phase in c.protocol.phases:
        stack = list(phase.criteria)
        while stack:
            cr = stack.pop(0)
            stack.extend(cr.alternatives)
            if cr.measure and cr.measure not in _CHART_SKIP and cr.measure not in keys:
                keys.append(cr.measure)
    return keys


def _points(c: _Case, pts: Iterable[MeasurePoint]) -> tuple[tuple[float, float], ...]:
    return tuple((round(c.x(p.measured_at), 3), p.value) for p in pts)


def measure_chart(c: _Case, key: str) -> ChartData:
    m = c.catalogue.get(key)
    series: list[SeriesData] = []
    band = None
    band_text = ""
    target = _target_for(c, key)
    if m.per_limb:
        for limb, role in ((c.injured, "injured"), (c.uninjured, "uninjured")):
            base = c.baseline(key, limb)
            series.append(
                SeriesData(
                    f"{limb.title()} ({'injured' if role == 'injured' else 'uninjured'})",
                    role,
                    _points(c, c.post(key, limb)),
                    base.value if base else None,
                )
            )
        ref = c.baseline(key, c.uninjured)
        if target and ref and target[0] in ("lsi", "uninjured_pct", "asymmetry"):
            kind, threshold = target
            pct = 100 - threshold if kind == "asymmetry" else threshold
            lo, hi = sorted((ref.value, ref.value * pct / 100))
            band = (lo, hi)
            goal = {
                "lsi": f"LSI ≥ {format_number(threshold, 0)}%",
                "uninjured_pct": f"≥ {format_number(threshold, 0)}% of the uninjured limb",
                "asymmetry": f"asymmetry ≤ {format_number(threshold, 0)}%",
            }[kind]
            band_text = (
                f"Shaded: {format_number(pct, 0)}–100% of the uninjured limb's pre-injury value "
                f"(protocol target: {goal})"
            )
    else:
        base = c.baseline(key, None)
        series.append(
            SeriesData(
                m.label, "single", _points(c, c.post(key, None)), base.value if base else None
            )
        )
        if target and base and target[0] == "baseline_pct":
            pct = target[1]
            band = tuple(sorted((base.value, base.value * pct / 100)))  # type: ignore[assignment]
            band_text = f"Shaded: target zone, {format_number(pct, 0)}% of the pre-injury baseline"
    if not any(s.baseline is not None for s in series):
        caption = "No pre-injury baseline recorded: no baseline line or target band."
    else:
        caption = "Dashed: pre-injury baseline. " + (band_text + "." if band_text else "")
    x_end = max(1.0, c.x(c.as_of))
    return ChartData(
        key=key,
        title=m.label,
        unit=m.display_unit,
        decimals=m.decimals,
        series=tuple(series),
        x_origin=c.row.injury_date,
        x_range=(0.0, x_end),
        band=band,  # type: ignore[arg-type]
        band_text=band_text,
        phases=c.phase_spans(),
        caption=caption,
    )


def _feedback_chart(c: _Case, start: date, end: date, title: str, *, dates: bool) -> ChartData:
    series = []
    for key, role in (("pain", "pain"), ("soreness", "soreness")):
        daily = c.daily_max(key, start, end)
        series.append(
            SeriesData(
                c.catalogue.get(key).label,
                role,
                tuple(
                    (float((d - (start if dates else c.row.injury_date)).days), v)
                    for d, v in sorted(daily.items())
                ),
            )
        )
    origin = start if dates else c.row.injury_date
    lo = float((start - origin).days)
    hi = float((end - origin).days) - 1
    spans = () if dates else c.phase_spans()
    return ChartData(
        key="pain_soreness",
        title=title,
        unit="/10",
        decimals=0,
        series=tuple(series),
        x_origin=origin,
        x_label="date" if dates else "days since injury",
        x_dates=dates,
        x_range=(lo, max(hi, lo + 1)),
        y_range=(0.0, 10.0),
        phases=spans,
        caption="Highest report of each day (NRS 0-10).",
    )
