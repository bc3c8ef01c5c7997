"""How cases are named on screen: status, side, region, injury, phase, grade and time.

Shared by the case list, the case window and the dialogs, so each says it the same way.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from casemgr.services.dto import CaseInfo
from casemgr.vocab import BAMIC_SITES, MUSCLE_LABELS
from ui.platform import clinic_time


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseListModel", text)


def _tr_header(text: str) -> str:
    return QCoreApplication.translate("CaseHeader", text)


def status_label(status: str) -> str:
    """The translated label of a case status."""
    labels = {"open": _tr("Open"), "surveillance": _tr("Surveillance"), "closed": _tr("Closed")}
    return labels.get(status, status)


def side_label(side: str) -> str:
    return {"left": _tr("Left"), "right": _tr("Right")}.get(side, side)


def region_label(region: str) -> str:
    return {"hamstring": _tr("hamstring"), "calf": _tr("calf")}.get(region, region)


def injury_text(side: str, region: str, muscle: str, grade: str) -> str:
    """``"Right hamstring · Biceps femoris (long head) · 2b"``."""
    parts = [f"{side_label(side)} {region_label(region)}", _tr(MUSCLE_LABELS.get(muscle, muscle))]
    if grade:
        parts.append(grade)
    return " · ".join(parts)


def phase_text(ordinal: int, count: int, name: str) -> str:
    """``"3/7 Strength-speed integration"``."""
    return f"{ordinal}/{count} {name}" if count else f"{ordinal} {name}"


def local_time_text(moment: datetime | None) -> str:
    """A stored (UTC) moment in the clinic's local time (its zone, not the workstation's),
    minutes precision."""
    return clinic_time.time_text(moment)


def grade_text(info: CaseInfo) -> str:
    """``"BAMIC 2b (musculotendinous junction)"`` or ``"Munich 3A"``."""
    grade = info.grade_label
    if info.classification == "bamic":
        grade = _tr_header("BAMIC {0}").format(grade)
        if info.site in BAMIC_SITES:
            grade += f" ({_tr_header(BAMIC_SITES[info.site])})"
    elif info.classification == "munich":
        grade = _tr_header("Munich {0}").format(grade)
    return grade
