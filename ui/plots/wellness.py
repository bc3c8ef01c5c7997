"""The Pain & soreness tab of the case plots: pain, soreness and tightness (0-10) over
time with the protocol's pain limit.

``WellnessTab`` is mixed into ``CasePlotsWidget`` (it uses the widget's tabs, fetching,
headings and clickable points).
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.services import series
from casemgr.services.series import WellnessSeries
from ui.plots.base import _Plot, _Readout
from ui.plots.common import WELLNESS_COLOURS, _braces, local_text


class WellnessTab:
    """The Pain & soreness tab of ``CasePlotsWidget``: one plot and the read-out."""

    def _build_wellness_tab(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.wellness_plot = _Plot()
        self.wellness_plot.setLabel("left", self.tr("Score (0-10)"))
        v.addWidget(self.wellness_plot, 1)
        self.wellness_readout = _Readout()
        self.wellness_plot.hovered.connect(self.wellness_readout.show_text)
        v.addWidget(self.wellness_readout)
        self.tabs.addTab(page, self.tr("Pain && soreness"))

    def _load_wellness(self) -> None:
        data = self._fetch(series.wellness_series)
        if data is not None:
            self.show_wellness_series(data)

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
