"""``casemgr readiness``: the exit-criteria evaluation of a case's current phase."""

from __future__ import annotations

import json

from casemgr.commands._common import login, open_db, record_id

ORDER = 40


def register(sub) -> None:
    rd = sub.add_parser("readiness", help="exit-criteria evaluation of a case's current phase")
    rd.add_argument("case_id", type=record_id)
    rd.add_argument("--json", action="store_true")
    rd.set_defaults(handler=cmd_readiness)


def cmd_readiness(args) -> int:
    from casemgr.services.readiness import evaluate_case
    from casemgr.services.settings import clinic_zone
    from casemgr.services.suggestion_answers import describe_answer

    database = open_db(args)
    try:
        actor = login(args, database)
        with database.session() as s:
            result = evaluate_case(s, actor, args.case_id)
            tz = clinic_zone(s)
    finally:
        database.dispose()
    ev = result.evaluation
    if args.json:
        payload = {
            "case_id": result.case_id,
            "phase": result.phase_ordinal,
            "phase_name": result.phase_name,
            "case_status": result.case_status,
            **ev.to_dict(),
            # open suggestions ("answered": null), then the answered ones of the window
            "signals": [{**g.to_dict(), "answered": None} for g in result.signals]
            + [a.to_dict() for a in result.answered],
            "pause": result.pause.to_dict() if result.pause else None,
            "surveillance": [w.to_dict() for w in result.surveillance],
        }
        print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
        return 0
    closed = " (case closed)" if result.case_status == "closed" else ""
    print(f"Case {result.case_id}, phase {result.phase_ordinal}: {result.phase_name}{closed}")
    print(ev.summary)
    for r in ev.results:
        kind = "" if r.required else " (advisory)"
        conv = " [convention]" if r.convention else ""
        print(f"  [{r.status.upper():7}] {r.label}{kind}{conv}")
        print(f"            {r.explanation}")
    if result.pause is not None:
        print(f"Progression paused: {describe_answer(result.pause, tz)}")
    for g in result.signals:
        print(f"  suggestion ({g.kind.replace('_', ' ')}): {g.message}")
        print(f"            key {g.key}")
    for a in result.answered:
        print(f"  answered ({a.signal.kind.replace('_', ' ')}): {a.signal.message}")
        print(f"            {describe_answer(a.answer, tz)}")
    if result.surveillance:
        print("Surveillance: decline against the pre-injury baseline and the athlete's own band")
        for w in result.surveillance:
            print(f"  [{_WATCH_TAGS[w.status]:7}] {w.label}")
            print(f"            {w.explanation}")
    return 0


_WATCH_TAGS = {"flag": "FLAG", "watch": "WATCH", "ok": "OK", "no_reference": "NO REF"}
