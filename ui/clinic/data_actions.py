"""File-menu actions for data out: export a case or an athlete, back up, restore.

Each function asks for a file (unless given one), runs the work off the GUI thread
(``ui.tasks.run_task``) and says what happened. :func:`install_file_menu` adds the actions
to a menu; :func:`remind_backup_if_due` tells an administrator when the last backup is
more than a week old (or there is none).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from casemgr.permissions import Action, Actor, allowed
from ui.platform import clinic_time, tasks
from ui.platform.errors import error_message, show_error


def _tr(text: str) -> str:
    return QCoreApplication.translate("data_actions", text)


def _save_path(parent, title: str, suggested: str, filters: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return Path(path) if path else None


def export_case(
    parent: QWidget | None,
    database,
    actor: Actor,
    case_id: int,
    path: str | Path | None = None,
    on_done: Callable[[object], None] | None = None,
):
    """Export a case to CSV or JSON (by the file's extension)."""
    from casemgr.services.exports import export_case as run

    path = (
        Path(path)
        if path
        else _save_path(
            parent, _tr("Export case"), f"case-{case_id}.csv", _tr("CSV (*.csv);;JSON (*.json)")
        )
    )
    if path is None:
        return None

    def work():
        with database.session() as s:
            return run(s, actor, case_id, path)

    return _run(parent, work, _tr("Export case"), _tr("Exported {rows} rows to {path}."), on_done)


def export_athlete(
    parent: QWidget | None,
    database,
    actor: Actor,
    athlete_id: int,
    path: str | Path | None = None,
    on_done: Callable[[object], None] | None = None,
):
    """Export everything about an athlete (a data-subject access request)."""
    from casemgr.services.exports import export_athlete as run

    path = (
        Path(path)
        if path
        else _save_path(
            parent,
            _tr("Export everything about the athlete"),
            f"athlete-{athlete_id}.json",
            _tr("JSON (*.json);;CSV (*.csv)"),
        )
    )
    if path is None:
        return None

    def work():
        with database.session() as s:
            return run(s, actor, athlete_id, path)

    return _run(
        parent, work, _tr("Export athlete"), _tr("Exported {rows} rows to {path}."), on_done
    )


def backup_now(
    parent: QWidget | None,
    database,
    actor: Actor,
    path: str | Path | None = None,
    on_done: Callable[[object], None] | None = None,
):
    """Write a verified backup (administrators)."""
    from casemgr.db.base import utcnow
    from casemgr.services.backup import backup_database

    if path is None:
        suggested = f"casemgr-backup-{utcnow():%Y%m%d-%H%M}.zip"
        path = _save_path(parent, _tr("Back up the database"), suggested, _tr("Backup (*.zip)"))
        if path is None:
            return None
        force = True  # the file dialog already asked about replacing
    else:
        path, force = Path(path), False

    def work():
        return backup_database(database, actor, path, force=force)

    return _run(
        parent,
        work,
        _tr("Backup"),
        _tr("Backup written to {path} and verified."),
        on_done,
        busy=_tr("Backing up…"),
    )


def restore_from(
    parent: QWidget | None,
    database,
    actor: Actor,
    path: str | Path | None = None,
    *,
    confirm: bool = True,
    on_done: Callable[[object], None] | None = None,
):
    """Restore a backup over the current database, after validating it (administrators)."""
    from casemgr.services.backup import read_manifest, restore_database

    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            parent, _tr("Restore a backup"), "", _tr("Backup (*.zip);;All (*)")
        )
        if not chosen:
            return None
        path = chosen
    path = Path(path)
    try:
        manifest = read_manifest(path)
    except Exception as exc:  # noqa: BLE001 - shown to the user
        show_error(parent, _tr("Restore"), error_message(exc))
        return None
    if confirm:
        counts = manifest.get("row_counts", {})
        answer = QMessageBox.question(
            parent,
            _tr("Restore"),
            _tr(
                "Replace the current database with the backup made {0} by {1} ({2} athletes, "
                "{3} cases)? A safety copy of the current database is kept."
            ).format(
                manifest.get("created_at", "?"),
                manifest.get("created_by", "?"),
                counts.get("athletes", 0),
                counts.get("cases", 0),
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None

    def work():
        return restore_database(database.url, path, lambda _db: actor)

    return _run(
        parent,
        work,
        _tr("Restore"),
        _tr("Restored from {path}. Reopen the case windows to see the restored data."),
        on_done,
        busy=_tr("Restoring…"),
    )


def _notify(parent, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    """A non-blocking message (the work finished on its own time, not on a click)."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # messages quote file and user names
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def _run(parent, work, title: str, message: str, on_done, busy: str = ""):
    def done(result):
        where = getattr(result, "path", None) or getattr(result, "target", "")
        rows = getattr(result, "rows", "")
        if on_done:
            on_done(result)
        _notify(parent, QMessageBox.Icon.Information, title, message.format(path=where, rows=rows))

    def failed(exc):
        if on_done:
            on_done(exc)
        _notify(parent, QMessageBox.Icon.Warning, title, error_message(exc))

    return tasks.run_task(work, done, failed, owner=parent, busy_text=busy, parent=parent)


def backup_reminder_text(database) -> str | None:
    """The reminder to show, or None when a backup is recent."""
    from casemgr.services.backup import backup_is_due, last_backup_at

    if not backup_is_due(database):
        return None
    last = last_backup_at(database)
    if last is None:
        return _tr("This database has never been backed up.")
    return _tr("The last backup is from {0}, more than a week ago.").format(
        clinic_time.time_text(last, "%Y-%m-%d")
    )


def remind_backup_if_due(parent: QWidget | None, database, actor: Actor) -> QMessageBox | None:
    """For administrators: a non-blocking reminder with a "Back up now" button."""
    if not allowed(actor.role, Action.BACKUP):
        return None
    text = backup_reminder_text(database)
    if text is None:
        return None
    box = QMessageBox(QMessageBox.Icon.Information, _tr("Backup"), text, parent=parent)
    box.setObjectName("backup_reminder")
    now = box.addButton(_tr("Back up now…"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(_tr("Later"), QMessageBox.ButtonRole.RejectRole)
    now.clicked.connect(lambda: backup_now(parent, database, actor))
    box.open()
    return box


def install_file_menu(
    menu: QMenu,
    parent: QWidget,
    database,
    actor: Actor,
    current_case_id: Callable[[], int | None],
    current_athlete_id: Callable[[], int | None] | None = None,
) -> dict[str, QAction]:
    """Add Import, Export case/athlete, Back up and Restore to *menu*; returns the actions."""
    role = actor.role
    actions: dict[str, QAction] = {}

    def add(key: str, text: str, slot, enabled: bool) -> None:
        act = QAction(text, parent)
        act.setObjectName(f"{key}_action")
        act.setEnabled(enabled)
        act.triggered.connect(slot)
        menu.addAction(act)
        actions[key] = act

    def open_import():
        from ui.clinic.import_dialog import ImportDialog

        dialog = ImportDialog(database, actor, parent)
        dialog.open()

    def case_export():
        case_id = current_case_id()
        if case_id is None:
            show_error(parent, _tr("Export case"), _tr("Select a case first."))
            return
        export_case(parent, database, actor, case_id)

    def athlete_export():
        athlete_id = current_athlete_id() if current_athlete_id else None
        if athlete_id is None:
            show_error(parent, _tr("Export athlete"), _tr("Select an athlete's case first."))
            return
        export_athlete(parent, database, actor, athlete_id)

    add("import", _tr("&Import data…"), open_import, allowed(role, Action.IMPORT_DATA))
    add("export_case", _tr("&Export case…"), case_export, allowed(role, Action.EXPORT_DATA))
    add(
        "export_athlete",
        _tr("Export everything about the &athlete…"),
        athlete_export,
        allowed(role, Action.EXPORT_DATA),
    )
    menu.addSeparator()
    add(
        "backup",
        _tr("&Back up…"),
        lambda: backup_now(parent, database, actor),
        allowed(role, Action.BACKUP),
    )
    add(
        "restore",
        _tr("&Restore a backup…"),
        lambda: restore_from(parent, database, actor),
        allowed(role, Action.RESTORE),
    )
    return actions
