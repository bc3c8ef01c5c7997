"""Plain data for the progress plots: measures, load, wellness and sprint profiles of a case.

No Qt here: the functions return frozen dataclasses (with numpy arrays on demand) that the
plot widgets draw and the reports can chart.

Which results belong to a case follows the readiness engine (``services.readiness``): the
athlete's active results recorded for this case, without a case, or flagged baseline. The
pre-injury baseline of a measure (per limb) is the latest baseline-flagged result dated
before the injury day (``clinical.readiness_index.FactIndex.baseline``).

Where things live: ``common`` (result points, phase periods, the case queries),
``measures`` (measure series, available measures, wellness, trends), ``targets`` (the
target bands of the current phase's exit criteria), ``load`` (daily load and ACWR) and
``sprint`` (sprint profiles). The public names are re-exported here.
"""

from __future__ import annotations

from casemgr.services.series.common import PhasePeriod, SeriesPoint, timestamps, values
from casemgr.services.series.load import LoadSeries, load_series
from casemgr.services.series.measures import (
    Baseline,
    EventMarker,
    MeasureChoice,
    MeasureSeries,
    Trend,
    WellnessSeries,
    available_measures,
    measure_series,
    trend_series,
    wellness_series,
)
from casemgr.services.series.sprint import SprintTest, sprint_profiles
from casemgr.services.series.targets import TargetBand

__all__ = [
    "Baseline",
    "EventMarker",
    "LoadSeries",
    "MeasureChoice",
    "MeasureSeries",
    "PhasePeriod",
    "SeriesPoint",
    "SprintTest",
    "TargetBand",
    "Trend",
    "WellnessSeries",
    "available_measures",
    "load_series",
    "measure_series",
    "sprint_profiles",
    "timestamps",
    "trend_series",
    "values",
    "wellness_series",
]
