"""``casemgr readiness``: the exit-criteria evaluation of a case's current phase."""

from __future__ import annotations

import json

from casemgr.commands._common import login, open_db

ORDER = 40


def register(sub) -> None:
    rd = sub.add_parser("readiness", help="exit-criteria evaluation of a case's current phase")
    rd.add_argument("case_id", type=int)
    rd.add_argument("--json", action="store_true")
    rd.set_defaults(handler=cmd_readiness)


def cmd_readiness(args) -> int:
    from casemgr.services.readiness import evaluate_case

    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            result = evaluate_case(s, actor, args.case_id)
    finally:
        database.dispose()
    ev = result.evaluation
    if args.json:
        payload = {
            "case_id": result.case_id,
            "phase": result.phase_ordinal,
            "phase_name": result.phase_name,
            **ev.to_dict(),
            "signals": [
                {"kind": g.kind, "message": g.message, "entries": list(g.triggered_by)}
                for g in result.signals
            ],
        }
        print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
        return 0
    print(f"Case {result.case_id}, phase {result.phase_ordinal}: {result.phase_name}")
    print(ev.summary)
    for r in ev.results:
        kind = "" if r.required else " (advisory)"
        conv = " [convention]" if r.convention else ""
        print(f"  [{r.status.upper():7}] {r.label}{kind}{conv}")
        print(f"            {r.explanation}")
    for g in result.signals:
        print(f"  suggestion ({g.kind.replace('_', ' ')}): {g.message}")
    return 0
