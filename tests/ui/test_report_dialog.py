"""The report dialog: generate off the GUI thread, preview the pages, save, print."""

from __future__ import annotations

import pypdf
import pytest
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from casemgr.db.models import AuditEvent
from casemgr.services import timeline
from ui.clinic.report_dialog import ReportDialog


def _actions(clinic) -> list[str]:
    with clinic.session() as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("report.%"))))


@pytest.fixture
def dialog(qtbot, clinic):
    with clinic.session() as s:
        timeline.add_note(s, clinic.actors["physio"], clinic.case_id, "O'Brien <Jr> & Co: 李娜")
    dlg = ReportDialog(clinic.database, clinic.actors["doctor"], clinic.case_id)
    qtbot.addWidget(dlg)
    return dlg


def test_generates_in_the_background_and_previews_every_page(qtbot, dialog):
    assert not dialog.save_button.isEnabled() and not dialog.print_button.isEnabled()
    with qtbot.waitSignal(dialog.report_ready, timeout=20_000) as ready:
        dialog.generate_button.click()
    result = ready.args[0]
    assert result.kind == "rtp" and result.pdf.startswith(b"%PDF")
    assert dialog.page_count() >= 3
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()
    assert f"{dialog.page_count()} page(s)" in dialog.status_label.text()


def test_kind_and_paper_choices(qtbot, dialog):
    dialog.run_in_thread = False
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("review"))
    dialog.paper_combo.setCurrentIndex(dialog.paper_combo.findData("letter"))
    assert not dialog.save_button.isEnabled()  # a new choice needs a new document
    dialog.generate()
    assert dialog.result.kind == "review" and dialog.page_count() == 1
    size = dialog.document.pagePointSize(0)
    assert (round(size.width()), round(size.height())) == (612, 792)


def test_save_writes_the_pdf_and_audits_the_export(qtbot, dialog, clinic, tmp_path):
    dialog.run_in_thread = False
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("weekly"))
    dialog.generate()
    target = tmp_path / "weekly.pdf"
    with qtbot.waitSignal(dialog.report_saved):
        dialog.save_to(str(target))
    text = pypdf.PdfReader(str(target)).pages[0].extract_text()
    assert "Weekly progress sheet" in text and "Sam Carter" in text
    assert _actions(clinic) == ["report.export"]
    assert "Saved to" in dialog.status_label.text()


def test_save_to_a_missing_folder_fails_clearly_and_audits_nothing(dialog, clinic, tmp_path):
    dialog.run_in_thread = False
    dialog.generate()
    with pytest.raises(OSError, match="Could not write"):
        dialog.save_to(str(tmp_path / "missing" / "x.pdf"))
    assert _actions(clinic) == []


def test_print_renders_every_page_and_audits_the_print(qtbot, dialog, clinic, tmp_path):
    dialog.run_in_thread = False
    dialog.generate()
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(dialog.report_printed):
        dialog.print_to(printer)
    assert len(pypdf.PdfReader(str(tmp_path / "printed.pdf")).pages) == dialog.page_count()
    assert _actions(clinic) == ["report.print"]


def test_a_role_without_reports_sees_why(qtbot, clinic):
    dlg = ReportDialog(clinic.database, clinic.actors["admin"], clinic.case_id)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.report_failed, timeout=20_000) as failed:
        dlg.generate()
    assert "does not allow you to produce reports" in failed.args[0]
    assert "Could not make the document" in dlg.status_label.text()
    assert not dlg.save_button.isEnabled() and dlg.generate_button.isEnabled()
