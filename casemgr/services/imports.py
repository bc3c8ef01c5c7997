"""Importing device and spreadsheet exports: presets, preview, all-or-nothing import.

Presets are resolved by name: the clinic's saved or edited preset (``import_presets``)
first, else the shipped one (``resources/presets``). ``preview_import`` checks a file and
writes nothing; ``import_file`` writes it in the caller's transaction (the caller's
``with database.session()`` commits everything or nothing). A file with rejected rows or
unknown athletes is refused unless ``allow_rejected=True`` (the UI asks the user first);
the refusal carries the full row report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from casemgr import audit
from casemgr.db.models import ImportPreset
from casemgr.errors import ConflictError, NotFoundError, ValidationError
from casemgr.importing.pipeline import (
    CancelFn,
    ImportRejected,
    ImportReport,
    ProgressFn,
    analyse,
    write_plan,
)
from casemgr.importing.presets import (
    Preset,
    PresetError,
    builtin_presets,
    preset_from_definition,
)
from casemgr.importing.reader import (
    DELIMITERS,
    HEADER_SEARCH_LINES,
    decode_bytes,
    iter_records,
    sniff_delimiter,
    split_lines,
)
from casemgr.permissions import Action, Actor
from casemgr.services.base import check_version, require


@dataclass(frozen=True)
class PresetInfo:
    name: str
    description: str
    kind: str
    builtin: bool  # shipped with casemgr (possibly edited by the clinic)
    customised: bool  # stored in this database (the clinic's own or an edited shipped one)
    version: int | None
    definition: dict


def _info(preset: Preset, customised: bool) -> PresetInfo:
    return PresetInfo(
        name=preset.name,
        description=preset.description,
        kind=preset.kind,
        builtin=preset.builtin,
        customised=customised,
        version=preset.version,
        definition=preset.to_definition(),
    )


def _stored(session: Session, name: str) -> ImportPreset | None:
    return session.scalar(select(ImportPreset).where(ImportPreset.name == name))


def list_presets(session: Session, actor: Actor) -> list[PresetInfo]:
    """Every preset by name: the shipped ones and the clinic's own."""
    require(session, actor, Action.IMPORT_DATA, entity_type="import_preset")
    out: dict[str, PresetInfo] = {name: _info(p, False) for name, p in builtin_presets().items()}
    for row in session.scalars(select(ImportPreset)):
        try:
            preset = preset_from_definition(
                row.definition, name=row.name, builtin=row.builtin, version=row.version
            )
        except PresetError:
            continue  # a preset the current catalogue cannot use is not offered
        out[row.name] = _info(preset, True)
    return [out[k] for k in sorted(out)]


def load_preset(session: Session, name: str) -> Preset:
    """The preset called *name* (stored first, then shipped); ``NotFoundError`` names them."""
    row = _stored(session, name)
    if row is not None:
        return preset_from_definition(
            row.definition, name=row.name, builtin=row.builtin, version=row.version
        )
    shipped = builtin_presets().get(name)
    if shipped is not None:
        return shipped
    names = sorted(set(builtin_presets()) | set(session.scalars(select(ImportPreset.name))))
    raise NotFoundError(f"No import preset called '{name}'. Presets: {', '.join(names)}.")


def get_preset(session: Session, actor: Actor, name: str) -> PresetInfo:
    require(session, actor, Action.IMPORT_DATA, entity_type="import_preset", entity_id=name)
    preset = load_preset(session, name)
    return _info(preset, _stored(session, name) is not None)


def save_preset(
    session: Session,
    actor: Actor,
    definition: Mapping,
    *,
    expected_version: int | None = None,
) -> PresetInfo:
    """Create or edit a preset (a shipped one edited is stored under its own name).

    Editing a stored preset needs the version the user saw (``ConflictError`` otherwise).
    """
    require(session, actor, Action.IMPORT_DATA, entity_type="import_preset")
    preset = preset_from_definition(definition)
    row = _stored(session, preset.name)
    builtin = preset.name in builtin_presets()
    if row is None:
        if expected_version is not None:
            raise ConflictError(
                f"The preset '{preset.name}' was deleted by someone else while you edited it."
            )
        row = ImportPreset(
            name=preset.name,
            description=preset.description,
            definition=preset.to_definition(),
            builtin=builtin,
            created_by_id=actor.user_id,
        )
        session.add(row)
        action = "import_preset.create"
    else:
        if expected_version is None:
            raise ConflictError(
                f"A preset called '{preset.name}' exists already; open it to edit it, or "
                "choose another name."
            )
        check_version(row, expected_version, f"The preset '{preset.name}'")
        row.description = preset.description
        row.definition = preset.to_definition()
        action = "import_preset.update"
    session.flush()
    audit.record(session, actor, action, entity_type="import_preset", entity_id=preset.name)
    return _info(
        preset_from_definition(row.definition, name=row.name, builtin=builtin, version=row.version),
        True,
    )


