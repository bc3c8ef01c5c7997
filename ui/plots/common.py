"""What every plot of a case shares and that needs no plot widget: the colours, the
translation context, local times and the value, label and phase helpers."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication

from casemgr.services.series import PhasePeriod
from ui.platform import clinic_time

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
DAY_FORMAT = "%a %d %b %Y"


def _tr(text: str) -> str:
    return QCoreApplication.translate("CasePlotsWidget", text)


def local_text(when: datetime, with_time: bool = True) -> str:
    """A stored (UTC) moment in the clinic's local time: ``Tue 24 Nov 2026 15:00``."""
    return clinic_time.time_text(when, "%a %d %b %Y %H:%M" if with_time else DAY_FORMAT)


def day_text(day: date) -> str:
    """A clinic calendar day: ``Tue 24 Nov 2026``."""
    return day.strftime(DAY_FORMAT)


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
