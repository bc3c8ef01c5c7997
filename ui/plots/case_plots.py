"""Progress plots of a case: any measure over time, training load, pain and soreness, sprint.

``CasePlotsWidget(database, actor, case_id)`` is a standalone widget (tabs) that the case
workspace embeds. Data comes from ``casemgr.services.series`` (one short session per
action); drawing uses one ``PlotDataItem`` per series from numpy arrays, with clip-to-view
and peak downsampling, so years of daily results stay fast.

Each tab's layout and drawing live in their own module (``measures``, ``load``,
``wellness``, ``sprint_profile``), mixed into the widget here; the shared plot widget is in
``base`` and the colours and text helpers in ``common``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QTabWidget, QVBoxLayout, QWidget

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.errors import CaseMgrError
from casemgr.permissions import Actor
from casemgr.services import cases, series
from casemgr.services.series import (
    LoadSeries,
    MeasureSeries,
    SeriesPoint,
    SprintTest,
    WellnessSeries,
)
from ui.platform.errors import show_error
from ui.plots.base import _Plot
from ui.plots.load import LoadTab
from ui.plots.measures import MeasuresTab
from ui.plots.sprint_profile import SprintProfileTab
from ui.plots.wellness import WellnessTab

log = logging.getLogger(__name__)

DEFAULT_MEASURES = ("max_velocity", "nordic_force", "calf_raise_reps", "pain")


class CasePlotsWidget(QWidget, MeasuresTab, LoadTab, WellnessTab, SprintProfileTab):
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
        self._build_measures_tab()
        self._build_load_tab()
        self._build_wellness_tab()
        self._build_sprint_tab()

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

    # -- drawing ---------------------------------------------------------------------
    def _heading(self, text: str) -> str:
        return f"{text} — {self.athlete_name}" if self.athlete_name else text
