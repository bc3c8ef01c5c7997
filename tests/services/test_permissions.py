"""The full role x action matrix, exercised through the services (not the UI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from casemgr.db.models import AuditEvent
from casemgr.errors import PermissionDenied
from casemgr.permissions import MATRIX, Action, Role
from casemgr.services import (
    athletes,
    cases,
    decisions,
    planning,
    readiness,
    settings,
    timeline,
    users,
)
from casemgr.services.athletes import AthleteInput
from casemgr.services.cases import CaseInput
from casemgr.services.dto import MeasureValue
from casemgr.services.timeline import SessionInput


def _note_by(clinic, role):
    with clinic.session() as s:
        return timeline.add_note(s, clinic.actors[role], clinic.case_id, "entry to amend")


def _case_version(s, clinic):
    return cases.get_case(s, clinic.actors["physio"], clinic.case_id).version


# Each action as a service call: (session, clinic, actor) -> anything.
CALLS = {
    Action.MANAGE_USERS: lambda s, c, a: users.list_users(s, a),
    Action.MANAGE_SETTINGS: lambda s, c, a: settings.set_setting(s, a, "timezone", "Europe/London"),
    Action.VIEW_CLINICAL: lambda s, c, a: timeline.list_entries(s, a, c.case_id),
    Action.EDIT_ATHLETE: lambda s, c, a: athletes.create_athlete(s, a, AthleteInput("New Person")),
    Action.OPEN_CASE: lambda s, c, a: cases.open_case(
        s,
        a,
        c.athlete_id,
        CaseInput(
            region="calf",
            side="left",
            muscle="soleus",
            injury_date=datetime.now(UTC).date() - timedelta(days=2),
            grade="1",
            site="a",
        ),
    ),
    Action.EDIT_DIAGNOSIS: lambda s, c, a: cases.update_diagnosis(
        s,
        a,
        c.case_id,
        _case_version(s, c),
        CaseInput(
            region="hamstring",
            side="right",
            muscle="semitendinosus",
            injury_date=datetime.now(UTC).date() - timedelta(days=10),
            grade="2",
            site="b",
        ),
    ),
    Action.ADD_NOTE: lambda s, c, a: timeline.add_note(s, a, c.case_id, "note"),
    Action.ADD_FEEDBACK: lambda s, c, a: timeline.add_feedback(s, a, c.case_id, {"pain": 1}),
    Action.ADD_SESSION: lambda s, c, a: timeline.add_session(
        s, a, c.case_id, SessionInput("tempo", 30, srpe=4)
    ),
    Action.RECORD_MEASURE: lambda s, c, a: timeline.record_measures(
        s, a, c.case_id, [MeasureValue("max_velocity", 8.1)]
    ),
    Action.RECORD_BASELINE: lambda s, c, a: timeline.record_measures(
        s, a, c.case_id, [MeasureValue("max_velocity", 9.5)], is_baseline=True
    ),
    Action.RECORD_CHECK: lambda s, c, a: timeline.record_check(
        s, a, c.case_id, "pain_free_single_leg_squat", True
    ),
    Action.PLAN: lambda s, c, a: planning.add_target(
        s, a, c.case_id, datetime.now(UTC).date(), "target"
    ),
    Action.MOVE_PHASE: lambda s, c, a: cases.move_phase(
        s, a, c.case_id, _case_version(s, c), "advance", "criteria met", override_reason="x"
    ),
    Action.RAISE_FLAG: lambda s, c, a: timeline.raise_flag(s, a, c.case_id, "soreness jump"),
    Action.SIGN_OFF: lambda s, c, a: timeline.sign_off(s, a, c.case_id, "phase 1 signed off"),
    Action.RECORD_DECISION: lambda s, c, a: decisions.record_decision(
        s, a, c.case_id, "not_cleared"
    ),
    Action.AMEND_OWN: None,  # below: needs an entry written by the same person
    Action.AMEND_ANY: None,  # below: needs an entry written by someone else
    Action.EDIT_PROTOCOL: lambda s, c, a: _protocol_edit(s, a),
    Action.IMPORT_DATA: lambda s, c, a: _require(s, a, Action.IMPORT_DATA),
    Action.EXPORT_DATA: lambda s, c, a: _require(s, a, Action.EXPORT_DATA),
    Action.REPORT: lambda s, c, a: _require(s, a, Action.REPORT),
    Action.BACKUP: lambda s, c, a: _require(s, a, Action.BACKUP),
    Action.RESTORE: lambda s, c, a: _require(s, a, Action.RESTORE),
    Action.VERIFY: lambda s, c, a: _require(s, a, Action.VERIFY),
}


def _require(s, actor, action):
    # Services for these actions arrive with their issues; the shared gate is tested here.
    from casemgr.services.base import require

    require(s, actor, action)


def _protocol_edit(s, actor):
    _require(s, actor, Action.EDIT_PROTOCOL)


def test_every_action_has_a_call():
    assert set(CALLS) == set(Action)


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("action", [a for a in Action if CALLS[a] is not None])
def test_role_action_matrix(clinic, role, action):
    actor = clinic.actors[role]
    expected = Role(role) in MATRIX[action]
    if expected:
        with clinic.session() as s:
            CALLS[action](s, clinic, actor)
        return
    with pytest.raises(PermissionDenied), clinic.session() as s:
        CALLS[action](s, clinic, actor)
    with clinic.session() as s:
        denial = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (denial.outcome, denial.username, denial.action) == ("denied", role, action.value)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_amending_own_and_others_entries(clinic, role):
    actor = clinic.actors[role]
    for author, action in (
        (role, Action.AMEND_OWN),
        ("physio" if role != "physio" else "coach", Action.AMEND_ANY),
    ):
        if Role(author) not in MATRIX[Action.ADD_NOTE]:
            continue  # admins write no notes, so there is nothing of theirs to amend
        entry = _note_by(clinic, author)
        expected = Role(role) in MATRIX[action]
        if expected:
            with clinic.session() as s:
                timeline.void_entry(s, actor, entry.id, entry.version, "duplicate")
        else:
            with pytest.raises(PermissionDenied), clinic.session() as s:
                timeline.void_entry(s, actor, entry.id, entry.version, "duplicate")


def test_denied_action_writes_nothing_but_the_denial(clinic):
    with clinic.session() as s:
        before = timeline.list_entries(s, clinic.actors["coach"], clinic.case_id).total
    with (
        pytest.raises(
            PermissionDenied,
            match=r"Your role \(S&C coach\) does not allow you to record a return-to-play",
        ),
        clinic.session() as s,
    ):
        timeline.add_note(s, clinic.actors["coach"], clinic.case_id, "written first")
        decisions.record_decision(s, clinic.actors["coach"], clinic.case_id, "cleared")
    with clinic.session() as s:
        assert timeline.list_entries(s, clinic.actors["coach"], clinic.case_id).total == before


def test_readiness_is_readable_by_every_clinical_role(clinic):
    for role in ("doctor", "physio", "coach", "scientist"):
        with clinic.session() as s:
            result = readiness.evaluate_case(s, clinic.actors[role], clinic.case_id)
        assert result.phase_ordinal == 1 and result.evaluation.verdict == "not_ready"
