"""Run work off the GUI thread: ``run_task(func, on_done)`` (after Picard's ``run_task``).

*func* runs on a ``QThreadPool`` worker and must not touch widgets; it opens its own
database session (sessions never cross threads). *on_done(result)* or *on_error(exc)*
then runs on the GUI thread, unless the *owner* widget was deleted meanwhile (a closed
workspace does not get a late answer). With *busy_text*, a progress dialog appears when
the work takes longer than ~200 ms; cancelling it drops the answer (the worker finishes
its query, nothing is written from the callback).

Tests call ``set_synchronous(True)`` to run the work and the callback at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

_synchronous = False
_running: set[TaskHandle] = set()
PROGRESS_DELAY_MS = 200


def set_synchronous(on: bool) -> None:
    """Run tasks immediately on the calling thread (tests)."""
    global _synchronous
    _synchronous = on


def is_synchronous() -> bool:
    return _synchronous


def wait_for_all(msecs: int = 5000) -> bool:
    """Let running work finish (at exit), so no worker outlives the app."""
    return QThreadPool.globalInstance().waitForDone(msecs)


def running_count() -> int:
    """Tasks started and not yet answered."""
    return len(_running)


def _default_error(exc: BaseException) -> None:
    sys.excepthook(type(exc), exc, exc.__traceback__)


class _Job(QRunnable):
    def __init__(self, func: Callable[[], Any], handle: TaskHandle) -> None:
        super().__init__()
        self._func = func
        self._handle = handle

    def run(self) -> None:  # worker thread
        try:
            result = self._func()
        except BaseException as exc:  # delivered to on_error on the GUI thread
            self._answer(self._handle.failed, exc)
        else:
            self._answer(self._handle.finished, result)

    def _answer(self, signal, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the app is shutting down: nobody is left to answer
            log.debug("Task finished after its handle was deleted")


class TaskHandle(QObject):
    """One started task; lives on the GUI thread and relays the answer there."""

    finished = Signal(object)
    failed = Signal(object)
    answered = Signal()

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None,
        owner: QObject | None,
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error or _default_error
        self._owner = owner
        self.cancelled = False
        self.done = False
        self.progress: QProgressDialog | None = None
        self.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        """Drop the answer (the work itself runs to its end)."""
        self.cancelled = True
        self._close()

    def _owner_alive(self) -> bool:
        return self._owner is None or shiboken6.isValid(self._owner)

    def _close(self) -> None:
        if self.progress is not None and shiboken6.isValid(self.progress):
            self.progress.reset()
            self.progress.deleteLater()
        self.progress = None
        self.done = True
        _running.discard(self)
        self.answered.emit()

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        deliver = not self.cancelled and self._owner_alive()
        self._close()
        if deliver:
            self._on_done(result)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        deliver = not self.cancelled and self._owner_alive()
        self._close()
        if deliver:
            self._on_error(exc)
        else:
            log.info("Dropped the error of a cancelled task: %s", exc)


def run_task(
    func: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
    *,
    owner: QObject | None = None,
    busy_text: str = "",
    parent: QWidget | None = None,
) -> TaskHandle:
    """Run *func()* on the thread pool; answer with *on_done(result)* / *on_error(exc)*."""
    handle = TaskHandle(on_done, on_error, owner)
    if _synchronous:
        try:
            result = func()
        except Exception as exc:
            handle._on_failed(exc)
        else:
            handle._on_finished(result)
        return handle
    _running.add(handle)
    if busy_text:
        dialog = QProgressDialog(busy_text, handle.tr("Cancel"), 0, 0, parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(handle.cancel)
        handle.progress = dialog
    QThreadPool.globalInstance().start(_Job(func, handle))
    return handle
