"""The case plots: measures with baseline, target band and phases; load; pain; sprint; PNG."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette

import pyqtgraph as pg  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.clinical.load import load_summary
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, get_case, move_phase, open_case
from casemgr.services.dto import MeasureValue
from casemgr.services.series import LoadSeries
from casemgr.services.timeline import SessionInput, add_feedback, add_session, record_measures
from ui.plots import case_plots as plots_module
from ui.plots.base import EventLines, PhaseBands
from ui.plots.case_plots import CasePlotsWidget
from ui.plots.common import LIMB_COLOURS, WELLNESS_COLOURS
from ui.plots.measures import LevelLines

INJURY = datetime.now(UTC).date() - timedelta(days=10)  # the clinic's (UTC) calendar
TRICKY = "O'Brien <Jr> & Co"
# 4 splits: the default start correction is estimated (issue 15; 3 would take a fixed shift)
SPLITS = {"split_10m": 2.3554, "split_20m": 3.7535, "split_30m": 5.0532, "split_40m": 6.3217}


def at(days: int, hour: int = 10) -> datetime:
    return datetime.combine(INJURY + timedelta(days=days), time(hour), tzinfo=UTC)


@pytest.fixture
def case(clinic):
    """Sam Carter's right hamstring case in phase 3 with results of every kind."""
    sci, coach, physio = (clinic.actors[r] for r in ("scientist", "coach", "physio"))
    ids = {}
    with clinic.session() as s:

        def rec(values, days, **kw):
            return record_measures(
                s,
                sci,
                clinic.case_id,
                [MeasureValue(*v) for v in values],
                measured_at=at(days),
                **kw,
            )

        rec([("max_velocity", 10.0)], -14, is_baseline=True)
        ids["v1"] = rec([("max_velocity", 7.0)], 3).id
        ids["v2"] = rec([("max_velocity", 8.5)], 6).id
        rec([("nordic_force", 420, "left"), ("nordic_force", 410, "right")], -14, is_baseline=True)
        rec([("nordic_force", 400, "left"), ("nordic_force", 300, "right")], 5)
        rec([(k, v) for k, v in SPLITS.items()], 4, source="timing-gates")
        for day, srpe, minutes in ((0, 5, 60), (2, 4, 50), (9, 10, 300)):
            add_session(
                s,
                coach,
                clinic.case_id,
                SessionInput("tempo", minutes, srpe=srpe),
                occurred_at=at(day),
            )
        for day, pain, soreness in ((1, 4, 3), (2, 2, 5)):
            add_feedback(
                s,
                physio,
                clinic.case_id,
                {"pain": pain, "soreness": soreness},
                occurred_at=at(day, 8),
            )
        info = get_case(s, physio, clinic.case_id)
        for _ in range(2):
            info = move_phase(
                s, physio, info.id, info.version, "advance", "criteria met", override_reason="x"
            )
    clinic.ids = ids
    return clinic


@pytest.fixture
def widget(qtbot, case):
    w = CasePlotsWidget(case.database, case.actors["physio"], case.case_id)
    qtbot.addWidget(w)
    w.resize(1000, 640)
    w.show()
    qtbot.waitExposed(w)
    return w


def items_of(plot, kind):
    return [i for i in plot.getPlotItem().items if isinstance(i, kind)]


def curves(plot):
    return [i for i in plot.getPlotItem().listDataItems() if isinstance(i, pg.PlotDataItem)]


def plotted(curve) -> tuple[list[float], list[float]]:
    """The points a curve shows (its NaN gaps left out)."""
    xs, ys = curve.getData()
    keep = np.isfinite(ys)
    return list(xs[keep]), list(ys[keep])


def heading_text(plot) -> str:
    return plot.getPlotItem().titleLabel.item.toPlainText()


def test_measure_plot_shows_db_values_baseline_band_and_phases(widget, case):
    widget.set_measure("max_velocity")
    plot = widget.measure_plot
    (curve,) = curves(plot)
    xs, ys = plotted(curve)
    assert ys == [10.0, 7.0, 8.5]
    assert xs == [at(-14).timestamp(), at(3).timestamp(), at(6).timestamp()]
    assert np.isnan(curve.getData()[1][1])  # no line drawn across the injury
    assert isinstance(plot.getPlotItem().getAxis("bottom"), pg.DateAxisItem)
    (levels,) = items_of(plot, LevelLines)
    lines = {y: label for y, _colour, label, _dashed, _at in levels.lines}
    assert lines == {10.0: "baseline 10.00 m/s", 9.0: "target 9.00 m/s"}  # 90% of baseline
    assert [(lo, hi) for lo, hi, _ in levels.bands] == [(9.0, None)]
    (bands,) = items_of(plot, PhaseBands)
    starts = [p.start.timestamp() for p in widget.measure.phases]
    assert [b[0] for b in bands.bands] == starts
    assert bands.bands[-1][1] >= datetime.now(UTC).timestamp() - 60  # current phase: to now
    assert bands.labels() == ["P1", "P2", "P3"]
    (events,) = items_of(plot, EventLines)
    injury = datetime.combine(INJURY, time(0), tzinfo=UTC).timestamp()
    assert events.lines[0][0] == injury and events.labels() == ["Injury"]
    assert "Max velocity (m/s) — Sam Carter" in heading_text(plot)
    assert "≥ 90% of baseline (10.00 m/s) = 9.00 m/s" in widget.target_label.text()


