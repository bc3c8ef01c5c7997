"""The measure catalogue: what can be measured, in which unit, and what is plausible.

The catalogue is data (``resources/measures.toml``, DOMAIN.md section 2), loaded once and
read-only. Every stored value is in the measure's canonical unit; :meth:`Catalogue.convert`
turns device units (km/h, ms, lbf...) into it and :meth:`Catalogue.validate` refuses values
outside the plausible range (typos and unit mix-ups, e.g. a Nordic force of 5200 N).
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from casemgr.clinical.errors import (
    ClinicalDataError,
    ImplausibleValueError,
    UnknownMeasureError,
    UnknownUnitError,
)
from casemgr.resources import resource_path

BETTER_VALUES = ("higher", "lower", "none")


@dataclass(frozen=True)
class UnitConversion:
    """canonical = value * factor + offset."""

    factor: float
    offset: float = 0.0

    def apply(self, value: float) -> float:
        return value * self.factor + self.offset


@dataclass(frozen=True)
class Figure:
    """A published figure of a measure: ``value`` in the measure's unit, or in % of a mean.

    ``kind`` names it: "cv" / "sem" for reliability (typical error as a CV%, or the standard
    error of measurement in the unit), "pct" / "value" for a smallest worthwhile change.
    """

    kind: str
    value: float
    source: str

    @property
    def percent(self) -> bool:
        return self.kind in ("cv", "pct")

    def amount(self, mean: float) -> float:
        """The figure in the measure's unit for a baseline mean of *mean*."""
        return abs(mean) * self.value / 100.0 if self.percent else self.value

    def describe(self, unit: str = "") -> str:
        """``CV 5.8%``, ``SEM 5.3 deg``, ``SWC 1%``."""
        name = {"cv": "CV", "sem": "SEM"}.get(self.kind, "SWC")
        if self.percent:
            return f"{name} {plain_number(self.value)}%"
        return f"{name} {plain_number(self.value)}{f' {unit}' if unit else ''}"


@dataclass(frozen=True)
class Measure:
    """One catalogue entry; all values of this measure are stored in ``unit``."""

    key: str
    label: str
    unit: str
    per_limb: bool
    better: str  # "higher" | "lower" | "none"
    min_value: float
    max_value: float
    decimals: int
    units: Mapping[str, UnitConversion] = field(default_factory=dict)
    symbol: str = ""
    group: str = ""
    notes: str = ""
    source: str = ""
    convention: str = ""  # how a value is measured and stored, shown beside the field
    reliability: Figure | None = None  # published test-retest noise (floor of the TE)
    swc: Figure | None = None  # smallest worthwhile change

    @property
    def display_unit(self) -> str:
        return self.symbol or self.unit

    @property
    def higher_is_better(self) -> bool:
        return self.better != "lower"

    def format(self, value: float | None, *, with_unit: bool = True) -> str:
        """The value at display precision with its unit: ``9.17 m/s``, ``3/10``, ``15°``."""
        if value is None:
            return "—"
        text = format_number(value, self.decimals)
        if not with_unit or not self.display_unit:
            return text
        unit = self.display_unit
        if unit.startswith("/") or unit == "°":
            return f"{text}{unit}"
        return f"{text} {unit}"


def round_half_up(value: float, decimals: int) -> float:
    """Round like a person does (2.675 -> 2.68), not like binary floating point."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def format_number(value: float, decimals: int) -> str:
    """Fixed decimals, half-up; ``-0`` is shown as ``0``."""
    rounded = round_half_up(value, decimals)
    text = f"{rounded:.{decimals}f}"
    return "0" if decimals == 0 and text == "-0" else text


def plain_number(value: float) -> str:
    """A number without noise: ``5200``, ``0.5``, ``12.345``."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:.6g}"


def _unit_key(unit: str) -> str:
    return "".join(unit.split()).lower()


class Catalogue:
    """The measures by key, with unit conversion and plausibility checks."""

    def __init__(self, measures: Mapping[str, Measure], origin: str = "") -> None:
        self._measures = MappingProxyType(dict(measures))
        self.origin = origin
        self._unit_index: dict[str, dict[str, UnitConversion]] = {}
        for key, measure in self._measures.items():
            index = {_unit_key(name): conv for name, conv in measure.units.items()}
            index[_unit_key(measure.unit)] = UnitConversion(1.0)
            if measure.symbol:
                index.setdefault(_unit_key(measure.symbol), UnitConversion(1.0))
            self._unit_index[key] = index

    def __contains__(self, key: object) -> bool:
        return key in self._measures

    def __iter__(self) -> Iterator[Measure]:
        return iter(self._measures.values())

    def __len__(self) -> int:
        return len(self._measures)

    def keys(self) -> tuple[str, ...]:
        return tuple(self._measures)

    def suggestions(self, key: str) -> tuple[str, ...]:
        """Close matches of a mistyped key (for error messages)."""
        return tuple(difflib.get_close_matches(key, list(self._measures), n=3, cutoff=0.6))

    def get(self, key: str) -> Measure:
        """The measure ``key``; :class:`UnknownMeasureError` names close matches."""
        try:
            return self._measures[key]
        except KeyError:
            close = self.suggestions(key)
            hint = f" (did you mean {_quoted_or(close)}?)" if close else ""
            raise UnknownMeasureError(
                f"Unknown measure '{key}'{hint}", key=key, suggestions=close
            ) from None

    def accepted_units(self, key: str) -> tuple[str, ...]:
        measure = self.get(key)
        return (measure.unit, *[u for u in measure.units if u != measure.unit])

    def convert(self, key: str, value: float, unit: str | None) -> float:
        """``value`` given in ``unit`` expressed in the canonical unit of ``key``.

        ``unit`` None or empty means the value is already canonical. Matching of unit
        names ignores case and spaces (``KM/H`` == ``km/h``).
        """
        measure = self.get(key)
        number = _as_number(measure, value)
        if unit is None or not unit.strip():
            return number
        conversion = self._unit_index[key].get(_unit_key(unit))
        if conversion is None:
            raise UnknownUnitError(
                f"{measure.label} cannot be given in '{unit}'; accepted units: "
                + ", ".join(self.accepted_units(key))
            )
        return conversion.apply(number)

    def validate(self, key: str, value: float) -> float:
        """``value`` (canonical unit) as float, or :class:`ImplausibleValueError`."""
        measure = self.get(key)
        number = _as_number(measure, value)
        if not math.isfinite(number) or not measure.min_value <= number <= measure.max_value:
            unit = f" {measure.unit}" if measure.unit else ""
            raise ImplausibleValueError(
                f"{measure.label} {plain_number(number)}{unit} is outside the plausible range "
                f"{plain_number(measure.min_value)}–{plain_number(measure.max_value)}{unit}"
            )
        return number

    def convert_and_validate(self, key: str, value: float, unit: str | None = None) -> float:
        return self.validate(key, self.convert(key, value, unit))

    def format(self, key: str, value: float | None) -> str:
        return self.get(key).format(value)


