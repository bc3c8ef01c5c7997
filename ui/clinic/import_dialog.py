"""The import dialog: pick a file and a preset, preview, resolve athletes, import.

The preview and the import run off the GUI thread (``ui.tasks.run_task``), each in its own
database session, with a progress bar and a Cancel button that stops the work (nothing is
written by a cancelled import). The preview lists what will be written per athlete and
measure, every rejected row with its line number and reason, and the athletes casemgr does
not know: each can be matched to an existing athlete or created, then the preview runs
again. A new kind of file gets its own preset from "New preset from this file…".
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casemgr.clinical.catalogue import format_number, load_catalogue
from casemgr.importing.pipeline import ImportCancelled, ImportReport
from casemgr.permissions import Action, Actor, allowed
from ui.platform import clinic_time, tasks
from ui.platform.errors import error_message, show_error

log = logging.getLogger(__name__)

ENCODING_CHOICES = (
    ("auto", "Detect"),
    ("utf-8", "UTF-8"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252"),
)


def _local(value) -> str:
    return clinic_time.time_text(value, "%Y-%m-%d")  # the clinic's day


class _ProgressRelay(QObject):
    """Carries progress from the worker thread to the GUI thread (queued signal)."""

    progressed = Signal(int, int, str)


class PreviewModel(QAbstractTableModel):
    """What the import writes: one row per athlete, measure and limb."""

    COL_ATHLETE, COL_MEASURE, COL_NEW, COL_STORED, COL_FROM, COL_TO, COL_RANGE, COL_CASE = range(8)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list = []
        self._headers = [
            self.tr("Athlete"),
            self.tr("Measure"),
            self.tr("New"),
            self.tr("Already stored"),
            self.tr("From"),
            self.tr("To"),
            self.tr("Values"),
            self.tr("On the case"),
        ]

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        s = self._rows[index.row()]
        col = index.column()
        if col == self.COL_ATHLETE:
            return f"{s.athlete_name} ({s.external_id})" if s.external_id else s.athlete_name
        if col == self.COL_MEASURE:
            return f"{s.label} ({self.tr(s.limb)})" if s.limb else s.label
        if col == self.COL_NEW:
            return str(s.new)
        if col == self.COL_STORED:
            return str(s.existing)
        if col == self.COL_FROM:
            return _local(s.first)
        if col == self.COL_TO:
            return _local(s.last)
        if col == self.COL_RANGE:
            if not s.new:
                return ""
            m = load_catalogue().get(s.key)
            lo = format_number(s.min_value, m.decimals)
            hi = format_number(s.max_value, m.decimals)
            return f"{lo} {m.unit}" if lo == hi else f"{lo}–{hi} {m.unit}"
        if col == self.COL_CASE:
            return str(s.on_case)
        return None


class ProblemModel(QAbstractTableModel):
    """Rejected (or skipped) rows: line number and reason."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list = []
        self._headers = [self.tr("Line"), self.tr("Reason"), self.tr("Text")]

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        r = self._rows[index.row()]
        return (str(r.line), r.reason, r.text.replace("\n", " "))[index.column()]


