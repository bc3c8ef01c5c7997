"""Progress plots of a case: any measure over time, training load, pain and soreness, sprint.

``CasePlotsWidget(database, actor, case_id)`` is a standalone widget (tabs) that the case
workspace embeds. Data comes from ``casemgr.services.series`` (one short session per
action); drawing uses one ``PlotDataItem`` per series from numpy arrays, with clip-to-view
and peak downsampling, so years of daily results stay fast.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, QStandardPaths, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.errors import CaseMgrError
from casemgr.permissions import Actor
from casemgr.services import cases, series
from casemgr.services.series import (
    EventMarker,
    LoadSeries,
    MeasureSeries,
    PhasePeriod,
    SeriesPoint,
    SprintTest,
    WellnessSeries,
)
from ui.platform.errors import show_error

log = logging.getLogger(__name__)

#: Limb colours, readable on light and dark backgrounds (Tableau 10 blue / orange / green).
LIMB_COLOURS = {"left": "#4E9BE8", "right": "#F28E2B", "": "#59A14F"}
WELLNESS_COLOURS = {"pain": "#E15759", "soreness": "#B07AA1", "tightness": "#EDC948"}
TARGET_COLOUR = "#2CA02C"
SPIKE_COLOUR = "#E15759"
EVENT_COLOURS = {
    "flag": "#E15759",
    "flag_resolved": "#59A14F",
    "decision": "#B07AA1",
    "sign_off": "#76B7B2",
    "phase_change": "#9C9C9C",
}
SPRINT_COLOURS = ("#4E9BE8", "#F28E2B", "#59A14F", "#B07AA1", "#EDC948")
_HOVER_RADIUS_PX = 18
_EVENT_RADIUS_PX = 5
_EMPTY = np.empty(0)
DEFAULT_MEASURES = ("max_velocity", "nordic_force", "calf_raise_reps", "pain")


def _tr(text: str) -> str:
    return QCoreApplication.translate("CasePlotsWidget", text)


def local_text(when: datetime, with_time: bool = True) -> str:
    """A UTC moment in local time: ``Tue 24 Nov 2026 15:00``."""
    local = when.astimezone()
    return local.strftime("%a %d %b %Y %H:%M" if with_time else "%a %d %b %Y")


def _rich(text: str) -> str:
    """User text for Qt's rich-text places (tooltips, pyqtgraph labels), shown as typed."""
    return "<span>" + html.escape(text) + "</span>"


def _fmt(value: float, decimals: int, unit: str) -> str:
    text = f"{value:.{decimals}f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit.startswith("/") or unit == "°" else f"{text} {unit}"


def _braces(text: str) -> str:
    """InfLineLabel treats its text as a format string: keep user braces literal."""
    return text.replace("{", "{{").replace("}", "}}")


def _limb_label(limb: str, injured: str) -> str:
    name = {"left": _tr("Left"), "right": _tr("Right"), "": _tr("Value")}[limb]
    if limb and limb == injured:
        return _tr("{0} (injured)").format(name)
    return name


def _phase_at(phases: Sequence[PhasePeriod], when: datetime) -> PhasePeriod | None:
    for period in reversed(phases):
        if period.start <= when and (period.end is None or when < period.end):
            return period
    return None


class _HoverSet:
    """Points the hover read-out can find: x/y arrays and a describer by index."""

    __slots__ = ("xs", "ys", "describe")

    def __init__(self, xs: np.ndarray, ys: np.ndarray, describe: Callable[[int], str]) -> None:
        self.xs, self.ys, self.describe = xs, ys, describe


class PhaseBands(pg.GraphicsObject):
    """Every phase period of a plot in one item: bands across the view's height, a line at
    each start and a label (P1, P2, ↓P3) at the top, alternating in height.

    One item instead of a region, a line and a label per phase keeps redrawing cheap."""

    def __init__(
        self,
        bands: Sequence[tuple[float, float, QColor, str]],
        line_colour: QColor,
        text_colour: QColor,
        font: QFont,
    ) -> None:
        super().__init__()
        self.bands = list(bands)
        self.line_pen = pg.mkPen(line_colour, width=1)
        self.text_colour = QColor(text_colour)
        self.label_font = QFont(font)
        self.setZValue(-100)

    def labels(self) -> list[str]:
        return [band[3] for band in self.bands]

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        if axis == 0 and self.bands:
            return (min(b[0] for b in self.bands), max(b[1] for b in self.bands))
        return None

    def boundingRect(self) -> QRectF:
        vr = self.viewRect()
        if vr is None or not self.bands:
            return QRectF()
        x0 = min(b[0] for b in self.bands)
        x1 = max(b[1] for b in self.bands) + 40 * (self.pixelWidth() or 0)
        return QRectF(x0, vr.top(), x1 - x0, vr.height())

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()
        self.update()

    def paint(self, p: QPainter, *_args) -> None:
        vr = self.viewRect()
        if vr is None:
            return
        for x0, x1, brush, _label in self.bands:
            p.fillRect(QRectF(x0, vr.top(), x1 - x0, vr.height()), brush)
        p.setPen(self.line_pen)
        for x0, _x1, _brush, _label in self.bands:
            p.drawLine(QPointF(x0, vr.top()), QPointF(x0, vr.bottom()))
        transform = p.transform()  # labels in device pixels, not data units
        corners = (transform.map(QPointF(0, vr.top())), transform.map(QPointF(0, vr.bottom())))
        top = min(c.y() for c in corners)
        metrics = QFontMetricsF(self.label_font)
        p.save()
        p.resetTransform()
        p.setFont(self.label_font)
        p.setPen(self.text_colour)
        for n, (x0, _x1, _brush, label) in enumerate(self.bands):
            x = transform.map(QPointF(x0, 0)).x() + 3
            y = top + 3 + metrics.ascent() + (n % 2) * metrics.height()
            p.drawText(QPointF(x, y), label)
        p.restore()


