"""The Measures tab of the case plots: any measure over time, left vs right, with the
pre-injury baselines, the target band of the current phase, the phases and the events.

``MeasuresTab`` is mixed into ``CasePlotsWidget`` (it uses the widget's tabs, fetching,
headings and clickable points); ``LevelLines`` draws the baselines and the target band.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.services import series
from casemgr.services.series import MeasureSeries, SeriesPoint
from ui.platform import clinic_time
from ui.plots.base import _Plot, _Readout
from ui.plots.common import (
    LIMB_COLOURS,
    TARGET_COLOUR,
    _fmt,
    _limb_label,
    _phase_at,
    local_text,
)


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


class MeasuresTab:
    """The Measures tab of ``CasePlotsWidget``: the measure picker, the plot, the target
    text and the read-out."""

    def _build_measures_tab(self) -> None:
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

    def _on_measure_box_changed(self, _index: int) -> None:
        self._load_measure()

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
        injury = clinic_time.day_start(data.injury_date)  # the clinic's midnight
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
