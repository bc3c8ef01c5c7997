"""What every entry form shares: the case context, the ``EntryForm`` base class, number
parsing and the small widgets the forms are built from.
"""

from __future__ import annotations

import math
import re
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, QLocale, QTimeZone, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDoubleSpinBox,
    QFormLayout,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from casemgr.errors import ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import ACTION_TEXT
from casemgr.services.dto import AthleteInfo, CaseInfo, EntryInfo
from ui.platform import clinic_time


@dataclass(frozen=True)
class FormContext:
    """What the forms need to know about the case they write to."""

    case: CaseInfo
    athlete: AthleteInfo | None = None
    checks: tuple[tuple[str, str], ...] = ()  # (check key, label) from the case's protocol
    extra: dict[str, Any] = field(default_factory=dict)


# -- small helpers ------------------------------------------------------------------------


_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")


def parse_number(text: str, label: str, *, required: bool = False) -> float | None:
    """A number typed by a person: ``8,2`` or ``8.2``; blank is None unless *required*."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        if required:
            raise ValidationError(f"{label}: enter a value.")
        return None
    locale = QLocale()  # its decimal mark, never its thousands separator (never a guess)
    locale.setNumberOptions(locale.numberOptions() | QLocale.NumberOption.RejectGroupSeparator)
    value, ok = locale.toDouble(raw)
    if not ok:
        if not _NUMBER.fullmatch(raw):
            raise ValidationError(f"{label}: '{text.strip()}' is not a number.")
        if _GROUPED.fullmatch(raw):  # "1,250": 1250 or 1.25?
            mark = "," if "," in raw else "."
            raise ValidationError(
                f"{label}: '{raw}' is ambiguous; write {raw.replace(mark, '')} or "
                f"{raw.replace(mark, '.')}."
            )
        value = float(raw.replace(",", "."))
    if not math.isfinite(value):
        raise ValidationError(f"{label}: '{text.strip()}' is not a number.")
    return value


def number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def aware(moment: QDateTime) -> datetime:
    """A clinic wall-clock date-time from a widget as an aware (UTC) datetime."""
    return clinic_time.from_wall_clock(moment)


class WhenEdit(QDateTimeEdit):
    """When it happened, in the clinic's local time (its zone, whatever the workstation's);
    left at its "now" default it means the moment of saving."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTimeZone(QTimeZone.utc())  # holds the clinic's wall clock: Qt never shifts it
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.reset_to_now()

    def reset_to_now(self) -> None:
        now = clinic_time.wall_clock()
        self.setMaximumDateTime(now.addDays(1))
        self.setDateTime(now)
        self._default: QDateTime | None = self.dateTime()

    def set_fixed(self, moment: QDateTime | datetime) -> None:
        """A given time: a stored moment (an entry being corrected), or a clinic wall-clock
        date-time (a baseline day at noon)."""
        if isinstance(moment, datetime):
            moment = clinic_time.wall_clock(moment)
        else:  # its date and time as written, never converted from the workstation's zone
            moment = QDateTime(moment.date(), moment.time(), QTimeZone.utc())
        self.setDateTime(moment)
        self._default = None

    def value(self) -> datetime | None:
        """The chosen moment (aware UTC), or None for "now" when the user left the default."""
        if self._default is not None and self.dateTime() == self._default:
            return None
        return aware(self.dateTime())


def _now_edit() -> WhenEdit:
    return WhenEdit()


def _optional_spin(low: int, high: int, tip: str) -> QSpinBox:
    """A 0-10 style score that may stay unanswered ("—")."""
    spin = QSpinBox()
    spin.setRange(low - 1, high)
    spin.setSpecialValueText("—")
    spin.setValue(low - 1)
    spin.setToolTip(tip)
    spin.setAccelerated(True)
    return spin


def _spin_value(spin: QSpinBox | QDoubleSpinBox) -> float | None:
    return None if spin.value() == spin.minimum() else float(spin.value())


def _set_spin(spin: QSpinBox | QDoubleSpinBox, value: float | None) -> None:
    spin.setValue(spin.minimum() if value is None else value)  # type: ignore[arg-type]


def _plain(max_height: int = 0) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    if max_height:
        edit.setMaximumHeight(max_height)
    return edit


class _FormMeta(ABCMeta, type(QWidget)):
    """Qt's metaclass with ABC's: the abstract methods below name what every form defines."""


class EntryForm(QWidget, metaclass=_FormMeta):
    """One kind of entry. Subclasses build widgets and implement save (and amend)."""

    kind = ""
    action = Action.ADD_NOTE
    amends: tuple[str, ...] = ()  # timeline kinds this form can correct
    edited = Signal()

    def __init__(self, context: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

    @property
    def case_id(self) -> int:
        return self.context.case.id

    @abstractmethod
    def label(self) -> str:
        """The form's name in the "New entry" list."""

    def focus_first(self) -> None:
        self.focusNextChild()

    @abstractmethod
    def clear(self) -> None:
        """Empty the form after a save (or on "Clear")."""

    @abstractmethod
    def save(self, session, actor: Actor) -> str:
        """Write the entry; returns what to tell the user. Raises ``CaseMgrError``."""

    def load_entry(self, entry: EntryInfo) -> None:
        """Fill the form from *entry* (to amend it)."""
        raise ValidationError("This kind of entry cannot be amended here.")

    def amend(self, session, actor: Actor, entry: EntryInfo, reason: str) -> EntryInfo:
        raise ValidationError("This kind of entry cannot be amended here.")

    def summary(self) -> list[tuple[str, str]]:
        """The form's content as (field, value) pairs (for a conflict)."""
        return []

    def _watch(self, *widgets: QWidget) -> None:
        for w in widgets:
            for name in ("textChanged", "valueChanged", "currentIndexChanged", "toggled"):
                signal = getattr(w, name, None)
                if signal is not None:
                    signal.connect(self.edited)
                    break


def denial_text(actor: Actor, action: Action) -> str:
    return f"Your role ({actor.role_label}) does not allow you to {ACTION_TEXT[action]}."
