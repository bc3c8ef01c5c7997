"""The views meet: plots and week plan inside a case workspace, reports and the case
review from the main window."""

from __future__ import annotations

import pytest

from ui.case.week_plan import WeekPlanWidget
from ui.clinic.main_window import MainWindow
from ui.clinic.report_dialog import ReportDialog
from ui.platform import tasks
from ui.plots.case_plots import CasePlotsWidget


@pytest.fixture(autouse=True)
def synchronous_tasks():
    tasks.set_synchronous(True)
    yield
    tasks.set_synchronous(False)


@pytest.fixture
def main_window(qtbot, clinic):
    window = MainWindow(clinic.database, clinic.actors["physio"])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _tab_titles(workspace) -> list[str]:
    return [workspace.tabs.tabText(i).replace("&", "") for i in range(workspace.tabs.count())]


def test_workspace_has_plots_and_week_plan_built_on_first_view(qtbot, main_window, clinic):
    workspace = main_window.open_workspace(clinic.case_id)
    qtbot.addWidget(workspace)
    assert _tab_titles(workspace) == ["Timeline", "Criteria", "Plots", "Week plan"]
    assert workspace.plots_tab.content is None  # not built until looked at
    workspace.tabs.setCurrentWidget(workspace.plots_tab)
    qtbot.waitUntil(lambda: isinstance(workspace.plots_tab.content, CasePlotsWidget))
    workspace.tabs.setCurrentWidget(workspace.week_plan_tab)
    qtbot.waitUntil(lambda: isinstance(workspace.week_plan_tab.content, WeekPlanWidget))


def test_report_action_opens_the_report_dialog_for_the_selected_case(qtbot, main_window, clinic):
    assert main_window.select_case(clinic.case_id)
    main_window.report_action.trigger()
    qtbot.waitUntil(lambda: isinstance(main_window.dialog, ReportDialog))
    assert main_window.dialog.isVisible()
    main_window.dialog.close()


def test_case_review_opens_and_enter_opens_the_workspace(qtbot, main_window, clinic):
    main_window.case_review_action.trigger()
    review = main_window.case_review
    qtbot.addWidget(review)
    qtbot.waitUntil(
        lambda: review.current_case_id() is not None or review.select_case(clinic.case_id)
    )
    assert review.select_case(clinic.case_id)
    with qtbot.waitSignal(main_window.workspace_opened, timeout=5000):
        review.case_activated.emit(clinic.case_id)
    assert clinic.case_id in main_window.workspaces
    for workspace in main_window.workspaces.values():
        qtbot.addWidget(workspace)


def test_admin_cannot_report(qtbot, clinic):
    window = MainWindow(clinic.database, clinic.actors["admin"])
    qtbot.addWidget(window)
    assert not window.report_action.isEnabled()
