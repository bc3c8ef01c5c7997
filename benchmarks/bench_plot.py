"""Plotting 3 years of daily results for 6 measures: CasePlotsWidget vs bare pyqtgraph.

Both sides draw the same data into a 1000 x 600 plot and render it (``grab()``), one
measure after the other (3 of the 6 measures per limb, so 9 series of 1,096 points):

- ``CasePlotsWidget.show_measure_series`` from the service's plain data (``MeasureSeries``
  of ``SeriesPoint`` tuples, turned into numpy arrays by the widget), with baselines,
  target band, 7 shaded phases, events and the hover index;
- a bare ``pg.PlotWidget`` (DateAxisItem, the same downsampling and clip-to-view) plotting
  the same numpy arrays, prepared beforehand.

Prints the median of several runs for each and the ratio (target <= 1.5).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_plot.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import pyqtgraph as pg  # noqa: E402  # isort: skip  (PySide6 first, then pyqtgraph)

from casemgr.services.series import (  # noqa: E402
    Baseline,
    EventMarker,
    MeasureSeries,
    PhasePeriod,
    SeriesPoint,
    TargetBand,
    timestamps,
    values,
)

DAYS = 3 * 365 + 1
MEASURES = (  # key, label, unit, per limb, level
    ("max_velocity", "Max velocity", "m/s", False, 9.0),
    ("nordic_force", "Nordic force", "N", True, 380.0),
    ("iso_knee_flexion_90", "Isometric knee flexion 90/90", "N", True, 330.0),
    ("ake", "Active knee extension", "°", True, 155.0),
    ("pain", "Pain", "/10", False, 2.0),
    ("soreness", "Soreness", "/10", False, 2.0),
)


def make_series(rng: np.random.Generator) -> list[MeasureSeries]:
    start = datetime(2023, 1, 2, 9, tzinfo=UTC)
    injury = date(2023, 1, 30)
    moments = [start + timedelta(days=i) for i in range(DAYS)]
    bounds = np.linspace(28, DAYS - 1, 8).astype(int)
    phases = tuple(
        PhasePeriod(
            n + 1,
            f"p{n + 1}",
            f"Phase {n + 1}",
            moments[bounds[n]],
            moments[bounds[n + 1]] if n < 6 else None,
            "open" if n == 0 else "advance",
        )
        for n in range(7)
    )
    events = tuple(
        EventMarker(moments[d], "flag", f"Flag {d}", 10_000 + d) for d in (200, 500, 800)
    )
    out = []
    for key, label, unit, per_limb, level in MEASURES:
        limbs = {}
        for limb in ("left", "right") if per_limb else ("",):
            ys = level * (1 + 0.05 * rng.standard_normal(DAYS))
            limbs[limb] = tuple(
                SeriesPoint(moments[i], float(ys[i]), i + 1, i < 28, "manual") for i in range(DAYS)
            )
        out.append(
            MeasureSeries(
                case_id=1,
                key=key,
                label=label,
                unit=unit,
                decimals=2,
                better="higher",
                per_limb=per_limb,
                injured_side="right",
                injury_date=injury,
                limbs=limbs,
                baselines=tuple(Baseline(limb, level, moments[20], 21) for limb in limbs),
                targets=(
                    TargetBand(
                        "k",
                        "target",
                        "right" if per_limb else "",
                        level * 0.9,
                        None,
                        "baseline_pct",
                        "≥ 90%",
                    ),
                ),
                phases=phases,
                events=events,
            )
        )
    return out


def time_widget(app: QApplication, data: list[MeasureSeries]) -> tuple[float, tuple[int, int]]:
    """Seconds to draw and render *data*, and the size of the plot drawn into."""
    widget = _standalone()
    widget.resize(1000, 640)
    widget.show()
    app.processEvents()
    t0 = time.perf_counter()
    for series in data:
        widget.show_measure_series(series)
        widget.measure_plot.grab()
    elapsed = time.perf_counter() - t0
    size = (widget.measure_plot.width(), widget.measure_plot.height())
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return elapsed, size


def _standalone():
    """A CasePlotsWidget without a database (its reload is skipped)."""
    from ui.plots.case_plots import CasePlotsWidget

    class _Bench(CasePlotsWidget):
        def reload(self) -> None:  # no database in the benchmark
            self.athlete_name = "Benchmark Athlete"

    return _Bench(None, None, 0)


def time_direct(
    app: QApplication, arrays: list[list[tuple[np.ndarray, np.ndarray]]], size: tuple[int, int]
) -> float:
    plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
    plot.getPlotItem().setDownsampling(auto=True, mode="peak")
    plot.getPlotItem().setClipToView(True)
    plot.resize(*size)
    plot.show()
    app.processEvents()
    colours = ("#4E9BE8", "#F28E2B")
    t0 = time.perf_counter()
    for series in arrays:
        plot.clear()
        for (xs, ys), colour in zip(series, colours, strict=False):
            plot.plot(
                xs, ys, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=7, symbolBrush=colour
            )
        plot.grab()
    elapsed = time.perf_counter() - t0
    plot.close()
    plot.deleteLater()
    app.processEvents()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    data = make_series(np.random.default_rng(7))
    arrays = [[(timestamps(p), values(p)) for p in s.limbs.values()] for s in data]
    n_series = sum(len(s.limbs) for s in data)
    _, size = time_widget(app, data[:1])  # warm-up (imports, fonts, first paint)
    time_direct(app, arrays[:1], size)
    ours, bare = [], []
    for _ in range(args.runs):
        ours.append(time_widget(app, data)[0])
        bare.append(time_direct(app, arrays, size))
    m_ours, m_bare = statistics.median(ours), statistics.median(bare)
    print(f"{len(data)} measures, {n_series} series x {DAYS} daily points, {args.runs} runs")
    print(f"plot area       : {size[0]} x {size[1]} px")
    print(f"CasePlotsWidget : {m_ours * 1000:8.1f} ms (median)")
    print(f"bare pyqtgraph  : {m_bare * 1000:8.1f} ms (median)")
    print(f"ratio           : {m_ours / m_bare:8.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
