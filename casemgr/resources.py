"""Where the bundled resources (measure catalogue, protocol templates, ...) live.

One function, :func:`resource_path`, works from a source checkout, from an installed
wheel (``resources`` is a top-level package next to ``casemgr``) and from a PyInstaller
bundle (files unpacked under ``sys._MEIPASS``; the spec must list ``resources/`` as data).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resource_root() -> Path:
    """The directory that holds the ``resources`` folder."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[1]


def resource_path(*parts: str) -> Path:
    """The path of a bundled resource, e.g. ``resource_path("protocols", "calf.toml")``."""
    return resource_root().joinpath("resources", *parts)
