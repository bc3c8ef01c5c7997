"""Charts as reportlab Drawings: measures over time, force-velocity profile, weekly load.

Drawn with plain shapes (no user text in charts: labels come from the measure catalogue
and the protocol), so they print identically everywhere and cost little to build.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from casemgr.services.report_data import ChartData, FvProfile, LoadData
from reports.fonts import BASE, BOLD
from reports.styles import ACCENT, INK, MUTED, RULE

ROLE_COLOURS = {
    "injured": colors.HexColor("#c0392b"),
    "uninjured": colors.HexColor("#1f5f8b"),
    "single": colors.HexColor("#1f5f8b"),
    "pain": colors.HexColor("#c0392b"),
    "soreness": colors.HexColor("#d68910"),
}
PHASE_FILLS = (colors.HexColor("#eef2f6"), colors.HexColor("#ffffff"))
BAND_FILL = colors.HexColor("#d9efdf")
LEFT, RIGHT, TOP, BOTTOM = 34.0, 6.0, 20.0, 22.0


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (Heckbert, "Nice numbers for graph labels",
    Graphics Gems 1990)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(1, count - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks, value = [], first
    while True:
        ticks.append(round(value, 10))
        if value >= hi - step * 1e-9 or len(ticks) > 40:
            return ticks
        value += step


def _label(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _axis_text(x: float, y: float, text: str, anchor: str = "middle") -> String:
    """A small muted label: tick values and axis titles."""
    return String(x, y, text, fontName=BASE, fontSize=6, fillColor=MUTED, textAnchor=anchor)


def _frame(
    d: Drawing, width: float, height: float, title: str
) -> tuple[float, float, float, float]:
    d.add(String(LEFT, height - 9, title, fontName=BOLD, fontSize=7.5, fillColor=INK))
    return LEFT, BOTTOM, width - LEFT - RIGHT, height - TOP - BOTTOM


def _legend(
    d: Drawing, items: Sequence[tuple[str, colors.Color, bool]], width: float, y: float
) -> None:
    x = width - RIGHT
    for label, colour, dashed in reversed(items):
        text_w = len(label) * 3.5 + 4
        x -= text_w
        d.add(String(x, y - 2.5, label, fontName=BASE, fontSize=6.2, fillColor=MUTED))
        x -= 12
        line = Line(x, y, x + 10, y, strokeColor=colour, strokeWidth=1.2)
        if dashed:
            line.strokeDashArray = [2, 1.5]
        d.add(line)
        x -= 6


def _empty(d: Drawing, x0: float, y0: float, pw: float, ph: float, message: str) -> None:
    d.add(
        Rect(
            x0, y0, pw, ph, strokeColor=RULE, fillColor=colors.HexColor("#fafbfc"), strokeWidth=0.5
        )
    )
    d.add(
        String(
            x0 + pw / 2,
            y0 + ph / 2 - 3,
            message,
            fontName=BASE,
            fontSize=7.5,
            fillColor=MUTED,
            textAnchor="middle",
        )
    )


def time_chart(chart: ChartData, width: float, height: float) -> Drawing:
    """A measure over time: one line per limb, dashed baselines, the target band shaded,
    phases shaded alternately and numbered."""
    d = Drawing(width, height)
    unit = f" ({chart.unit})" if chart.unit else ""
    x0, y0, pw, ph = _frame(d, width, height, chart.title + unit)
    legend = [(s.label, ROLE_COLOURS.get(s.role, ACCENT), False) for s in chart.series]
    if any(s.baseline is not None for s in chart.series):
        legend.append(("baseline", MUTED, True))
    _legend(d, legend, width, height - 16)
    if not chart.has_data:
        _empty(d, x0, y0, pw, ph, "No results recorded since the injury")
        return d
    xs = [x for s in chart.series for x, _ in s.points]
    xlo, xhi = chart.x_range or (min(xs), max(xs))
    if xhi <= xlo:
        xhi = xlo + 1
    if chart.y_range:
        ylo, yhi = chart.y_range
        yticks = nice_ticks(ylo, yhi, 6)
    else:
        ys = [y for s in chart.series for x, y in s.points if xlo <= x <= xhi]
        ys += [s.baseline for s in chart.series if s.baseline is not None]
        if chart.band:
            ys += list(chart.band)
        lo, hi = min(ys), max(ys)
        pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1
        yticks = nice_ticks(lo - pad, hi + pad, 5)
        ylo, yhi = yticks[0], yticks[-1]
    if yhi <= ylo:
        yhi = ylo + 1
    if chart.y_range:  # keep values on the limits (pain 0/10) off the axis line
        pad = (yhi - ylo) * 0.03
        ylo, yhi = ylo - pad, yhi + pad

    def px(x: float) -> float:
        return x0 + (x - xlo) / (xhi - xlo) * pw

    def py(y: float) -> float:
        return y0 + (min(max(y, ylo), yhi) - ylo) / (yhi - ylo) * ph

    d.add(Rect(x0, y0, pw, ph, strokeColor=None, fillColor=colors.white))
    for i, span in enumerate(chart.phases):
        a, b = max(span.start, xlo), min(span.end, xhi)
        if b <= a:
            continue
        d.add(Rect(px(a), y0, px(b) - px(a), ph, strokeColor=None, fillColor=PHASE_FILLS[i % 2]))
        if px(b) - px(a) > 9:
            d.add(
                String(
                    (px(a) + px(b)) / 2,
                    y0 + ph - 7,
                    f"P{span.ordinal}",
                    fontName=BASE,
                    fontSize=5.8,
                    fillColor=MUTED,
                    textAnchor="middle",
                )
            )
    if chart.band:
        lo, hi = chart.band
        d.add(Rect(x0, py(lo), pw, py(hi) - py(lo), strokeColor=None, fillColor=BAND_FILL))
    for tick in yticks:
        if ylo <= tick <= yhi:
            d.add(Line(x0, py(tick), x0 + pw, py(tick), strokeColor=RULE, strokeWidth=0.25))
            d.add(_axis_text(x0 - 3, py(tick) - 2.2, _label(tick), "end"))
    for tick in nice_ticks(xlo, xhi, 7):
        if xlo <= tick <= xhi:
            d.add(Line(px(tick), y0, px(tick), y0 - 2, strokeColor=MUTED, strokeWidth=0.4))
            text = (
                (chart.x_origin + timedelta(days=tick)).strftime("%d %b")
                if chart.x_dates
                else _label(tick)
            )
            d.add(_axis_text(px(tick), y0 - 9, text))
    d.add(_axis_text(x0 + pw / 2, 2, chart.x_label))
    for s in chart.series:
        colour = ROLE_COLOURS.get(s.role, ACCENT)
        if s.baseline is not None and ylo <= s.baseline <= yhi:
            line = Line(
                x0, py(s.baseline), x0 + pw, py(s.baseline), strokeColor=colour, strokeWidth=0.8
            )
            line.strokeDashArray = [3, 2]
            d.add(line)
        pts = [(px(x), py(y)) for x, y in s.points if xlo <= x <= xhi]
        if len(pts) > 1:
            d.add(PolyLine([c for pt in pts for c in pt], strokeColor=colour, strokeWidth=1.1))
        for x, y in pts:
            d.add(Circle(x, y, 1.3, fillColor=colour, strokeColor=None))
    d.add(Line(x0, y0, x0 + pw, y0, strokeColor=INK, strokeWidth=0.5))
    d.add(Line(x0, y0, x0, y0 + ph, strokeColor=INK, strokeWidth=0.5))
    return d


def fv_chart(profiles: Sequence[FvProfile], width: float, height: float) -> Drawing:
    """Sprint force-velocity profiles: relative force F(v) = F0 (1 - v / V0), a straight
    line from F0 to V0 (Samozino et al. 2016), baseline against the latest test."""
    d = Drawing(width, height)
    x0, y0, pw, ph = _frame(d, width, height, "Force-velocity profile (N/kg vs m/s)")
    styles = [(MUTED, True), (ROLE_COLOURS["single"], False)]
    _legend(
        d, [(pr.label, *styles[min(i, 1)]) for i, pr in enumerate(profiles)], width, height - 16
    )
    if not profiles:
        _empty(d, x0, y0, pw, ph, "No sprint profile recorded")
        return d
    xticks = nice_ticks(0, max(pr.v0 for pr in profiles) * 1.05, 6)
    yticks = nice_ticks(0, max(pr.f0_rel for pr in profiles) * 1.1, 5)
    xhi, yhi = xticks[-1], yticks[-1]

    def px(x: float) -> float:
        return x0 + x / xhi * pw

    def py(y: float) -> float:
        return y0 + y / yhi * ph

    for tick in yticks:
        d.add(Line(x0, py(tick), x0 + pw, py(tick), strokeColor=RULE, strokeWidth=0.25))
        d.add(_axis_text(x0 - 3, py(tick) - 2.2, _label(tick), "end"))
    for tick in xticks:
        d.add(_axis_text(px(tick), y0 - 9, _label(tick)))
    d.add(_axis_text(x0 + pw / 2, 2, "velocity (m/s)"))
    for i, pr in enumerate(profiles):
        colour, dashed = styles[min(i, 1)]
        line = Line(px(0), py(pr.f0_rel), px(pr.v0), py(0), strokeColor=colour, strokeWidth=1.3)
        if dashed:
            line.strokeDashArray = [3, 2]
        d.add(line)
        d.add(Circle(px(0), py(pr.f0_rel), 1.6, fillColor=colour, strokeColor=None))
        d.add(Circle(px(pr.v0), py(0), 1.6, fillColor=colour, strokeColor=None))
    d.add(Line(x0, y0, x0 + pw, y0, strokeColor=INK, strokeWidth=0.5))
    d.add(Line(x0, y0, x0, y0 + ph, strokeColor=INK, strokeWidth=0.5))
    return d


def load_chart(load: LoadData, width: float, height: float) -> Drawing:
    """Weekly high-speed running distance since the injury against the pre-injury weekly
    mean (dashed) and the protocol's target share of it (dotted)."""
    d = Drawing(width, height)
    x0, y0, pw, ph = _frame(d, width, height, "High-speed running per week (m)")
    weeks = [w for w in load.weeks if w.hsr_m is not None]
    legend = [("week since injury", ROLE_COLOURS["single"], False)]
    if load.pre_injury_hsr_week is not None:
        legend.append(("pre-injury weekly mean", MUTED, True))
    _legend(d, legend, width, height - 16)
    if not weeks:
        _empty(d, x0, y0, pw, ph, "No high-speed running recorded since the injury")
        return d
    top = max([w.hsr_m or 0 for w in weeks] + [load.pre_injury_hsr_week or 0])
    yticks = nice_ticks(0, top * 1.1, 5)
    yhi = yticks[-1]
    n = len(load.weeks)
    slot = pw / n

    def py(y: float) -> float:
        return y0 + y / yhi * ph

    for tick in yticks:
        d.add(Line(x0, py(tick), x0 + pw, py(tick), strokeColor=RULE, strokeWidth=0.25))
        d.add(_axis_text(x0 - 3, py(tick) - 2.2, _label(tick), "end"))
    for i, w in enumerate(load.weeks):
        cx = x0 + slot * (i + 0.5)
        if w.hsr_m is not None:
            fill = ROLE_COLOURS["single"] if w.days == 7 else colors.HexColor("#8fb3cc")
            d.add(
                Rect(
                    cx - slot * 0.32,
                    y0,
                    slot * 0.64,
                    py(w.hsr_m) - y0,
                    fillColor=fill,
                    strokeColor=None,
                )
            )
        if n <= 20 or i % 2 == 0:
            d.add(_axis_text(cx, y0 - 9, str(w.week_no)))
    d.add(_axis_text(x0 + pw / 2, 2, "week since injury (pale: week in progress)"))
    if load.pre_injury_hsr_week is not None:
        line = Line(
            x0,
            py(load.pre_injury_hsr_week),
            x0 + pw,
            py(load.pre_injury_hsr_week),
            strokeColor=MUTED,
            strokeWidth=0.9,
        )
        line.strokeDashArray = [3, 2]
        d.add(line)
        if load.hsr_target_pct is not None:
            y = py(load.pre_injury_hsr_week * load.hsr_target_pct / 100)
            target = Line(
                x0, y, x0 + pw, y, strokeColor=colors.HexColor("#1e7b45"), strokeWidth=0.8
            )
            target.strokeDashArray = [1, 1.5]
            d.add(target)
    d.add(Line(x0, y0, x0 + pw, y0, strokeColor=INK, strokeWidth=0.5))
    d.add(Line(x0, y0, x0, y0 + ph, strokeColor=INK, strokeWidth=0.5))
    return d
