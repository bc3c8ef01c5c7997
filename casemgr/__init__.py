"""casemgr: the core of the return-to-sprint case manager (no Qt, no reportlab)."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("casemgr")
except _metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.1.0"
