"""Protocols in the database: immutable versions, installed from the shipped files or copied.

A case keeps the protocol version it was opened (or last assigned) with; editing a
protocol writes a new version and never changes the one existing cases use.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.db.models import PhaseCriterion, Protocol, ProtocolPhase
from casemgr.errors import NotFoundError
from casemgr.permissions import Actor


def install_protocol(
    session: Session, definition: dict, *, builtin: bool = False, created_by_id: int | None = None
) -> Protocol:
    """Store *definition* (the dict form of ``casemgr.clinical.protocols``) as a new version."""
    key = definition["key"]
    latest = session.scalar(select(func.max(Protocol.version)).where(Protocol.key == key)) or 0
    row = Protocol(
        key=key,
        version=latest + 1,
        name=definition["name"],
        region=definition["region"],
        definition=definition,
        builtin=builtin,
        created_by_id=created_by_id,
    )
    session.add(row)
    session.flush()
    for ordinal, phase in enumerate(definition["phases"], start=1):
        phase_row = ProtocolPhase(
            protocol_id=row.id, ordinal=ordinal, key=phase["key"], name=phase["name"]
        )
        session.add(phase_row)
        session.flush()
        for c_ordinal, crit in enumerate(phase.get("criteria", []), start=1):
            session.add(
                PhaseCriterion(
                    phase_id=phase_row.id,
                    ordinal=c_ordinal,
                    key=crit["key"],
                    label=crit.get("label", crit["key"]),
                    measure=crit.get("measure"),
                    required=bool(crit.get("required", True)),
                    spec=crit,
                )
            )
    session.flush()
    return row


def install_default_protocols(session: Session, actor: Actor) -> list[Protocol]:
    """Install the shipped protocol files (once per key)."""
    from casemgr.clinical.protocols import default_protocols, protocol_to_dict

    rows = []
    for protocol in default_protocols():
        if session.scalar(select(Protocol.id).where(Protocol.key == protocol.key)) is None:
            row = install_protocol(session, protocol_to_dict(protocol), builtin=True)
            audit.record(
                session,
                actor,
                "protocol.install",
                entity_type="protocol",
                entity_id=row.id,
                reason=f"{row.key} v{row.version}",
            )
            rows.append(row)
    return rows


def latest_protocol(session: Session, region: str, key: str | None = None) -> Protocol:
    """The newest version of *key*, or of the built-in protocol for *region*."""
    stmt = select(Protocol).order_by(Protocol.version.desc()).limit(1)
    stmt = (
        stmt.where(Protocol.key == key)
        if key
        else stmt.where(Protocol.region == region, Protocol.builtin.is_(True))
    )
    row = session.scalar(stmt)
    if row is None:
        raise NotFoundError(f"No {key or region} protocol is installed in this database.")
    return row