def _table(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


class ImportDialog(QDialog):
    """Import a device or spreadsheet export (preview first, then all or nothing)."""

    preview_shown = Signal(object)  # ImportReport
    import_finished = Signal(object)  # ImportReport (written)
    work_failed = Signal(str)  # the message shown (cancelled, file error...)

    def __init__(self, database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import data"))
        self.resize(960, 640)
        self._database = database
        self._actor = actor
        self._report: ImportReport | None = None
        self._athlete_map: dict[str, int] = {}
        self._cancel = threading.Event()
        self._task: tasks.TaskHandle | None = None
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._on_worker_progressed)
        self._athletes: list = []

        self.file_edit = QLineEdit()
        self.file_edit.setObjectName("file")
        self.file_edit.setPlaceholderText(self.tr("The exported CSV file"))
        self.file_edit.textChanged.connect(self._on_inputs_changed)
        browse = QPushButton(self.tr("&Browse…"))
        browse.clicked.connect(self._on_browse_clicked)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)

        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("preset")
        self.preset_combo.currentIndexChanged.connect(self._on_inputs_changed)
        self.new_preset_button = QPushButton(self.tr("New preset from this file…"))
        self.new_preset_button.setObjectName("new_preset")
        self.new_preset_button.clicked.connect(self._on_new_preset_clicked)
        preset_row = QHBoxLayout()
        preset_row.addWidget(self.preset_combo, 1)
        preset_row.addWidget(self.new_preset_button)

        self.encoding_combo = QComboBox()
        self.encoding_combo.setObjectName("encoding")
        for value, label in ENCODING_CHOICES:
            self.encoding_combo.addItem(self.tr(label), value)
        self.encoding_combo.currentIndexChanged.connect(self._on_inputs_changed)

        form = QFormLayout()
        form.addRow(self.tr("&File:"), file_row)
        form.addRow(self.tr("&Preset:"), preset_row)
        form.addRow(self.tr("&Encoding:"), self.encoding_combo)

        self.summary_label = QLabel(self.tr("Choose a file and a preset, then Preview."))
        self.summary_label.setObjectName("summary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)

        self.preview_model = PreviewModel(self)
        self.rejected_model = ProblemModel(self)
        self.skipped_model = ProblemModel(self)
        self.unknown_table = QTableWidget(0, 4)
        self.unknown_table.setObjectName("unknown")
        self.unknown_table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("External id"), self.tr("Rows"), self.tr("Athlete")]
        )
        self.unknown_table.horizontalHeader().setStretchLastSection(True)
        self.unknown_table.verticalHeader().hide()
        self.create_athlete_button = QPushButton(self.tr("&Create selected athlete"))
        self.create_athlete_button.setObjectName("create_athlete")
        self.create_athlete_button.clicked.connect(self._on_create_athlete_clicked)
        self.create_athlete_button.setEnabled(allowed(actor.role, Action.EDIT_ATHLETE))
        unknown_page = QWidget()
        unknown_layout = QVBoxLayout(unknown_page)
        unknown_layout.addWidget(
            QLabel(self.tr("Match each athlete to one casemgr knows, or create them."))
        )
        unknown_layout.addWidget(self.unknown_table)
        unknown_layout.addWidget(self.create_athlete_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.tabs = QTabWidget()
        self.tabs.addTab(_table(self.preview_model, "preview"), self.tr("To import"))
        self.tabs.addTab(_table(self.rejected_model, "rejected"), self.tr("Rejected rows"))
        self.tabs.addTab(unknown_page, self.tr("Unknown athletes"))
        self.tabs.addTab(_table(self.skipped_model, "skipped"), self.tr("Skipped lines"))

        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progress")
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)

        self.preview_button = QPushButton(self.tr("Pre&view"))
        self.preview_button.setObjectName("preview_button")
        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.import_button = QPushButton(self.tr("&Import"))
        self.import_button.setObjectName("import_button")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self._on_import_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(progress_row)
        layout.addWidget(buttons)
        self.reload_presets()
        self._load_athletes()

    # -- data -------------------------------------------------------------------------------

    def reload_presets(self, select: str | None = None) -> None:
        from casemgr.services.imports import list_presets

        current = select or self.preset_combo.currentData()
        try:
            with self._database.session() as s:
                presets = list_presets(s, self._actor)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            show_error(self, self.tr("Presets"), error_message(exc))
            return
        self.preset_combo.blockSignals(True)
        self.preset_combo.clear()
        for p in presets:
            self.preset_combo.addItem(f"{p.name} — {p.description}", p.name)
        index = self.preset_combo.findData(current) if current else 0
        self.preset_combo.setCurrentIndex(max(index, 0))
        self.preset_combo.blockSignals(False)

    def _load_athletes(self) -> None:
        from casemgr.services.athletes import list_athletes

        with self._database.session() as s:
            self._athletes = list_athletes(s, self._actor)

    def set_file(self, path: str | Path) -> None:
        self.file_edit.setText(str(path))

    def set_preset(self, name: str) -> None:
        index = self.preset_combo.findData(name)
        if index < 0:
            raise ValueError(f"no preset {name}")
        self.preset_combo.setCurrentIndex(index)

    @property
    def report(self) -> ImportReport | None:
        return self._report

    def busy(self) -> bool:
        return self._task is not None and not self._task.done

    # -- slots ------------------------------------------------------------------------------

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose the export"), "", self.tr("CSV files (*.csv *.txt);;All (*)")
        )
        if path:
            self.set_file(path)

    def _on_inputs_changed(self, *_args) -> None:
        self._report = None
        self.import_button.setEnabled(False)

    def _on_new_preset_clicked(self) -> None:
        from casemgr.services.imports import inspect_file

        path = Path(self.file_edit.text().strip())
        if not path.is_file():
            show_error(self, self.tr("New preset"), self.tr("Choose the file first."))
            return
        try:
            sample = inspect_file(path.read_bytes(), encoding=self.encoding_combo.currentData())
        except Exception as exc:  # noqa: BLE001 - shown to the user
            show_error(self, self.tr("New preset"), error_message(exc))
            return
        editor = PresetEditor(self._database, self._actor, sample, path.stem, self)
        self.preset_editor = editor
        if editor.exec() == QDialog.DialogCode.Accepted and editor.saved_name:
            self.reload_presets(editor.saved_name)

    def _on_cancel_clicked(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.summary_label.setText(self.tr("Cancelling…"))

    def _on_worker_progressed(self, done: int, total: int, stage: str) -> None:
        self.progress_bar.setMaximum(max(total, 1))
        self.progress_bar.setValue(min(done, total))
        label = {
            "reading": self.tr("Reading"),
            "checking": self.tr("Checking"),
            "writing": self.tr("Writing"),
        }.get(stage, stage)
        self.progress_bar.setFormat(f"{label} %p%")

    def _inputs(self) -> tuple[Path, str, str] | None:
        path = Path(self.file_edit.text().strip())
        if not self.file_edit.text().strip() or not path.is_file():
            show_error(self, self.tr("Import"), self.tr("Choose an existing file to import."))
            return None
        return path, self.preset_combo.currentData(), self.encoding_combo.currentData()

    def _start(self, work, on_done) -> None:
        self._cancel = threading.Event()
        cancel = self._cancel
        relay = self._relay

        def progress(done: int, total: int, stage: str) -> None:
            relay.progressed.emit(done, total, stage)

        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.preview_button.setEnabled(False)
        self.import_button.setEnabled(False)
        self._task = tasks.run_task(
            lambda: work(progress, cancel.is_set),
            lambda result: self._finish(on_done, result),
            self._on_work_failed,
            owner=self,
        )

    def _stop(self) -> None:
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)
        self.preview_button.setEnabled(True)

    def _finish(self, on_done, result) -> None:
        self._stop()
        on_done(result)

    def _on_work_failed(self, exc: BaseException) -> None:
        self._stop()
        if isinstance(exc, ImportCancelled):
            message = self.tr("Cancelled: nothing was written.")
        else:
            message = error_message(exc)
        self.summary_label.setText(message)
        self.work_failed.emit(message)

    def _on_preview_clicked(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        path, preset, encoding = inputs
        database, actor, athlete_map = self._database, self._actor, dict(self._athlete_map)
        self.summary_label.setText(self.tr("Reading {0}…").format(path.name))

        def work(progress, cancel):
            from casemgr.services.imports import preview_import

            with database.session() as s:
                return preview_import(
                    s,
                    actor,
                    path,
                    preset,
                    encoding=None if encoding == "auto" else encoding,
                    athlete_map=athlete_map,
                    progress=progress,
                    cancel=cancel,
                )

        self._start(work, self._show_report)

    def _show_report(self, report: ImportReport) -> None:
        self._report = report
        self.preview_model.set_rows(report.summaries)
        self.rejected_model.set_rows(report.rejected)
        self.skipped_model.set_rows(report.skipped)
        self._fill_unknown(report)
        text = self.tr(
            "{0}: {1}, {2} rows read; {3} values to write, {4} already stored; {5} rows rejected."
        ).format(
            report.file_name,
            report.encoding,
            report.rows_read,
            report.measures_new,
            report.measures_existing,
            len(report.rejected),
        )
        if report.warnings:
            text += "\n" + "\n".join(report.warnings)
        self.summary_label.setText(text)
        self.tabs.setTabText(1, self.tr("Rejected rows ({0})").format(len(report.rejected)))
        self.tabs.setTabText(2, self.tr("Unknown athletes ({0})").format(len(report.unknown)))
        if report.rejected:
            self.import_button.setText(
                self.tr("&Import valid rows (skip {0} rejected)").format(len(report.rejected))
            )
        else:
            self.import_button.setText(self.tr("&Import"))
        self.import_button.setEnabled(report.rows_accepted > 0 and not report.written)
        self.tabs.setCurrentIndex(1 if report.rejected and not report.summaries else 0)
        self.preview_shown.emit(report)

    def _fill_unknown(self, report: ImportReport) -> None:
        table = self.unknown_table
        table.setRowCount(0)
        for u in report.unknown:
            row = table.rowCount()
            table.insertRow(row)
            for col, value in enumerate((u.name, u.external_id, str(len(u.lines)))):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(Qt.ItemDataRole.UserRole, u.key)
                table.setItem(row, col, item)
            combo = QComboBox()
            combo.setObjectName(f"match_{row}")
            combo.addItem(self.tr("(not imported)"), None)
            suggested = {aid for aid, _n in u.suggestions}
            for a in sorted(self._athletes, key=lambda a: (a.id not in suggested, a.full_name)):
                label = f"{a.full_name} ({a.external_id})" if a.external_id else a.full_name
                combo.addItem(label, a.id)
            combo.currentIndexChanged.connect(
                lambda _i, key=u.key, c=combo: self._on_match_changed(key, c)
            )
            table.setCellWidget(row, 3, combo)

    def _on_match_changed(self, key: str, combo: QComboBox) -> None:
        athlete_id = combo.currentData()
        if athlete_id is None:
            self._athlete_map.pop(key, None)
        else:
            self._athlete_map[key] = athlete_id
        self._on_preview_clicked()

    def _on_create_athlete_clicked(self) -> None:
        from casemgr.services.athletes import AthleteInput, create_athlete

        row = self.unknown_table.currentRow()
        if self._report is None or row < 0 or row >= len(self._report.unknown):
            show_error(self, self.tr("Create athlete"), self.tr("Select an unknown athlete first."))
            return
        u = self._report.unknown[row]
        try:
            with self._database.session() as s:
                info = create_athlete(
                    s,
                    self._actor,
                    AthleteInput(u.name or u.external_id, external_id=u.external_id or None),
                )
        except Exception as exc:  # noqa: BLE001 - shown to the user
            show_error(self, self.tr("Create athlete"), error_message(exc))
            return
        self._athlete_map[u.key] = info.id
        self._load_athletes()
        self._on_preview_clicked()

    def _on_import_clicked(self) -> None:
        report = self._report
        inputs = self._inputs()
        if report is None or inputs is None:
            return
        path, preset, encoding = inputs
        database, actor, athlete_map = self._database, self._actor, dict(self._athlete_map)
        allow = bool(report.rejected)
        sha = report.sha256
        self.summary_label.setText(self.tr("Importing {0}…").format(path.name))

        def work(progress, cancel):
            from casemgr.services.imports import import_file

            with database.session() as s:
                return import_file(
                    s,
                    actor,
                    path,
                    preset,
                    encoding=None if encoding == "auto" else encoding,
                    athlete_map=athlete_map,
                    allow_rejected=allow,
                    expected_sha256=sha,
                    progress=progress,
                    cancel=cancel,
                )

        self._start(work, self._on_imported)

    def _on_imported(self, report: ImportReport) -> None:
        self._report = report
        self.import_button.setEnabled(False)
        self.summary_label.setText(
            self.tr(
                "Imported {0}: {1} values written ({2} timeline entries), {3} already stored."
            ).format(
                report.file_name,
                report.measures_new,
                report.entries_written,
                report.measures_existing,
            )
        )
        self.import_finished.emit(report)

    def reject(self) -> None:
        if self.busy():
            answer = QMessageBox.question(
                self,
                self.tr("Import running"),
                self.tr("Stop the running work? Nothing of it will be written."),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self._cancel.set()
        super().reject()


# ------------------------------------------------------------------------------------------
# Creating a preset from a new file

ROLES = (
    ("ignore", "Ignore"),
    ("athlete_id", "Athlete id"),
    ("athlete_name", "Athlete name"),
    ("date", "Date"),
    ("time", "Time"),
    ("measure", "Measure"),
)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")
COL_NAME, COL_SAMPLE, COL_ROLE, COL_MEASURE, COL_UNIT, COL_LIMB = range(6)


class PresetEditor(QDialog):
    """Map the columns of a new file to athlete, date and measures; save as a preset."""

    def __init__(self, database, actor: Actor, sample, suggested_name: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New import preset"))
        self.resize(900, 520)
        self._database = database
        self._actor = actor
        self._sample = sample
        self.saved_name: str | None = None
        cat = load_catalogue()
        self._measures = sorted(cat, key=lambda m: m.label)

        self.name_edit = QLineEdit(
            "".join(ch if ch.isalnum() else "-" for ch in suggested_name.lower()).strip("-")[:64]
        )
        self.name_edit.setObjectName("preset_name")
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("preset_description")
        self.date_format_combo = QComboBox()
        self.date_format_combo.setEditable(True)
        self.date_format_combo.setObjectName("date_format")
        self.date_format_combo.addItems(DATE_FORMATS)
        self.decimal_combo = QComboBox()
        self.decimal_combo.setObjectName("decimal")
        self.decimal_combo.addItem(self.tr("Point (8.5)"), ".")
        self.decimal_combo.addItem(self.tr("Comma (8,5)"), ",")
        self.thousands_combo = QComboBox()
        self.thousands_combo.setObjectName("thousands")
        for value, label in (
            ("", "None"),
            (",", "Comma"),
            (".", "Point"),
            (" ", "Space"),
            ("'", "Apostrophe"),
        ):
            self.thousands_combo.addItem(self.tr(label), value)
        self.timezone_edit = QLineEdit("UTC")
        self.timezone_edit.setObjectName("timezone")
        form = QFormLayout()
        form.addRow(self.tr("&Name:"), self.name_edit)
        form.addRow(self.tr("&Description:"), self.description_edit)
        form.addRow(self.tr("Date &format:"), self.date_format_combo)
        form.addRow(self.tr("Decimal &mark:"), self.decimal_combo)
        form.addRow(self.tr("&Thousands separator:"), self.thousands_combo)
        form.addRow(self.tr("Time &zone:"), self.timezone_edit)

        self.table = QTableWidget(len(sample.columns), 6)
        self.table.setObjectName("columns")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Column"),
                self.tr("First value"),
                self.tr("Is"),
                self.tr("Measure"),
                self.tr("Unit"),
                self.tr("Limb"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        first = sample.rows[0] if sample.rows else ()
        for row, name in enumerate(sample.columns):
            for col, value in (
                (COL_NAME, name),
                (COL_SAMPLE, first[row] if row < len(first) else ""),
            ):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, item)
            role = QComboBox()
            for value, label in ROLES:
                role.addItem(self.tr(label), value)
            measure = QComboBox()
            measure.addItem("", "")
            for m in self._measures:
                measure.addItem(f"{m.label} ({m.key})", m.key)
            unit = QComboBox()
            limb = QComboBox()
            limb.addItem("", "")
            limb.addItem(self.tr("left"), "left")
            limb.addItem(self.tr("right"), "right")
            measure.currentIndexChanged.connect(lambda _i, r=row: self._on_measure_changed(r))
            self.table.setCellWidget(row, COL_ROLE, role)
            self.table.setCellWidget(row, COL_MEASURE, measure)
            self.table.setCellWidget(row, COL_UNIT, unit)
            self.table.setCellWidget(row, COL_LIMB, limb)

        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setStyleSheet("color: #a00")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_save_clicked)
        buttons.rejected.connect(self.reject)
        info = QLabel(
            self.tr("{0}, {1}-separated, header on line {2}.").format(
                sample.encoding,
                {",": "comma", ";": "semicolon", "\t": "tab"}[sample.delimiter],
                sample.header_line,
            )
        )
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def set_column(
        self, column: str, role: str, measure: str = "", unit: str = "", limb: str = ""
    ) -> None:
        """Map *column* (used by tests and by the table's widgets alike)."""
        row = list(self._sample.columns).index(column)
        self._combo(row, COL_ROLE).setCurrentIndex(self._combo(row, COL_ROLE).findData(role))
        if measure:
            combo = self._combo(row, COL_MEASURE)
            combo.setCurrentIndex(combo.findData(measure))
            self._combo(row, COL_UNIT).setCurrentIndex(
                max(self._combo(row, COL_UNIT).findData(unit), 0)
            )
        if limb:
            self._combo(row, COL_LIMB).setCurrentIndex(self._combo(row, COL_LIMB).findData(limb))

    def _combo(self, row: int, col: int) -> QComboBox:
        return self.table.cellWidget(row, col)

    def _on_measure_changed(self, row: int) -> None:
        key = self._combo(row, COL_MEASURE).currentData()
        unit = self._combo(row, COL_UNIT)
        unit.clear()
        if key:
            for name in load_catalogue().accepted_units(key):
                unit.addItem(name, name)
            roles = self._combo(row, COL_ROLE)
            roles.setCurrentIndex(roles.findData("measure"))

    def definition(self) -> dict:
        columns, athlete, date = [], {}, {}
        for row, name in enumerate(self._sample.columns):
            role = self._combo(row, COL_ROLE).currentData()
            if role == "athlete_id":
                athlete["id_column"] = name
            elif role == "athlete_name":
                athlete["name_column"] = name
            elif role == "date":
                date["column"] = name
            elif role == "time":
                date["time_column"] = name
            elif role == "measure":
                columns.append(
                    {
                        "column": name,
                        "measure": self._combo(row, COL_MEASURE).currentData() or "",
                        "unit": self._combo(row, COL_UNIT).currentData() or "",
                        "limb": self._combo(row, COL_LIMB).currentData() or "",
                    }
                )
        date.update(
            format=self.date_format_combo.currentText().strip(),
            timezone=self.timezone_edit.text().strip() or "UTC",
        )
        return {
            "name": self.name_edit.text().strip(),
            "description": self.description_edit.text().strip(),
            "kind": "wide",
            "file": {
                "encoding": "auto",
                "delimiter": self._sample.delimiter,
                "decimal": self.decimal_combo.currentData(),
                "thousands": self.thousands_combo.currentData(),
            },
            "athlete": athlete,
            "date": date,
            "columns": columns,
        }

    def _on_save_clicked(self) -> None:
        from casemgr.services.imports import save_preset

        try:
            with self._database.session() as s:
                info = save_preset(s, self._actor, self.definition())
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            self.error_label.setText(error_message(exc))
            return
        self.saved_name = info.name
        self.accept()
