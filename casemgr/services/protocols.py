"""Protocols in the database: immutable versions, installed from the shipped files or copied.

A case keeps the protocol version it was opened (or last assigned) with; editing a
protocol writes a new version and never changes the one existing cases use.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from casemgr import audit
from casemgr.db.base import utcnow
from casemgr.db.models import PhaseCriterion, Protocol, ProtocolPhase
from casemgr.errors import ConflictError, NotFoundError, ValidationError
from casemgr.permissions import Action, Actor
from casemgr.services.base import check_version, get_or_404, load_case, require
from casemgr.text import clean_line, clean_text


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
            definition = {**protocol_to_dict(protocol), "version": 1}
            row = install_protocol(session, definition, builtin=True)
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


SHIPPED_KEY = "shipped_protocols_sha256"


def _comparable(definition: dict) -> dict:
    from casemgr.clinical.protocols import protocol_from_dict, protocol_to_dict

    data = protocol_to_dict(protocol_from_dict(definition, origin=definition.get("key", "?")))
    data.pop("version", None)
    return data


def sync_shipped_protocols(session: Session) -> list[Protocol]:
    """After an upgrade: install each shipped protocol that changed as a new version.

    Built-in protocols are never edited in place (a clinic edits a copy under its own key,
    which this leaves alone). Older versions stay; open cases keep the version they
    use until a person moves them (:func:`assign_protocol`). A database without protocols
    (being created) is left to ``init``/``demo``. The shipped files' hash is kept in
    ``app_meta`` so that this runs once per change of the files.
    """
    from casemgr.clinical.protocols import default_protocols, protocol_to_dict, shipped_digest
    from casemgr.db.models import AppMeta
    from casemgr.permissions import SYSTEM

    digest = shipped_digest()
    seen = session.get(AppMeta, SHIPPED_KEY)
    if seen is not None and seen.value == digest:
        return []
    if session.scalar(select(Protocol.id).limit(1)) is None:
        return []
    installed = []
    for protocol in default_protocols():
        latest = _latest_row(session, protocol.key)
        if latest is None or not latest.builtin:
            continue
        shipped = protocol_to_dict(protocol)
        if _comparable(latest.definition) == _comparable(shipped):
            continue
        row = install_protocol(session, {**shipped, "version": latest.version + 1}, builtin=True)
        audit.record(
            session,
            SYSTEM,
            "protocol.install",
            entity_type="protocol",
            entity_id=row.id,
            reason=f"{row.key} v{row.version}: the shipped protocol changed; cases keep "
            f"v{latest.version} until a person moves them",
        )
        installed.append(row)
    session.merge(AppMeta(key=SHIPPED_KEY, value=digest))
    return installed


# --- listing, copying, editing, import/export, assignment --------------------------------


@dataclass(frozen=True)
class ProtocolInfo:
    """One stored protocol version, as lists and pickers show it."""

    id: int
    key: str
    version: int
    name: str
    region: str
    builtin: bool
    phase_names: tuple[str, ...]
    created_at: datetime
    latest: bool  # the newest version of its key (the one new cases and edits start from)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.key} v{self.version})"


def _latest_versions(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(Protocol.key, func.max(Protocol.version)).group_by(Protocol.key)
        ).all()
    )


def _info(row: Protocol, latest_version: int) -> ProtocolInfo:
    return ProtocolInfo(
        id=row.id,
        key=row.key,
        version=row.version,
        name=row.name,
        region=row.region,
        builtin=row.builtin,
        phase_names=tuple(p.name for p in row.phases),
        created_at=row.created_at,
        latest=row.version == latest_version,
    )


def _row_info(session: Session, row: Protocol) -> ProtocolInfo:
    return _info(row, _latest_versions(session).get(row.key, row.version))


def list_protocols(session: Session, actor: Actor) -> list[ProtocolInfo]:
    """Every stored protocol version, by key then version."""
    require(session, actor, Action.VIEW_CLINICAL, entity_type="protocol")
    latest = _latest_versions(session)
    rows = session.scalars(
        select(Protocol)
        .options(selectinload(Protocol.phases))
        .order_by(Protocol.key, Protocol.version)
    )
    return [_info(row, latest[row.key]) for row in rows]


def _get(session: Session, protocol_id: int) -> Protocol:
    return get_or_404(session, Protocol, protocol_id, "Protocol")


def get_protocol_definition(session: Session, actor: Actor, protocol_id: int) -> dict:
    """The stored definition (the dict form of ``casemgr.clinical.protocols``), a deep copy
    the caller may edit and pass to :func:`save_protocol_version`."""
    require(session, actor, Action.VIEW_CLINICAL, entity_type="protocol", entity_id=protocol_id)
    return copy.deepcopy(_get(session, protocol_id).definition)


def _validated(definition: dict, key: str, version: int, origin: str) -> dict:
    """The definition validated and in canonical form, stamped with *key* and *version*.

    Raises ``ProtocolError`` (a ValidationError) "origin: field.path: problem".
    """
    from casemgr.clinical.protocols import protocol_from_dict, protocol_to_dict

    if not isinstance(definition, dict):
        raise ValidationError(f"{origin}: a protocol definition is a table of fields.")
    data = {**copy.deepcopy(definition), "key": key, "version": version}
    return protocol_to_dict(protocol_from_dict(data, origin=origin))


def _new_key(session: Session, key: str) -> str:
    from casemgr.clinical.protocols import _KEY_RE

    key = clean_line(key, "Protocol key", max_len=64)
    if not _KEY_RE.match(key):
        raise ValidationError(
            f"'{key}' is not a valid protocol key: use letters, digits, _ . - (no spaces)."
        )
    if session.scalar(select(Protocol.id).where(Protocol.key == key).limit(1)) is not None:
        raise ValidationError(
            f"A protocol with the key '{key}' exists already: choose another key, or save a "
            "new version of that protocol."
        )
    return key


def _store(
    session: Session, actor: Actor, definition: dict, action: str, reason: str
) -> ProtocolInfo:
    """Write *definition* as its own new version; a concurrent writer of the same version
    gets a ConflictError (the unique key/version), never a silent overwrite."""
    try:
        with session.begin_nested():
            row = install_protocol(session, definition, created_by_id=actor.user_id)
    except IntegrityError:
        raise ConflictError(
            f"Protocol '{definition['key']}' was changed by someone else at the same time. "
            "Nothing was overwritten: reload it, then apply your change again."
        ) from None
    if row.version != definition["version"]:  # install_protocol numbers the version itself
        raise ConflictError(
            f"Protocol '{row.key}' gained a version while you were editing it; reload it."
        )
    audit.record(
        session,
        actor,
        action,
        entity_type="protocol",
        entity_id=row.id,
        reason=f"{row.key} v{row.version}" + (f": {reason}" if reason else ""),
    )
    return _row_info(session, row)


def copy_protocol(
    session: Session, actor: Actor, protocol_id: int, new_key: str, new_name: str
) -> ProtocolInfo:
    """A clinic's own editable copy of a protocol version, as version 1 of *new_key*."""
    require(session, actor, Action.EDIT_PROTOCOL, entity_type="protocol", entity_id=protocol_id)
    source = _get(session, protocol_id)
    key = _new_key(session, new_key)
    name = clean_line(new_name, "Protocol name", max_len=200)
    definition = {**source.definition, "name": name}
    data = _validated(definition, key, 1, f"{key} v1")
    return _store(
        session, actor, data, "protocol.copy", f"copied from {source.key} v{source.version}"
    )


