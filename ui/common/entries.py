"""How timeline entries are worded and coloured: discipline, kind, date, details, status.

Shared by the timeline, the criteria panel and the entry forms.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.overrides import unmet_from_data
from casemgr.permissions import ROLE_LABELS, Role
from casemgr.services.dto import EntryInfo
from casemgr.vocab import KIND_LABELS, SESSION_TYPES, SURFACES
from ui.platform import clinic_time

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
    """When an entry happened, in the clinic's local time (``2026-04-05 02:30``)."""
    return clinic_time.time_text(moment)


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


def answered_text(data: dict) -> str:
    """``"answers: Pain 5/10 on ... suggest stepping back one phase."`` for an entry that
    answers step-back/pause suggestions (a step back, a pause, "seen, continue")."""
    answer = data.get("suggestion_answer") or {}
    found = [str(m) for m in answer.get("suggestions") or ()]
    if not found:
        return ""
    return _tr("answers: {0}").format(" | ".join(_first_line(m, 200) for m in found))


def entry_details(entry: EntryInfo) -> str:
    """The facts of an entry beyond its title, on one line."""
    data = entry.data or {}
    answers = answered_text(data)
    if answers and entry.kind == "note":  # the title says how and why
        return answers
    if answers:
        reason = _first_line(entry.body)
        return f"{reason} · {answers}" if reason else answers
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
    if entry.kind in ("phase_change", "decision") and data.get("override"):
        return override_details(entry)
    return _first_line(entry.body)


def override_details(entry: EntryInfo) -> str:
    """A move or decision made with unmet criteria: what was unmet then, and why."""
    data = entry.data or {}
    parts = []
    unmet = unmet_from_data(data)
    if unmet and unmet[0].label not in entry.title:  # a decision's title lists them
        parts.append(_tr("unmet: {0}").format("; ".join(u.text for u in unmet)))
    why = str(data.get("override_reason") or "").strip()
    body = entry.body.strip()
    if why and why != body:
        parts.append(_tr("override reason: {0}").format(_first_line(why)))
    if body:
        parts.append(_first_line(body))
    return " — ".join(parts)


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
