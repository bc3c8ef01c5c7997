"""``casemgr verify``: database integrity and audit-trail verification."""

from __future__ import annotations

import sys

ORDER = 20


def register(sub) -> None:
    sub.add_parser("verify", help="check database integrity and the audit trail").set_defaults(
        handler=cmd_verify
    )


def cmd_verify(args) -> int:
    from casemgr.verify import verify_database

    report = verify_database(args.db)
    for line in report.lines:
        print(line)
    if not report.ok:
        print("casemgr: verification FAILED: " + report.problem, file=sys.stderr)
        return 1
    return 0
