"""Where casemgr keeps its files: one place, overridable with ``CASEMGR_HOME``.

Without the override the platform's user data and log directories are used
(platformdirs), so tests and scripts can point the whole app elsewhere by setting
``CASEMGR_HOME``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "casemgr"
DB_FILENAME = "casemgr.sqlite3"


def home() -> Path:
    """The data directory (created on demand)."""
    override = os.environ.get("CASEMGR_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """The directory of the rotating log file."""
    override = os.environ.get("CASEMGR_HOME")
    path = Path(override) / "logs" if override else Path(platformdirs.user_log_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """The default SQLite database of this workstation."""
    return home() / DB_FILENAME


def backups_dir() -> Path:
    """Where automatic pre-migration copies are kept."""
    path = home() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path
