"""The Sprint profile tab of the case plots: v(t) of each timing-gate test's acceleration
profile with the measured average velocity of each split, and a table of the profiles.

``SprintProfileTab`` is mixed into ``CasePlotsWidget`` (it uses the widget's tabs, fetching
and headings).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.services import series
from casemgr.services.series import SprintTest
from ui.platform import clinic_time
from ui.plots.base import _Plot, _Readout
from ui.plots.common import SPRINT_COLOURS


class SprintProfileTab:
    """The Sprint profile tab of ``CasePlotsWidget``: the plot, the table and the read-out."""

    def _build_sprint_tab(self) -> None:
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

    def _load_sprint(self) -> None:
        data = self._fetch(series.sprint_profiles)
        if data is not None:
            self.show_sprint_tests(data)

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
            day = clinic_time.time_text(test.at, "%d %b %Y")
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
