"""The ``casemgr`` console script: a headless command, or the desktop app without one.

Keep this module free of Qt imports: ``casemgr verify`` or ``casemgr sprint-profile`` must
work on a server without PySide6 and must not pay for loading it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``casemgr [--db ...] [--user ...] [COMMAND ...]``; returns the exit status."""
    from casemgr.cli import build_parser, run

    args = build_parser().parse_args(argv)
    if args.self_test:
        from ui.selftest import run_self_test

        return run_self_test()
    if args.command:
        return run(args)
    from ui.app import run_app  # Qt is loaded only here

    return run_app(db=args.db, user=args.user)


if __name__ == "__main__":
    sys.exit(main())
