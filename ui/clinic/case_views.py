"""Wires the case views into the windows: plots and the week plan as workspace tabs,
reports from the workspace and the case list, and the case-review screen.

The heavy views (pyqtgraph) are built the first time their tab is shown, so a workspace
opens as fast as its timeline and header.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QVBoxLayout, QWidget

from casemgr.permissions import Action, allowed


class LazyTab(QWidget):
    """A tab whose content widget is made when the tab is first shown."""

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self.content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        if self.content is None:
            self.content = self._factory()
            self._layout.addWidget(self.content)
        return self.content

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.ensure()
        super().showEvent(event)


def attach_case_views(workspace) -> None:
    """Add the Plots and Week plan tabs and the Report action to a ``CaseWorkspace``."""

    def make_plots() -> QWidget:
        from ui.plots.case_plots import CasePlotsWidget

        widget = CasePlotsWidget(workspace.database, workspace.actor, workspace.case_id)
        widget.entry_activated.connect(workspace.show_entry)
        return widget

    def make_week_plan() -> QWidget:
        from ui.case.week_plan import WeekPlanWidget

        widget = WeekPlanWidget(workspace.database, workspace.actor, workspace.case_id)
        widget.plan_changed.connect(workspace.timeline.reload)
        return widget

    workspace.plots_tab = LazyTab(make_plots)
    workspace.week_plan_tab = LazyTab(make_week_plan)
    plots_index = workspace.add_tab(workspace.plots_tab, workspace.tr("&Plots"))
    plan_index = workspace.add_tab(workspace.week_plan_tab, workspace.tr("&Week plan"))

    def reload_views(_case_id: int) -> None:
        for tab in (workspace.plots_tab, workspace.week_plan_tab):
            if tab.content is not None:
                tab.content.reload()

    workspace.case_changed.connect(reload_views)
    workspace.view_menu.addAction(
        _action(
            workspace,
            workspace.tr("&Plots"),
            "Alt+3",
            lambda: workspace.tabs.setCurrentIndex(plots_index),
        )
    )
    workspace.view_menu.addAction(
        _action(
            workspace,
            workspace.tr("&Week plan"),
            "Alt+4",
            lambda: workspace.tabs.setCurrentIndex(plan_index),
        )
    )
    workspace.report_action = _action(
        workspace,
        workspace.tr("&Report…"),
        QKeySequence.StandardKey.Print,
        lambda: open_report_dialog(
            workspace, workspace.database, workspace.actor, workspace.case_id
        ),
    )
    workspace.report_action.setEnabled(allowed(workspace.actor.role, Action.REPORT))
    workspace.file_menu.insertAction(workspace.file_menu.actions()[0], workspace.report_action)


def open_report_dialog(parent: QWidget, database, actor, case_id: int) -> QWidget:
    """The report dialog (preview, save, print) for *case_id*."""
    from ui.clinic.report_dialog import ReportDialog

    dialog = ReportDialog(database, actor, case_id, parent)
    dialog.open()
    parent.dialog = dialog
    return dialog


def open_case_review(main_window) -> QWidget:
    """The case-review screen; Enter on a case opens its workspace."""
    from ui.clinic.case_review import CaseReviewWindow

    window = getattr(main_window, "case_review", None)
    if window is None:
        window = CaseReviewWindow(main_window.database, main_window.actor, main_window)
        window.case_activated.connect(main_window.open_workspace)
        main_window.case_review = window
    else:
        window.reload()
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def _action(owner: QObject, text: str, shortcut, slot: Callable[[], object]) -> QAction:
    action = QAction(text, owner)
    action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
    action.triggered.connect(lambda _checked=False: slot())
    return action
