"""Progression protocols as data (DOMAIN.md section 3).

A protocol is an ordered list of phases, each with goals, permitted activities, surfaces,
default weekly targets, guidance and **exit criteria**. Protocols ship as TOML files
(``resources/protocols/*.toml``); the canonical form is the plain dict of
:func:`protocol_to_dict` (stored as JSON by the database, copied and edited by clinics),
and :func:`protocol_from_dict` validates it back. Thresholds are consensus or convention,
not validated cut-offs: every criterion names its ``source`` and flags ``convention``.

Criterion schema (see README / module constants for the allowed values):

- ``kind``: ``measure`` (a catalogue measure against a target), ``check`` (a clinician's
  pass/fail check, e.g. ``pain_free_single_leg_squat``), ``sessions`` (count of logged
  sessions), ``decision`` (the doctor's return-to-play decision), ``any`` (met when any of
  its ``alternatives`` is met).
- ``aggregation`` (measure): ``latest``; ``best_in_window``; ``all_in_window`` (every value
  in the window meets, at least one exists); ``days_meeting`` (the target met on at least
  ``min_days`` distinct days in the window); ``weekly_sum`` (sum over the window, default
  7 days). Sessions: ``count``.
- ``reference`` (measure): ``absolute``; ``baseline_pct`` (% of the pre-injury baseline);
  ``pre_injury_best_pct`` (% of the best value recorded before the injury, flagged or
  not); ``uninjured_pct`` (% of the uninjured limb); ``lsi`` (limb symmetry index, %);
  ``asymmetry`` (%); ``within_of_uninjured`` (injured limb at most ``threshold`` units
  worse than the uninjured limb).
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from casemgr.clinical.catalogue import Catalogue, load_catalogue
from casemgr.clinical.errors import ProtocolError
from casemgr.resources import resource_path

FORMAT_VERSION = 1

KINDS = ("measure", "check", "sessions", "decision", "any")
MEASURE_AGGREGATIONS = ("latest", "best_in_window", "all_in_window", "days_meeting", "weekly_sum")
SESSION_AGGREGATIONS = ("count",)
AGGREGATIONS = MEASURE_AGGREGATIONS + SESSION_AGGREGATIONS
COMPARATORS = ("<", "<=", ">=", ">", "==")
VALUE_REFERENCES = ("absolute", "baseline_pct", "pre_injury_best_pct", "uninjured_pct")
LIMB_REFERENCES = ("lsi", "asymmetry", "within_of_uninjured")
REFERENCES = VALUE_REFERENCES + LIMB_REFERENCES
PER_LIMB_REFERENCES = ("uninjured_pct",) + LIMB_REFERENCES
DECISIONS = ("cleared", "cleared_with_restrictions", "not_cleared")
WINDOWED_AGGREGATIONS = ("best_in_window", "all_in_window", "days_meeting", "weekly_sum")
DEFAULT_BASELINE_WINDOW_DAYS = 28.0

_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Criterion:
    """One exit criterion. Fields a kind does not use stay None / default."""

    key: str
    label: str
    kind: str = "measure"
    measure: str | None = None
    aggregation: str | None = None
    comparator: str | None = None
    threshold: float | None = None
    reference: str | None = None
    window_days: float | None = None
    min_days: int | None = None
    fallback_reference: str | None = None
    fallback_threshold: float | None = None
    baseline_window_days: float | None = None
    required: bool = True
    convention: bool = False
    source: str = ""
    check: str | None = None
    session_type: str | None = None
    full_training: bool = False
    expected: tuple[str, ...] = ()
    alternatives: tuple[Criterion, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Phase:
    key: str
    name: str
    ordinal: int  # 1-based position in the protocol
    goals: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    surfaces: tuple[str, ...] = ()
    max_velocity_pct: float | None = None
    weekly_targets: tuple[str, ...] = ()
    guidance: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()


@dataclass(frozen=True)
class Protocol:
    key: str
    name: str
    region: str
    version: int
    pain_limit: float
    phases: tuple[Phase, ...]
    source: str = ""
    description: str = ""

    def phase(self, key: str) -> Phase:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise KeyError(f"protocol '{self.key}' has no phase '{key}'")

    def next_phase(self, key: str) -> Phase | None:
        index = self.phase(key).ordinal
        return self.phases[index] if index < len(self.phases) else None

    def previous_phase(self, key: str) -> Phase | None:
        index = self.phase(key).ordinal - 2
        return self.phases[index] if index >= 0 else None


# --- fields per level ---------------------------------------------------------------------

_PROTOCOL_FIELDS = (
    "format",
    "key",
    "name",
    "region",
    "version",
    "pain_limit",
    "source",
    "description",
    "phases",
)
_PHASE_FIELDS = (
    "key",
    "name",
    "ordinal",
    "goals",
    "activities",
    "surfaces",
    "max_velocity_pct",
    "weekly_targets",
    "guidance",
    "criteria",
)
_COMMON_CRITERION_FIELDS = ("key", "label", "kind", "required", "convention", "source", "note")
_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "measure": (
        "measure",
        "aggregation",
        "comparator",
        "threshold",
        "reference",
        "window_days",
        "min_days",
        "fallback_reference",
        "fallback_threshold",
        "baseline_window_days",
    ),
    "check": ("check", "window_days"),
    "sessions": (
        "aggregation",
        "comparator",
        "threshold",
        "window_days",
        "session_type",
        "full_training",
    ),
    "decision": ("expected",),
    "any": ("alternatives",),
}
_ALL_CRITERION_FIELDS = tuple(
    dict.fromkeys(_COMMON_CRITERION_FIELDS + sum(_KIND_FIELDS.values(), ()))
)


# --- reading ------------------------------------------------------------------------------


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Reader:
    """Validates the dict form, raising ProtocolError('origin: path: message')."""

    def __init__(self, origin: str, catalogue: Catalogue) -> None:
        self.origin = origin
        self.catalogue = catalogue

    def fail(self, path: str, message: str) -> ProtocolError:
        return ProtocolError(f"{self.origin}: {path}: {message}", origin=self.origin, path=path)

    # scalar helpers
    def table(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, "expected a table")
        return value

    def known_fields(self, data: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for name in data:
            if name not in allowed:
                raise self.fail(_join(path, name), f"unknown field{_did_you_mean(name, allowed)}")

    def text(
        self, data: Mapping[str, Any], name: str, path: str, *, default: str | None = None
    ) -> str:
        value = data.get(name)
        if value is None:
            if default is None:
                raise self.fail(_join(path, name), "missing")
            return default
        if not isinstance(value, str):
            raise self.fail(_join(path, name), f"expected text, got {value!r}")
        return value

    def ident(self, data: Mapping[str, Any], name: str, path: str) -> str:
        value = self.text(data, name, path)
        if not _KEY_RE.match(value):
            raise self.fail(
                _join(path, name), f"'{value}' is not a valid key (letters, digits, _ . -)"
            )
        return value

    def number(
        self,
        data: Mapping[str, Any],
        name: str,
        path: str,
        *,
        required: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        positive: bool = False,
    ) -> float | None:
        value = data.get(name)
        if value is None:
            if required:
                raise self.fail(_join(path, name), "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(_join(path, name), f"expected a number, got {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise self.fail(_join(path, name), "must be a finite number")
        if positive and number <= 0:
            raise self.fail(_join(path, name), f"must be greater than 0, got {value}")
        if minimum is not None and number < minimum:
            raise self.fail(_join(path, name), f"must be at least {minimum:g}, got {value}")
        if maximum is not None and number > maximum:
            raise self.fail(_join(path, name), f"must be at most {maximum:g}, got {value}")
        return number

    def integer(self, data: Mapping[str, Any], name: str, path: str, *, default: int) -> int:
        value = data.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise self.fail(_join(path, name), f"expected a whole number, got {value!r}")
        return int(value)

    def flag(self, data: Mapping[str, Any], name: str, path: str, *, default: bool) -> bool:
        value = data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(_join(path, name), f"expected true or false, got {value!r}")
        return value

    def texts(self, data: Mapping[str, Any], name: str, path: str) -> tuple[str, ...]:
        value = data.get(name)
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise self.fail(_join(path, name), "expected a list of texts")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"{path}.{name}[{i}]", f"expected text, got {item!r}")
        return tuple(value)

    def choice(
        self,
        data: Mapping[str, Any],
        name: str,
        path: str,
        choices: Sequence[str],
        *,
        default: str | None = None,
        label: str = "",
    ) -> str:
        value = data.get(name)
        if value is None:
            if default is None:
                raise self.fail(_join(path, name), "missing")
            return default
        if value not in choices:
            what = label or name
            raise self.fail(
                _join(path, name),
                f"unknown {what} {value!r}{_did_you_mean(str(value), choices)}; "
                f"allowed: {', '.join(choices)}",
            )
        return str(value)

    def items(self, data: Mapping[str, Any], name: str, path: str) -> list[Mapping[str, Any]]:
        value = data.get(name)
        if value is None:
            return []
        if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
            raise self.fail(_join(path, name), "expected a list of tables")
        return [self.table(item, f"{path}.{name}[{i}]") for i, item in enumerate(value)]

    # structure
    def protocol(self, data: Mapping[str, Any]) -> Protocol:
        data = self.table(data, "(top level)")
        self.known_fields(data, _PROTOCOL_FIELDS, "")
        fmt = self.integer(data, "format", "", default=FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            raise self.fail("format", f"unsupported protocol format {fmt} (expected 1)")
        key = self._top_ident(data, "key")
        name = self._top_text(data, "name")
        region = self._top_text(data, "region")
        version = self.integer(data, "version", "", default=1)
        if version < 1:
            raise self.fail("version", "must be 1 or more")
        pain_limit = self.number(data, "pain_limit", "", minimum=0, maximum=10)
        raw_phases = self.items(data, "phases", "")
        if not raw_phases:
            raise self.fail("phases", "a protocol needs at least one phase")
        phases: list[Phase] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_phases):
            path = f"phases[{i}]"
            phase = self.phase(raw, path, i, last=i == len(raw_phases) - 1)
            if phase.key in seen:
                raise self.fail(
                    f"{path}.key",
                    f"duplicate phase key '{phase.key}' (also phases[{seen[phase.key]}])",
                )
            seen[phase.key] = i
            phases.append(phase)
        return Protocol(
            key=key,
            name=name,
            region=region,
            version=version,
            pain_limit=2.0 if pain_limit is None else pain_limit,
            phases=tuple(phases),
            source=self.text(data, "source", "", default=""),
            description=self.text(data, "description", "", default=""),
        )

    def _top_text(self, data: Mapping[str, Any], name: str) -> str:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "missing" if value is None else f"expected text, got {value!r}")
        return value

    def _top_ident(self, data: Mapping[str, Any], name: str) -> str:
        value = self._top_text(data, name)
        if not _KEY_RE.match(value):
            raise self.fail(name, f"'{value}' is not a valid key (letters, digits, _ . -)")
        return value

    def phase(self, data: Mapping[str, Any], path: str, index: int, *, last: bool) -> Phase:
        self.known_fields(data, _PHASE_FIELDS, path)
        key = self.ident(data, "key", path)
        ordinal = self.integer(data, "ordinal", path, default=index + 1)
        if ordinal != index + 1:
            raise self.fail(f"{path}.ordinal", f"is {ordinal} but the phase is number {index + 1}")
        raw_criteria = self.items(data, "criteria", path)
        if not raw_criteria and not last:
            raise self.fail(
                f"{path}.criteria",
                "no exit criteria (only the last phase, e.g. surveillance, may have none)",
            )
        criteria = self.criteria(raw_criteria, f"{path}.criteria")
        return Phase(
            key=key,
            name=self.text(data, "name", path),
            ordinal=ordinal,
            goals=self.texts(data, "goals", path),
            activities=self.texts(data, "activities", path),
            surfaces=self.texts(data, "surfaces", path),
            max_velocity_pct=self.number(data, "max_velocity_pct", path, minimum=0, maximum=100),
            weekly_targets=self.texts(data, "weekly_targets", path),
            guidance=self.texts(data, "guidance", path),
            criteria=criteria,
        )

    def criteria(
        self, raws: list[Mapping[str, Any]], path: str, *, nested: bool = False
    ) -> tuple[Criterion, ...]:
        out: list[Criterion] = []
        seen: dict[str, int] = {}
        for j, raw in enumerate(raws):
            item_path = f"{path}[{j}]"
            criterion = self.criterion(raw, item_path, nested=nested)
            if criterion.key in seen:
                raise self.fail(
                    f"{item_path}.key",
                    f"duplicate criterion key '{criterion.key}' (also {path}[{seen[criterion.key]}])",
                )
            seen[criterion.key] = j
            out.append(criterion)
        return tuple(out)

    def criterion(self, data: Mapping[str, Any], path: str, *, nested: bool) -> Criterion:
        self.known_fields(data, _ALL_CRITERION_FIELDS, path)
        kinds = KINDS[:-1] if nested else KINDS
        kind = self.choice(data, "kind", path, kinds, default="measure", label="criterion kind")
        allowed = _COMMON_CRITERION_FIELDS + _KIND_FIELDS[kind]
        for name, value in data.items():
            if value is not None and name not in allowed:
                raise self.fail(_join(path, name), f"is not used by a '{kind}' criterion")
        common: dict[str, Any] = {
            "key": self.ident(data, "key", path),
            "label": self.text(data, "label", path),
            "kind": kind,
            "required": self.flag(data, "required", path, default=True),
            "convention": self.flag(data, "convention", path, default=False),
            "source": self.text(data, "source", path, default=""),
            "note": self.text(data, "note", path, default=""),
        }
        if kind == "measure":
            return Criterion(**common, **self._measure_fields(data, path))
        if kind == "check":
            return Criterion(
                **common,
                check=self.ident(data, "check", path),
                window_days=self.number(data, "window_days", path, positive=True),
            )
        if kind == "sessions":
            return Criterion(
                **common,
                aggregation=self.choice(
                    data,
                    "aggregation",
                    path,
                    SESSION_AGGREGATIONS,
                    default="count",
                    label="aggregation",
                ),
                comparator=self.choice(
                    data, "comparator", path, COMPARATORS, default=">=", label="comparator"
                ),
                threshold=self.number(data, "threshold", path, required=True, minimum=0),
                window_days=self.number(data, "window_days", path, positive=True),
                session_type=self.text(data, "session_type", path, default="") or None,
                full_training=self.flag(data, "full_training", path, default=False),
            )
        if kind == "decision":
            expected = self.texts(data, "expected", path) or ("cleared",)
            for i, value in enumerate(expected):
                if value not in DECISIONS:
                    raise self.fail(
                        f"{path}.expected[{i}]",
                        f"unknown decision {value!r}{_did_you_mean(value, DECISIONS)}; "
                        f"allowed: {', '.join(DECISIONS)}",
                    )
            return Criterion(**common, expected=expected)
        alternatives = self.criteria(
            self.items(data, "alternatives", path), f"{path}.alternatives", nested=True
        )
        if len(alternatives) < 2:
            raise self.fail(f"{path}.alternatives", "an 'any' criterion needs at least two")
        return Criterion(**common, alternatives=alternatives)

    def _measure_fields(self, data: Mapping[str, Any], path: str) -> dict[str, Any]:
        key = self.text(data, "measure", path)
        if key not in self.catalogue:
            close = self.catalogue.suggestions(key)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise self.fail(f"{path}.measure", f"unknown measure '{key}'{hint}")
        measure = self.catalogue.get(key)
        aggregation = self.choice(
            data, "aggregation", path, MEASURE_AGGREGATIONS, default="latest", label="aggregation"
        )
        comparator = self.choice(data, "comparator", path, COMPARATORS, label="comparator")
        threshold = self.number(data, "threshold", path, required=True)
        reference = self.choice(
            data, "reference", path, REFERENCES, default="absolute", label="reference"
        )
        window = self.number(data, "window_days", path, positive=True)
        if aggregation in WINDOWED_AGGREGATIONS and window is None:
            raise self.fail(f"{path}.window_days", f"required by aggregation '{aggregation}'")
        min_days: int | None = None
        if aggregation == "days_meeting":
            if data.get("min_days") is None:
                raise self.fail(f"{path}.min_days", "required by aggregation 'days_meeting'")
            min_days = self.integer(data, "min_days", path, default=1)
            if min_days < 1:
                raise self.fail(f"{path}.min_days", "must be 1 or more")
        elif data.get("min_days") is not None:
            raise self.fail(f"{path}.min_days", "only used with aggregation 'days_meeting'")
        if aggregation == "best_in_window" and measure.better == "none":
            raise self.fail(
                f"{path}.aggregation",
                f"'best_in_window' needs a measure with a better direction; '{key}' has none",
            )
        self._check_reference(reference, "reference", aggregation, measure, path)
        fallback = None
        if data.get("fallback_reference") is not None:
            if reference != "baseline_pct":
                raise self.fail(
                    f"{path}.fallback_reference", "only used when reference is 'baseline_pct'"
                )
            fallback = self.choice(
                data, "fallback_reference", path, REFERENCES, label="fallback reference"
            )
            if fallback == "baseline_pct":
                raise self.fail(f"{path}.fallback_reference", "must differ from the reference")
            self._check_reference(fallback, "fallback_reference", aggregation, measure, path)
        fallback_threshold = self.number(data, "fallback_threshold", path)
        if fallback_threshold is not None and fallback is None:
            raise self.fail(f"{path}.fallback_threshold", "needs a fallback_reference")
        baseline_window = self.number(data, "baseline_window_days", path, positive=True)
        if baseline_window is not None and aggregation != "weekly_sum":
            raise self.fail(
                f"{path}.baseline_window_days", "only used with aggregation 'weekly_sum'"
            )
        for name, value in (("threshold", threshold), ("fallback_threshold", fallback_threshold)):
            ref = reference if name == "threshold" else fallback
            if value is not None and ref != "absolute" and value < 0:
                raise self.fail(_join(path, name), "a percentage or difference cannot be negative")
        return {
            "measure": key,
            "aggregation": aggregation,
            "comparator": comparator,
            "threshold": threshold,
            "reference": reference,
            "window_days": window,
            "min_days": min_days,
            "fallback_reference": fallback,
            "fallback_threshold": fallback_threshold,
            "baseline_window_days": baseline_window,
        }

    def _check_reference(
        self, reference: str, name: str, aggregation: str, measure: Any, path: str
    ) -> None:
        if reference in PER_LIMB_REFERENCES and not measure.per_limb:
            raise self.fail(
                _join(path, name),
                f"'{reference}' compares limbs but '{measure.key}' is not measured per limb",
            )
        if reference in LIMB_REFERENCES and aggregation not in ("latest", "best_in_window"):
            raise self.fail(
                _join(path, name),
                f"'{reference}' works with aggregation 'latest' or 'best_in_window', "
                f"not '{aggregation}'",
            )
        if reference == "pre_injury_best_pct" and measure.better == "none":
            raise self.fail(
                _join(path, name),
                f"'pre_injury_best_pct' needs a measure with a better direction; "
                f"'{measure.key}' has none",
            )
        if aggregation == "weekly_sum" and reference not in ("absolute", "baseline_pct"):
            raise self.fail(
                _join(path, name),
                "'weekly_sum' compares with 'absolute' or 'baseline_pct' "
                "(the pre-injury weekly mean)",
            )


def protocol_from_dict(
    data: Mapping[str, Any], origin: str = "protocol", catalogue: Catalogue | None = None
) -> Protocol:
    """Validate the dict form (from TOML or stored JSON) into a :class:`Protocol`.

    Raises :class:`ProtocolError` ``"<origin>: <field path>: <problem>"``.
    """
    return _Reader(origin, catalogue or load_catalogue()).protocol(data)


def load_protocol_text(
    text: str, name: str = "protocol.toml", catalogue: Catalogue | None = None
) -> Protocol:
    """Parse and validate protocol TOML text; ``name`` is used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message names the line and column
        raise ProtocolError(f"{name}: {exc}", origin=name) from exc
    return protocol_from_dict(data, origin=name, catalogue=catalogue)


