"""The amend and void dialogs: correct an entry through its pre-filled form, or withdraw it,
each with a reason; a lost race shows the saved version beside the user's.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from casemgr.errors import CaseMgrError, ConflictError, ValidationError
from casemgr.permissions import Actor
from casemgr.services import timeline
from casemgr.services.dto import EntryInfo
from ui.common.entries import entry_text, local_text
from ui.forms.base import FormContext
from ui.forms.kinds import form_kind_for, make_form
from ui.platform.errors import ConflictDialog


def _latest_version(database, actor: Actor, entry_id: int) -> EntryInfo:
    with database.session() as s:
        chain = timeline.entry_history(s, actor, entry_id)
    return chain[-1]


def _entry_pairs(entry: EntryInfo) -> list[tuple[str, str]]:
    status = {"active": "current", "amended": "amended", "voided": "voided"}.get(
        entry.status, entry.status
    )
    pairs = [
        ("Entry", entry_text(entry)),
        ("Text", entry.body),
        ("Status", status),
        ("By", entry.author_name),
        ("When", local_text(entry.recorded_at)),
    ]
    if entry.void_reason:
        pairs.append(("Reason", entry.void_reason))
    elif entry.amend_reason:
        pairs.append(("Reason", entry.amend_reason))
    return pairs


class AmendDialog(QDialog):
    """Correct an entry: its form, pre-filled, and the reason (required)."""

    amended = Signal(object)  # the new EntryInfo

    def __init__(
        self, database, actor: Actor, entry: EntryInfo, context: FormContext, parent=None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("amend_dialog")
        self._database = database
        self._actor = actor
        self.entry = entry
        kind = form_kind_for(entry)
        if kind is None:
            raise ValidationError("Signed decisions and phase changes are never amended.")
        self.setWindowTitle(self.tr("Amend entry"))
        self.form = make_form(kind, context)
        self.form.load_entry(entry)
        intro = QLabel(
            self.tr("Correcting “{0}” by {1} ({2}). The original stays on the timeline.").format(
                entry.title, entry.author_name, local_text(entry.occurred_at)
            )
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("amend_reason")
        self.reason_edit.setPlaceholderText(self.tr("Why is it corrected? (required)"))
        self.error_label = QLabel()
        self.error_label.setObjectName("amend_error")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Save correction"))
        buttons.accepted.connect(self._on_save_clicked)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("&Reason:"), self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form, 1)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.conflict_dialog: ConflictDialog | None = None
        self.resize(560, 480)

    def _on_save_clicked(self) -> None:
        self.submit()

    def submit(self) -> bool:
        try:
            with self._database.session() as s:
                new = self.form.amend(s, self._actor, self.entry, self.reason_edit.text())
        except ConflictError as exc:
            self._show_conflict(exc)
            return False
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.amended.emit(new)
        self.accept()
        return True

    def _show_conflict(self, exc: ConflictError) -> None:
        try:
            latest = _latest_version(self._database, self._actor, self.entry.id)
        except CaseMgrError as again:
            self.error_label.setText(str(again))
            self.error_label.show()
            return
        self.conflict_dialog = ConflictDialog(
            self, str(exc), _entry_pairs(latest), self.form.summary()
        )
        self.conflict_dialog.accepted.connect(lambda: self._on_conflict_reapply(latest))
        self.conflict_dialog.rejected.connect(self.reject)
        self.conflict_dialog.open()

    def _on_conflict_reapply(self, latest: EntryInfo) -> None:
        if latest.status != "active":
            self.error_label.setText(
                self.tr("The entry was voided meanwhile; there is nothing left to correct.")
            )
            self.error_label.show()
            return
        self.entry = latest
        self.submit()


class VoidDialog(QDialog):
    """Withdraw an entry with a reason; it stays visible, struck through."""

    voided = Signal(object)

    def __init__(self, database, actor: Actor, entry: EntryInfo, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("void_dialog")
        self._database = database
        self._actor = actor
        self.entry = entry
        self.setWindowTitle(self.tr("Void entry"))
        intro = QLabel(
            self.tr(
                "Void “{0}” by {1}? It stays on the timeline, struck through, with your reason."
            ).format(entry.title, entry.author_name)
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("void_reason")
        self.reason_edit.setPlaceholderText(self.tr("Why is it withdrawn? (required)"))
        self.error_label = QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d0342c;")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.void_button = buttons.addButton(
            self.tr("Void entry"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.conflict_dialog: ConflictDialog | None = None
        self.resize(480, 160)

    def submit(self) -> bool:
        try:
            with self._database.session() as s:
                done = timeline.void_entry(
                    s, self._actor, self.entry.id, self.entry.version, self.reason_edit.text()
                )
        except ConflictError as exc:
            latest = _latest_version(self._database, self._actor, self.entry.id)
            self.conflict_dialog = ConflictDialog(
                self,
                str(exc),
                _entry_pairs(latest),
                [("Status", "voided"), ("Reason", self.reason_edit.text())],
            )
            self.conflict_dialog.accepted.connect(lambda: self._on_conflict_reapply(latest))
            self.conflict_dialog.rejected.connect(self.reject)
            self.conflict_dialog.open()
            return False
        except CaseMgrError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.voided.emit(done)
        self.accept()
        return True

    def _on_conflict_reapply(self, latest: EntryInfo) -> None:
        self.entry = latest
        self.submit()
