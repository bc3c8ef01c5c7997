"""Athletes, cases, decisions, flags and planning through the services."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text, update

from casemgr.db.models import RtpDecision
from casemgr.errors import ConflictError, ImmutableRecordError, ValidationError
from casemgr.services import athletes, cases, decisions, planning, timeline
from casemgr.services.athletes import AthleteInput
from casemgr.services.cases import CaseInput
from casemgr.services.timeline import TimelineFilter

TODAY = datetime.now(UTC).date()  # the test clinic's today: its zone is UTC (tests/conftest.py)


@pytest.mark.parametrize(
    "name", ["O'Brien <Jr> & Co", "李娜", "José Núñez", unicodedata.normalize("NFD", "José Núñez")]
)
def test_odd_names_are_kept_and_found_ignoring_case_accents_and_form(clinic, name):
    with clinic.session() as s:
        created = athletes.create_athlete(s, clinic.actors["physio"], AthleteInput(name))
    assert created.full_name == unicodedata.normalize("NFC", name)
    query = {"O'Brien <Jr> & Co": "o'brien <jr>", "李娜": "李娜"}.get(
        unicodedata.normalize("NFC", name), "JOSE NUNEZ"
    )
    with clinic.session() as s:
        found = athletes.list_athletes(s, clinic.actors["coach"], search=query)
    assert [a.id for a in found] == [created.id]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body_mass_kg", 780.0, "not plausible"),
        ("height_m", 182.0, "metres, not cm"),
        ("date_of_birth", TODAY + timedelta(days=3), "not possible"),
        ("full_name", "   ", "Name is required"),
        ("dominant_limb", "middle", "left or right"),
    ],
)
def test_impossible_athlete_data_is_refused_with_a_plain_message(clinic, field, value, message):
    data = AthleteInput(**{"full_name": "Valid Name", field: value})
    with pytest.raises(ValidationError, match=message), clinic.session() as s:
        athletes.create_athlete(s, clinic.actors["physio"], data)


def test_external_ids_are_unique(clinic):
    with (
        pytest.raises(ValidationError, match="already belongs to Sam Carter"),
        clinic.session() as s,
    ):
        athletes.create_athlete(
            s, clinic.actors["physio"], AthleteInput("Someone", external_id="ATH-0001")
        )


def test_athlete_edit_conflict(clinic):
    with clinic.session() as s:
        a = athletes.get_athlete(s, clinic.actors["physio"], clinic.athlete_id)
    with clinic.session() as s:
        athletes.update_athlete(
            s,
            clinic.actors["physio"],
            a.id,
            a.version,
            AthleteInput("Sam Carter", body_mass_kg=79.0),
        )
    with pytest.raises(ConflictError), clinic.session() as s:
        athletes.update_athlete(
            s,
            clinic.actors["doctor"],
            a.id,
            a.version,
            AthleteInput("Sam Carter", body_mass_kg=80.0),
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"muscle": "soleus"}, "not a hamstring muscle"),
        ({"injury_date": TODAY + timedelta(days=1)}, "in the future"),
        ({"grade": "2", "site": ""}, "needs a site"),
        ({"grade": "7"}, "not one of"),
    ],
)
def test_case_validation(clinic, changes, message):
    data = {
        "region": "hamstring",
        "side": "left",
        "muscle": "semitendinosus",
        "injury_date": TODAY,
        "grade": "1",
        "site": "a",
        **changes,
    }
    with pytest.raises(ValidationError, match=message), clinic.session() as s:
        cases.open_case(s, clinic.actors["doctor"], clinic.athlete_id, CaseInput(**data))


def test_recurrence_links_to_the_earlier_case_and_diagnosis_changes_are_recorded(clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        again = cases.open_case(
            s,
            physio,
            clinic.athlete_id,
            CaseInput(
                region="hamstring",
                side="right",
                muscle="biceps_femoris_long_head",
                injury_date=TODAY,
                grade="1",
                site="b",
                recurrence_of_id=clinic.case_id,
            ),
        )
    assert again.recurrence_of_id == clinic.case_id
    assert again.protocol_key == "hamstring" and again.phase.ordinal == 1
    with clinic.session() as s:
        updated = cases.update_diagnosis(
            s,
            physio,
            again.id,
            again.version,
            CaseInput(
                region="hamstring",
                side="right",
                muscle="biceps_femoris_long_head",
                injury_date=TODAY,
                grade="2",
                site="c",
                recurrence_of_id=clinic.case_id,
            ),
        )
        notes = timeline.list_entries(s, physio, again.id, TimelineFilter(kinds=("note",)))
    assert updated.grade_label == "2c"
    assert "grade: 1 -> 2" in notes.items[0].body and "site: b -> c" in notes.items[0].body


def test_signed_decision_is_fingerprinted_and_can_never_change(clinic):
    with clinic.session() as s:
        decision = decisions.record_decision(
            s,
            clinic.actors["doctor"],
            clinic.case_id,
            "cleared_with_restrictions",
            restrictions="No maximal sprints for 2 weeks",
            monitoring_plan="Weekly Nordic",
            override_reason="Tested on paper at the club; results not entered yet",
        )
    assert len(decision.fingerprint) == 64
    with clinic.session() as s:
        listed = decisions.list_decisions(s, clinic.actors["coach"], clinic.case_id)
    assert [d.restrictions for d in listed] == ["No maximal sprints for 2 weeks"]
    with pytest.raises(ImmutableRecordError), clinic.session() as s:
        s.get(RtpDecision, decision.id).decision = "cleared"
    with pytest.raises(Exception, match="append-only"), clinic.database.engine.begin() as conn:
        conn.execute(update(RtpDecision).values(decision="cleared"))
    with pytest.raises(Exception, match="append-only"), clinic.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM rtp_decisions"))
    entries = None
    with clinic.session() as s:
        entries = timeline.list_entries(
            s, clinic.actors["doctor"], clinic.case_id, TimelineFilter(kinds=("decision",))
        ).items
        with pytest.raises(ValidationError, match="never amended"):
            timeline.void_entry(
                s, clinic.actors["doctor"], entries[0].id, entries[0].version, "changed my mind"
            )


def test_restrictions_are_required_for_a_restricted_clearance(clinic):
    with pytest.raises(ValidationError, match="write the restrictions"), clinic.session() as s:
        decisions.record_decision(
            s, clinic.actors["doctor"], clinic.case_id, "cleared_with_restrictions"
        )


def test_flags_count_until_resolved(clinic):
    with clinic.session() as s:
        flag = timeline.raise_flag(
            s, clinic.actors["scientist"], clinic.case_id, "Soreness up 3 points"
        )
        rows = cases.list_case_rows(s, clinic.actors["coach"])
    assert rows[0].open_flags == 1
    with clinic.session() as s:
        timeline.resolve_flag(s, clinic.actors["physio"], flag.id, "Settled after a rest day")
        rows = cases.list_case_rows(s, clinic.actors["coach"])
    assert rows[0].open_flags == 0


def test_weekly_targets_and_planned_sessions(clinic):
    monday = date(2026, 11, 23)
    with clinic.session() as s:
        target = planning.add_target(
            s,
            clinic.actors["coach"],
            clinic.case_id,
            monday + timedelta(days=2),
            "3 pain-free tempo sessions",
        )
        plan = planning.plan_session(
            s,
            clinic.actors["coach"],
            clinic.case_id,
            monday + timedelta(days=1),
            "tempo",
            "6 x 100 m at 60%",
            surface="grass",
            intensity_pct=60,
        )
    assert target.week_start == monday
    with clinic.session() as s:
        planning.mark_target(s, clinic.actors["physio"], target.id, target.version, True)
        planning.set_plan_status(s, clinic.actors["coach"], plan.id, plan.version, "done")
        targets = planning.list_targets(s, clinic.actors["doctor"], clinic.case_id)
        plans = planning.list_planned(
            s, clinic.actors["doctor"], clinic.case_id, monday, monday + timedelta(days=7)
        )
    assert targets[0].met is True and plans[0].status == "done"
    with pytest.raises(ConflictError), clinic.session() as s:
        planning.mark_target(s, clinic.actors["physio"], target.id, target.version, False)


def test_closed_cases_take_no_new_entries(clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = cases.get_case(s, physio, clinic.case_id)
        cases.close_case(s, physio, clinic.case_id, info.version, "Opened by mistake")
    with pytest.raises(ValidationError, match="closed"), clinic.session() as s:
        timeline.add_note(s, physio, clinic.case_id, "late note")