def load_protocol(path: str | Path, catalogue: Catalogue | None = None) -> Protocol:
    """Read and validate a protocol TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path.name}: cannot read the protocol ({exc})", path.name) from exc
    return load_protocol_text(text, path.name, catalogue)


DEFAULT_PROTOCOL_FILES = ("hamstring.toml", "calf.toml")


@lru_cache(maxsize=1)
def _default_protocols() -> tuple[Protocol, ...]:
    folder = resource_path("protocols")
    return tuple(load_protocol(folder / name) for name in DEFAULT_PROTOCOL_FILES)


def default_protocols() -> list[Protocol]:
    """The shipped hamstring and calf protocols (DOMAIN.md section 3)."""
    return list(_default_protocols())


# --- writing ------------------------------------------------------------------------------


def _criterion_to_dict(c: Criterion) -> dict[str, Any]:
    fields = _COMMON_CRITERION_FIELDS + _KIND_FIELDS[c.kind]
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(c, name)
        if name == "alternatives":
            value = [_criterion_to_dict(a) for a in value]
        elif name == "expected":
            value = list(value)
        if value is None or (name == "note" and not value):
            continue
        out[name] = value
    return out


def protocol_to_dict(p: Protocol) -> dict[str, Any]:
    """The canonical, JSON-safe dict form (round-trips through :func:`protocol_from_dict`)."""
    return {
        "format": FORMAT_VERSION,
        "key": p.key,
        "name": p.name,
        "region": p.region,
        "version": p.version,
        "pain_limit": p.pain_limit,
        "source": p.source,
        "description": p.description,
        "phases": [
            {
                "key": ph.key,
                "name": ph.name,
                "ordinal": ph.ordinal,
                "goals": list(ph.goals),
                "activities": list(ph.activities),
                "surfaces": list(ph.surfaces),
                **(
                    {} if ph.max_velocity_pct is None else {"max_velocity_pct": ph.max_velocity_pct}
                ),
                "weekly_targets": list(ph.weekly_targets),
                "guidance": list(ph.guidance),
                "criteria": [_criterion_to_dict(c) for c in ph.criteria],
            }
            for ph in p.phases
        ],
    }


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        items = [_toml_value(v) for v in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= 80:
            return one_line
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_pairs(table: Mapping[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{_toml_key(k)} = {_toml_value(v)}"
        for k, v in table.items()
        if k not in skip and v is not None
    ]


def dump_protocol_toml(p: Protocol) -> str:
    """The protocol as TOML text that :func:`load_protocol_text` reads back unchanged."""
    data = protocol_to_dict(p)
    lines = [f"# Protocol '{p.key}' version {p.version}, exported by casemgr."]
    lines += _toml_pairs(data, skip=("phases",))
    for phase in data["phases"]:
        lines += ["", "[[phases]]", *_toml_pairs(phase, skip=("criteria", "ordinal"))]
        for criterion in phase["criteria"]:
            lines += ["", "[[phases.criteria]]", *_toml_pairs(criterion, skip=("alternatives",))]
            for alt in criterion.get("alternatives", []):
                lines += ["", "[[phases.criteria.alternatives]]", *_toml_pairs(alt)]
    return "\n".join(lines) + "\n"
