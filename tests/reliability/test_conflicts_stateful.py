"""No lost updates: random interleavings of two workstations editing the same records.

Each workstation keeps what it last read (the entry's or the case's version) and later
writes with it, as a user who opened a form and saved a while later would. A write made
with a stale version must be refused with a conflict; every accepted write must be in the
record's history; nothing is ever overwritten; the audit chain stays intact.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from casemgr import audit
from casemgr.db.models import TimelineEntry
from casemgr.errors import ConflictError, ValidationError
from casemgr.services import cases, timeline

WORKSTATIONS = ("workstation-a", "workstation-b")
ROLE = "doctor"  # both workstations may amend any entry; only the versions differ


@pytest.fixture
def machine_factory(clinic):
    class TwoWorkstations(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.clinic = clinic
            with clinic.session() as s:
                note = timeline.add_note(s, clinic.actors[ROLE], clinic.case_id, "v0")
            self.root = note.id
            self.seen: dict[str, tuple[int, int]] = {}  # workstation -> (entry id, version)
            self.case_seen: dict[str, int] = {}
            self.accepted_bodies = ["v0"]
            self.counter = 0

        def _latest(self) -> TimelineEntry:
            with self.clinic.session() as s:
                history = timeline.entry_history(s, self.clinic.actors["physio"], self.root)
            return history[-1]

        @rule(ws=st.sampled_from(WORKSTATIONS))
        def read_entry(self, ws):
            latest = self._latest()
            self.seen[ws] = (latest.id, latest.version)

        @rule(ws=st.sampled_from(WORKSTATIONS))
        def read_case(self, ws):
            with self.clinic.session() as s:
                self.case_seen[ws] = cases.get_case(
                    s, self.clinic.actors[ROLE], self.clinic.case_id
                ).version

        @precondition(lambda self: self.seen)
        @rule(ws=st.sampled_from(WORKSTATIONS))
        def amend(self, ws):
            if ws not in self.seen:
                return
            entry_id, version = self.seen.pop(ws)
            latest = self._latest()
            self.counter += 1
            body = f"v{self.counter}"
            stale = (entry_id, version) != (latest.id, latest.version) or latest.status != "active"
            try:
                with self.clinic.session() as s:
                    timeline.amend_entry(
                        s, self.clinic.actors[ROLE], entry_id, version, "correction", body=body
                    )
            except ConflictError:
                assert stale, "a current version was refused"
            except ValidationError:
                assert latest.status != "active" or entry_id != latest.id
            else:
                assert not stale, "a stale version overwrote a newer one"
                self.accepted_bodies.append(body)

        @precondition(lambda self: self.case_seen)
        @rule(ws=st.sampled_from(WORKSTATIONS), direction=st.sampled_from(["advance", "step_back"]))
        def move(self, ws, direction):
            if ws not in self.case_seen:
                return
            version = self.case_seen.pop(ws)
            with self.clinic.session() as s:
                current = cases.get_case(s, self.clinic.actors[ROLE], self.clinic.case_id)
            try:
                with self.clinic.session() as s:
                    cases.move_phase(
                        s,
                        self.clinic.actors[ROLE],
                        self.clinic.case_id,
                        version,
                        direction,
                        "decided in the meeting",
                    )
            except ConflictError:
                assert version != current.version
            except ValidationError:
                pass  # first or last phase: nowhere to move
            else:
                assert version == current.version

        @invariant()
        def history_keeps_every_accepted_write(self):
            with self.clinic.session() as s:
                history = timeline.entry_history(s, self.clinic.actors["physio"], self.root)
            assert [h.body for h in history] == self.accepted_bodies
            assert [h.status for h in history[:-1]] == ["amended"] * (len(history) - 1)
            assert history[-1].status == "active"

        @invariant()
        def audit_chain_verifies(self):
            with self.clinic.session() as s:
                assert audit.verify_chain(s).ok
                notes = s.scalar(
                    select(func.count(TimelineEntry.id)).where(
                        TimelineEntry.kind == "note", TimelineEntry.id >= self.root
                    )
                )
            assert notes == len(self.accepted_bodies)

    return TwoWorkstations


def test_random_interleavings_never_lose_an_update(machine_factory):
    machine = machine_factory
    settings_ = settings(
        max_examples=8,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(machine, settings=settings_)
