"""The demo clinic: a realistic, deterministic clinic to try the app and run demos.

Fourteen athletes with hamstring and calf cases in every phase of both protocols
(one cleared by the doctor, two in surveillance of which one shows a declining measure,
one recurrence of an earlier case), pre-injury baselines, daily feedback, sessions with
sRPE, weekly sprint tests whose split times follow the mono-exponential sprint model
(DOMAIN.md section 5), strength and flexibility tests per limb, and notes from every
discipline. Everything is seeded, so the same date gives the same clinic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from casemgr import audit, passwords
from casemgr.clinical.sprint import fit_sprint_profile, predict_time
from casemgr.db.base import utcnow
from casemgr.db.engine import resolve_url, sqlite_path
from casemgr.db.models import (
    AppMeta,
    Athlete,
    InjuryCase,
    Measure,
    PlannedSession,
    Protocol,
    RtpDecision,
    TimelineEntry,
    User,
    WeeklyTarget,
)
from casemgr.db.open import open_database
from casemgr.errors import ValidationError
from casemgr.permissions import SYSTEM, Actor
from casemgr.services.decisions import fingerprint
from casemgr.services.protocols import install_default_protocols
from casemgr.text import fold

DEMO_PASSWORD = "demo"
CLINIC_NAME = "Riverside Sports Medicine"
SEED = 20_261_126

USERS = [
    ("admin", "Alex Morgan", "admin"),
    ("doctor", "Dr. Maria Rossi", "doctor"),
    ("physio", "Tom Becker", "physio"),
    ("coach", "Jamie Okafor", "coach"),
    ("scientist", "Dr. Priya Natarajan", "scientist"),
]

# name, external id, sport, position, dominant, mass, height, birth year, region, side,
# muscle, grade, site, mechanism, phase (1-7), extra
ATHLETES = [
    (
        "Sam Carter",
        "ATH-0001",
        "Athletics",
        "100 m",
        "right",
        78,
        1.82,
        1999,
        "hamstring",
        "right",
        "biceps_femoris_long_head",
        "2",
        "b",
        "high_speed_running",
        3,
        "",
    ),
    (
        "Lea Moreau",
        "ATH-0002",
        "Athletics",
        "200 m",
        "left",
        61,
        1.70,
        2001,
        "hamstring",
        "left",
        "semitendinosus",
        "1",
        "a",
        "high_speed_running",
        5,
        "",
    ),
    (
        "Tomás Ruiz",
        "ATH-0003",
        "Football",
        "Winger",
        "right",
        72,
        1.76,
        1998,
        "hamstring",
        "right",
        "biceps_femoris_long_head",
        "3",
        "c",
        "high_speed_running",
        2,
        "recurrence",
    ),
    (
        "O'Brien <Jr> & Co",
        "ATH-0004",
        "Rugby union",
        "Wing",
        "left",
        92,
        1.86,
        1997,
        "hamstring",
        "left",
        "biceps_femoris_long_head",
        "2",
        "a",
        "high_speed_running",
        1,
        "",
    ),
    (
        "李娜",
        "ATH-0005",
        "Athletics",
        "400 m hurdles",
        "right",
        58,
        1.68,
        2000,
        "hamstring",
        "right",
        "semimembranosus",
        "2",
        "a",
        "stretch",
        4,
        "step_back",
    ),
    (
        "José Núñez",
        "ATH-0006",
        "Football",
        "Striker",
        "right",
        76,
        1.80,
        1996,
        "hamstring",
        "right",
        "biceps_femoris_long_head",
        "2",
        "b",
        "high_speed_running",
        6,
        "cleared",
    ),
    (
        "Ngozi Adeyemi",
        "ATH-0007",
        "Athletics",
        "Long jump",
        "left",
        64,
        1.74,
        1999,
        "hamstring",
        "left",
        "biceps_femoris_long_head",
        "1",
        "b",
        "high_speed_running",
        7,
        "declining",
    ),
    (
        "Mikael Lindqvist",
        "ATH-0008",
        "Football",
        "Midfielder",
        "right",
        74,
        1.81,
        1995,
        "calf",
        "right",
        "soleus",
        "1",
        "b",
        "other",
        1,
        "",
    ),
    (
        "Aroha Ngata",
        "ATH-0009",
        "Rugby union",
        "Centre",
        "left",
        98,
        1.88,
        1997,
        "calf",
        "left",
        "medial_gastrocnemius",
        "2",
        "b",
        "high_speed_running",
        2,
        "",
    ),
    (
        "Chen Wei",
        "ATH-0010",
        "Basketball",
        "Guard",
        "right",
        84,
        1.93,
        2000,
        "calf",
        "right",
        "soleus",
        "2",
        "c",
        "other",
        3,
        "",
    ),
    (
        "Fatima Zahra El Idrissi",
        "ATH-0011",
        "Athletics",
        "800 m",
        "left",
        55,
        1.66,
        2002,
        "calf",
        "left",
        "lateral_gastrocnemius",
        "1",
        "a",
        "high_speed_running",
        4,
        "",
    ),
    (
        "Lukas Brandt",
        "ATH-0012",
        "Australian football",
        "Midfielder",
        "right",
        86,
        1.87,
        1996,
        "calf",
        "right",
        "medial_gastrocnemius",
        "2",
        "b",
        "high_speed_running",
        5,
        "",
    ),
    (
        "Siobhán Kelly",
        "ATH-0013",
        "Gaelic football",
        "Forward",
        "left",
        66,
        1.72,
        1998,
        "calf",
        "left",
        "soleus",
        "1",
        "b",
        "other",
        6,
        "",
    ),
    (
        "Jakub Łukasz Nowak",
        "ATH-0014",
        "Handball",
        "Back",
        "right",
        95,
        1.95,
        1994,
        "calf",
        "right",
        "soleus",
        "2",
        "b",
        "other",
        7,
        "",
    ),
]

PHASE_DAYS = {"hamstring": [7, 8, 8, 7, 8, 7], "calf": [6, 8, 8, 8, 7, 7]}
SESSIONS_BY_PHASE = {
    1: [("bike", "gym", 25, 3), ("strength", "gym", 35, 3)],
    2: [("tempo", "grass", 35, 4), ("strength", "gym", 45, 4), ("bike", "gym", 30, 3)],
    3: [("acceleration", "grass", 40, 5), ("strength", "gym", 50, 6), ("tempo", "grass", 35, 4)],
    4: [
        ("max_velocity", "track", 45, 6),
        ("resisted", "track", 40, 6),
        ("plyometric", "track", 30, 5),
        ("strength", "gym", 50, 6),
    ],
    5: [
        ("max_velocity", "track", 50, 7),
        ("acceleration", "track", 45, 6),
        ("strength", "gym", 50, 6),
    ],
    6: [
        ("sport_specific", "synthetic", 70, 6),
        ("full_training", "synthetic", 90, 7),
        ("strength", "gym", 45, 5),
    ],
    7: [("full_training", "synthetic", 90, 6), ("strength", "gym", 40, 5)],
}
NOTES = {
    "physio": [
        "Palpation tender over the proximal third, less than last week. Pain-free walking.",
        "Single-leg bridge 3x10 pain-free. Progressing isometrics to 90/90 long lever.",
        "Tolerated the session well; no next-day symptoms reported. Continue the plan.",
        "Slight posterior thigh tightness after strides; reduce volume by 20% tomorrow.",
    ],
    "coach": [
        "Form cues: tall posture, front-side mechanics. Relaxed arm drive improved.",
        "Breathing rhythm steady through the tempo block; recoveries 90 s walk-back.",
        "Sled loads kept light (10% BM) to bias technique over force.",
    ],
    "scientist": [
        "GPS: HSR volume at {pct}% of the pre-injury weekly average.",
        "Nordic asymmetry trending down; retest Friday before the speed session.",
        "Timing gates: splits consistent across trials, fit RMSE under 20 ms.",
    ],
    "doctor": [
        "Reviewed the imaging with the team; the plan stands. No red flags.",
        "Discussed risk tolerance with the athlete and the coach; shared decision noted.",
    ],
}


@dataclass(frozen=True)
class DemoResult:
    where: str
    athletes: int
    cases: int
    entries: int
    measures: int


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


class _Builder:
    """Writes one case's history straight into the session (demo data only)."""

    def __init__(self, session, users: dict[str, User], rng: random.Random, today: date):
        self.s, self.users, self.rng, self.today = session, users, rng, today
        self.entries = self.measures = 0

    def entry(self, case, kind, when, role, title, body="", data=None) -> TimelineEntry:
        user = self.users[role]
        e = TimelineEntry(
            case_id=case.id,
            kind=kind,
            occurred_at=when,
            recorded_at=when,
            author_id=user.id,
            discipline=role,
            title=title,
            body=body,
            data=data or {},
            status="active",
        )
        self.s.add(e)
        self.entries += 1
        return e

    def measure(
        self,
        case,
        entry,
        key,
        value,
        when,
        *,
        limb="",
        baseline=False,
        source="manual",
        role="physio",
    ) -> dict:
        self.s.add(
            Measure(
                athlete_id=case.athlete_id,
                case_id=case.id,
                entry=entry,
                key=key,
                limb=limb,
                value=round(value, 3),
                measured_at=when,
                is_baseline=baseline,
                source=source,
                status="active",
                created_by_id=self.users[role].id,
            )
        )
        self.measures += 1
        return {"key": key, "limb": limb or None, "value": round(value, 3)}

    def measure_entry(
        self, case, when, role, values, *, baseline=False, title="", source="manual", note=""
    ) -> None:
        e = self.entry(case, "measure", when, role, title, body=note)
        stored = [
            self.measure(
                case, e, k, v, when, limb=limb, baseline=baseline, source=source, role=role
            )
            for k, limb, v in values
        ]
        e.data = {"values": stored, "is_baseline": baseline, "source": source}

    def sprint_test(self, case, when, role, mss, mac, athlete, *, baseline=False) -> None:
        tau = mss / mac
        splits = [
            (d, float(predict_time(d, mss, tau)) + self.rng.gauss(0, 0.008))
            for d in (5, 10, 20, 30)
        ]
        profile = fit_sprint_profile(
            [d for d, _ in splits],
            [t for _, t in splits],
            mass_kg=athlete.body_mass_kg,
            height_m=athlete.height_m,
        )
        values = [
            ("split_10m", "", splits[1][1]),
            ("split_20m", "", splits[2][1]),
            ("split_30m", "", splits[3][1]),
            ("max_velocity", "", mss * 0.985),
            ("f0_rel", "", profile.f0_rel),
            ("v0", "", profile.v0),
            ("pmax_rel", "", profile.pmax_rel),
        ]
        title = ("Baseline: " if baseline else "") + "Timing gates 5/10/20/30 m"
        note = "Splits " + ", ".join(f"{d} m {t:.2f} s" for d, t in splits)
        self.measure_entry(
            case,
            when,
            role,
            values,
            baseline=baseline,
            title=title,
            source="timing-gates",
            note=note,
        )


