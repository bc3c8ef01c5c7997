"""Honest windows and injury-specific gates through the readiness service, as a clinic
lives the case: reports arrive day by day, a phase is entered, a diagnosis is refined, and
each evaluation (with its own ``as_of``) knows what happened before it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from casemgr.services import timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, get_case, open_case, update_diagnosis
from casemgr.services.dto import MeasureValue
from casemgr.services.protocols import assign_protocol
from casemgr.services.readiness import evaluate_case
from casemgr.services.settings import init_zone

SYDNEY = ZoneInfo("Australia/Sydney")  # UTC+11 in March 2026
INJURY = date(2026, 3, 1)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def sydney(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SYDNEY).astimezone(UTC)


def new_case(clinic, region: str = "hamstring", muscle: str = "biceps_femoris_long_head") -> int:
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = create_athlete(s, physio, AthleteInput("Ava Moss", sport="Athletics"))
        case = open_case(s, physio, athlete.id, CaseInput(region, "right", muscle, INJURY))
    return case.id


def result(clinic, case_id: int, key: str, as_of: datetime):
    with clinic.session() as s:
        ready = evaluate_case(s, clinic.actors["physio"], case_id, as_of=as_of)
    return next(r for r in ready.evaluation.results if r.key == key)


def enter_phase(clinic, case_id: int, phase_key: str, when: datetime) -> None:
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = get_case(s, physio, case_id)
        assign_protocol(
            s,
            physio,
            case_id,
            info.version,
            info.protocol_id,
            phase_key,
            "Reviewed with the team",
            occurred_at=when,
        )


def test_a_sydney_clinic_waits_for_48_h_of_pain_reports(clinic):
    with clinic.session() as s:
        init_zone(s, "Australia/Sydney")
    case_id = new_case(clinic)

    def report(pain: int, when: datetime) -> None:
        with clinic.session() as s:
            timeline.add_feedback(
                s, clinic.actors["physio"], case_id, {"pain": pain}, occurred_at=when
            )

    # Monday 09:00 in Sydney (Sunday 22:00 UTC): one good report, an hour old
    report(1, sydney(2, 9))
    r = result(clinic, case_id, "pain_48h", sydney(2, 10))
    assert r.status == "missing"
    assert r.explanation.startswith("Not enough data: pain reports cover 1 h of the 48 h")
    # Tuesday and Wednesday mornings: Monday's report now opens the window
    report(0, sydney(3, 9))
    assert result(clinic, case_id, "pain_48h", sydney(3, 10)).status == "missing"
    report(1, sydney(4, 9))
    r = result(clinic, case_id, "pain_48h", sydney(4, 10))
    assert r.status == "pass"
    assert "one on each day since 2026-03-02" in r.explanation  # Sydney days, not UTC
    # Thursday: 3/10
    report(3, sydney(5, 9, 40))
    r = result(clinic, case_id, "pain_48h", sydney(5, 10))
    assert r.status == "fail" and r.value == 3
    with clinic.session() as s:
        ready = evaluate_case(s, clinic.actors["physio"], case_id, as_of=sydney(5, 10))
    assert ready.evaluation.verdict == "not_ready"
    assert "not met: Pain ≤ 2/10 for 48 h" in ready.evaluation.summary


def test_an_lsi_pairs_limbs_of_the_same_sydney_day(clinic):
    with clinic.session() as s:
        init_zone(s, "Australia/Sydney")
    case_id = new_case(clinic)
    physio = clinic.actors["physio"]

    def test_limb(limb: str, force: float, when: datetime) -> None:
        with clinic.session() as s:
            timeline.record_measures(
                s,
                physio,
                case_id,
                [MeasureValue("iso_knee_flexion_90", force, limb)],
                measured_at=when,
            )

    # right at 23:50, left at 00:10: twenty minutes apart, but two clinic days
    test_limb("right", 250, sydney(4, 23, 50))
    test_limb("left", 300, sydney(5, 0, 10))
    r = result(clinic, case_id, "iso_lsi_70", sydney(5, 9))
    assert r.status == "missing"
    assert r.missing == "Isometric knee flexion 90/90, both limbs on the same day"
    # the morning session tests both limbs
    test_limb("right", 240, sydney(5, 10))
    test_limb("left", 300, sydney(5, 10, 5))
    r = result(clinic, case_id, "iso_lsi_70", sydney(5, 11))
    assert r.status == "pass" and r.lsi == 80.0


def test_full_training_counts_from_the_entry_into_phase_6(clinic):
    case_id = new_case(clinic)
    coach = clinic.actors["coach"]

    def train(when: datetime) -> None:
        with clinic.session() as s:
            timeline.add_session(
                s,
                coach,
                case_id,
                timeline.SessionInput("full_training", 90, srpe=7, full_training=True),
                occurred_at=when,
            )

    train(utc(4, 10))  # a full session last week, in phase 5
    enter_phase(clinic, case_id, "sport_specific", utc(10, 14))  # yesterday afternoon
    r = result(clinic, case_id, "full_training", utc(11, 9))
    assert r.status == "fail" and r.value == 0
    assert "since the case entered this phase (2026-03-10)" in r.explanation
    train(utc(11, 10))  # today's team session
    r = result(clinic, case_id, "full_training", utc(11, 12))
    assert r.status == "pass" and r.value == 1
    # the evaluation made yesterday morning, before the phase, still counts none for it
    assert result(clinic, case_id, "full_training", utc(10, 9)).value == 0


def test_a_calf_tear_is_gated_on_its_own_muscle_test(clinic):
    case_id = new_case(clinic, "calf", "medial_gastrocnemius")
    enter_phase(clinic, case_id, "strength_speed", utc(5, 9))
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        timeline.record_measures(
            s,
            physio,
            case_id,
            [
                MeasureValue("soleus_strength", 1900, "right"),
                MeasureValue("soleus_strength", 2000, "left"),
                MeasureValue("gastrocnemius_strength", 800, "right"),
                MeasureValue("gastrocnemius_strength", 1000, "left"),
            ],
            measured_at=utc(6, 10),
        )

    def readiness():
        with clinic.session() as s:
            return evaluate_case(s, physio, case_id, as_of=utc(6, 12))

    # gastrocnemius tear: a strong soleus does not clear the weak knee-straight test
    ready = readiness()
    assert [r.key for r in ready.evaluation.results] == ["gastrocnemius_lsi_90"]
    assert (ready.met, ready.total) == (0, 1)
    assert ready.evaluation.not_applicable == ("Loaded soleus strength LSI ≥ 90%",)
    # the MRI review reclassifies it as a soleus tear: the knee-bent test gates it
    for muscle, keys, verdict in (
        ("soleus", ["soleus_lsi_90"], "ready"),
        ("unspecified", ["soleus_lsi_90", "gastrocnemius_lsi_90"], "not_ready"),
    ):
        with clinic.session() as s:
            version = get_case(s, physio, case_id).version
            update_diagnosis(
                s, physio, case_id, version, CaseInput("calf", "right", muscle, INJURY)
            )
        ready = readiness()
        assert [r.key for r in ready.evaluation.results] == keys
        assert ready.evaluation.verdict == verdict