def delete_preset(session: Session, actor: Actor, name: str, expected_version: int) -> None:
    """Remove a clinic preset; for a shipped one this restores the shipped mapping."""
    require(session, actor, Action.IMPORT_DATA, entity_type="import_preset", entity_id=name)
    row = _stored(session, name)
    if row is None:
        raise NotFoundError(f"No saved import preset called '{name}'.")
    check_version(row, expected_version, f"The preset '{name}'")
    session.delete(row)
    session.flush()
    audit.record(
        session, actor, "import_preset.delete", entity_type="import_preset", entity_id=name
    )


# ------------------------------------------------------------------------------------------
# Looking at a new file (to build a preset from it)


@dataclass(frozen=True)
class FileSample:
    """The start of a file as the importer reads it: to map its columns to a new preset."""

    encoding: str
    delimiter: str
    header_line: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    warnings: tuple[str, ...]


def inspect_file(raw: bytes, *, encoding: str = "auto", delimiter: str = "auto") -> FileSample:
    """Encoding, separator, the likely header line (the first line whose cells are mostly
    text) and the first rows under it."""
    decoded = decode_bytes(raw, encoding)
    lines = split_lines(decoded.text)
    delim = delimiter if delimiter in DELIMITERS else sniff_delimiter(lines)
    records = [r for r in iter_records(lines[: HEADER_SEARCH_LINES + 20], delim) if not r.blank]
    widths = [len(r.fields) for r in records if not r.error]
    if not widths:
        raise ValidationError("The file has no rows to read.")
    common = max(set(widths), key=widths.count)
    header = None
    for r in records:
        if r.error or len(r.fields) != common:
            continue
        texts = [f for f in r.fields if f and not _numberish(f)]
        if len(texts) >= max(1, (len(r.fields) + 1) // 2):
            header = r
            break
    if header is None:
        raise ValidationError(
            "No header line found: the file needs a line with the column names above the data."
        )
    rows = tuple(r.fields for r in records if r.line > header.line and not r.error and r.fields)[
        :10
    ]
    return FileSample(
        encoding=decoded.encoding,
        delimiter=delim,
        header_line=header.line,
        columns=header.fields,
        rows=rows,
        warnings=decoded.warnings,
    )


def _numberish(text: str) -> bool:
    return any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text)


# ------------------------------------------------------------------------------------------
# Preview and import


def _read(path: str | Path) -> tuple[bytes, str]:
    p = Path(path)
    if not p.exists():
        raise ValidationError(f"No file at {p}.")
    if p.is_dir():
        raise ValidationError(f"{p} is a folder, not a file.")
    return p.read_bytes(), p.name


def preview_import(
    session: Session,
    actor: Actor,
    path: str | Path,
    preset_name: str,
    *,
    encoding: str | None = None,
    athlete_map: Mapping[str, int] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """What importing *path* with the preset would write, and every rejected row. Writes
    nothing."""
    require(session, actor, Action.IMPORT_DATA, entity_type="import")
    raw, name = _read(path)
    preset = load_preset(session, preset_name)
    plan = analyse(
        session,
        preset,
        raw,
        name,
        encoding=encoding,
        athlete_map=athlete_map,
        progress=progress,
        cancel=cancel,
        now=now,
    )
    return plan.report


def import_file(
    session: Session,
    actor: Actor,
    path: str | Path,
    preset_name: str,
    *,
    encoding: str | None = None,
    athlete_map: Mapping[str, int] | None = None,
    allow_rejected: bool = False,
    expected_sha256: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import *path* in the caller's transaction (all or nothing).

    Refuses (``ImportRejected``, nothing written) when rows are rejected unless
    *allow_rejected*; refuses when the file changed since the preview the user saw
    (*expected_sha256*). A file whose values are all stored already writes nothing new and
    is still recorded as a batch.
    """
    require(session, actor, Action.IMPORT_DATA, entity_type="import")
    raw, name = _read(path)
    preset = load_preset(session, preset_name)
    plan = analyse(
        session,
        preset,
        raw,
        name,
        encoding=encoding,
        athlete_map=athlete_map,
        progress=progress,
        cancel=cancel,
        now=now,
    )
    report = plan.report
    if expected_sha256 is not None and expected_sha256 != report.sha256:
        raise ConflictError(
            f"{name} changed since the preview (its content is not the same any more). "
            "Nothing was written; preview it again."
        )
    if report.rejected and not allow_rejected:
        rows = len(report.rejected)
        raise ImportRejected(
            f"Nothing was written: {rows} row{'s' if rows != 1 else ''} of {name} cannot be "
            "imported (see the row report). Fix the file, or import the valid rows only.",
            report,
        )
    if report.rows_accepted == 0:
        raise ValidationError(f"Nothing to import: {name} has no rows with values.")
    return write_plan(session, actor, plan, progress=progress, cancel=cancel)