def _latest_row(session: Session, key: str) -> Protocol | None:
    return session.scalar(
        select(Protocol).where(Protocol.key == key).order_by(Protocol.version.desc()).limit(1)
    )


def _check_editable(latest: Protocol) -> None:
    if latest.builtin:
        raise ValidationError(
            f"'{latest.name}' is a built-in protocol and cannot be edited in place: copy it "
            "under a new key first, then edit the copy."
        )


def save_protocol_version(
    session: Session, actor: Actor, key: str, definition: dict, expected_version: int
) -> ProtocolInfo:
    """Save an edited definition as a NEW immutable version of *key*.

    *expected_version* is the version the editor started from: if someone saved a newer one
    since, nothing is written (ConflictError). The definition is validated first; the error
    names the field path (``phases[2].criteria[0].threshold: ...``). Cases keep the version
    they use until someone assigns the new one (:func:`assign_protocol`).
    """
    require(session, actor, Action.EDIT_PROTOCOL, entity_type="protocol", entity_id=key)
    latest = _latest_row(session, key)
    if latest is None:
        raise NotFoundError(f"There is no protocol '{key}'; copy or import one first.")
    _check_editable(latest)
    if latest.version != expected_version:
        raise ConflictError(
            f"Protocol '{key}' is at version {latest.version}, but your edit started from "
            f"version {expected_version}: someone saved a newer version meanwhile. Nothing "
            "was overwritten: reload it, then apply your change again."
        )
    data = _validated(definition, key, latest.version + 1, f"{key} v{latest.version + 1}")
    if data["region"] != latest.region:
        raise ValidationError(
            f"region: protocol '{key}' is for {latest.region} injuries; a protocol for another "
            "region needs its own key (copy it)."
        )
    return _store(session, actor, data, "protocol.edit", "")