def test_left_and_right_in_distinct_colours(widget):
    widget.set_measure("nordic_force")
    plot = widget.measure_plot
    by_colour = {c.opts["pen"].color().name().upper(): c for c in curves(plot)}
    left = by_colour[LIMB_COLOURS["left"]]
    right = by_colour[LIMB_COLOURS["right"]]
    assert plotted(left)[1] == [420, 400]
    assert plotted(right)[1] == [410, 300]
    heading = heading_text(plot)
    assert "Left" in heading and "Right (injured)" in heading
    (levels,) = items_of(plot, LevelLines)
    assert [(lo, hi) for lo, hi, _ in levels.bands] == [(320, None)]  # LSI >= 80% of 400 N
    assert levels.labels() == [
        "target 320 N",
        "Left baseline 420 N",
        "Right (injured) baseline 410 N",
    ]


def view_pos(plot, x, y):
    vb = plot.getPlotItem().getViewBox()
    return plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def test_hover_read_out_and_click_opens_the_entry(qtbot, widget, case):
    widget.set_measure("max_velocity")
    plot = widget.measure_plot
    x, y = at(6).timestamp(), 8.5
    # the scene's mouse-moved signal is what a real mouse move over the plot produces
    # (sending it directly keeps the test independent of other windows under the cursor)
    vb = plot.getPlotItem().getViewBox()
    plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(x, y)))
    qtbot.waitUntil(lambda: "8.50 m/s" in widget.measure_readout.text())
    text = widget.measure_readout.text()
    assert "85% of baseline" in text and "phase" not in text.split("·")[0]
    assert at(6).astimezone(UTC).strftime("%d %b %Y") in text  # the clinic's (UTC) day
    # far from any point: the hint again
    assert plot.hover_at(at(-5).timestamp(), 7.5) == ""
    with qtbot.waitSignal(widget.entry_activated) as clicked:
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos(plot, x, y))
    assert clicked.args == [case.ids["v2"]]
    # zoomed in (clip to view shows fewer points): the click still finds its entry
    plot.getPlotItem().setXRange(at(5).timestamp(), at(7).timestamp(), padding=0)
    plot.getPlotItem().getViewBox().updateAutoRange()
    with qtbot.waitSignal(widget.entry_activated) as clicked:
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=view_pos(plot, x, y))
    assert clicked.args == [case.ids["v2"]]


def test_export_png(widget, tmp_path, monkeypatch):
    widget.set_measure("max_velocity")
    saved = widget.export_png(tmp_path / "velocity")
    assert saved == tmp_path / "velocity.png" and saved.stat().st_size > 1000
    image = QImage(str(saved))
    assert image.width() >= widget.measure_plot.width() and not image.isNull()
    target = tmp_path / "from dialog.png"
    monkeypatch.setattr(
        plots_module.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "")
    )
    widget.export_button.click()
    assert target.stat().st_size > 1000
    assert str(target) in widget.measure_readout.text()


def test_load_panel_bars_acwr_and_spike(qtbot, widget):
    widget.tabs.setCurrentIndex(widget.TAB_LOAD)
    qtbot.waitUntil(lambda: widget.load is not None)
    data = widget.load
    (bars,) = items_of(widget.load_plot, pg.BarGraphItem)
    assert list(bars.opts["height"][:3]) == [300, 0, 200]
    # Corrected (issue 15): this test used to expect a ratio line, "ACWR 0.80" on day 2 and
    # a spike marker on day 9. With 11 days of data the ratio is building: no line, no spike.
    assert plotted(curves(widget.acwr_plot)[0]) == ([], [])
    spikes = [
        s
        for s in items_of(widget.acwr_plot, pg.ScatterPlotItem)
        if len(s.data) and s.opts["size"] == 12
    ]
    assert spikes == [] and data.spikes == ()
    assert "building (11 of 28 days)" in heading_text(widget.acwr_plot)
    text = widget.load_plot.hover_at(data.day_timestamps()[2], 200)
    assert "load 200 AU" in text and "ACWR building (3 of 28 days)" in text
    assert "0.80" not in text