def _interp(day: float, anchors: list[tuple[float, float]]) -> float:
    """Piecewise-linear value of a recovery curve on *day*."""
    if day <= anchors[0][0]:
        return anchors[0][1]
    for (d0, v0), (d1, v1) in zip(anchors, anchors[1:], strict=False):
        if day <= d1:
            return v0 + (v1 - v0) * (day - d0) / (d1 - d0)
    return anchors[-1][1]


def _curves(starts: list[int]) -> tuple[list, list, list]:
    """Recovery curves that meet each default protocol's exit criteria by the end of the
    phase (speed as a fraction of baseline, strength as LSI, symptoms from 1 to 0), so the
    demo's recorded advances agree with the evaluation."""
    # anchors fall on each phase's exit-test day (the day before the advance)
    exits = [starts[k] - 1 for k in range(1, 6)]
    speed = [(0, 0.5), *zip(exits, (0.64, 0.76, 0.925, 0.965, 0.99), strict=True), (starts[6], 1.0)]
    strength = [
        (0, 0.55),
        *zip(exits, (0.74, 0.85, 0.93, 0.955, 0.99), strict=True),
        (starts[6], 1.0),
    ]
    symptoms = [(0, 1.0), (starts[1] - 2, 0.3), (starts[3], 0.12), (starts[3] + 3, 0.0)]
    return speed, strength, symptoms


