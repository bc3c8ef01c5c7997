"""Upgrades: a changed shipped protocol arrives as a new version; cases keep theirs."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from casemgr.clinical import protocols as clinical_protocols
from casemgr.db.models import AuditEvent, InjuryCase, Protocol
from casemgr.db.open import open_database


def _changed_shipped(monkeypatch):
    shipped = clinical_protocols.default_protocols()
    changed = []
    for p in shipped:
        first = p.phases[0]
        changed.append(
            replace(p, phases=(replace(first, name=first.name + " (revised)"),) + p.phases[1:])
        )
    monkeypatch.setattr(clinical_protocols, "default_protocols", lambda: list(changed))
    monkeypatch.setattr(clinical_protocols, "shipped_digest", lambda: "a-new-release")


def test_a_changed_shipped_protocol_is_installed_as_a_new_version(clinic, db_url, monkeypatch):
    with clinic.session() as s:
        before = {p.key: p.version for p in s.scalars(select(Protocol))}
        case_protocol = s.get(InjuryCase, clinic.case_id).protocol_id
    assert before == {"hamstring": 1, "calf": 1}
    _changed_shipped(monkeypatch)
    clinic.database.dispose()
    reopened = open_database(db_url)
    try:
        with reopened.session() as s:
            rows = s.scalars(select(Protocol).order_by(Protocol.key, Protocol.version)).all()
            assert [(p.key, p.version) for p in rows] == [
                ("calf", 1),
                ("calf", 2),
                ("hamstring", 1),
                ("hamstring", 2),
            ]
            newest = rows[-1]
            assert newest.builtin and newest.definition["version"] == 2
            assert newest.definition["phases"][0]["name"].endswith("(revised)")
            # the open case keeps the version it uses until a person moves it
            assert s.get(InjuryCase, clinic.case_id).protocol_id == case_protocol
            events = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "protocol.install")
            ).all()
            assert any("the shipped protocol changed" in e.reason for e in events)
    finally:
        reopened.dispose()
    again = open_database(db_url)  # once per change of the files: nothing more
    try:
        with again.session() as s:
            assert len(s.scalars(select(Protocol)).all()) == 4
    finally:
        again.dispose()
