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

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    muscles: tuple[str, ...] = ()  # empty: every muscle of the region

    def applies_to(self, muscle: str) -> bool:
        """Whether the criterion gates a case of *muscle*: a criterion for some muscles
        only applies to those, and to a case whose muscle is not yet known (both tests
        when unsure; Green et al. 2022)."""
        return not self.muscles or muscle in self.muscles or muscle in UNKNOWN_MUSCLES


@dataclass(frozen=True)
class Threshold:
    """A signal threshold: its value, its literature source, and whether it is only
    clinical convention."""

    value: float
    source: str
    convention: bool = False


#: The step-back, pause, load-spike and surveillance thresholds, with their sources; a
#: protocol's ``[signals]`` table overrides any of them.
SIGNAL_DEFAULTS: dict[str, Threshold] = {
    "pain_limit": Threshold(
        2, "Hickey et al. 2020 (pain-free protocol: 2/10; pain-threshold protocols: 4/10)"
    ),
    "soreness_rise": Threshold(
        2, "Clinical convention (next-day soreness 2 points above the 7-day median)", True
    ),
    "soreness_median_days": Threshold(7, "Clinical convention", True),
    "soreness_min_days": Threshold(3, "Clinical convention", True),
    "tightness_limit": Threshold(3, "Clinical convention", True),
    "tightness_days": Threshold(2, "Clinical convention", True),
    "persistent_limit": Threshold(
        3, "Clinical convention (soreness or tightness at or above 3/10)", True
    ),
    "persistent_days": Threshold(3, "Clinical convention (3 days running)", True),
    "spike_ratio": Threshold(
        1.5, "Williams et al. 2017 (EWMA ACWR); Gabbett 2016 (ratio above 1.5)"
    ),
    "surveillance_te_multiple": Threshold(2, "Hopkins 2000 (typical error)"),
    "surveillance_pct": Threshold(5, "Clinical convention", True),
    "surveillance_band_sd": Threshold(2, "Clinical convention (mean - 2 SD)", True),
    "surveillance_band_results": Threshold(5, "Clinical convention", True),
}
_SIGNAL_LIMITS: dict[str, tuple[float, float]] = {
    "pain_limit": (0, 10),
    "soreness_rise": (0, 10),
    "soreness_median_days": (1, 60),
    "soreness_min_days": (1, 60),
    "tightness_limit": (0, 10),
    "tightness_days": (1, 30),
    "persistent_limit": (0, 10),
    "persistent_days": (1, 30),
    "spike_ratio": (1, 10),
    "surveillance_te_multiple": (0.5, 10),
    "surveillance_pct": (0, 100),
    "surveillance_band_sd": (0.5, 10),
    "surveillance_band_results": (2, 100),
}
_WHOLE_SIGNALS = {
    "soreness_median_days",
    "soreness_min_days",
    "tightness_days",
    "persistent_days",
    "surveillance_band_results",
}
#: Muscle values that mean "not yet known": every muscle-specific criterion applies.
UNKNOWN_MUSCLES = ("unspecified",)


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
    signals: Mapping[str, Threshold] = field(default_factory=lambda: dict(SIGNAL_DEFAULTS))

    def threshold(self, name: str) -> float:
        """The value of signal threshold *name* (:data:`SIGNAL_DEFAULTS`)."""
        return self.signals.get(name, SIGNAL_DEFAULTS[name]).value

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
    "signals",
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
_COMMON_CRITERION_FIELDS = (
    "key",
    "label",
    "kind",
    "required",
    "convention",
    "source",
    "note",
    "muscles",
)
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


def protocol_from_dict(
    data: Mapping[str, Any], origin: str = "protocol", catalogue: Catalogue | None = None
) -> Protocol:
    """Validate the dict form (from TOML or stored JSON) into a :class:`Protocol`.

    Raises :class:`ProtocolError` ``"<origin>: <field path>: <problem>"``.
    """
    from casemgr.clinical.protocol_reader import _Reader

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


@lru_cache(maxsize=1)
def shipped_digest() -> str:
    """SHA-256 of the shipped protocol files (changes when a release changes them)."""
    import hashlib

    folder = resource_path("protocols")
    digest = hashlib.sha256()
    for name in DEFAULT_PROTOCOL_FILES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


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
        elif name == "muscles":
            if not value:
                continue
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
        "signals": {
            name: {"value": t.value, "source": t.source, "convention": t.convention}
            for name, t in p.signals.items()
        },
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
    lines += _toml_pairs(data, skip=("phases", "signals"))
    lines += ["", "[signals]"]
    for name, entry in data["signals"].items():
        pairs = ", ".join(f"{k} = {_toml_value(v)}" for k, v in entry.items())
        lines.append(f"{name} = {{ {pairs} }}")
    for phase in data["phases"]:
        lines += ["", "[[phases]]", *_toml_pairs(phase, skip=("criteria", "ordinal"))]
        for criterion in phase["criteria"]:
            lines += ["", "[[phases.criteria]]", *_toml_pairs(criterion, skip=("alternatives",))]
            for alt in criterion.get("alternatives", []):
                lines += ["", "[[phases.criteria.alternatives]]", *_toml_pairs(alt)]
    return "\n".join(lines) + "\n"