def import_protocol_toml(session: Session, actor: Actor, text: str, origin: str) -> ProtocolInfo:
    """Import protocol TOML: version 1 of a new key, or the next version of a clinic's own
    protocol with that key (the file's ``version`` field is ignored: the database numbers
    versions). Errors name the file and the line or field path."""
    from casemgr.clinical.protocols import load_protocol_text, protocol_to_dict

    require(session, actor, Action.EDIT_PROTOCOL, entity_type="protocol", entity_id=origin)
    parsed = load_protocol_text(text, origin)
    latest = _latest_row(session, parsed.key)
    if latest is not None:
        if latest.builtin:
            raise ValidationError(
                f"{origin}: key: '{parsed.key}' is a built-in protocol and cannot be replaced; "
                "give the imported protocol its own key."
            )
        if latest.region != parsed.region:
            raise ValidationError(
                f"{origin}: region: protocol '{parsed.key}' is for {latest.region} injuries; "
                "give a protocol for another region its own key."
            )
    version = latest.version + 1 if latest is not None else 1
    data = _validated(protocol_to_dict(parsed), parsed.key, version, origin)
    return _store(session, actor, data, "protocol.import", origin[:200])


def export_protocol_toml(session: Session, actor: Actor, protocol_id: int) -> str:
    """The protocol version as TOML text (readable, re-importable); the export is audited."""
    from casemgr.clinical.protocols import dump_protocol_toml, protocol_from_dict

    require(session, actor, Action.EXPORT_DATA, entity_type="protocol", entity_id=protocol_id)
    row = _get(session, protocol_id)
    text = dump_protocol_toml(
        protocol_from_dict(row.definition, origin=f"{row.key} v{row.version}")
    )
    audit.record(
        session,
        actor,
        "protocol.export",
        entity_type="protocol",
        entity_id=row.id,
        reason=f"{row.key} v{row.version}",
    )
    return text


def assign_protocol(
    session: Session,
    actor: Actor,
    case_id: int,
    expected_case_version: int,
    protocol_id: int,
    phase_key: str,
    reason: str,
    *,
    occurred_at: datetime | None = None,
):
    """Move a case to another protocol (or version) and phase; returns its ``CaseInfo``.

    The region must match. The move is a ``phase_change`` timeline entry (direction
    "protocol", naming both protocol versions) and an audit event; earlier entries keep the
    protocol version they were written under.
    """
    from casemgr.services.cases import _entry, case_info

    case = load_case(session, actor, case_id, Action.MOVE_PHASE)
    check_version(case, expected_case_version, "This case")
    reason = clean_text(reason, "Reason", max_len=5000).strip()
    if not reason:
        raise ValidationError("Say why the protocol changes: the reason is part of the record.")
    if case.status == "closed":
        raise ValidationError("This case is closed.")
    protocol = _get(session, protocol_id)
    if protocol.region != case.region:
        raise ValidationError(
            f"'{protocol.name}' is a {protocol.region} protocol; this is a {case.region} case."
        )
    target = next((p for p in protocol.phases if p.key == phase_key), None)
    if target is None:
        raise ValidationError(
            f"'{protocol.name}' v{protocol.version} has no phase '{phase_key}'; its phases are "
            + ", ".join(p.key for p in protocol.phases)
            + "."
        )
    if protocol.id == case.protocol_id and target.id == case.current_phase_id:
        raise ValidationError("The case already follows that protocol version in that phase.")
    old_protocol, source = case.protocol, case.current_phase
    when = occurred_at or utcnow()
    if when.tzinfo is None or when > utcnow() + timedelta(minutes=5):
        raise ValidationError("The protocol change needs a past time with a time zone.")
    case.protocol_id, case.protocol = protocol.id, protocol
    case.current_phase_id, case.current_phase = target.id, target
    case.phase_entered_at = when
    case.status = "surveillance" if target.ordinal == len(protocol.phases) else "open"
    session.flush()
    label = f"{protocol.key} v{protocol.version}"
    _entry(
        session,
        actor,
        case,
        "phase_change",
        f"Protocol changed to {protocol.name} (v{protocol.version}), "
        f"phase {target.ordinal}: {target.name}",
        body=reason,
        data={
            "from": source.key,
            "from_ordinal": source.ordinal,
            "to": target.key,
            "to_ordinal": target.ordinal,
            "direction": "protocol",
            "protocol": label,
            "from_protocol": f"{old_protocol.key} v{old_protocol.version}",
        },
        occurred_at=when,
    )
    audit.record(
        session,
        actor,
        "case.assign_protocol",
        entity_type="case",
        entity_id=case.id,
        athlete_id=case.athlete_id,
        reason=f"{label}, phase {target.key}: {reason}"[:500],
    )
    return case_info(session, case)
