"""How timeline entries are worded and coloured: discipline, kind, date, details, status.

Shared by the timeline, the criteria panel and the entry forms.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from casemgr.clinical.catalogue import load_catalogue
from casemgr.permissions import ROLE_LABELS, Role
from casemgr.services.dto import EntryInfo
from casemgr.vocab import KIND_LABELS, SESSION_TYPES, SURFACES

# One colour per discipline: mid-tone hues that stay legible as a strip on light and dark
# backgrounds; the discipline is also written out, so colour is never the only cue.
DISCIPLINE_COLOURS = {
    "doctor": "#d1495b",
    "physio": "#3a86ff",
    "coach": "#f4a259",
    "scientist": "#2bb673",
    "admin": "#8d99ae",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseTimelineModel", text)


def discipline_label(role: str) -> str:
    try:
        return _tr(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


def discipline_colour(role: str) -> QColor:
    return QColor(DISCIPLINE_COLOURS.get(role, "#8d99ae"))


def kind_label(kind: str) -> str:
    return _tr(KIND_LABELS.get(kind, kind))


def local_text(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def measure_values_text(values: list[dict]) -> str:
    """``"Nordic force L 280 N, R 251 N; Max velocity 8.20 m/s"`` from stored values."""
    catalogue = load_catalogue()
    grouped: dict[str, list[str]] = {}
    for item in values:
        key = item.get("key", "")
        try:
            measure = catalogue.get(key)
            text, label = measure.format(item.get("value")), measure.label
        except Exception:  # an unknown key in old data: show it raw
            text, label = str(item.get("value")), key
        limb = item.get("limb")
        if limb:
            text = f"{_tr('L') if limb == 'left' else _tr('R')} {text}"
        grouped.setdefault(label, []).append(text)
    return "; ".join(f"{label} {', '.join(parts)}" for label, parts in grouped.items())


def entry_details(entry: EntryInfo) -> str:
    """The facts of an entry beyond its title, on one line."""
    data = entry.data or {}
    if entry.kind == "measure" and data.get("values"):
        return measure_values_text(data["values"])
    if entry.kind == "session":
        parts = []
        if data.get("surface"):
            parts.append(_tr(SURFACES.get(data["surface"], data["surface"])))
        if data.get("volume_m") is not None:
            parts.append(_tr("{0:g} m").format(data["volume_m"]))
        if data.get("intensity_pct") is not None:
            parts.append(_tr("{0:g}% of max velocity").format(data["intensity_pct"]))
        if data.get("load_au") is not None:
            parts.append(_tr("load {0:g} AU").format(data["load_au"]))
        if entry.body.strip():
            parts.append(_first_line(entry.body))
        return ", ".join(parts)
    if entry.kind == "note" and data.get("soap") and not entry.body.strip():
        soap = data["soap"]
        return " ".join(
            f"{part[0].upper()}: {_first_line(soap[part], 80)}"
            for part in ("subjective", "objective", "assessment", "plan")
            if soap.get(part)
        )
    if entry.kind == "feedback":
        extras = [entry.body] if entry.body else []
        if data.get("unusual_fatigue"):
            extras.append(_tr("unusual fatigue"))
        if data.get("comment"):
            extras.append(_first_line(data["comment"], 80))
        return ", ".join(extras)
    return _first_line(entry.body)


def entry_text(entry: EntryInfo) -> str:
    """What the Entry column shows: the title and the details."""
    details = entry_details(entry)
    return f"{entry.title} — {details}" if details else entry.title


def status_text(entry: EntryInfo) -> str:
    if entry.status == "voided":
        return _tr("Voided: {0}").format(_first_line(entry.void_reason, 80))
    if entry.status == "amended":
        return _tr("Amended (superseded)")
    if entry.supersedes_id is not None:
        return _tr("Correction: {0}").format(_first_line(entry.amend_reason, 80))
    return ""


def session_type_label(key: str) -> str:
    return _tr(SESSION_TYPES.get(key, key))
