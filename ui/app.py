"""Start the desktop app: logging, QApplication, error hook, database, log in, main window."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication, QDialog

from casemgr import __version__
from casemgr.db.open import open_database
from casemgr.errors import CaseMgrError, DatabaseError
from casemgr.logsetup import configure_logging
from casemgr.resources import resource_path
from ui.clinic.data_actions import remind_backup_if_due
from ui.clinic.main_window import MainWindow
from ui.platform import clinic_time, errors, tasks
from ui.platform.login_dialog import LoginDialog

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR = 0, 1


def _tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


def create_application() -> QApplication:
    """The QApplication (reused if one exists, as under pytest-qt), named and iconed."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("casemgr")
    app.setOrganizationName("casemgr")
    app.setApplicationVersion(__version__)
    icon = resource_path("icon.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    _install_translators(app)
    _install_fonts(app)
    return app


def _install_fonts(app: QApplication) -> None:
    """Register the bundled fonts and use them as fallbacks, so that names in any script
    (``李娜``, ``Łukasz``, Greek, Cyrillic) display even where the system lacks fonts."""
    if app.property("casemgr_fonts_installed"):
        return
    app.setProperty("casemgr_fonts_installed", True)
    families: list[str] = []
    for path in sorted(resource_path("fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families += [f for f in QFontDatabase.applicationFontFamilies(font_id) if f not in families]
    if families:
        base = app.font()
        fallbacks = [f for f in families if f != base.family()]
        base.setFamilies([base.family(), *fallbacks])
        app.setFont(base)


def _install_translators(app: QApplication) -> None:
    """Qt's own strings and ours (``resources/translations/casemgr_<lang>.qm``) if present."""
    if app.property("casemgr_translators_installed"):
        return
    app.setProperty("casemgr_translators_installed", True)
    locale = QLocale.system()
    candidates = [
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        ("casemgr", str(resource_path("translations"))),
    ]
    for name, directory in candidates:
        translator = QTranslator(app)
        if translator.load(locale, name, "_", directory):
            app.installTranslator(translator)


def run_app(db: str | None = None, user: str | None = None) -> int:
    """Run the desktop app on database *db* (path or URL); returns the exit status."""
    configure_logging()
    app = create_application()
    errors.install_excepthook()
    log.info("casemgr %s starting", __version__)
    while True:
        try:
            database = open_database(db)
            break
        except DatabaseError as exc:
            log.warning("Database not opened: %s", exc)
            from ui.platform.recovery import offer_restore

            if not offer_restore(db, str(exc)):
                return EXIT_ERROR
    try:
        login = LoginDialog(database, username=user or os.environ.get("CASEMGR_USER", ""))
        if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
            return EXIT_OK
        try:
            with database.session() as s:  # every day and time on screen is the clinic's
                clinic_time.load(s)
        except CaseMgrError as exc:  # a zone this computer does not know: say so, never UTC
            hint = _tr("An administrator sets it with: casemgr settings set timezone Area/City")
            errors.show_error(None, _tr("Clinic time zone"), f"{exc}\n\n{hint}")
            return EXIT_ERROR
        window = MainWindow(database, login.actor)
        window.show()
        remind_backup_if_due(window, database, login.actor)
        return app.exec()
    finally:
        tasks.wait_for_all()
        database.dispose()
