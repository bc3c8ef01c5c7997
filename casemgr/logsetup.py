"""Logging configuration: a rotating file in the user log directory."""

from __future__ import annotations

import logging
import logging.handlers

from casemgr import paths

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """Send log records to ``casemgr.log`` (1 MB x 5 files). Idempotent."""
    root = logging.getLogger()
    if any(getattr(h, "_casemgr", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        paths.log_dir() / "casemgr.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler._casemgr = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