class EventLines(pg.GraphicsObject):
    """Vertical event lines (injury, flags, decisions) across the view with a label near
    the bottom, all in one item."""

    def __init__(self, font: QFont) -> None:
        super().__init__()
        self.lines: list[tuple[float, QColor, str, bool, bool]] = []
        self.label_font = QFont(font)
        self.setZValue(-50)

    def add(self, x: float, colour: QColor, label: str, *, solid: bool, bounds: bool) -> None:
        self.prepareGeometryChange()
        self.lines.append((x, QColor(colour), label, solid, bounds))
        self.update()

    def labels(self) -> list[str]:
        return [line[2] for line in self.lines]

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        xs = [line[0] for line in self.lines if line[4]]
        return (min(xs), max(xs)) if axis == 0 and xs else None

    def boundingRect(self) -> QRectF:
        vr = self.viewRect()
        if vr is None or not self.lines:
            return QRectF()
        pad = 120 * (self.pixelWidth() or 0)
        x0 = min(line[0] for line in self.lines) - pad
        x1 = max(line[0] for line in self.lines) + pad
        return QRectF(x0, vr.top(), x1 - x0, vr.height())

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()
        self.update()

    def paint(self, p: QPainter, *_args) -> None:
        vr = self.viewRect()
        if vr is None:
            return
        for x, colour, _label, solid, _bounds in self.lines:
            style = Qt.PenStyle.SolidLine if solid else Qt.PenStyle.DashLine
            p.setPen(pg.mkPen(colour, width=2 if solid else 1.5, style=style))
            p.drawLine(QPointF(x, vr.top()), QPointF(x, vr.bottom()))
        transform = p.transform()
        corners = (transform.map(QPointF(0, vr.top())), transform.map(QPointF(0, vr.bottom())))
        bottom = max(c.y() for c in corners)
        metrics = QFontMetricsF(self.label_font)
        p.save()
        p.resetTransform()
        p.setFont(self.label_font)
        for x, colour, label, solid, _bounds in self.lines:
            px = transform.map(QPointF(x, 0)).x()
            width = metrics.horizontalAdvance(label)
            left = px - width - 4 if solid else px + 4  # the injury label left of its line
            p.setPen(colour)
            p.drawText(QPointF(left, bottom - metrics.descent() - 4), label)
        p.restore()


class LevelLines(pg.GraphicsObject):
    """Horizontal levels (baselines, target edges) with labels, and bands of values (the
    target band, open-ended where ``None``), all in one item. Finite levels count in the
    auto-range so a baseline far from the data stays in view."""

    def __init__(self, font: QFont) -> None:
        super().__init__()
        self.lines: list[tuple[float, QColor, str, bool, float]] = []
        self.bands: list[tuple[float | None, float | None, QColor]] = []
        self.label_font = QFont(font)
        self.setZValue(-60)

    def add_line(self, y: float, colour: QColor, label: str, *, dashed: bool, at: float) -> None:
        """A level at *y*; its label at fraction *at* of the width (1.0: right-aligned)."""
        self.prepareGeometryChange()
        self.lines.append((float(y), QColor(colour), label, dashed, at))

    def add_band(self, lower: float | None, upper: float | None, brush: QColor) -> None:
        self.prepareGeometryChange()
        self.bands.append((lower, upper, QColor(brush)))

    def labels(self) -> list[str]:
        return [line[2] for line in self.lines]

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange=None):
        ys = [line[0] for line in self.lines]
        return (min(ys), max(ys)) if axis == 1 and ys else None

    def boundingRect(self) -> QRectF:
        vr = self.viewRect()
        return QRectF() if vr is None else QRectF(vr)

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()
        self.update()

    def paint(self, p: QPainter, *_args) -> None:
        vr = self.viewRect()
        if vr is None:
            return
        for lower, upper, brush in self.bands:
            lo = vr.top() if lower is None else max(lower, vr.top())
            hi = vr.bottom() if upper is None else min(upper, vr.bottom())
            if hi > lo:
                p.fillRect(QRectF(vr.left(), lo, vr.width(), hi - lo), brush)
        for y, colour, _label, dashed, _at in self.lines:
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            p.setPen(pg.mkPen(colour, width=1.5, style=style))
            p.drawLine(QPointF(vr.left(), y), QPointF(vr.right(), y))
        transform = p.transform()
        left = transform.map(QPointF(vr.left(), 0)).x()
        right = transform.map(QPointF(vr.right(), 0)).x()
        metrics = QFontMetricsF(self.label_font)
        p.save()
        p.resetTransform()
        p.setFont(self.label_font)
        for y, colour, label, _dashed, at in self.lines:
            py = transform.map(QPointF(0, y)).y()
            width = metrics.horizontalAdvance(label)
            x = right - width - 6 if at >= 1.0 else left + 6 + at * (right - left)
            p.setPen(colour)
            p.drawText(QPointF(x, py - metrics.descent() - 2), label)
        p.restore()


