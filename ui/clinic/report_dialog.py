"""Make, preview, save and print a case's PDF documents.

The document is gathered and laid out off the GUI thread (a ``QRunnable`` on the global
``QThreadPool`` with its own database session; the result comes back by signal), shown
page by page with QtPdf, saved through a temporary file and a rename, and printed through
the system print dialog. Saving is audited as "report.export", printing as "report.print".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QRect,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from casemgr.permissions import Actor
from casemgr.services import report_data
from reports.build import render_document, write_atomic
from ui.platform.errors import error_message, show_error

log = logging.getLogger(__name__)

PRINT_DPI = 300  # page images sent to the printer; sharp text without gigabyte images


@dataclass(frozen=True)
class ReportResult:
    """A finished document: the PDF and what it covers."""

    token: int
    kind: str
    paper: str
    pdf: bytes
    case_ids: tuple[int, ...]
    file_stem: str


class _TaskSignals(QObject):
    finished = Signal(object)  # ReportResult
    failed = Signal(int, str)  # token, message


class MakeReportTask(QRunnable):
    """Gathers the data in its own session and renders the PDF; never touches widgets."""

    def __init__(self, database, actor: Actor, case_id: int, kind: str, paper: str, token: int):
        super().__init__()
        self.database, self.actor, self.case_id = database, actor, case_id
        self.kind, self.paper, self.token = kind, paper, token
        self.signals = _TaskSignals()

    def run(self) -> None:
        try:
            with self.database.session() as s:
                if self.kind == "rtp":
                    data = report_data.rtp_data(s, self.actor, self.case_id)
                elif self.kind == "review":
                    data = report_data.review_data(s, self.actor, self.case_id)
                else:
                    data = report_data.weekly_data(s, self.actor, self.case_id)
            pdf = render_document(data, self.paper)
            name = data.head.athlete.full_name
            stem = f"{self.kind}-case{self.case_id}-" + "".join(
                ch if ch.isalnum() else "_" for ch in name
            ).strip("_")
            self.signals.finished.emit(
                ReportResult(self.token, self.kind, self.paper, pdf, (self.case_id,), stem)
            )
        except Exception as exc:  # reported to the dialog, which words it
            log.exception("Report generation failed")
            self.signals.failed.emit(self.token, error_message(exc))


class ReportDialog(QDialog):
    """Choose a document and paper, preview it, save it as PDF or print it."""

    report_ready = Signal(object)  # ReportResult
    report_failed = Signal(str)
    report_saved = Signal(str)  # path
    report_printed = Signal()

    def __init__(self, database, actor: Actor, case_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._database, self._actor, self._case_id = database, actor, case_id
        self._token = 0
        self._tasks: dict[int, MakeReportTask] = {}
        self.result: ReportResult | None = None
        self.run_in_thread = True  # tests may run the task on the GUI thread
        self.setWindowTitle(self.tr("Reports — case {0}").format(case_id))
        self.resize(900, 1000)

        self.kind_combo = QComboBox()
        for kind, label in (
            ("rtp", self.tr("Return-to-play report")),
            ("review", self.tr("Case-review summary")),
            ("weekly", self.tr("Weekly progress sheet")),
        ):
            self.kind_combo.addItem(label, kind)
        self.paper_combo = QComboBox()
        self.paper_combo.addItem(self.tr("A4"), "a4")
        self.paper_combo.addItem(self.tr("US Letter"), "letter")
        self.generate_button = QPushButton(self.tr("Generate"))
        self.save_button = QPushButton(self.tr("Save as…"))
        self.print_button = QPushButton(self.tr("Print…"))
        self.close_button = QPushButton(self.tr("Close"))
        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)

        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._buffer: QBuffer | None = None

        controls = QHBoxLayout()
        controls.addWidget(QLabel(self.tr("Document:")))
        controls.addWidget(self.kind_combo, 1)
        controls.addWidget(QLabel(self.tr("Paper:")))
        controls.addWidget(self.paper_combo)
        controls.addWidget(self.generate_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

        self.generate_button.clicked.connect(self.generate)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.print_button.clicked.connect(self._on_print_clicked)
        self.close_button.clicked.connect(self.reject)
        self.kind_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.paper_combo.currentIndexChanged.connect(self._on_choice_changed)
        self._set_ready(False)

    # --- choices --------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.kind_combo.currentData()

    @property
    def paper(self) -> str:
        return self.paper_combo.currentData()

    def page_count(self) -> int:
        return self.document.pageCount()

    def _set_ready(self, ready: bool) -> None:
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready)

    def _on_choice_changed(self) -> None:
        self._set_ready(False)
        self.status_label.setText(self.tr("Press Generate to make the document."))

    # --- generation -----------------------------------------------------------------------
    def generate(self) -> None:
        """Make the chosen document off the GUI thread; ``report_ready`` when done."""
        self._token += 1
        task = MakeReportTask(
            self._database, self._actor, self._case_id, self.kind, self.paper, self._token
        )
        task.setAutoDelete(False)
        task.signals.finished.connect(self._on_task_finished)
        task.signals.failed.connect(self._on_task_failed)
        self._tasks[self._token] = task
        self._set_ready(False)
        self.generate_button.setEnabled(False)
        self.status_label.setText(self.tr("Generating…"))
        if self.run_in_thread:
            QThreadPool.globalInstance().start(task)
        else:
            task.run()

    def _on_task_finished(self, result: ReportResult) -> None:
        self._tasks.pop(result.token, None)
        if result.token != self._token:
            return  # an older request; a newer one is on its way
        self.generate_button.setEnabled(True)
        self.result = result
        self.document.close()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(result.pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        pages = self.document.pageCount()
        self.status_label.setText(
            self.tr("{0} page(s), {1} KB.").format(pages, len(result.pdf) // 1024 + 1)
        )
        self._set_ready(True)
        self.report_ready.emit(result)

    def _on_task_failed(self, token: int, message: str) -> None:
        self._tasks.pop(token, None)
        if token != self._token:
            return
        self.generate_button.setEnabled(True)
        self.result = None
        self.status_label.setText(self.tr("Could not make the document: {0}").format(message))
        self.report_failed.emit(message)

    # --- save -----------------------------------------------------------------------------
    def _on_save_clicked(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save report"), self.result.file_stem + ".pdf", self.tr("PDF (*.pdf)")
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            self.save_to(path)
        except Exception as exc:
            show_error(self, self.tr("Save report"), error_message(exc))

    def save_to(self, path: str) -> None:
        """Write the current PDF to *path* (atomically) and audit the export."""
        if self.result is None:
            raise RuntimeError("No document has been generated yet.")
        try:
            with self._database.session() as s:
                write_atomic(path, self.result.pdf)
                report_data.log_report(s, self._actor, self.result.kind, self.result.case_ids)
        except OSError as exc:
            raise OSError(
                exc.errno, self.tr("Could not write {0}: {1}").format(path, exc.strerror or exc)
            ) from exc
        self.status_label.setText(self.tr("Saved to {0}.").format(path))
        self.report_saved.emit(path)

    # --- print ----------------------------------------------------------------------------
    def _on_print_clicked(self) -> None:
        if self.result is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.result.file_stem)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Print report"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except Exception as exc:
            show_error(self, self.tr("Print report"), error_message(exc))

    def print_to(self, printer: QPrinter) -> None:
        """Render every page to *printer* at its resolution and audit the print."""
        if self.result is None:
            raise RuntimeError("No document has been generated yet.")
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError(self.tr("The printer could not be started."))
        try:
            dpi = min(printer.resolution(), PRINT_DPI)
            for index in range(self.document.pageCount()):
                if index:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
                image = self.document.render(index, size)
                target = painter.viewport()
                fitted = size.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(target.topLeft(), fitted), image)
        finally:
            painter.end()
        with self._database.session() as s:
            report_data.log_report(
                s, self._actor, self.result.kind, self.result.case_ids, printed=True
            )
        self.status_label.setText(self.tr("Sent to the printer."))
        self.report_printed.emit()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.document.close()
        super().closeEvent(event)