def _quoted_or(names: tuple[str, ...]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _as_number(measure: Measure, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ClinicalDataError(f"{measure.label}: {value!r} is not a number")
    return float(value)


def default_catalogue_path() -> Path:
    return resource_path("measures.toml")


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read a catalogue file (default: the bundled ``resources/measures.toml``).

    The default catalogue is read once and cached; it is immutable.
    """
    if path is None:
        return _default_catalogue()
    return _read_catalogue(Path(path))


@lru_cache(maxsize=1)
def _default_catalogue() -> Catalogue:
    return _read_catalogue(default_catalogue_path())


_MEASURE_FIELDS = {
    "label",
    "unit",
    "symbol",
    "per_limb",
    "better",
    "range",
    "decimals",
    "units",
    "group",
    "notes",
    "source",
    "convention",
    "reliability",
    "swc",
}
_FIGURE_KINDS = {"reliability": ("cv", "sem"), "swc": ("pct", "value")}


def _figure(raw: Mapping[str, object], name: str) -> Figure | None:
    """The ``reliability`` or ``swc`` table: one of its two kinds, positive, with a source."""
    table = raw.get(name)
    if table is None:
        return None
    kinds = _FIGURE_KINDS[name]
    if not isinstance(table, dict):
        raise ValueError(f'{name} must be a table {{ {kinds[0]} = N, source = "..." }}')
    given = [k for k in kinds if k in table]
    if set(table) - {*kinds, "source"} or len(given) != 1:
        raise ValueError(f"{name} needs exactly one of {' or '.join(kinds)}, and a source")
    value = table[given[0]]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}.{given[0]} must be a number")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name}.{given[0]} must be a positive number")
    source = table.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{name} needs a source (the paper, or 'clinical convention')")
    return Figure(given[0], float(value), source.strip())


def _read_catalogue(path: Path) -> Catalogue:
    name = path.name
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ClinicalDataError(f"{name}: cannot read the measure catalogue ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ClinicalDataError(f"{name}: {exc}") from exc
    return catalogue_from_dict(data, origin=name)


def catalogue_from_dict(data: Mapping[str, object], origin: str = "catalogue") -> Catalogue:
    """Build a catalogue from the parsed TOML structure (``{"measures": {key: {...}}}``)."""
    table = data.get("measures")
    if not isinstance(table, dict) or not table:
        raise ClinicalDataError(f"{origin}: measures: no [measures.KEY] tables")
    measures: dict[str, Measure] = {}
    for key, raw in table.items():
        where = f"{origin}: measures.{key}"
        if not isinstance(raw, dict):
            raise ClinicalDataError(f"{where}: expected a table")
        unknown = sorted(set(raw) - _MEASURE_FIELDS)
        if unknown:
            raise ClinicalDataError(f"{where}: unknown field '{unknown[0]}'")
        try:
            low, high = (float(x) for x in raw["range"])
            better = str(raw.get("better", "none"))
            if better not in BETTER_VALUES:
                raise ValueError(f"better must be one of {', '.join(BETTER_VALUES)}")
            if low > high:
                raise ValueError("range minimum is above the maximum")
            units: dict[str, UnitConversion] = {}
            for unit_name, conv in dict(raw.get("units", {})).items():
                if isinstance(conv, dict):
                    units[unit_name] = UnitConversion(
                        float(conv["factor"]), float(conv.get("offset", 0.0))
                    )
                else:
                    units[unit_name] = UnitConversion(float(conv))
            measures[key] = Measure(
                key=key,
                label=str(raw["label"]),
                unit=str(raw["unit"]),
                per_limb=bool(raw.get("per_limb", False)),
                better=better,
                min_value=low,
                max_value=high,
                decimals=int(raw.get("decimals", 2)),
                units=MappingProxyType(units),
                symbol=str(raw.get("symbol", "")),
                group=str(raw.get("group", "")),
                notes=str(raw.get("notes", "")),
                source=str(raw.get("source", "")),
                convention=str(raw.get("convention", "")),
                reliability=_figure(raw, "reliability"),
                swc=_figure(raw, "swc"),
            )
        except KeyError as exc:
            raise ClinicalDataError(f"{where}: missing field {exc.args[0]!r}") from exc
        except (TypeError, ValueError) as exc:
            raise ClinicalDataError(f"{where}: {exc}") from exc
    return Catalogue(measures, origin=origin)
