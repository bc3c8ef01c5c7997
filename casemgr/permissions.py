"""Who may do what: the permission matrix, enforced in the services.

The UI hides what a role cannot do, but the services decide: every denial raises
``PermissionDenied`` and is written to the audit trail.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DOCTOR = "doctor"
    PHYSIO = "physio"
    COACH = "coach"
    SCIENTIST = "scientist"


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.DOCTOR: "Doctor",
    Role.PHYSIO: "Physiotherapist",
    Role.COACH: "S&C coach",
    Role.SCIENTIST: "Sport scientist",
}


class Action(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    VIEW_CLINICAL = "view_clinical"
    EDIT_ATHLETE = "edit_athlete"
    OPEN_CASE = "open_case"
    EDIT_DIAGNOSIS = "edit_diagnosis"
    ADD_NOTE = "add_note"
    ADD_FEEDBACK = "add_feedback"
    ADD_SESSION = "add_session"
    RECORD_MEASURE = "record_measure"
    RECORD_BASELINE = "record_baseline"
    RECORD_CHECK = "record_check"
    PLAN = "plan"
    MOVE_PHASE = "move_phase"
    RAISE_FLAG = "raise_flag"
    SIGN_OFF = "sign_off"
    RECORD_DECISION = "record_decision"
    AMEND_OWN = "amend_own"
    AMEND_ANY = "amend_any"
    EDIT_PROTOCOL = "edit_protocol"
    IMPORT_DATA = "import_data"
    EXPORT_DATA = "export_data"
    REPORT = "report"
    BACKUP = "backup"
    RESTORE = "restore"
    VERIFY = "verify"


_CLINICAL = {Role.DOCTOR, Role.PHYSIO, Role.COACH, Role.SCIENTIST}
_LEAD = {Role.DOCTOR, Role.PHYSIO}

# Every action and the roles that may take it. Decisions (SPEC "Users, roles and records"):
# admins manage users and backups but write no clinical entries; coaches and scientists
# add notes, sessions and metrics but do not open cases, change the diagnosis or move
# phases; only a doctor records a return-to-play decision.
MATRIX: dict[Action, frozenset[Role]] = {
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_SETTINGS: frozenset({Role.ADMIN}),
    Action.VIEW_CLINICAL: frozenset(_CLINICAL | {Role.ADMIN}),
    Action.EDIT_ATHLETE: frozenset(_LEAD | {Role.ADMIN}),
    Action.OPEN_CASE: frozenset(_LEAD),
    Action.EDIT_DIAGNOSIS: frozenset(_LEAD),
    Action.ADD_NOTE: frozenset(_CLINICAL),
    Action.ADD_FEEDBACK: frozenset(_CLINICAL),
    Action.ADD_SESSION: frozenset(_CLINICAL),
    Action.RECORD_MEASURE: frozenset(_CLINICAL),
    Action.RECORD_BASELINE: frozenset(_CLINICAL),
    Action.RECORD_CHECK: frozenset(_LEAD),
    Action.PLAN: frozenset(_CLINICAL),
    Action.MOVE_PHASE: frozenset(_LEAD),
    Action.RAISE_FLAG: frozenset(_CLINICAL),
    Action.SIGN_OFF: frozenset(_LEAD),
    Action.RECORD_DECISION: frozenset({Role.DOCTOR}),
    Action.AMEND_OWN: frozenset(_CLINICAL),
    Action.AMEND_ANY: frozenset({Role.DOCTOR}),
    Action.EDIT_PROTOCOL: frozenset(_LEAD),
    Action.IMPORT_DATA: frozenset(_CLINICAL),
    Action.EXPORT_DATA: frozenset(_CLINICAL),
    Action.REPORT: frozenset(_CLINICAL),
    Action.BACKUP: frozenset({Role.ADMIN}),
    Action.RESTORE: frozenset({Role.ADMIN}),
    Action.VERIFY: frozenset({Role.ADMIN, Role.DOCTOR}),
}


def allowed(role: str, action: Action) -> bool:
    """True when *role* may take *action*."""
    return Role(role) in MATRIX[action]


@dataclass(frozen=True)
class Actor:
    """The logged-in person a service acts for."""

    user_id: int | None
    username: str
    role: str
    display_name: str = ""
    workstation: str = field(default_factory=socket.gethostname)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, display_name="casemgr")