def test_load_panel_draws_no_ratio_before_28_days_of_data(qtbot, widget):
    # 40 days of 100 AU from 1 March 2026, then 1000 AU: a spike on a supported ratio
    first = date(2026, 3, 1)
    rows = load_summary(
        [(first + timedelta(days=i), 100.0) for i in range(40)]
        + [(first + timedelta(days=40), 1000.0)]
    )
    data = LoadSeries(
        case_id=0,
        days=tuple(r.date for r in rows),
        loads=tuple(r.load for r in rows),
        acute=tuple(r.acute_ewma for r in rows),
        chronic=tuple(r.chronic_ewma for r in rows),
        acwr=tuple(r.acwr_ewma for r in rows),
        spikes=tuple(r.date for r in rows if r.spike),
        spike_threshold=1.5,
        sessions=41,
    )
    widget.show_load_series(data)
    xs, ys = plotted(curves(widget.acwr_plot)[0])
    stamps = list(data.day_timestamps())
    assert xs == stamps[27:]  # the line starts on the 28th day of data
    assert ys[:-1] == [pytest.approx(1.0)] * 13 and ys[-1] > 1.5
    (spikes,) = [
        s
        for s in items_of(widget.acwr_plot, pg.ScatterPlotItem)
        if len(s.data) and s.opts["size"] == 12
    ]
    assert list(spikes.getData()[0]) == [stamps[40]]
    assert "building" not in heading_text(widget.acwr_plot)
    assert "ACWR building (27 of 28 days)" in widget.load_plot.hover_at(stamps[26], 100)
    assert "ACWR 1.00" in widget.acwr_plot.hover_at(stamps[27], 1.0)


def test_pain_panel_and_pain_limit(qtbot, widget):
    widget.tabs.setCurrentIndex(widget.TAB_WELLNESS)
    qtbot.waitUntil(lambda: widget.wellness is not None)
    by_colour = {c.opts["pen"].color().name().upper(): c for c in curves(widget.wellness_plot)}
    pain = by_colour[WELLNESS_COLOURS["pain"]]
    soreness = by_colour[WELLNESS_COLOURS["soreness"]]
    assert list(pain.getData()[1]) == [4, 2] and list(soreness.getData()[1]) == [3, 5]
    (limit,) = [i for i in items_of(widget.wellness_plot, pg.InfiniteLine) if i.angle == 0]
    assert limit.value() == 2 and "pain limit 2/10" in limit.label.toPlainText()
    assert widget.wellness_plot.hover_at(at(1, 8).timestamp(), 4).startswith("Pain 4/10")


def test_sprint_profile_curve_and_split_averages(qtbot, widget):
    widget.tabs.setCurrentIndex(widget.TAB_SPRINT)
    qtbot.waitUntil(lambda: bool(widget.sprints))
    (test,) = widget.sprints
    (curve,) = curves(widget.sprint_plot)
    t, v = curve.getData()
    assert v[0] == 0 and v.max() == pytest.approx(8 * (1 - np.exp(-t[-1] / (8 / 6))), rel=2e-3)
    (scatter,) = [s for s in items_of(widget.sprint_plot, pg.ScatterPlotItem) if len(s.data) == 4]
    assert np.allclose(
        scatter.getData()[1],
        [10 / 2.3554, 10 / (3.7535 - 2.3554), 10 / (5.0532 - 3.7535), 10 / (6.3217 - 5.0532)],
    )
    assert widget.sprint_table.rowCount() == 1
    assert widget.sprint_table.item(0, 1).text() == "8.00"  # MSS from the splits


def test_dark_palette_follows_the_system(qtbot, widget):
    palette = QPalette(widget.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#1E1E1E"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#E6E6E6"))
    widget.setPalette(palette)
    plot = widget.measure_plot
    qtbot.waitUntil(lambda: plot.backgroundBrush().color().name() == "#1e1e1e")
    axis = plot.getPlotItem().getAxis("left")
    assert axis.textPen().color().name() == "#e6e6e6"


def test_names_shown_exactly_and_empty_case(qtbot, clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = create_athlete(s, physio, AthleteInput(TRICKY))
        other = open_case(
            s,
            physio,
            athlete.id,
            CaseInput(region="calf", side="left", muscle="soleus", injury_date=INJURY),
        )
    w = CasePlotsWidget(clinic.database, physio, other.id)
    qtbot.addWidget(w)
    assert w.current_measure() is None and w.measure_box.count() == 0
    assert heading_text(w.measure_plot) == f"No results recorded yet — {TRICKY}"
    w.tabs.setCurrentIndex(w.TAB_SPRINT)
    assert "No timing-gate test" in heading_text(w.sprint_plot)


def test_reload_shows_a_new_result(widget, case):
    widget.set_measure("max_velocity")
    with case.session() as s:
        record_measures(
            s,
            case.actors["coach"],
            case.case_id,
            [MeasureValue("max_velocity", 9.1)],
            measured_at=at(8),
        )
    widget.reload()
    assert widget.current_measure() == "max_velocity"
    assert plotted(curves(widget.measure_plot)[0])[1] == [10.0, 7.0, 8.5, 9.1]
