"""The Load & ACWR tab of the case plots: daily training load bars with the acute and
chronic EWMA, and the EWMA acute:chronic workload ratio below with its spike threshold.

``LoadTab`` is mixed into ``CasePlotsWidget`` (it uses the widget's tabs, fetching and
headings).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.services import series
from casemgr.services.series import LoadSeries
from ui.plots.base import _Plot, _Readout
from ui.plots.common import LIMB_COLOURS, SPIKE_COLOUR, _braces, day_text


class LoadTab:
    """The Load & ACWR tab of ``CasePlotsWidget``: two x-linked plots and the read-out."""

    def _build_load_tab(self) -> None:
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

    def _load_load(self) -> None:
        data = self._fetch(series.load_series)
        if data is not None:
            self.show_load_series(data)

    def show_load_series(self, data: LoadSeries) -> None:
        """Daily load bars (spike days in red) with the acute and chronic EWMA, and the
        EWMA ACWR below with the spike threshold: no ratio line, and "building" in the
        heading and read-out, before ``ratio_days`` days of data."""
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
        title = self.tr("Acute:chronic workload ratio (EWMA)")
        if data.building:  # no ratio before a chronic window of data (Williams 2017)
            title = self.tr("{0}: building ({1} of {2} days)").format(
                title, len(data.days), data.ratio_days
            )
        self.acwr_plot.set_heading(
            title,
            [
                (self.acwr_plot.text_colour.name(), "━", self.tr("ACWR")),
                (SPIKE_COLOUR, "▲", self.tr("spike: a flag to look at, not a risk zone")),
            ],
        )

        def describe(i: int) -> str:
            ratio = data.acwr[i]
            parts = [
                day_text(data.days[i]),  # a clinic day
                self.tr("load {0:.0f} AU").format(data.loads[i]),
                self.tr("acute {0:.0f} · chronic {1:.0f}").format(data.acute[i], data.chronic[i]),
                self.tr("ACWR building ({0} of {1} days)").format(i + 1, data.ratio_days)
                if i + 1 < data.ratio_days
                else self.tr("ACWR {0}").format("—" if ratio is None else f"{ratio:.2f}"),
            ]
            if spike[i]:
                parts.append(self.tr("spike"))
            return " · ".join(parts)

        self.load_plot.add_hover(xs, loads, describe)
        self.acwr_plot.add_hover(xs, acwr, describe)
        self.load_plot.add_headroom()
        for plot in (self.load_plot, self.acwr_plot):
            plot.finish()