def _value(key: str, value: float) -> float:
    """Counts are whole numbers."""
    return float(round(value)) if key == "calf_raise_reps" else value


def _phase_start_days(region: str) -> list[int]:
    starts, day = [0], 0
    for length in PHASE_DAYS[region]:
        day += length
        starts.append(day)
    return starts  # starts[i] = first day of phase i+1


def _build_case(
    b: _Builder, athlete: Athlete, spec: tuple, protocol: Protocol, recurrence_of: int | None
) -> InjuryCase:
    (
        _n,
        _x,
        _sp,
        _pos,
        _dom,
        _m,
        _h,
        _y,
        region,
        side,
        muscle,
        grade,
        site,
        mechanism,
        phase_no,
        extra,
    ) = spec
    rng = b.rng
    starts = _phase_start_days(region)
    phases = protocol.phases
    days_in = starts[phase_no - 1] + rng.randint(2, 4)
    if extra == "step_back":
        days_in = starts[3] + 6
    if extra == "declining":
        days_in = starts[6] + 30
    elif phase_no == 7:
        days_in = starts[6] + 12
    injury = b.today - timedelta(days=days_in)
    other = "left" if side == "right" else "right"
    case = InjuryCase(
        athlete_id=athlete.id,
        region=region,
        side=side,
        muscle=muscle,
        classification="bamic",
        grade=grade,
        site=site,
        mechanism=mechanism,
        injury_date=injury,
        recurrence_of_id=recurrence_of,
        imaging_note=f"MRI day 2: BAMIC {grade}{site}, oedema pattern consistent.",
        status="surveillance" if phase_no == 7 else "open",
        protocol_id=protocol.id,
        current_phase_id=phases[phase_no - 1].id,
        phase_entered_at=_at(injury + timedelta(days=starts[phase_no - 1]), 10),
        opened_at=_at(injury + timedelta(days=1), 9),
        opened_by_id=b.users["physio"].id,
    )
    b.s.add(case)
    b.s.flush()

    # pre-injury baselines (three tests for the typical error)
    mss = rng.uniform(8.6, 10.4) if athlete.sport == "Athletics" else rng.uniform(8.0, 9.2)
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
    per_limb = list(strength)
    for weeks_before in (9, 6, 3):
        when = _at(injury - timedelta(days=7 * weeks_before), 9)
        b.sprint_test(
            case, when, "scientist", mss * rng.uniform(0.99, 1.01), mac, athlete, baseline=True
        )
        values = [
            (k, limb, _value(k, v * rng.uniform(0.97, 1.03)))
            for k, v in strength.items()
            for limb in ("left", "right")
        ]
        b.measure_entry(
            case,
            when + timedelta(hours=1),
            "physio",
            values,
            baseline=True,
            title="Baseline: pre-season screening",
        )
    for day in range(28, 0, -1):  # pre-injury GPS high-speed running
        d = injury - timedelta(days=day)
        if d.weekday() in (1, 3, 5):
            b.measure_entry(
                case,
                _at(d, 17),
                "scientist",
                [
                    ("hsr_distance", "", rng.uniform(450, 650)),
                    ("total_distance", "", rng.uniform(5500, 7000)),
                ],
                baseline=True,
                title="GPS session summary",
                source="gps",
            )

    b.entry(
        case,
        "phase_change",
        case.opened_at,
        "physio",
        f"Case opened in phase 1: {phases[0].name}",
        data={
            "from": None,
            "to": phases[0].key,
            "to_ordinal": 1,
            "direction": "open",
            "protocol": f"{protocol.key} v1",
        },
    )
    b.entry(
        case,
        "note",
        case.opened_at + timedelta(minutes=20),
        "doctor",
        "Initial assessment",
        body=f"Acute {side} {region} injury ({muscle.replace('_', ' ')}), BAMIC {grade}{site}. "
        f"Mechanism: {mechanism.replace('_', ' ')}. Start the {protocol.name} protocol.",
        data={
            "soap": {
                "subjective": "Sudden posterior pain during the session.",
                "objective": "Reduced range, pain on resisted testing.",
                "assessment": f"BAMIC {grade}{site}",
                "plan": "Protection phase.",
            }
        },
    )

    full_day = starts[5]  # recovery reaches baseline at the end of phase 5
    speed_curve, strength_curve, symptom_curve = _curves(starts)
    step_back_day = starts[3] + 1 if extra == "step_back" else None
    current_phase = 1
    for day in range(1, days_in):  # up to yesterday: nothing is dated in the future
        d = injury + timedelta(days=day)
        frac = min(1.0, day / full_day)
        recovery = _interp(day, speed_curve)
        strength_now = _interp(day, strength_curve)
        symptoms = _interp(day, symptom_curve)
        if extra == "declining" and day > days_in - 10:
            recovery *= 0.92
            strength_now *= 0.9
        # phase moves
        if current_phase < phase_no and day == starts[current_phase]:
            target = phases[current_phase]
            current_phase += 1
            b.entry(
                case,
                "phase_change",
                _at(d, 8, 30),
                "physio",
                f"Advanced to phase {current_phase}: {target.name}",
                body="Exit criteria met; reviewed with the team.",
                data={
                    "from": phases[current_phase - 2].key,
                    "from_ordinal": current_phase - 1,
                    "to": target.key,
                    "to_ordinal": current_phase,
                    "direction": "advance",
                },
            )
        if step_back_day and day == step_back_day:
            b.entry(
                case,
                "phase_change",
                _at(d, 9),
                "physio",
                f"Stepped back to phase 3: {phases[2].name}",
                body="Pain 4/10 after near-maximal block; posterior thigh tightness.",
                data={
                    "from": phases[3].key,
                    "from_ordinal": 4,
                    "to": phases[2].key,
                    "to_ordinal": 3,
                    "direction": "step_back",
                },
            )
            b.entry(
                case,
                "phase_change",
                _at(d + timedelta(days=2), 9),
                "physio",
                f"Advanced to phase 4: {phases[3].name}",
                body="Symptoms settled within 48 h; criteria met again.",
                data={
                    "from": phases[2].key,
                    "from_ordinal": 3,
                    "to": phases[3].key,
                    "to_ordinal": 4,
                    "direction": "advance",
                },
            )
        # daily feedback
        # symptoms settle through phase 1 and are gone from mid phase 4 on
        pain = max(0.0, 5.5 * symptoms + rng.gauss(0, 0.3)) if symptoms else 0.0
        if step_back_day and day == step_back_day:
            pain = 4
        soreness = max(0.0, min(10.0, 4 * symptoms + rng.gauss(0, 0.4))) if symptoms else 0.0
        tightness = max(0.0, min(10.0, 3.2 * symptoms + rng.gauss(0, 0.4))) if symptoms else 0.0
        fb = {
            "pain": round(pain),
            "soreness": round(soreness),
            "tightness": round(tightness),
            "sleep_hours": round(rng.uniform(6.5, 9.0), 1),
            "stress": rng.randint(1, 4),
            "confidence": min(10, round(3 + 7 * frac + rng.gauss(0, 0.7))),
        }
        e = b.entry(
            case,
            "feedback",
            _at(d, 7, 45),
            rng.choice(["physio", "scientist"]),
            "Daily feedback",
            body=", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in fb.items()),
        )
        for key, value in fb.items():
            b.measure(case, e, key, value, e.occurred_at, source="feedback")
        e.data = {"values": fb, "unusual_fatigue": rng.random() < 0.05}
        # sessions (rest on Sundays)
        if d.weekday() != 6:
            options = SESSIONS_BY_PHASE[current_phase]
            kind, surface, minutes, srpe = options[day % len(options)]
            srpe = max(1, min(10, srpe + rng.choice([-1, 0, 0, 1])))
            intensity = {1: None, 2: 65, 3: 80, 4: 92, 5: 97, 6: 100, 7: 100}[current_phase]
            data = {
                "session_type": kind,
                "minutes": minutes,
                "srpe": srpe,
                "load_au": srpe * minutes,
                "surface": surface,
                "volume_m": None if kind in ("strength", "bike") else rng.randint(800, 3000),
                "intensity_pct": None if kind in ("strength", "bike") else intensity,
                "full_training": kind == "full_training",
            }
            b.entry(
                case,
                "session",
                _at(d, 10),
                "coach",
                f"{kind.replace('_', ' ').capitalize()} session, {minutes} min, sRPE {srpe}",
                data=data,
            )
            if current_phase >= 3 and kind not in ("strength", "bike"):
                hsr = 600 * recovery**3 * rng.uniform(0.8, 1.1)
                b.measure_entry(
                    case,
                    _at(d, 11, 30),
                    "scientist",
                    [("hsr_distance", "", hsr), ("total_distance", "", rng.uniform(4000, 6500))],
                    title="GPS session summary",
                    source="gps",
                )
        # weekly tests on Tuesdays / Fridays, and an exit-test battery before each advance
        exit_day = current_phase < phase_no and day == starts[current_phase] - 1
        if (d.weekday() == 1 or exit_day) and current_phase >= 2:
            b.sprint_test(
                case,
                _at(d, 15),
                "scientist",
                mss * recovery * rng.uniform(0.99, 1.01),
                mac * min(1.0, recovery + 0.02),
                athlete,
            )
            if current_phase >= 5 and extra != "declining" and day + 3 < days_in:
                b.sprint_test(
                    case,
                    _at(d + timedelta(days=3), 15),
                    "scientist",
                    mss * recovery * rng.uniform(0.995, 1.01),
                    mac * min(1.0, recovery + 0.02),
                    athlete,
                )
        if d.weekday() == 3 or exit_day:
            values = []
            for key in per_limb:
                base = strength[key]
                ratio = 0.8 + 0.2 * min(1.0, day / starts[2]) if key == "ake" else strength_now
                values.append((key, side, _value(key, base * ratio * rng.uniform(0.985, 1.015))))
                values.append((key, other, _value(key, base * rng.uniform(0.985, 1.015))))
            if region == "hamstring":
                insecurity = 50 * max(0.0, 1 - day / (starts[4] - 1)) + abs(rng.gauss(0, 2))
                values.append(("h_test", "", min(100.0, insecurity)))
            b.measure_entry(case, _at(d, 9, 30), "physio", values, title="Strength & flexibility")
        # clinician checks at the end of phase 1
        if day == starts[1] - 1 or (phase_no == 1 and day == days_in - 1):
            for check in ("pain_free_single_leg_squat", "pain_free_bike_5min", "pain_free_walking"):
                b.entry(
                    case,
                    "check",
                    _at(d, 12),
                    "physio",
                    f"{check.replace('_', ' ').capitalize()}: met",
                    data={"check": check, "passed": True},
                )
        # notes from every discipline, a few per week
        if day % 3 == 0:
            role = ("physio", "coach", "scientist", "doctor")[(day // 3) % 4]
            text = rng.choice(NOTES[role]).format(pct=round(100 * recovery**3))
            b.entry(case, "note", _at(d, 16), role, "Note", body=text)
    return case


def _decide(b: _Builder, case: InjuryCase, when: datetime) -> None:
    payload = {
        "case_id": case.id,
        "athlete_id": case.athlete_id,
        "decision": "cleared",
        "restrictions": "",
        "monitoring_plan": "Fortnightly Nordic and sprint tests for "
        "8 weeks; report any posterior thigh symptoms.",
        "decided_at": when.isoformat(),
        "doctor": "doctor",
        "audit_head": audit.GENESIS,
    }
    print_ = fingerprint(payload)
    e = b.entry(
        case,
        "decision",
        when,
        "doctor",
        "Return-to-play decision: Cleared",
        data={**payload, "fingerprint": print_},
    )
    b.s.flush()
    b.s.add(
        RtpDecision(
            case_id=case.id,
            entry_id=e.id,
            decision="cleared",
            restrictions="",
            monitoring_plan=payload["monitoring_plan"],
            decided_at=when,
            doctor_id=b.users["doctor"].id,
            fingerprint=print_,
        )
    )


def build_demo(session, today: date | None = None) -> DemoResult:
    """Fill an empty, migrated database with the demo clinic."""
    if session.scalar(select(func.count(User.id))):
        raise ValidationError("The demo clinic goes into an empty database.")
    rng = random.Random(SEED)
    today = today or utcnow().date()
    users = {}
    for username, name, role in USERS:
        users[username] = User(
            username=username,
            display_name=name,
            role=role,
            password_hash=passwords.hash_password(DEMO_PASSWORD),
            active=True,
            failed_logins=0,
        )
        session.add(users[username])
    session.add_all([AppMeta(key="demo", value="1"), AppMeta(key="clinic_name", value=CLINIC_NAME)])
    session.flush()
    install_default_protocols(session, SYSTEM)
    protocols = {p.region: p for p in session.scalars(select(Protocol))}
    b = _Builder(session, users, rng, today)
    physio = Actor(users["physio"].id, "physio", "physio", users["physio"].display_name)
    n_cases = 0
    for spec in ATHLETES:
        name, ext, sport, position, dominant, mass, height, year = spec[:8]
        athlete = Athlete(
            full_name=name,
            name_key=fold(name),
            external_id=ext,
            date_of_birth=date(year, rng.randint(1, 12), rng.randint(1, 28)),
            sport=sport,
            position=position,
            dominant_limb=dominant,
            body_mass_kg=float(mass),
            height_m=height,
        )
        session.add(athlete)
        session.flush()
        audit.record(
            session,
            physio,
            "athlete.create",
            entity_type="athlete",
            entity_id=athlete.id,
            athlete_id=athlete.id,
            reason="demo clinic",
        )
        earlier = None
        if spec[15] == "recurrence":
            earlier = InjuryCase(
                athlete_id=athlete.id,
                region="hamstring",
                side="right",
                muscle="biceps_femoris_long_head",
                classification="bamic",
                grade="2",
                site="b",
                mechanism="high_speed_running",
                injury_date=today - timedelta(days=400),
                status="closed",
                protocol_id=protocols["hamstring"].id,
                current_phase_id=protocols["hamstring"].phases[-1].id,
                phase_entered_at=_at(today - timedelta(days=350), 9),
                opened_at=_at(today - timedelta(days=399), 9),
                opened_by_id=users["physio"].id,
            )
            session.add(earlier)
            session.flush()
            b.entry(
                earlier,
                "note",
                _at(today - timedelta(days=330), 9),
                "physio",
                "Case closed",
                body="Returned to full training; surveillance completed.",
            )
            n_cases += 1
        case = _build_case(b, athlete, spec, protocols[spec[8]], earlier.id if earlier else None)
        n_cases += 1
        audit.record(
            session,
            physio,
            "case.open",
            entity_type="case",
            entity_id=case.id,
            athlete_id=athlete.id,
            reason="demo clinic",
        )
        if spec[15] == "cleared":
            _decide(b, case, _at(today - timedelta(days=1), 14))
        if spec[14] == 7:
            _decide(b, case, case.phase_entered_at - timedelta(days=2))
        week = today - timedelta(days=today.weekday())
        for text in (
            "Two pain-free sessions at the planned intensity",
            "Nordic LSI retest on Thursday"
            if spec[8] == "hamstring"
            else "Single-leg calf raise test, both sides, on Thursday",
        ):
            session.add(
                WeeklyTarget(
                    case_id=case.id,
                    week_start=week,
                    text=text,
                    discipline="physio",
                    created_by_id=users["physio"].id,
                )
            )
        for offset, kind in ((1, "tempo"), (3, "strength"), (5, "acceleration")):
            session.add(
                PlannedSession(
                    case_id=case.id,
                    planned_date=week + timedelta(days=offset),
                    session_type=kind,
                    surface="grass" if kind != "strength" else "gym",
                    status="planned",
                    created_by_id=users["coach"].id,
                )
            )
        if spec[15] in ("step_back", "declining"):
            b.entry(
                case,
                "flag",
                _at(today - timedelta(days=1), 12),
                "scientist",
                "Max velocity below the surveillance band on two tests"
                if spec[15] == "declining"
                else "Soreness jump after speed block",
                data={"severity": "attention"},
            )
    session.flush()
    audit.record(
        session,
        SYSTEM,
        "demo.create",
        reason=f"{len(ATHLETES)} athletes, "
        f"{n_cases} cases, {b.entries} entries, {b.measures} measures",
    )
    return DemoResult("", len(ATHLETES), n_cases, b.entries, b.measures)


def create_demo_database(
    db: str | None, *, force: bool = False, if_missing: bool = False
) -> DemoResult | None:
    """Create the demo clinic at *db* (path or URL). Refuses to overwrite unless *force*."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None and path.exists():
        if if_missing:
            return None
        if not force:
            raise ValidationError(
                f"{path} exists already; use --force to replace it with the demo clinic."
            )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif path is None:
        _prepare_server_database(url, force=force, if_missing=if_missing)
    database = open_database(url, create=True)
    try:
        with database.session() as s:
            if path is None and if_missing and s.scalar(select(func.count(User.id))):
                return None
            result = build_demo(s)
        return DemoResult(
            database.describe(), result.athletes, result.cases, result.entries, result.measures
        )
    finally:
        database.dispose()


def _prepare_server_database(url: str, *, force: bool, if_missing: bool) -> None:
    """On a server database, --force empties the schema; otherwise it must be empty."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        tables = inspect(engine).get_table_names()
        if tables and force:
            with engine.connect() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        elif tables and not if_missing:
            raise ValidationError("That database is not empty; use --force to replace it.")
    finally:
        engine.dispose()
