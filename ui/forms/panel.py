"""The entry panel: one form per kind of entry, its typing autosaved as a draft.

Each form checks what it can (numbers, required fields) and leaves the rest to the
service, whose ``CaseMgrError`` message is shown in the form: nothing typed is lost, the
form is cleared only after a successful save. The panel keeps one form per kind, so a
half-written note survives a quick switch to the feedback form.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from casemgr.errors import CaseMgrError
from casemgr.permissions import Actor, allowed
from ui.common.entries import local_text
from ui.forms.base import EntryForm, FormContext, denial_text
from ui.forms.kinds import FORM_KINDS, make_form
from ui.platform import drafts

log = logging.getLogger(__name__)

DRAFT_DELAY_MS = 1500  # autosave this long after the last keystroke


class EntryPanel(QWidget):
    """Pick a kind of entry, fill its form, save; errors are shown here, typing is kept."""

    entry_saved = Signal(str, str)  # kind, message

    def __init__(self, database, actor: Actor, context: FormContext, parent: QWidget | None = None):
        super().__init__(parent)
        self._database = database
        self._actor = actor
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("entry_kind")
        self.stack = QStackedWidget()
        self.forms: dict[str, EntryForm] = {}
        for kind in FORM_KINDS:
            form = make_form(kind, context)
            self.forms[kind] = form
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(form)
            self.stack.addWidget(scroll)
            self.kind_combo.addItem(form.label(), kind)
            form.edited.connect(self._on_form_edited)
        caption = QLabel(self.tr("&New entry:"))
        caption.setBuddy(self.kind_combo)
        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.kind_combo, 1)
        self.denied_label = QLabel()
        self.denied_label.setObjectName("entry_denied")
        self.denied_label.setWordWrap(True)
        self.denied_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = QLabel()
        self.error_label.setObjectName("entry_error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        self.save_button = QPushButton(self.tr("&Save entry"))
        self.save_button.setObjectName("save_entry")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self._build_draft_bar())
        layout.addWidget(self.denied_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self._on_kind_combo_changed(0)
        self._draft_path = drafts.draft_path(actor.username, context.case.id)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._offer_draft()

    # -- drafts (autosaved typing) --------------------------------------------------------

    def _build_draft_bar(self) -> QWidget:
        self.draft_bar = QFrame()
        self.draft_bar.setObjectName("draft_bar")
        self.draft_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.draft_label = QLabel()
        self.draft_label.setWordWrap(True)
        self.draft_label.setTextFormat(Qt.TextFormat.PlainText)
        self.restore_draft_button = QPushButton(self.tr("&Restore"))
        self.restore_draft_button.clicked.connect(self._on_restore_draft_button_clicked)
        self.discard_draft_button = QPushButton(self.tr("Discard"))
        self.discard_draft_button.clicked.connect(self._on_discard_draft_button_clicked)
        row = QHBoxLayout(self.draft_bar)
        row.addWidget(self.draft_label, 1)
        row.addWidget(self.restore_draft_button)
        row.addWidget(self.discard_draft_button)
        self.draft_bar.hide()
        return self.draft_bar

    def _offer_draft(self) -> None:
        found = drafts.load(self._draft_path)
        if found is None:
            return
        saved_at, fields = found
        self._pending_draft = fields
        self.draft_label.setText(
            self.tr(
                "Unsaved typing from {0} was kept (the app closed before it was saved)."
            ).format(local_text(saved_at))
        )
        self.draft_bar.show()

    def _on_restore_draft_button_clicked(self) -> None:
        drafts.restore(self.forms, getattr(self, "_pending_draft", {}))
        kinds = list(getattr(self, "_pending_draft", {}))
        if kinds and kinds[0] in self.forms:
            self.show_kind(kinds[0])
        self.draft_bar.hide()

    def _on_discard_draft_button_clicked(self) -> None:
        self._draft_path.unlink(missing_ok=True)
        self.draft_bar.hide()

    def save_draft(self) -> None:
        """Write what is typed now (called shortly after the last keystroke)."""
        self._draft_timer.stop()
        try:
            drafts.save(self._draft_path, drafts.capture(self.forms))
        except OSError as exc:
            log.warning("Draft not saved: %s", exc)

    @property
    def current_form(self) -> EntryForm:
        return self.forms[self.kind_combo.currentData()]

    def show_kind(self, kind: str, *, focus: bool = True) -> EntryForm:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        if focus:
            self.current_form.focus_first()
        return self.current_form

    def set_enabled_for_case(self, open_for_entries: bool, reason: str = "") -> None:
        """A closed case takes no entries: say so."""
        self._closed_reason = "" if open_for_entries else reason
        self._on_kind_combo_changed(self.kind_combo.currentIndex())

    def _on_kind_combo_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        form = self.current_form
        may = allowed(self._actor.role, form.action)
        closed = getattr(self, "_closed_reason", "")
        text = closed or ("" if may else denial_text(self._actor, form.action))
        self.denied_label.setText(text)
        self.denied_label.setVisible(bool(text))
        form.setEnabled(may and not closed)
        self.save_button.setEnabled(may and not closed)
        self.error_label.hide()

    def _on_form_edited(self) -> None:
        if self.error_label.isVisible() and self.sender() is self.current_form:
            self.error_label.hide()
        self._draft_timer.start()

    def _on_clear_button_clicked(self) -> None:
        self.current_form.clear()
        self.error_label.hide()
        self.save_draft()

    def _on_save_button_clicked(self) -> None:
        self.save()

    def save(self) -> bool:
        form = self.current_form
        try:
            with self._database.session() as s:
                message = form.save(s, self._actor)
        except CaseMgrError as exc:
            log.info("Entry not saved: %s", exc)
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        form.clear()
        self.error_label.hide()
        self.save_draft()
        self.entry_saved.emit(form.kind, message)
        return True
