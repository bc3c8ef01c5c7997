"""Import presets: saved, editable column mappings, as data.

A preset says how to read one kind of file (encoding, separator, decimal mark, thousands
separator), where the athlete is (external id and/or name column), the date/time columns
and their format and time zone, and which columns become which measures (with unit and
limb). Three shapes:

- ``wide``: one row per athlete and occasion, one column per measure (GPS, Nordic,
  wellness spreadsheets);
- ``long``: one row per value, with measure, value, unit and limb columns (``generic``);
- ``timing-gates``: one row per sprint trial with split-time columns; each trial's sprint
  profile is fitted and the best trial of the day is kept.

Shipped presets live in ``resources/presets/*.toml`` (scripts rely on their names); the
clinic's own and edited ones are stored in the ``import_presets`` table with the same
structure (``Preset.to_definition()``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.errors import ClinicalDataError
from casemgr.clinical.sprint import CORRECTIONS
from casemgr.errors import ValidationError
from casemgr.importing.reader import DELIMITERS, ENCODINGS
from casemgr.resources import resource_path

KINDS = ("wide", "long", "timing-gates")
BUILTIN_NAMES = ("gps", "timing-gates", "nordic", "wellness-eu", "generic")
DEFAULT_SUMMARY_PATTERNS = (
    r"total(s)?",
    r"sum",
    r"summe",
    r"gesamt",
    r"average",
    r"avg",
    r"mean",
    r"mittelwert",
    r"durchschnitt",
    r"team (total|average|avg|mean)",
    r"squad (total|average|avg|mean)",
)
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class PresetError(ValidationError):
    """A preset definition that cannot be used; the message names the field."""


@dataclass(frozen=True)
class MeasureColumn:
    column: str
    measure: str
    unit: str = ""
    limb: str = ""


@dataclass(frozen=True)
class SplitColumn:
    column: str
    distance: float
    unit: str = "s"


@dataclass(frozen=True)
class Preset:
    name: str
    description: str = ""
    title: str = ""
    kind: str = "wide"
    source: str = ""
    encoding: str = "auto"
    delimiter: str = "auto"
    decimal: str = "."
    thousands: str = ""
    athlete_id_column: str = ""
    athlete_name_column: str = ""
    date_column: str = ""
    date_format: str = "%Y-%m-%d"
    time_column: str = ""
    time_format: str = "%H:%M"
    timezone: str = "UTC"
    date_only_time: str = "12:00"
    columns: tuple[MeasureColumn, ...] = ()
    measure_column: str = ""
    value_column: str = ""
    unit_column: str = ""
    limb_column: str = ""
    trial_column: str = ""
    splits: tuple[SplitColumn, ...] = ()
    correction: str = "none"
    summary_patterns: tuple[str, ...] = DEFAULT_SUMMARY_PATTERNS
    builtin: bool = False
    version: int | None = field(default=None, compare=False)

    @property
    def source_label(self) -> str:
        """The ``source`` written on every imported measure (part of the idempotency key)."""
        return self.source or f"import:{self.name}"

    @property
    def entry_title(self) -> str:
        return self.title or f"Imported: {self.description or self.name}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def required_columns(self) -> list[str]:
        """Columns the header must have (optional ones are used when present)."""
        cols = [self.date_column]
        if self.kind != "long":
            cols.append(self.time_column)
        if self.kind == "wide":
            cols += [c.column for c in self.columns]
        elif self.kind == "long":
            cols += [self.measure_column, self.value_column]
        else:
            cols += [self.trial_column] + [s.column for s in self.splits]
        return [c for c in cols if c]

    def athlete_columns(self) -> list[str]:
        """The athlete columns: the header needs at least one of them."""
        return [c for c in (self.athlete_id_column, self.athlete_name_column) if c]

    def optional_columns(self) -> list[str]:
        if self.kind == "long":
            return [c for c in (self.unit_column, self.limb_column, self.time_column) if c]
        return []

    def to_definition(self) -> dict:
        """The preset as plain data (the TOML structure; stored as JSON)."""
        d: dict = {
            "name": self.name,
            "description": self.description,
            "title": self.title,
            "kind": self.kind,
            "source": self.source,
            "file": {
                "encoding": self.encoding,
                "delimiter": self.delimiter,
                "decimal": self.decimal,
                "thousands": self.thousands,
            },
            "athlete": {
                "id_column": self.athlete_id_column,
                "name_column": self.athlete_name_column,
            },
            "date": {
                "column": self.date_column,
                "format": self.date_format,
                "time_column": self.time_column,
                "time_format": self.time_format,
                "timezone": self.timezone,
                "date_only_time": self.date_only_time,
            },
            "summary_patterns": list(self.summary_patterns),
        }
        if self.kind == "wide":
            d["columns"] = [
                {"column": c.column, "measure": c.measure, "unit": c.unit, "limb": c.limb}
                for c in self.columns
            ]
        elif self.kind == "long":
            d["long"] = {
                "measure_column": self.measure_column,
                "value_column": self.value_column,
                "unit_column": self.unit_column,
                "limb_column": self.limb_column,
            }
        else:
            d["timing"] = {
                "trial_column": self.trial_column,
                "correction": self.correction,
                "splits": [
                    {"column": s.column, "distance": s.distance, "unit": s.unit}
                    for s in self.splits
                ],
            }
        return d


def _str(table: Mapping, key: str, where: str, default: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise PresetError(f"{where}.{key} must be text")
    return value


def preset_from_definition(
    definition: Mapping, *, name: str | None = None, builtin: bool = False, version=None
) -> Preset:
    """Validate a preset definition (TOML/JSON structure) and build the :class:`Preset`."""
    if not isinstance(definition, Mapping):
        raise PresetError("A preset definition is a table of settings.")
    name = (name or _str(definition, "name", "preset")).strip()
    where = f"preset '{name}'"
    if not _NAME.fullmatch(name):
        raise PresetError(
            f"Preset name '{name}' must be 1-64 lower-case letters, digits, '-', '_' or '.'."
        )
    known = {"name", "description", "title", "kind", "source", "file", "athlete", "date"}
    known |= {"columns", "long", "timing", "summary_patterns", "format"}
    unknown = sorted(set(definition) - known)
    if unknown:
        raise PresetError(f"{where}: unknown setting '{unknown[0]}'")
    kind = _str(definition, "kind", where, "wide")
    if kind not in KINDS:
        raise PresetError(f"{where}: kind must be one of {', '.join(KINDS)}")
    f = definition.get("file", {}) or {}
    a = definition.get("athlete", {}) or {}
    d = definition.get("date", {}) or {}
    encoding = _str(f, "encoding", f"{where}: file", "auto").lower()
    if encoding not in ENCODINGS:
        raise PresetError(f"{where}: file.encoding must be one of {', '.join(ENCODINGS)}")
    delimiter = _str(f, "delimiter", f"{where}: file", "auto")
    if delimiter.lower() == "tab":
        delimiter = "\t"
    if delimiter != "auto" and delimiter not in DELIMITERS:
        raise PresetError(f"{where}: file.delimiter must be ',', ';', 'tab' or 'auto'")
    decimal = _str(f, "decimal", f"{where}: file", ".")
    if decimal not in (".", ","):
        raise PresetError(f"{where}: file.decimal must be '.' or ','")
    thousands = _str(f, "thousands", f"{where}: file", "")
    if thousands not in ("", ",", ".", " ", "'"):
        raise PresetError(f"{where}: file.thousands must be '', ',', '.', ' ' or \"'\"")
    if thousands and thousands == decimal:
        raise PresetError(f"{where}: the thousands separator cannot be the decimal mark")
    if delimiter != "auto" and delimiter == decimal:
        raise PresetError(f"{where}: the separator cannot be the decimal mark")
    zone = _str(d, "timezone", f"{where}: date", "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PresetError(f"{where}: unknown time zone '{zone}'") from None
    date_only_time = _str(d, "date_only_time", f"{where}: date", "12:00")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", date_only_time):
        raise PresetError(f"{where}: date.date_only_time must be HH:MM")
    preset = Preset(
        name=name,
        description=_str(definition, "description", where),
        title=_str(definition, "title", where),
        kind=kind,
        source=_str(definition, "source", where),
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        thousands=thousands,
        athlete_id_column=_str(a, "id_column", f"{where}: athlete").strip(),
        athlete_name_column=_str(a, "name_column", f"{where}: athlete").strip(),
        date_column=_str(d, "column", f"{where}: date").strip(),
        date_format=_str(d, "format", f"{where}: date", "%Y-%m-%d"),
        time_column=_str(d, "time_column", f"{where}: date").strip(),
        time_format=_str(d, "time_format", f"{where}: date", "%H:%M"),
        timezone=zone,
        date_only_time=date_only_time,
        summary_patterns=tuple(definition.get("summary_patterns", DEFAULT_SUMMARY_PATTERNS)),
        builtin=builtin,
        version=version,
    )
    if not preset.athlete_id_column and not preset.athlete_name_column:
        raise PresetError(f"{where}: say which column holds the athlete (id_column or name_column)")
    if not preset.date_column:
        raise PresetError(f"{where}: say which column holds the date (date.column)")
    if "%" not in preset.date_format:
        raise PresetError(f"{where}: date.format looks like '%d/%m/%Y' or '%Y-%m-%d'")
    for pattern in preset.summary_patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise PresetError(f"{where}: summary pattern '{pattern}': {exc}") from None
    if preset.source and not re.fullmatch(r"[a-z0-9:_.-]{1,64}", preset.source):
        raise PresetError(f"{where}: source is 1-64 characters a-z, 0-9, ':', '_', '.', '-'")
    cat = load_catalogue()
    if kind == "wide":
        columns = []
        for i, c in enumerate(definition.get("columns", []) or []):
            w = f"{where}: columns[{i + 1}]"
            col = MeasureColumn(
                column=_str(c, "column", w).strip(),
                measure=_str(c, "measure", w).strip(),
                unit=_str(c, "unit", w).strip(),
                limb=_str(c, "limb", w).strip().lower(),
            )
            _check_measure(cat, col.measure, col.unit, col.limb, w, col.column)
            columns.append(col)
        if not columns:
            raise PresetError(f"{where}: map at least one column to a measure")
        preset = _replace(preset, columns=tuple(columns))
    elif kind == "long":
        lg = definition.get("long", {}) or {}
        preset = _replace(
            preset,
            measure_column=_str(lg, "measure_column", f"{where}: long").strip(),
            value_column=_str(lg, "value_column", f"{where}: long").strip(),
            unit_column=_str(lg, "unit_column", f"{where}: long").strip(),
            limb_column=_str(lg, "limb_column", f"{where}: long").strip(),
        )
        if not preset.measure_column or not preset.value_column:
            raise PresetError(f"{where}: long.measure_column and long.value_column are needed")
    else:
        tg = definition.get("timing", {}) or {}
        correction = _str(tg, "correction", f"{where}: timing", "none")
        if correction not in CORRECTIONS:
            raise PresetError(f"{where}: timing.correction is one of {', '.join(CORRECTIONS)}")
        splits = []
        for i, s in enumerate(tg.get("splits", []) or []):
            w = f"{where}: timing.splits[{i + 1}]"
            try:
                distance = float(s.get("distance"))
            except (TypeError, ValueError):
                raise PresetError(f"{w}: distance (m) is a number") from None
            split = SplitColumn(
                _str(s, "column", w).strip(), distance, _str(s, "unit", w, "s").strip()
            )
            if split.unit not in ("s", "ms"):
                raise PresetError(f"{w}: unit is 's' or 'ms'")
            splits.append(split)
        distances = [s.distance for s in splits]
        if len(splits) < 3 or distances != sorted(set(distances)) or distances[0] <= 0:
            raise PresetError(
                f"{where}: timing.splits needs at least 3 columns with increasing distances"
            )
        preset = _replace(
            preset,
            trial_column=_str(tg, "trial_column", f"{where}: timing").strip(),
            correction=correction,
            splits=tuple(splits),
        )
    cols = preset.athlete_columns() + preset.required_columns() + preset.optional_columns()
    dupes = {c for c in cols if cols.count(c) > 1}
    if dupes:
        raise PresetError(f"{where}: column '{sorted(dupes)[0]}' is mapped twice")
    return preset


def _replace(preset: Preset, **changes) -> Preset:
    from dataclasses import replace

    return replace(preset, **changes)


def _check_measure(cat, key: str, unit: str, limb: str, where: str, column: str) -> None:
    try:
        measure = cat.get(key)
        if unit:
            cat.convert(key, 1.0, unit)
    except ClinicalDataError as exc:
        raise PresetError(f"{where} ('{column}'): {exc}") from None
    if measure.per_limb and limb not in ("left", "right"):
        raise PresetError(f"{where} ('{column}'): {measure.label} is per limb: say left or right")
    if not measure.per_limb and limb:
        raise PresetError(f"{where} ('{column}'): {measure.label} is not measured per limb")


def presets_dir() -> Path:
    return resource_path("presets")


@lru_cache(maxsize=1)
def builtin_presets() -> dict[str, Preset]:
    """The shipped presets by name (``resources/presets/*.toml``)."""
    out: dict[str, Preset] = {}
    for path in sorted(presets_dir().glob("*.toml")):
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise PresetError(f"{path.name}: {exc}") from exc
        preset = preset_from_definition(data, builtin=True)
        out[preset.name] = preset
    return out
