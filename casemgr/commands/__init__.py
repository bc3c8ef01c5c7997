"""The subcommands of ``casemgr``: one module per command group.

Each public module here (and each module registered by a higher layer under the
``casemgr.commands`` entry-point group, e.g. the reports' ``report`` command) defines ``register(subparsers)``, which adds its parser(s) and
sets ``handler`` (a function ``(args) -> exit status``) with ``set_defaults``. Modules are
found by name, so a new command is a new file; ``ORDER`` sorts them in ``--help``.
Handlers import what they need lazily: a headless command never imports Qt.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib import metadata
from types import ModuleType


def command_modules() -> list[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    modules = [importlib.import_module(f"{__name__}.{name}") for name in names]
    for entry in metadata.entry_points(group="casemgr.commands"):
        module = importlib.import_module(entry.value)
        if module not in modules:
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))