class _Plot(pg.PlotWidget):
    """A plot with palette-aware styling and a hover read-out of the nearest point."""

    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, dates: bool = True) -> None:
        axis_items = {"bottom": pg.DateAxisItem(orientation="bottom")} if dates else None
        super().__init__(parent=parent, axisItems=axis_items)
        self.dates = dates
        item = self.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.15)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.hideButtons()
        self.hover_sets: list[_HoverSet] = []
        self.events: list[tuple[float, str]] = []
        self.phase_spans: list[tuple[float, float, PhasePeriod]] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.event_lines: EventLines | None = None
        self.hover_text = ""
        self.highlight = pg.ScatterPlotItem(size=16, pen=pg.mkPen("#FFFFFF", width=2), brush=None)
        self.highlight.setZValue(50)
        self._proxy = pg.SignalProxy(
            self.scene().sigMouseMoved, rateLimit=60, slot=self._on_scene_mouse_moved
        )
        self.text_colour = QColor("#000000")
        self.heading = ""
        self.legend_entries: list[tuple[str, str, str]] = []
        self.apply_palette(self.palette())

    # styling
    def apply_palette(self, palette: QPalette) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.text_colour = text
        self.setBackground(base)
        item = self.getPlotItem()
        for name in ("left", "bottom", "right", "top"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        self.highlight.setPen(pg.mkPen(text, width=2))
        item.titleLabel.setAttr("color", text.name())
        self.set_heading(self.heading, self.legend_entries)

    def set_heading(self, title: str, legend: Sequence[tuple[str, str, str]] = ()) -> None:
        """The title (plain text) and, below it, a legend line of (colour, glyph, text):
        outside the data area, so it never hides a point, and part of an exported image."""
        self.heading, self.legend_entries = title, list(legend)
        html_text = f"<b>{html.escape(title)}</b>"
        if legend:
            text = self.text_colour.name()
            keys = "&nbsp;&nbsp;&nbsp;".join(
                f"<span style='color:{colour}'>{glyph}</span>"
                f"<span style='color:{text}'>&nbsp;{html.escape(label)}</span>"
                for colour, glyph, label in legend
            )
            html_text += f"<br><span style='font-size:9pt'>{keys}</span>"
        self.getPlotItem().setTitle(html_text, size="11pt")

    def faint(self, alpha: int) -> QColor:
        c = QColor(self.text_colour)
        c.setAlpha(alpha)
        return c

    # content
    def reset(self) -> None:
        """Remove the content; auto-range stays off until the caller re-enables it once
        (re-ranging after every added item would redraw every curve each time)."""
        item = self.getPlotItem()
        item.getViewBox().disableAutoRange()
        for kept in item.items[:]:
            if kept is self.highlight:
                continue
            if kept in self.curves.values():
                kept.setData(x=_EMPTY, y=_EMPTY)  # kept for reuse (cheaper than new items)
            else:
                item.removeItem(kept)
        self.hover_sets.clear()
        self.events.clear()
        self.phase_spans.clear()
        self.event_lines = None
        self.highlight.clear()
        if self.highlight not in item.items:
            item.addItem(self.highlight, ignoreBounds=True)
        self.set_hover("")

    def curve(self, key: str, colour: str, symbol_size: int = 7) -> pg.PlotDataItem:
        """The reusable data curve *key* (lines and symbols in *colour*)."""
        curve = self.curves.get(key)
        if curve is None:
            curve = pg.PlotDataItem(
                x=_EMPTY,
                y=_EMPTY,
                pen=pg.mkPen(colour, width=2),
                symbol="o",
                symbolSize=symbol_size,
                symbolBrush=colour,
                symbolPen=pg.mkPen(colour),
            )
            self.curves[key] = curve
            self.getPlotItem().addItem(curve)
        return curve

    def finish(self, x: bool = True, y: bool = True) -> None:
        """Auto-range the axes now (pyqtgraph would wait for the next paint), so the view,
        the clipped curves and the hover read-out are right at once."""
        vb = self.getPlotItem().getViewBox()
        if x:
            vb.enableAutoRange(axis=vb.XAxis)
        if y:
            vb.enableAutoRange(axis=vb.YAxis)
        vb.updateAutoRange()

    def add_hover(self, xs: np.ndarray, ys: np.ndarray, describe: Callable[[int], str]) -> None:
        if len(xs):
            self.hover_sets.append(_HoverSet(xs, ys, describe))

    def shade_phases(self, phases: Sequence[PhasePeriod], now: float) -> None:
        """Phase periods shaded (alternately; a step back in amber) and labelled P1, P2..."""
        bands = []
        for n, period in enumerate(phases):
            start = period.start.timestamp()
            end = period.end.timestamp() if period.end else max(now, start)
            if period.direction == "step_back":
                brush = QColor(242, 142, 43, 45)
            else:
                brush = self.faint(26 if n % 2 == 0 else 10)
            arrow = "↓" if period.direction == "step_back" else ""
            bands.append((start, end, brush, f"{arrow}P{period.ordinal}"))
            self.phase_spans.append((start, end, period))
        if bands:
            self.getPlotItem().addItem(
                PhaseBands(bands, self.faint(110), self.text_colour, self.font())
            )

    def mark_injury(self, at: float) -> None:
        """A vertical line at the injury date."""
        self.add_event_line(at, QColor(SPIKE_COLOUR), _tr("Injury"), solid=True, bounds=True)
        self.events.append((at, _tr("Injury")))

    def add_event_line(
        self, x: float, colour: QColor, label: str, *, solid: bool = False, bounds: bool = False
    ) -> None:
        if self.event_lines is None:
            self.event_lines = EventLines(self.font())
            self.getPlotItem().addItem(self.event_lines)
        self.event_lines.add(x, colour, label, solid=solid, bounds=bounds)

    def add_headroom(self, fraction: float = 0.14) -> None:
        """Room above the data for the phase labels (an invisible point at the top)."""
        lo, hi = np.inf, -np.inf
        for hs in self.hover_sets:
            finite = hs.ys[np.isfinite(hs.ys)]
            if len(finite):
                lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        if not np.isfinite(lo) or not self.hover_sets:
            return
        span = (hi - lo) or abs(hi) or 1.0
        x = float(self.hover_sets[0].xs[0])
        self.getPlotItem().addItem(
            pg.ScatterPlotItem([x], [hi + span * fraction], size=1, pen=None, brush=None)
        )

    def mark_events(self, events: Sequence[EventMarker]) -> None:
        """Flags, resolutions, decisions and sign-offs as labelled dashed vertical lines."""
        labels = {
            "flag": _tr("Flag"),
            "flag_resolved": _tr("Resolved"),
            "decision": _tr("RTP decision"),
            "sign_off": _tr("Sign-off"),
        }
        for event in events:
            x = event.at.timestamp()
            self.events.append((x, event.title))
            if event.kind == "phase_change" and event.direction != "close":
                continue  # drawn as the phase bands
            colour = QColor(EVENT_COLOURS.get(event.kind, "#9C9C9C"))
            self.add_event_line(x, colour, labels.get(event.kind, _tr("Closed")))

    # hover
    def set_hover(self, text: str) -> None:
        self.hover_text = text
        self.hovered.emit(text)

    def _on_scene_mouse_moved(self, args) -> None:
        self.hover_scene_pos(args[0])

    def hover_scene_pos(self, pos: QPointF) -> None:
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            return
        mp = vb.mapSceneToView(pos)
        px, py = vb.viewPixelSize()
        if px <= 0 or py <= 0:
            return
        best: tuple[float, _HoverSet, int] | None = None
        for hs in self.hover_sets:
            d2 = ((hs.xs - mp.x()) / px) ** 2 + ((hs.ys - mp.y()) / py) ** 2
            d2 = np.where(np.isfinite(d2), d2, np.inf)
            i = int(np.argmin(d2))
            if best is None or d2[i] < best[0]:
                best = (float(d2[i]), hs, i)
        if best is not None and best[0] <= _HOVER_RADIUS_PX**2:
            _, hs, i = best
            self.highlight.setData([hs.xs[i]], [hs.ys[i]])
            self.set_hover(hs.describe(i))
            return
        self.highlight.clear()
        for x, title in self.events:
            if abs(x - mp.x()) / px <= _EVENT_RADIUS_PX:
                moment = datetime.fromtimestamp(x, UTC)
                self.set_hover(f"{title} · {local_text(moment)}")
                return
        for start, end, period in reversed(self.phase_spans):
            if start <= mp.x() < end:
                since = local_text(period.start, with_time=False)
                until = local_text(period.end, with_time=False) if period.end else _tr("now")
                self.set_hover(
                    _tr("Phase {0}: {1} · {2} – {3}").format(
                        period.ordinal, period.name, since, until
                    )
                )
                return
        self.set_hover("")

    def hover_at(self, x: float, y: float) -> str:
        """Hover the data point (x, y) as the mouse would; returns the read-out text."""
        vb = self.getPlotItem().getViewBox()
        self.hover_scene_pos(vb.mapViewToScene(QPointF(x, y)))
        return self.hover_text


def _hint() -> str:
    return _tr("Point at a result to read it; click it to open its entry.")


class _Readout(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMinimumHeight(self.fontMetrics().height() + 6)
        self.show_text("")

    def show_text(self, text: str) -> None:
        self.setText(text or _hint())


class CasePlotsWidget(QWidget):
    """Tabs of plots for one case: measures, load, pain and soreness, sprint profile.

    ``entry_activated(entry_id)`` is emitted when the user clicks a plotted result.
    """

    entry_activated = Signal(int)
    TAB_MEASURE, TAB_LOAD, TAB_WELLNESS, TAB_SPRINT = range(4)

    def __init__(self, database, actor: Actor, case_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.database, self.actor, self.case_id = database, actor, case_id
        self.athlete_name = ""
        self.measure: MeasureSeries | None = None
        self.load: LoadSeries | None = None
        self.wellness: WellnessSeries | None = None
        self.sprints: tuple[SprintTest, ...] = ()
        self._loaded: set[int] = set()
        self._build()
        self.reload()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)

        # measures
        page = QWidget()
        v = QVBoxLayout(page)
        bar = QHBoxLayout()
        label = QLabel(self.tr("&Measure:"))
        self.measure_box = QComboBox()
        self.measure_box.setMinimumContentsLength(24)
        self.measure_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        label.setBuddy(self.measure_box)
        self.measure_box.currentIndexChanged.connect(self._on_measure_box_changed)
        bar.addWidget(label)
        bar.addWidget(self.measure_box)
        bar.addStretch(1)
        self.export_button = QPushButton(self.tr("&Export PNG…"))
        self.export_button.setToolTip(self.tr("Save the plot shown as a PNG image"))
        self.export_button.clicked.connect(self._on_export_clicked)
        bar.addWidget(self.export_button)
        v.addLayout(bar)
        self.measure_plot = _Plot()
        self.measure_plot.setLabel("bottom", self.tr("Date"))
        v.addWidget(self.measure_plot, 1)
        self.target_label = QLabel()
        self.target_label.setTextFormat(Qt.TextFormat.PlainText)
        self.target_label.setWordWrap(True)
        v.addWidget(self.target_label)
        self.measure_readout = _Readout()
        self.measure_plot.hovered.connect(self.measure_readout.show_text)
        v.addWidget(self.measure_readout)
        self.tabs.addTab(page, self.tr("Measures"))

        # load: daily load bars over the EWMA ACWR, x-linked
        page = QWidget()
        v = QVBoxLayout(page)
        self.load_area = QSplitter(Qt.Orientation.Vertical)
        self.load_plot = _Plot()
        self.load_plot.setLabel("left", self.tr("Daily load (AU)"))
        self.acwr_plot = _Plot()
        self.acwr_plot.setLabel("left", self.tr("ACWR (EWMA)"))
        self.acwr_plot.setXLink(self.load_plot)
        self.load_area.addWidget(self.load_plot)
        self.load_area.addWidget(self.acwr_plot)
        self.load_area.setSizes([300, 200])
        v.addWidget(self.load_area, 1)
        self.load_readout = _Readout()
        self.load_plot.hovered.connect(self.load_readout.show_text)
        self.acwr_plot.hovered.connect(self.load_readout.show_text)
        v.addWidget(self.load_readout)
        self.tabs.addTab(page, self.tr("Load && ACWR"))

        # wellness
        page = QWidget()
        v = QVBoxLayout(page)
        self.wellness_plot = _Plot()
        self.wellness_plot.setLabel("left", self.tr("Score (0-10)"))
        v.addWidget(self.wellness_plot, 1)
        self.wellness_readout = _Readout()
        self.wellness_plot.hovered.connect(self.wellness_readout.show_text)
        v.addWidget(self.wellness_readout)
        self.tabs.addTab(page, self.tr("Pain && soreness"))

        # sprint
        page = QWidget()
        v = QVBoxLayout(page)
        self.sprint_plot = _Plot(dates=False)
        self.sprint_plot.setLabel("bottom", self.tr("Time from the start (s)"))
        self.sprint_plot.setLabel("left", self.tr("Velocity (m/s)"))
        v.addWidget(self.sprint_plot, 1)
        self.sprint_table = QTableWidget(0, 8)
        self.sprint_table.setHorizontalHeaderLabels(
            [
                self.tr("Test"),
                self.tr("MSS (m/s)"),
                self.tr("τ (s)"),
                self.tr("MAC (m/s²)"),
                self.tr("F0 (N/kg)"),
                self.tr("V0 (m/s)"),
                self.tr("Pmax (W/kg)"),
                self.tr("Splits"),
            ]
        )
        self.sprint_table.verticalHeader().hide()
        self.sprint_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.sprint_table.horizontalHeader().setStretchLastSection(True)
        self.sprint_table.setMaximumHeight(6 * (self.fontMetrics().height() + 6) + 8)
        v.addWidget(self.sprint_table)
        self.sprint_readout = _Readout()
        self.sprint_plot.hovered.connect(self.sprint_readout.show_text)
        v.addWidget(self.sprint_readout)
        self.tabs.addTab(page, self.tr("Sprint profile"))

        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            for plot in self._plots():
                plot.apply_palette(self.palette())
            self._loaded.clear()
            self._ensure_loaded(self.tabs.currentIndex())
        super().changeEvent(event)

    def _plots(self) -> tuple[_Plot, ...]:
        return (
            self.measure_plot,
            self.load_plot,
            self.acwr_plot,
            self.wellness_plot,
            self.sprint_plot,
        )

    # -- public ----------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the case's data (after a new entry) and redraw the tab shown."""
        keep = self.current_measure()
        try:
            with self.database.session() as s:
                info = cases.get_case(s, self.actor, self.case_id)
                choices = series.available_measures(s, self.actor, self.case_id)
        except CaseMgrError as exc:
            show_error(self, self.tr("Plots"), str(exc))
            return
        self.athlete_name = info.athlete_name
        self.measure_box.blockSignals(True)
        self.measure_box.clear()
        for choice in choices:
            text = f"{choice.label} ({choice.unit})" if choice.unit else choice.label
            self.measure_box.addItem(text, choice.key)
        keys = [c.key for c in choices]
        pick = keep if keep in keys else next((k for k in DEFAULT_MEASURES if k in keys), None)
        if pick is None and keys:
            pick = keys[0]
        self.measure_box.setCurrentIndex(keys.index(pick) if pick else -1)
        self.measure_box.blockSignals(False)
        self._loaded.clear()
        self._ensure_loaded(self.tabs.currentIndex())

    def current_measure(self) -> str | None:
        key = self.measure_box.currentData()
        return str(key) if key else None

    def set_measure(self, key: str) -> None:
        """Show measure *key* (one of the picker's measures)."""
        index = self.measure_box.findData(key)
        if index < 0:
            raise ValueError(f"no results of {key!r} for this case")
        self.tabs.setCurrentIndex(self.TAB_MEASURE)
        if index == self.measure_box.currentIndex():
            self._load_measure()
        else:
            self.measure_box.setCurrentIndex(index)

    def current_plot_area(self) -> QWidget:
        """The widget of the plot shown (what ``export_png`` saves)."""
        return {
            self.TAB_MEASURE: self.measure_plot,
            self.TAB_LOAD: self.load_area,
            self.TAB_WELLNESS: self.wellness_plot,
            self.TAB_SPRINT: self.sprint_plot,
        }[self.tabs.currentIndex()]

    def export_png(self, path: str | Path) -> Path:
        """Save the plot shown as a PNG image at *path* (``.png`` added when missing)."""
        target = Path(path)
        if target.suffix.lower() != ".png":
            target = target.with_name(target.name + ".png")
        pixmap = self.current_plot_area().grab()
        if pixmap.isNull() or not pixmap.save(str(target), "PNG"):
            raise OSError(self.tr("Could not write the image {0}.").format(target))
        log.info("Plot exported to %s", target)
        return target

    # -- slots -----------------------------------------------------------------------
    def _on_tabs_current_changed(self, index: int) -> None:
        self._ensure_loaded(index)

    def _on_measure_box_changed(self, _index: int) -> None:
        self._load_measure()

    def _on_export_clicked(self) -> None:
        tab = self.tabs.tabText(self.tabs.currentIndex()).replace("&&", "and")
        what = self.measure_box.currentText() if self.tabs.currentIndex() == 0 else tab
        stem = re.sub(r"[^\w\- ]+", "", f"{self.athlete_name} {what}", flags=re.UNICODE)
        stem = re.sub(r"\s+", "_", stem.strip()) or "plot"
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Export plot"),
            str(Path(folder or Path.home()) / f"{stem}.png"),
            self.tr("PNG image (*.png)"),
        )
        if not path:
            return
        try:
            saved = self.export_png(path)
        except OSError as exc:
            show_error(self, self.tr("Export plot"), str(exc))
            return
        self.measure_readout.show_text(self.tr("Saved {0}").format(saved))

    def _clickable(
        self, curve: pg.PlotDataItem, xs: np.ndarray, points: Sequence[SeriesPoint]
    ) -> None:
        """Clicking a point of *curve* emits ``entry_activated`` with its entry id.

        The ids are looked up by x, not passed as pyqtgraph point data: with clip-to-view
        pyqtgraph clips the points but not their data (a zoomed plot would fail)."""
        curve.setProperty("entry_xs", xs)
        curve.setProperty("entry_ids", np.array([p.entry_id or 0 for p in points], np.int64))
        if not curve.property("clickable"):
            curve.setProperty("clickable", True)
            curve.sigPointsClicked.connect(self._on_curve_points_clicked)

    def _on_curve_points_clicked(self, curve, spots, *_args) -> None:
        xs, ids = curve.property("entry_xs"), curve.property("entry_ids")
        for spot in spots:
            i = int(np.argmin(np.abs(xs - spot.pos().x())))
            if ids[i]:
                self.entry_activated.emit(int(ids[i]))
                return

    # -- loading ---------------------------------------------------------------------
    def _ensure_loaded(self, index: int) -> None:
        if index in self._loaded:
            return
        self._loaded.add(index)
        loader = {
            self.TAB_MEASURE: self._load_measure,
            self.TAB_LOAD: self._load_load,
            self.TAB_WELLNESS: self._load_wellness,
            self.TAB_SPRINT: self._load_sprint,
        }[index]
        loader()

    def _fetch(self, func, *args):
        try:
            with self.database.session() as s:
                return func(s, self.actor, self.case_id, *args)
        except CaseMgrError as exc:
            show_error(self, self.tr("Plots"), str(exc))
            return None

    def _load_measure(self) -> None:
        key = self.current_measure()
        if key is None:
            self.measure_plot.reset()
            self.measure_plot.set_heading(self._heading(self.tr("No results recorded yet")))
            self.target_label.clear()
            return
        data = self._fetch(series.measure_series, key)
        if data is not None:
            self.show_measure_series(data)

    def _load_load(self) -> None:
        data = self._fetch(series.load_series)
        if data is not None:
            self.show_load_series(data)

    def _load_wellness(self) -> None:
        data = self._fetch(series.wellness_series)
        if data is not None:
            self.show_wellness_series(data)

    def _load_sprint(self) -> None:
        data = self._fetch(series.sprint_profiles)
        if data is not None:
            self.show_sprint_tests(data)

    # -- drawing ---------------------------------------------------------------------
    def _heading(self, text: str) -> str:
        return f"{text} — {self.athlete_name}" if self.athlete_name else text

    def show_measure_series(self, data: MeasureSeries) -> None:
        """Draw *data*: points per limb, baselines, the target band, phases and events."""
        self.measure = data
        plot = self.measure_plot
        plot.reset()
        item = plot.getPlotItem()
        unit = f" ({data.unit})" if data.unit else ""
        plot.setLabel("left", html.escape(data.label + unit))
        now = datetime.now(UTC).timestamp()
        plot.shade_phases(data.phases, now)
        plot.mark_events(data.events)
        injury = datetime.combine(data.injury_date, datetime.min.time(), tzinfo=UTC)
        plot.mark_injury(injury.timestamp())
        legend: list[tuple[str, str, str]] = []
        levels = LevelLines(self.font())
        for band in data.targets:
            levels.add_band(band.lower, band.upper, QColor(44, 160, 44, 40))
            for edge in (band.lower, band.upper):
                if edge is not None:
                    text = self.tr("target {0}").format(_fmt(edge, data.decimals, data.unit))
                    levels.add_line(edge, QColor(TARGET_COLOUR), text, dashed=False, at=1.0)
        order = [limb for limb in ("", "left", "right") if limb in data.limbs]
        injury_ts = injury.timestamp()
        drawn = 0
        for limb in order:
            points = data.limbs[limb]
            colour = LIMB_COLOURS[limb]
            xs = series.timestamps(points)
            ys = series.values(points)
            # no line across the injury: a gap (NaN) between pre-injury and rehabilitation
            # results (not a connect array: pyqtgraph does not clip one to the view)
            k = int(np.searchsorted(xs, injury_ts))
            if 0 < k < len(xs):
                shown_x = np.insert(xs, k, (xs[k - 1] + xs[k]) / 2)
                shown_y = np.insert(ys, k, np.nan)
            else:
                shown_x, shown_y = xs, ys
            curve = plot.curve(limb or "value", colour)
            curve.setData(x=shown_x, y=shown_y, connect="finite")
            self._clickable(curve, xs, points)
            name = _limb_label(limb, data.injured_side) if limb else data.label
            legend.append((colour, "●", name))
            plot.add_hover(xs, ys, self._measure_describer(data, limb, points))
            base = data.baseline(limb)
            if base is not None:
                who = _limb_label(limb, data.injured_side) + " " if limb else ""
                text = self.tr("{0}baseline {1}").format(
                    who, _fmt(base.value, data.decimals, data.unit)
                )
                # labels side by side along the line, not on top of each other
                levels.add_line(base.value, QColor(colour), text, dashed=True, at=0.3 * drawn)
                drawn += 1
        if data.baselines:
            legend.append((plot.text_colour.name(), "╌╌", self.tr("pre-injury baseline")))
        if data.targets:
            legend.append((TARGET_COLOUR, "█", self.tr("target of the current phase")))
        if data.phases:
            legend.append((plot.faint(160).name(), "▒", self.tr("phases P1, P2…")))
        plot.set_heading(self._heading(data.label + unit), legend)
        if levels.lines or levels.bands:
            item.addItem(levels)
        plot.add_headroom()
        plot.finish()
        texts = [self.tr("Target: {0}").format(f"{b.label}: {b.explanation}") for b in data.targets]
        texts += data.notes
        if not texts:
            texts = [self.tr("No exit criterion of the current phase uses this measure.")]
        self.target_label.setText("\n".join(texts))

    def _measure_describer(
        self, data: MeasureSeries, limb: str, points: Sequence[SeriesPoint]
    ) -> Callable[[int], str]:
        base = data.baseline(limb)

        def describe(i: int) -> str:
            p = points[i]
            parts = [
                _limb_label(limb, data.injured_side) if limb else data.label,
                _fmt(p.value, data.decimals, data.unit),
            ]
            if base is not None and base.value and not p.is_baseline:
                parts.append(self.tr("{0:.0f}% of baseline").format(p.value / base.value * 100))
            if p.is_baseline:
                parts.append(self.tr("baseline"))
            parts.append(local_text(p.at))
            period = _phase_at(data.phases, p.at)
            if period is not None:
                parts.append(self.tr("phase {0}").format(period.ordinal))
            return " · ".join(parts)

        return describe

    def show_load_series(self, data: LoadSeries) -> None:
        """Daily load bars (spike days in red) with the acute and chronic EWMA, and the
        EWMA ACWR below with the spike threshold."""
        self.load = data
        for plot in (self.load_plot, self.acwr_plot):
            plot.reset()
        if not data.days:
            self.load_plot.set_heading(self._heading(self.tr("No training sessions logged yet")))
            self.acwr_plot.set_heading("")
            return
        now = datetime.now(UTC).timestamp()
        xs = data.day_timestamps()
        loads = np.asarray(data.loads, dtype=float)
        spike_days = set(data.spikes)
        spike = np.fromiter((d in spike_days for d in data.days), dtype=bool, count=len(xs))
        for plot in (self.load_plot, self.acwr_plot):
            plot.shade_phases(data.phases, now)
        item = self.load_plot.getPlotItem()
        bar_colour = LIMB_COLOURS["left"]
        brushes = [pg.mkBrush(SPIKE_COLOUR if s else bar_colour) for s in spike]
        item.addItem(
            pg.BarGraphItem(x=xs, height=loads, width=0.8 * 86400, brushes=brushes, pen=None)
        )
        item.addItem(
            pg.PlotDataItem(
                xs, np.asarray(data.acute, dtype=float), pen=pg.mkPen("#F28E2B", width=2)
            )
        )
        item.addItem(
            pg.PlotDataItem(
                xs, np.asarray(data.chronic, dtype=float), pen=pg.mkPen("#59A14F", width=2)
            )
        )
        self.load_plot.set_heading(
            self._heading(self.tr("Daily training load (sRPE × minutes)")),
            [
                (bar_colour, "█", self.tr("daily load")),
                ("#F28E2B", "━", self.tr("acute EWMA (7 d)")),
                ("#59A14F", "━", self.tr("chronic EWMA (28 d)")),
                (SPIKE_COLOUR, "█", self.tr("spike day")),
            ],
        )
        acwr = data.acwr_array()
        a_item = self.acwr_plot.getPlotItem()
        a_item.addItem(
            pg.PlotDataItem(
                xs, acwr, pen=pg.mkPen(self.acwr_plot.text_colour, width=2), connect="finite"
            )
        )
        a_item.addItem(
            pg.InfiniteLine(
                pos=data.spike_threshold,
                angle=0,
                movable=False,
                pen=pg.mkPen(SPIKE_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
                label=_braces(self.tr("spike > {0:g}").format(data.spike_threshold)),
                labelOpts={
                    "position": 0.985,
                    "color": SPIKE_COLOUR,
                    "anchors": [(1, 1), (1, 1)],
                },
            ),
            ignoreBounds=True,
        )
        a_item.addItem(
            pg.ScatterPlotItem(
                [xs[0]] * 2, [0.0, data.spike_threshold * 1.1], size=1, pen=None, brush=None
            )
        )
        if spike.any():
            a_item.addItem(
                pg.ScatterPlotItem(
                    xs[spike],
                    acwr[spike],
                    symbol="t1",
                    size=12,
                    brush=SPIKE_COLOUR,
                    pen=pg.mkPen(SPIKE_COLOUR),
                )
            )
        self.acwr_plot.set_heading(
            self.tr("Acute:chronic workload ratio (EWMA)"),
            [
                (self.acwr_plot.text_colour.name(), "━", self.tr("ACWR")),
                (SPIKE_COLOUR, "▲", self.tr("spike: a flag to look at, not a risk zone")),
            ],
        )

        def describe(i: int) -> str:
            ratio = data.acwr[i]
            day = datetime.combine(data.days[i], datetime.min.time()).astimezone()
            parts = [
                local_text(day, with_time=False),
                self.tr("load {0:.0f} AU").format(data.loads[i]),
                self.tr("acute {0:.0f} · chronic {1:.0f}").format(data.acute[i], data.chronic[i]),
                self.tr("ACWR {0}").format("—" if ratio is None else f"{ratio:.2f}"),
            ]
            if spike[i]:
                parts.append(self.tr("spike"))
            return " · ".join(parts)

        self.load_plot.add_hover(xs, loads, describe)
        self.acwr_plot.add_hover(xs, acwr, describe)
        self.load_plot.add_headroom()
        for plot in (self.load_plot, self.acwr_plot):
            plot.finish()

    def show_wellness_series(self, data: WellnessSeries) -> None:
        """Pain, soreness and tightness (0-10) with the protocol's pain limit."""
        self.wellness = data
        plot = self.wellness_plot
        plot.reset()
        item = plot.getPlotItem()
        plot.shade_phases(data.phases, datetime.now(UTC).timestamp())
        legend = []
        if data.pain_limit is not None:
            colour = WELLNESS_COLOURS["pain"]
            item.addItem(
                pg.InfiniteLine(
                    pos=data.pain_limit,
                    angle=0,
                    movable=False,
                    pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
                    label=_braces(self.tr("pain limit {0:g}/10").format(data.pain_limit)),
                    labelOpts={"position": 0.985, "color": colour, "anchors": [(1, 1), (1, 1)]},
                ),
                ignoreBounds=True,
            )
        for key, points in data.series.items():
            if not points:
                continue
            colour = WELLNESS_COLOURS.get(key, "#9C9C9C")
            xs, ys = series.timestamps(points), series.values(points)
            curve = pg.PlotDataItem(
                xs,
                ys,
                pen=pg.mkPen(colour, width=2),
                symbol="o",
                symbolSize=5,
                symbolBrush=colour,
                symbolPen=pg.mkPen(colour),
            )
            self._clickable(curve, xs, points)
            item.addItem(curve)
            label = data.labels.get(key, key)
            legend.append((colour, "●", label))

            def describe(i: int, points=points, label=label) -> str:
                p = points[i]
                return f"{label} {p.value:g}/10 · {local_text(p.at)}"

            plot.add_hover(xs, ys, describe)
        if data.pain_limit is not None:
            legend.append((WELLNESS_COLOURS["pain"], "╌╌", self.tr("pain limit of the protocol")))
        plot.set_heading(self._heading(self.tr("Pain, soreness and tightness")), legend)
        item.setYRange(0, 11, padding=0.02)
        plot.finish(y=False)

    def show_sprint_tests(self, tests: Sequence[SprintTest]) -> None:
        """v(t) of each test's profile with the measured average velocity of each split."""
        self.sprints = tuple(tests)
        plot = self.sprint_plot
        plot.reset()
        item = plot.getPlotItem()
        self.sprint_table.setRowCount(0)
        if not tests:
            plot.set_heading(self._heading(self.tr("No timing-gate test with splits yet")))
            return
        t_end = max(max(t.times) for t in tests if t.times) * 1.05
        latest = tests[-1]
        post = [t for t in tests if not t.is_baseline]
        legend = []
        self.sprint_table.setRowCount(len(tests))
        for row, test in enumerate(tests):
            if test.is_baseline:
                colour = QColor(plot.text_colour)
                pen = pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine)
            else:
                colour = QColor(SPRINT_COLOURS[post.index(test) % len(SPRINT_COLOURS)])
                pen = pg.mkPen(colour, width=3 if test is latest else 1.5)
            day = test.at.astimezone().strftime("%d %b %Y")
            name = self.tr("baseline {0}").format(day) if test.is_baseline else day
            t, v = test.curve(t_end)
            item.addItem(pg.PlotDataItem(t, v, pen=pen, antialias=True))
            mid, avg = test.segment_velocities()
            item.addItem(
                pg.ScatterPlotItem(
                    mid, avg, size=10, symbol="s", brush=pg.mkBrush(colour), pen=pg.mkPen(colour)
                )
            )
            legend.append((colour.name(), "╌╌" if test.is_baseline else "━", name))
            bounds = (0.0, *test.distances)

            def describe(i: int, bounds=bounds, mid=mid, avg=avg, name=name) -> str:
                return self.tr("{0}: {1:g}–{2:g} m average {3:.2f} m/s at {4:.2f} s").format(
                    name, bounds[i], bounds[i + 1], avg[i], mid[i]
                )

            plot.add_hover(mid, avg, describe)
            cells = [
                name,
                f"{test.mss:.2f}",
                f"{test.tau:.3f}",
                f"{test.mac:.2f}",
                "—" if test.f0_rel is None else f"{test.f0_rel:.2f}",
                "—" if test.v0 is None else f"{test.v0:.2f}",
                "—" if test.pmax_rel is None else f"{test.pmax_rel:.1f}",
                ", ".join(
                    f"{d:g} m {s:.2f} s" for d, s in zip(test.distances, test.times, strict=True)
                ),
            ]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if 0 < col < 7:
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if col == 0:
                    cell.setForeground(colour)
                self.sprint_table.setItem(row, col, cell)
        legend.append((plot.text_colour.name(), "■", self.tr("measured split average")))
        plot.set_heading(self._heading(self.tr("Sprint acceleration profile v(t)")), legend)
        self.sprint_table.resizeColumnsToContents()
        plot.finish()
