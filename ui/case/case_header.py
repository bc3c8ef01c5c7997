"""The case header: athlete, injury, phase, day N of the expected return, readiness, flags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from casemgr.clinical.expected_return import ExpectedReturn, expected_return
from casemgr.services.dto import CaseInfo, EntryInfo
from casemgr.vocab import MECHANISMS
from ui.common.labels import grade_text, injury_text, local_time_text, phase_text, status_label
from ui.platform import clinic_time

if TYPE_CHECKING:
    from casemgr.services.readiness import CaseReadiness

VERDICT_COLOURS = {"ready": "#2bb673", "not_ready": "#f4a259", "no_criteria": "#8d99ae"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("CaseHeader", text)


def case_expected(info: CaseInfo) -> ExpectedReturn | None:
    """The published return window for the case's region, muscle, grade and site."""
    return expected_return(info.region, info.muscle, info.grade, info.site, info.classification)


def expected_phrase(expected: ExpectedReturn | None, day: int) -> str:
    """``"day 12 of an expected 11-33 days (Ekstrand 2012)"``, ``"day 12: surgical opinion
    (grade 4, complete tear)"`` or the day alone; a calf muscle's own window after it."""
    if expected is None:
        return _tr("day {0} since the injury").format(day)
    if expected.surgical:
        text = _tr("day {0}: surgical opinion (grade {1}, complete tear)").format(
            day, expected.grade_label
        )
    else:
        text = _tr("day {0} of an expected {1} days ({2})").format(
            day, expected.span, expected.source
        )
    return text + (f"; {expected.note}" if expected.note else "")


def expected_text(info: CaseInfo, today: date) -> str:
    """The header's line: day N of the expected return, with its source."""
    return expected_phrase(case_expected(info), info.days_since_injury(today))


def readiness_text(readiness: CaseReadiness) -> str:
    evaluation = readiness.evaluation
    if evaluation.verdict == "no_criteria":
        return _tr("No exit criteria in this phase")
    if evaluation.verdict == "ready":
        return _tr("Ready to advance ({0}/{1} criteria met)").format(readiness.met, readiness.total)
    return _tr("Not ready: {0}/{1} criteria met").format(readiness.met, readiness.total)


def _label(name: str, *, bold: bool = False, scale: float = 1.0) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names like O'Brien <Jr> as typed
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if bold or scale != 1.0:
        font = label.font()
        font.setBold(bold)
        font.setPointSizeF(font.pointSizeF() * scale)
        label.setFont(font)
    return label


class CaseHeader(QFrame):
    """What everyone needs to see first about the case."""

    readiness_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_header")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.name_label = _label("header_athlete", bold=True, scale=1.35)
        self.injury_label = _label("header_injury")
        self.phase_label = _label("header_phase", bold=True)
        self.day_label = _label("header_day")
        self.readiness_label = _label("header_readiness", bold=True)
        self.readiness_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.readiness_label.setToolTip(_tr("Open the criteria"))
        self.readiness_label.mousePressEvent = self._on_readiness_label_pressed  # type: ignore[method-assign]
        self.flags_label = _label("header_flags")
        self.status_label = _label("header_status")
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.addWidget(self.injury_label, 0, 0)
        grid.addWidget(self.phase_label, 0, 1)
        grid.addWidget(self.day_label, 1, 0)
        grid.addWidget(self.readiness_label, 1, 1)
        grid.addWidget(self.status_label, 2, 0)
        grid.addWidget(self.flags_label, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.name_label)
        layout.addLayout(grid)
        self.info: CaseInfo | None = None

    def _on_readiness_label_pressed(self, _event) -> None:
        self.readiness_clicked.emit()

    def show_case(self, info: CaseInfo, today: date | None = None) -> None:
        """Show *info*; "day N" counts to *today* (default: the clinic's today)."""
        today = today or clinic_time.today()
        self.info = info
        self.name_label.setText(info.athlete_name)
        injury = injury_text(info.side, info.region, info.muscle, "")
        mechanism = _tr(MECHANISMS.get(info.mechanism, info.mechanism))
        self.injury_label.setText(
            _tr("{0} · {1} · {2} · injured {3}").format(
                injury, grade_text(info), mechanism, info.injury_date.isoformat()
            )
        )
        self.phase_label.setText(
            _tr("Phase {0} · since {1}").format(
                phase_text(info.phase.ordinal, info.phase_count, info.phase.name),
                local_time_text(info.phase_entered_at)[:10],
            )
        )
        self.day_label.setText(expected_text(info, today))
        expected = case_expected(info)
        self.day_label.setToolTip(expected.details() if expected else "")
        self.status_label.setText(
            _tr("Status: {0} · protocol {1} v{2}").format(
                status_label(info.status), info.protocol_name, info.protocol_version
            )
        )

    def show_readiness(self, readiness: CaseReadiness | None, error: str = "") -> None:
        if readiness is None:
            self.readiness_label.setText(error or _tr("Evaluating the criteria…"))
            self.readiness_label.setStyleSheet("")
            return
        self.readiness_label.setText(readiness_text(readiness))
        colour = VERDICT_COLOURS.get(readiness.evaluation.verdict, "")
        self.readiness_label.setStyleSheet(
            f"border-left: 6px solid {colour}; padding-left: 6px;" if colour else ""
        )
        self.readiness_label.setToolTip(readiness.evaluation.summary)

    def show_flags(self, flags: Sequence[EntryInfo]) -> None:
        if not flags:
            self.flags_label.setText(_tr("No open flags"))
            self.flags_label.setStyleSheet("")
            return
        titles = "; ".join(f.title for f in flags[:3]) + ("; …" if len(flags) > 3 else "")
        count = _tr("1 open flag") if len(flags) == 1 else _tr("{0} open flags").format(len(flags))
        self.flags_label.setText(f"⚑ {count}: {titles}")
        self.flags_label.setStyleSheet("border-left: 6px solid #d1495b; padding-left: 6px;")

    def text(self) -> str:
        """Everything the header shows, as plain text (one line per label)."""
        labels = (
            self.name_label,
            self.injury_label,
            self.phase_label,
            self.day_label,
            self.readiness_label,
            self.status_label,
            self.flags_label,
        )
        return "\n".join(label.text() for label in labels)
