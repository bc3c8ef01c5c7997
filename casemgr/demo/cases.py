"""Writes one demo injury case's history straight into the session: baselines, phase moves,
daily feedback, sessions, tests, notes and the doctor's return-to-play decisions."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from casemgr import audit
from casemgr.clinical.overrides import UnmetCriterion, move_suffix, unmet_from_data
from casemgr.clinical.protocols import protocol_from_dict
from casemgr.clinical.signals import cite, signal_key
from casemgr.clinical.sprint import fit_sprint_profile, predict_time
from casemgr.db.base import utcnow
from casemgr.db.models import (
    Athlete,
    InjuryCase,
    Measure,
    Protocol,
    RtpDecision,
    SuggestionAnswer,
    TimelineEntry,
    User,
)
from casemgr.demo.curves import _curves, _interp, _phase_start_days
from casemgr.demo.data import NOTES, SESSIONS_BY_PHASE
from casemgr.services.decisions import fingerprint

#: The demo's stated override: the cleared case ("cleared") advanced out of phase 1 with the
#: bike check not done (the bike was out of service); every other exit criterion met.
OVERRIDE_EXTRA = "cleared"
OVERRIDE_CHECK = "pain_free_bike_5min"
OVERRIDE_REASON = (
    "Exercise bike out of service this week, so the 5-min bike check could not be done; "
    "pain-free walking and single-leg squat met, isometric LSI above 70%. Progressed with "
    "the doctor's agreement; bike check at the next visit."
)


def _override(protocol: Protocol) -> dict:
    """The stated override of the demo's phase-1 advance (the unmet check, as stored)."""
    phase = protocol_from_dict(protocol.definition).phases[0]
    unmet = [
        UnmetCriterion(c.key, c.label, "missing", "no data").to_dict()
        for c in phase.criteria
        if c.check == OVERRIDE_CHECK
    ]
    return {"override": True, "unmet": unmet, "override_reason": OVERRIDE_REASON}


#: The demo clinic's zone: events happen at clinic-local hours (set by ``build_demo``).
CLINIC_ZONE: list[tzinfo] = [UTC]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A clinic-local day and time, as the aware UTC moment that is stored."""
    return datetime.combine(day, time(hour, minute), tzinfo=CLINIC_ZONE[0]).astimezone(UTC)


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


def _value(key: str, value: float) -> float:
    """Counts are whole numbers."""
    return float(round(value)) if key == "calf_raise_reps" else value


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
    overriding = extra == OVERRIDE_EXTRA and region == "hamstring"
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
            stated = _override(protocol) if overriding and current_phase == 2 else {}
            b.entry(
                case,
                "phase_change",
                _at(d, 8, 30),
                "physio",
                f"Advanced to phase {current_phase}: {target.name}"
                + move_suffix(unmet_from_data(stated)),
                body=stated.get("override_reason", "Exit criteria met; reviewed with the team."),
                data={
                    "from": phases[current_phase - 2].key,
                    "from_ordinal": current_phase - 1,
                    "to": target.key,
                    "to_ordinal": current_phase,
                    "direction": "advance",
                    **stated,
                },
            )
        if step_back_day and day == step_back_day:
            # the step back itself (09:00) follows the morning's report it answers, below
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
        if step_back_day and day == step_back_day:
            _step_back(b, case, e, protocol, _at(d, 9))
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
                if key == "calf_raise_reps":  # ahead of loaded strength: the running gate
                    ratio = min(1.0, ratio + 0.11)  # (<= 10% asymmetry) is met by phase 2's exit
                values.append((key, side, _value(key, base * ratio * rng.uniform(0.985, 1.015))))
                values.append((key, other, _value(key, base * rng.uniform(0.985, 1.015))))
            if region == "hamstring":
                insecurity = 50 * max(0.0, 1 - day / (starts[4] - 1)) + abs(rng.gauss(0, 2))
                values.append(("h_test", "", min(100.0, insecurity)))
            b.measure_entry(case, _at(d, 9, 30), "physio", values, title="Strength & flexibility")
        # clinician checks at the end of phase 1
        if day == starts[1] - 1 or (phase_no == 1 and day == days_in - 1):
            for check in ("pain_free_single_leg_squat", "pain_free_bike_5min", "pain_free_walking"):
                if overriding and check == OVERRIDE_CHECK:
                    continue  # the bike was out of service: advanced with the check unmet
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
    # today's morning report once its time has passed (like yesterday's, no random draw), so
    # "for 48 h" windows stay covered all day (a daily report stands for 24 h only)
    morning = _at(b.today, 7, 45)
    if morning <= utcnow():
        body = ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in fb.items())
        e = b.entry(case, "feedback", morning, "physio", "Daily feedback", body=body)
        for key, value in fb.items():
            b.measure(case, e, key, value, morning, source="feedback")
        e.data = {"values": dict(fb), "unusual_fatigue": False}
    return case


def _step_back(
    b: _Builder, case: InjuryCase, feedback: TimelineEntry, protocol: Protocol, when: datetime
) -> None:
    """The physio steps back from phase 4 to 3 after the morning's pain report; the step
    back answers that report's suggestion: shown as answered, never raised again."""
    b.s.flush()
    phases = protocol.phases
    limit = protocol_from_dict(protocol.definition).signals["pain_limit"]
    pain = feedback.data["values"]["pain"]
    key = signal_key("step_back", "pain", [feedback.id])
    change = b.entry(
        case,
        "phase_change",
        when,
        "physio",
        f"Stepped back to phase 3: {phases[2].name}",
        body="Pain 4/10 after near-maximal block; posterior thigh tightness.",
        data={
            "from": phases[3].key,
            "from_ordinal": 4,
            "to": phases[2].key,
            "to_ordinal": 3,
            "direction": "step_back",
            "suggestion_answer": {
                "answer": "step_back",
                "keys": [key],
                "entries": [feedback.id],
                "suggestions": [
                    f"Pain {pain:g}/10 that morning was above the protocol's pain limit of "
                    f"{limit.value:g}/10: suggest stepping back one phase. "
                    f"Source: {cite(limit)}."
                ],
            },
        },
    )
    b.s.flush()
    b.s.add(
        SuggestionAnswer(
            case_id=case.id,
            entry_id=change.id,
            answer="step_back",
            signal_keys=[key],
            triggered_by=[feedback.id],
            reason=change.body,
            answered_at=when,
            answered_by_id=b.users["physio"].id,
        )
    )


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
