"""A deterministic clinic at scale, for benchmarks only (not the demo clinic).

    .venv/bin/python benchmarks/make_clinic.py OUT.sqlite3 [--athletes 200] [--years 3]
    .venv/bin/python benchmarks/make_clinic.py OUT.sqlite3 --quick   # 20 athletes, 6 months

The schema is the real one (``open_database(path, create=True)`` runs the migrations); the
users (``admin``, ``doctor``, ``physio``, ``coach``, ``scientist``, password
:data:`PASSWORD`) and the default protocols are installed through the services. The
history is then bulk-inserted with ``sqlite3`` ``executemany`` in large transactions:

- per athlete, one or two hamstring/calf cases covering every day of the period: an
  earlier case (closed, after its surveillance) and the current one in any phase, or, for
  every tenth athlete, one long case in surveillance for the whole period (the biggest);
- daily feedback (pain, soreness, tightness, sleep, stress, confidence: 6 measures) on
  ~90% of the days, training sessions three times a week with their GPS measures, a
  weekly test battery (sprint timing gates + per-limb strength and flexibility), pre-injury
  baselines, phase changes, clinician checks and fortnightly notes.

At the default size that is ~2.2 million measure rows and ~330,000 timeline entries.
Values follow the demo clinic's recovery curves (``casemgr.demo``) so readiness, plots and
reports have something to say. Everything is seeded: the same size and end date give the
same clinic. One summary audit event (``benchmark.create``) is written through
``casemgr.audit.record``, so ``casemgr verify`` passes.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "benchmark"
SEED = 9_200
FIRST = [
    "Sam",
    "Lea",
    "Tomás",
    "Ngozi",
    "José",
    "Mikael",
    "Aroha",
    "Chen",
    "Fatima",
    "Lukas",
    "Siobhán",
    "Jakub",
    "Maria",
    "Ava",
    "Noah",
    "Liam",
    "Zoë",
    "Émile",
    "Kenji",
    "Amara",
    "Björn",
    "Chloé",
    "Diego",
    "Hana",
    "Ivan",
    "Jonas",
    "Kai",
    "Lucía",
    "Mateo",
    "Nadia",
]
LAST = [
    "Carter",
    "Moreau",
    "Ruiz",
    "Adeyemi",
    "Núñez",
    "Lindqvist",
    "Ngata",
    "Wei",
    "Brandt",
    "Kelly",
    "Nowak",
    "O'Brien",
    "Rossi",
    "Okafor",
    "Müller",
    "Dubois",
    "Tanaka",
    "Silva",
    "Novak",
    "Jensen",
    "Kowalski",
    "Haddad",
    "Costa",
    "Schmidt",
    "Ibarra",
]
SPORTS = [
    ("Athletics", "100 m"),
    ("Football", "Winger"),
    ("Rugby union", "Wing"),
    ("Basketball", "Guard"),
    ("Australian football", "Midfielder"),
    ("Gaelic football", "Forward"),
]
HAMSTRING_MUSCLES = ("biceps_femoris_long_head", "semitendinosus", "semimembranosus")
CALF_MUSCLES = ("soleus", "medial_gastrocnemius", "lateral_gastrocnemius")
FEEDBACK_KEYS = ("pain", "soreness", "tightness", "sleep_hours", "stress", "confidence")


@dataclass(frozen=True)
class Size:
    athletes: int
    days: int


def _ts(day: date, hour: int, minute: int = 0) -> str:
    """A stored UTC timestamp (SQLAlchemy's SQLite DateTime format)."""
    return f"{day.isoformat()} {hour:02d}:{minute:02d}:00.000000"


def _setup(path: Path) -> tuple[dict[str, int], dict[str, tuple[int, list[tuple[int, str, str]]]]]:
    """Schema, users and protocols through the real code; returns user ids and, per region,
    the protocol id and its phases (id, key, name)."""
    from sqlalchemy import select

    from casemgr.db.models import AppMeta, Protocol
    from casemgr.db.open import open_database
    from casemgr.permissions import SYSTEM, Actor
    from casemgr.services.protocols import install_default_protocols
    from casemgr.services.users import create_first_admin, create_user

    database = open_database(str(path), create=True)
    try:
        users: dict[str, int] = {}
        with database.session() as s:
            admin = create_first_admin(s, "admin", "Alex Morgan", PASSWORD)
            actor = Actor(admin.id, admin.username, admin.role, admin.display_name)
            users["admin"] = admin.id
            for name, display, role in (
                ("doctor", "Dr. Maria Rossi", "doctor"),
                ("physio", "Tom Becker", "physio"),
                ("coach", "Jamie Okafor", "coach"),
                ("scientist", "Dr. Priya Natarajan", "scientist"),
            ):
                users[role] = create_user(s, actor, name, display, role, PASSWORD).id
            install_default_protocols(s, SYSTEM)
            s.merge(AppMeta(key="clinic_name", value="Benchmark Clinic"))
        protocols = {}
        with database.session() as s:
            for p in s.scalars(select(Protocol)):
                protocols[p.region] = (p.id, [(ph.id, ph.key, ph.name) for ph in p.phases])
    finally:
        database.dispose()
    return users, protocols


class _Writer:
    """Collects rows and flushes them with executemany."""

    ENTRY_SQL = (
        "INSERT INTO timeline_entries (id, case_id, kind, occurred_at, recorded_at, author_id, "
        "discipline, title, body, data, supersedes_id, amend_reason, status, voided_at, "
        "voided_by_id, void_reason, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', 'active', NULL, NULL, '', 1)"
    )
    MEASURE_SQL = (
        "INSERT INTO measures (athlete_id, case_id, entry_id, key, limb, value, measured_at, "
        "is_baseline, source, status, created_by_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)"
    )

    def __init__(self, conn: sqlite3.Connection, users: dict[str, int], first_entry_id: int):
        self.conn, self.users = conn, users
        self.next_id = first_entry_id
        self.entries: list[tuple] = []
        self.measures: list[tuple] = []
        self.n_entries = self.n_measures = 0

    def entry(self, case_id, kind, when, role, title, body="", data=None) -> int:
        eid = self.next_id
        self.next_id += 1
        self.entries.append(
            (
                eid,
                case_id,
                kind,
                when,
                when,
                self.users[role],
                role,
                title,
                body,
                json.dumps(data or {}),
            )
        )
        return eid

    def measure(
        self, athlete_id, case_id, entry_id, key, limb, value, when, baseline, source, role
    ):
        self.measures.append(
            (
                athlete_id,
                case_id,
                entry_id,
                key,
                limb,
                value,
                when,
                1 if baseline else 0,
                source,
                self.users[role],
                when,
            )
        )

    def flush(self) -> None:
        self.conn.executemany(self.ENTRY_SQL, self.entries)
        self.conn.executemany(self.MEASURE_SQL, self.measures)
        self.n_entries += len(self.entries)
        self.n_measures += len(self.measures)
        self.entries.clear()
        self.measures.clear()


def _case_plan(i: int, days: int, rng: random.Random) -> list[dict]:
    """The cases of athlete *i*: dicts with start day (injury), end day, final phase, status."""
    from casemgr.demo.curves import _phase_start_days

    region = "calf" if i % 3 == 2 else "hamstring"
    starts = _phase_start_days(region)
    first = 7  # three weekly baseline tests before the first injury
    if i % 10 == 0 or days < 120:  # one long case in surveillance for the whole period
        return [dict(start=first, end=days, phase=7, status="surveillance", region=region)]
    phase = 1 + i % 7
    if phase == 7:
        current = days - (starts[6] + 20 + (i * 7) % 60)
    else:
        current = days - (starts[phase - 1] + 2 + i % 3)
    current = max(current, first + starts[6] + 30)
    status = "surveillance" if phase == 7 else "open"
    if i % 8 == 5:
        status = "closed"
    return [
        dict(start=first, end=current, phase=7, status="closed", region=region),
        dict(start=current, end=days, phase=phase, status=status, region=region),
    ]


def _athlete(
    w: _Writer, i: int, size: Size, end: date, protocols, rng: random.Random
) -> tuple[dict, list[dict]]:
    import numpy as np

    from casemgr.clinical.sprint import predict_time
    from casemgr.demo.curves import _curves, _interp, _phase_start_days
    from casemgr.demo.data import NOTES, SESSIONS_BY_PHASE
    from casemgr.text import fold

    name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
    if i >= len(FIRST):
        name += f" {i // len(FIRST) + 1}"
    sport, position = SPORTS[i % len(SPORTS)]
    athlete = dict(
        id=i + 1,
        full_name=name,
        name_key=fold(name),
        external_id=f"CLN-{i + 1:04d}",
        date_of_birth=date(1990 + i % 14, 1 + i % 12, 1 + i % 28).isoformat(),
        sport=sport,
        position=position,
        dominant_limb="right" if i % 4 else "left",
        body_mass_kg=round(rng.uniform(58, 98), 1),
        height_m=round(rng.uniform(1.65, 1.95), 2),
    )
    start = end - timedelta(days=size.days)
    plan = _case_plan(i, size.days, rng)
    region = plan[0]["region"]
    side = "right" if i % 2 else "left"
    other = "left" if side == "right" else "right"
    mss = rng.uniform(8.6, 10.4) if sport == "Athletics" else rng.uniform(8.0, 9.2)
    mac = rng.uniform(7.0, 9.0)
    if region == "hamstring":
        strength = {
            "nordic_force": rng.uniform(330, 430),
            "iso_knee_flexion_90": rng.uniform(300, 380),
            "hop_distance": rng.uniform(160, 200),
            "ake": rng.uniform(150, 162),
            "slr": rng.uniform(80, 95),
        }
    else:
        strength = {
            "soleus_strength": rng.uniform(1500, 2100),
            "gastrocnemius_strength": rng.uniform(900, 1300),
            "calf_raise_reps": float(rng.randint(32, 40)),
            "hop_distance": rng.uniform(160, 200),
            "knee_to_wall": rng.uniform(10, 13),
        }
    protocol_id, phases = protocols[region]
    starts = _phase_start_days(region)
    speed_curve, strength_curve, symptom_curve = _curves(starts)
    cases = []
    for n, c in enumerate(plan):
        case_id = i * 2 + n + 1
        injury = start + timedelta(days=c["start"])
        phase_no = c["phase"]
        entered = injury + timedelta(days=starts[phase_no - 1])
        cases.append(
            dict(
                id=case_id,
                athlete_id=athlete["id"],
                region=region,
                side=side,
                muscle=(HAMSTRING_MUSCLES if region == "hamstring" else CALF_MUSCLES)[(i + n) % 3],
                grade=str(1 + (i + n) % 3),
                site="abc"[(i + n) % 3],
                injury_date=injury.isoformat(),
                recurrence_of_id=case_id - 1 if n else None,
                status=c["status"],
                protocol_id=protocol_id,
                current_phase_id=phases[phase_no - 1][0],
                phase_entered_at=_ts(entered, 10),
                opened_at=_ts(injury + timedelta(days=1), 9),
                days=c["end"] - c["start"],
            )
        )
        c["id"] = case_id

    def test_battery(case_id, day: date, hour, *, baseline, recovery, strength_now, sprint=True):
        when = _ts(day, hour)
        title = ("Baseline: " if baseline else "") + "Weekly testing"
        eid = w.entry(case_id, "measure", when, "scientist", title)
        values = []
        if sprint:
            v = mss * recovery * rng.uniform(0.99, 1.01)
            tau = v / (mac * min(1.0, recovery + 0.02))
            t10, t20, t30 = (float(x) for x in predict_time(np.array([10.0, 20.0, 30.0]), v, tau))
            f0 = v / tau
            values += [
                ("split_10m", "", t10),
                ("split_20m", "", t20),
                ("split_30m", "", t30),
                ("max_velocity", "", v * 0.985),
                ("f0_rel", "", f0),
                ("v0", "", v),
                ("pmax_rel", "", f0 * v / 4),
            ]
        for key, base in strength.items():
            inj = base * strength_now * rng.uniform(0.985, 1.015)
            unh = base * rng.uniform(0.985, 1.015)
            if key == "calf_raise_reps":
                inj, unh = float(round(inj)), float(round(unh))
            values.append((key, side, inj))
            values.append((key, other, unh))
        if region == "hamstring":
            values.append(("h_test", "", max(0.0, 50 * (1 - strength_now) + abs(rng.gauss(0, 2)))))
        for key, limb, value in values:
            w.measure(
                athlete["id"],
                case_id,
                eid,
                key,
                limb,
                round(value, 3),
                when,
                baseline,
                "manual",
                "scientist",
            )

    # pre-injury baselines: three weekly tests before the first injury
    first = plan[0]
    for d in (0, 3, 6):
        test_battery(
            first["id"],
            start + timedelta(days=d),
            15,
            baseline=True,
            recovery=1.0,
            strength_now=1.0,
        )
    for n, c in enumerate(plan):
        case_id, phase_no = c["id"], c["phase"]
        injury = start + timedelta(days=c["start"])
        region_phases = phases
        w.entry(
            case_id,
            "phase_change",
            _ts(injury + timedelta(days=1), 9),
            "physio",
            f"Case opened in phase 1: {region_phases[0][2]}",
            data={
                "from": None,
                "to": region_phases[0][1],
                "to_ordinal": 1,
                "direction": "open",
                "protocol": f"{region} v1",
            },
        )
        w.entry(
            case_id,
            "note",
            _ts(injury + timedelta(days=1), 10),
            "doctor",
            "Initial assessment",
            body=f"Acute {side} {region} injury. Start the {region} protocol.",
        )
        if n:  # the last weekly tests before this injury are its baselines
            for weeks in (3, 2, 1):
                d = injury - timedelta(days=7 * weeks)
                test_battery(case_id, d, 16, baseline=True, recovery=1.0, strength_now=1.0)
        current_phase = 1
        full_day = starts[5]
        for day in range(1, c["end"] - c["start"]):
            d = injury + timedelta(days=day)
            frac = min(1.0, day / full_day)
            recovery = _interp(day, speed_curve)
            strength_now = _interp(day, strength_curve)
            symptoms = _interp(day, symptom_curve)
            if current_phase < phase_no and day == starts[current_phase]:
                current_phase += 1
                src, dst = region_phases[current_phase - 2], region_phases[current_phase - 1]
                w.entry(
                    case_id,
                    "phase_change",
                    _ts(d, 8, 30),
                    "physio",
                    f"Advanced to phase {current_phase}: {dst[2]}",
                    body="Exit criteria met; reviewed with the team.",
                    data={
                        "from": src[1],
                        "from_ordinal": current_phase - 1,
                        "to": dst[1],
                        "to_ordinal": current_phase,
                        "direction": "advance",
                    },
                )
            if current_phase == 1 and day == starts[1] - 1:
                for check in (
                    "pain_free_single_leg_squat",
                    "pain_free_bike_5min",
                    "pain_free_walking",
                ):
                    w.entry(
                        case_id,
                        "check",
                        _ts(d, 12),
                        "physio",
                        f"{check.replace('_', ' ').capitalize()}: met",
                        data={"check": check, "passed": True},
                    )
            if rng.random() < 0.9 or day > (c["end"] - c["start"]) - 4:
                pain = max(0.0, 5.5 * symptoms + rng.gauss(0, 0.3)) if symptoms else 0.0
                fb = {
                    "pain": round(pain),
                    "soreness": round(max(0.0, min(10.0, 4 * symptoms + rng.gauss(0, 0.4)))),
                    "tightness": round(max(0.0, min(10.0, 3.2 * symptoms + rng.gauss(0, 0.4)))),
                    "sleep_hours": round(rng.uniform(6.5, 9.0), 1),
                    "stress": rng.randint(1, 4),
                    "confidence": min(10, round(3 + 7 * frac + rng.gauss(0, 0.7))),
                }
                when = _ts(d, 7, 45)
                role = "physio" if day % 2 else "scientist"
                eid = w.entry(
                    case_id,
                    "feedback",
                    when,
                    role,
                    "Daily feedback",
                    body=", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in fb.items()),
                    data={"values": fb, "unusual_fatigue": rng.random() < 0.05},
                )
                for key in FEEDBACK_KEYS:
                    w.measure(
                        athlete["id"],
                        case_id,
                        eid,
                        key,
                        "",
                        float(fb[key]),
                        when,
                        False,
                        "feedback",
                        role,
                    )
            if d.weekday() in (0, 2, 4):
                options = SESSIONS_BY_PHASE[current_phase]
                kind, surface, minutes, srpe = options[day % len(options)]
                srpe = max(1, min(10, srpe + rng.choice([-1, 0, 0, 1])))
                running = kind not in ("strength", "bike")
                intensity = {1: None, 2: 65, 3: 80, 4: 92, 5: 97, 6: 100, 7: 100}[current_phase]
                data = {
                    "session_type": kind,
                    "minutes": minutes,
                    "srpe": srpe,
                    "load_au": srpe * minutes,
                    "surface": surface,
                    "volume_m": rng.randint(800, 3000) if running else None,
                    "intensity_pct": intensity if running else None,
                    "full_training": kind == "full_training",
                }
                when = _ts(d, 10)
                eid = w.entry(
                    case_id,
                    "session",
                    when,
                    "coach",
                    f"{kind.replace('_', ' ').capitalize()} session, {minutes} min, sRPE {srpe}",
                    data=data,
                )
                gps = [
                    ("srpe", float(srpe)),
                    ("duration", float(minutes)),
                    ("total_distance", rng.uniform(3000, 6500) if running else 0.0),
                    ("hsr_distance", 600 * recovery**3 * rng.uniform(0.8, 1.1) if running else 0.0),
                    (
                        "sprint_distance",
                        120 * recovery**4 * rng.uniform(0.7, 1.1) if running else 0.0,
                    ),
                ]
                for key, value in gps:
                    w.measure(
                        athlete["id"],
                        case_id,
                        eid,
                        key,
                        "",
                        round(value, 1),
                        when,
                        False,
                        "gps",
                        "scientist",
                    )
            if d.weekday() == 3:
                test_battery(
                    case_id,
                    d,
                    15,
                    baseline=False,
                    recovery=recovery,
                    strength_now=strength_now,
                    sprint=current_phase >= 2,
                )
            if day % 14 == 5:
                role = ("physio", "coach", "scientist", "doctor")[(day // 14) % 4]
                text = rng.choice(NOTES[role]).format(pct=round(100 * recovery**3))
                w.entry(case_id, "note", _ts(d, 16), role, "Note", body=text)
        if c["status"] == "closed":
            w.entry(
                case_id,
                "phase_change",
                _ts(start + timedelta(days=c["end"] - 1), 18),
                "physio",
                "Case closed",
                body="Surveillance completed; back to full training.",
                data={"from": region_phases[-1][1], "to": None, "direction": "close"},
            )
    return athlete, cases


def build_clinic(path: Path, size: Size, end: date | None = None, *, verbose: bool = True) -> dict:
    """Create the clinic at *path* (which must not exist). Returns counts."""
    from casemgr import audit
    from casemgr.db.open import open_database
    from casemgr.permissions import SYSTEM

    t0 = time.perf_counter()
    end = end or date.today()
    users, protocols = _setup(path)
    rng = random.Random(SEED + size.athletes * 1000 + size.days)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    conn.execute("PRAGMA foreign_keys=ON")
    first_id = (conn.execute("SELECT max(id) FROM timeline_entries").fetchone()[0] or 0) + 1
    w = _Writer(conn, users, first_id)
    conn.execute("BEGIN IMMEDIATE")
    n_cases = 0
    for i in range(size.athletes):
        athlete, cases = _athlete(w, i, size, end, protocols, rng)
        conn.execute(
            "INSERT INTO athletes (id, full_name, name_key, external_id, date_of_birth, sport, "
            "position, dominant_limb, body_mass_kg, height_m, created_at, version) "
            "VALUES (:id, :full_name, :name_key, :external_id, :date_of_birth, :sport, "
            ":position, :dominant_limb, :body_mass_kg, :height_m, :created_at, 1)",
            {**athlete, "created_at": _ts(end - timedelta(days=size.days + 30), 9)},
        )
        for c in cases:
            conn.execute(
                "INSERT INTO cases (id, athlete_id, region, side, muscle, classification, grade, "
                "site, mechanism, injury_date, recurrence_of_id, imaging_note, history_note, "
                "status, protocol_id, current_phase_id, phase_entered_at, opened_at, "
                "opened_by_id, version) VALUES (:id, :athlete_id, :region, :side, :muscle, "
                "'bamic', :grade, :site, 'high_speed_running', :injury_date, "
                ":recurrence_of_id, 'MRI day 2: oedema pattern consistent.', '', :status, "
                ":protocol_id, :current_phase_id, :phase_entered_at, :opened_at, :physio, 1)",
                {**c, "physio": users["physio"]},
            )
        n_cases += len(cases)
        if len(w.measures) > 200_000:
            w.flush()
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            if verbose:
                print(
                    f"  {i + 1} athletes, {w.n_entries:,} entries, {w.n_measures:,} measures "
                    f"({time.perf_counter() - t0:.0f} s)",
                    flush=True,
                )
    w.flush()
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    summary = (
        f"benchmark clinic: {size.athletes} athletes, {n_cases} cases, "
        f"{w.n_entries} entries, {w.n_measures} measures"
    )
    database = open_database(str(path))
    try:
        with database.session() as s:
            audit.record(s, SYSTEM, "benchmark.create", reason=summary)
    finally:
        database.dispose()
    elapsed = time.perf_counter() - t0
    if verbose:
        print(f"{summary} in {elapsed:.0f} s -> {path}")
    return {
        "athletes": size.athletes,
        "cases": n_cases,
        "entries": w.n_entries,
        "measures": w.n_measures,
        "seconds": elapsed,
    }


QUICK = Size(20, 182)
FULL = Size(200, 3 * 365 + 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--athletes", type=int, default=FULL.athletes)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--quick", action="store_true", help="20 athletes, 6 months")
    parser.add_argument("--end", type=date.fromisoformat, help="last day (default: today)")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = parser.parse_args()
    size = QUICK if args.quick else Size(args.athletes, round(args.years * 365.25))
    if args.out.exists():
        if not args.force:
            print(f"{args.out} exists; use --force to replace it", file=sys.stderr)
            return 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.out}{suffix}").unlink(missing_ok=True)
    build_clinic(args.out, size, args.end)
    return 0


if __name__ == "__main__":
    sys.exit(main())
