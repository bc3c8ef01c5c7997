"""The plot widget every tab of the case plots uses: palette-aware styling, the title and
legend line, phase shading, event lines, head-room and the hover read-out of the nearest
point, and the read-out label below a plot."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QWidget

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.services.series import EventMarker, PhasePeriod
from ui.platform import clinic_time
from ui.plots.common import EVENT_COLOURS, SPIKE_COLOUR, _tr, local_text

_HOVER_RADIUS_PX = 18
_EVENT_RADIUS_PX = 5
_EMPTY = np.empty(0)


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


class _Plot(pg.PlotWidget):
    """A plot with palette-aware styling and a hover read-out of the nearest point."""

    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, dates: bool = True) -> None:
        axis_items = (
            # ticks on the clinic's days (its zone's offset now), not the workstation's
            {"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=clinic_time.axis_offset())}
            if dates
            else None
        )
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
