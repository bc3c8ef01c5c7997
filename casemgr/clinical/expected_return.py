"""Expected time to return, for "day N of an expected M-K days (Author year)".

The figures are data (``resources/expected_return.toml``), one row per grade (and, for
the calf, per muscle), each naming its source:

- hamstring by MRI grade, professional football (Ekstrand et al. 2012): grade 0 8 +/- 3 d,
  1 17 +/- 10 d, 2 (partial tear) 22 +/- 11 d, 3 (total rupture) 73 +/- 60 d;
- hamstring intratendinous injuries, elite track and field (Pollock et al. 2022): BAMIC 2c
  34 +/- 7 d, 3c 48 +/- 17 d;
- calf by connective-tissue grade (Prakash et al. 2018): 0 = 8 d, 1 = 17 d, 2 = 25 d,
  3 = 48 d (means only); by muscle, elite Australian football (Green et al. 2020): soleus
  25.4 +/- 16.2 d, gastrocnemius 19.1 +/- 14.1 d;
- grade 4 (a complete tear or an avulsion): a surgical opinion first, no day window.

Reading a BAMIC or Munich grade as one of those grades is clinical convention where the
source graded otherwise; each row says so. A window is mean +/- 1 SD, never below day 1.
These are group figures to orient a conversation, not a prognosis for one athlete.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from casemgr.clinical.errors import ClinicalDataError
from casemgr.resources import resource_path
from casemgr.vocab import BAMIC_GRADES, BAMIC_SITES, MUNICH_GRADES, MUSCLES

CONVENTION = "clinical convention"
_GRADE_FIELDS = {"region", "classification", "grades", "mean_days", "sd_days", "surgical",
                 "source", "basis", "convention"}  # fmt: skip
_MUSCLE_FIELDS = {"region", "muscles", "label", "mean_days", "sd_days", "source", "basis",
                  "convention"}  # fmt: skip


def grade_labels(classification: str) -> tuple[str, ...]:
    """Every grade label a case of *classification* can carry (``"0a"``, ``"2b"``, ``"3A"``)."""
    if classification == "munich":
        return MUNICH_GRADES
    labels: list[str] = []
    for grade in BAMIC_GRADES:
        if grade in ("1", "2", "3"):
            labels += [grade + site for site in BAMIC_SITES]
        elif grade == "4":
            labels += ["4", "4c"]
        else:
            labels.append(grade)
    return tuple(labels)


def _half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


@dataclass(frozen=True)
class ExpectedReturn:
    """The published return time that fits one injury, with its source."""

    source: str  # "Ekstrand 2012" or "clinical convention"
    grade_label: str = ""
    mean_days: float | None = None
    sd_days: float | None = None
    surgical: bool = False
    basis: str = ""  # what the source measured
    convention: str = ""  # how the injury was matched to it, when that is convention
    note: str = ""  # a second figure (the calf muscle's window)
    references: tuple[str, ...] = ()  # full references of every source named

    @property
    def low_days(self) -> int | None:
        if self.surgical or self.mean_days is None:
            return None
        return max(1, _half_up(self.mean_days - (self.sd_days or 0)))

    @property
    def high_days(self) -> int | None:
        if self.surgical or self.mean_days is None:
            return None
        return max(1, _half_up(self.mean_days + (self.sd_days or 0)))

    @property
    def span(self) -> str:
        """``"11-33"``, ``"~25"`` (a mean without SD), or ``""`` for a surgical opinion."""
        low, high = self.low_days, self.high_days
        if low is None or high is None:
            return ""
        return f"{low}-{high}" if low != high else f"~{low}"

    @property
    def sort_days(self) -> float:
        """The mean, for sorting; a surgical opinion sorts after every window."""
        return math.inf if self.surgical or self.mean_days is None else self.mean_days

    def describe(self, day: int | None = None) -> str:
        """``"day 12 of an expected 11-33 days (Ekstrand 2012)"`` or, for grade 4,
        ``"day 12: surgical opinion (grade 4, complete tear)"``; without *day* the window
        alone (``"expected 11-33 days (Ekstrand 2012)"``)."""
        if self.surgical:
            text = f"surgical opinion (grade {self.grade_label or 4}, complete tear)"
            return f"day {day}: {text}" if day is not None else text
        window = f"{self.span} days ({self.source})"
        return f"day {day} of an expected {window}" if day is not None else f"expected {window}"

    def describe_with_note(self, day: int | None = None) -> str:
        """:meth:`describe` and the second figure, if any (``"...; soleus 9-42 days (...)"``)."""
        return self.describe(day) + (f"; {self.note}" if self.note else "")

    def details(self) -> str:
        """What the figure is and how this injury was matched to it, one line each."""
        source = self.source if self.source != CONVENTION else "Clinical convention"
        lines = [f"{source}: {self.basis}" if self.basis else source]
        if self.convention:
            lines.append(self.convention[:1].upper() + self.convention[1:])
        if self.note:
            lines.append(self.note[:1].upper() + self.note[1:])
        return "\n".join(lines)


@dataclass(frozen=True)
class _Row:
    mean_days: float | None
    sd_days: float | None
    surgical: bool
    source: str
    basis: str
    convention: str
    label: str = ""  # muscle rows: how the note names the muscle


@dataclass(frozen=True)
class ExpectedReturnTable:
    """The validated table: grade rows by (region, classification, label), muscle rows by
    (region, muscle), and the full reference of every source."""

    by_grade: Mapping[tuple[str, str, str], _Row]
    by_muscle: Mapping[tuple[str, str], _Row]
    sources: Mapping[str, str]

    def lookup(
        self, region: str, muscle: str, grade: str, site: str = "", classification: str = "bamic"
    ) -> ExpectedReturn | None:
        classification = (classification or "bamic").lower()
        label = f"{grade or ''}{site or ''}".strip()
        label = label.upper() if classification == "munich" else label.lower()
        by_grade = self.by_grade.get((region, classification, label))
        by_muscle = self.by_muscle.get((region, muscle))
        row = by_grade or by_muscle
        if row is None:
            return None
        note = ""
        if by_grade is not None and by_muscle is not None and not by_grade.surgical:
            note = f"{by_muscle.label} {_window(by_muscle)} days ({by_muscle.source})"
        named = " ".join((row.source, row.basis, row.convention, note))
        return ExpectedReturn(
            source=row.source,
            grade_label=label,
            mean_days=row.mean_days,
            sd_days=row.sd_days,
            surgical=row.surgical,
            basis=row.basis,
            convention=row.convention,
            note=note,
            references=tuple(ref for key, ref in self.sources.items() if key in named),
        )


def _window(row: _Row) -> str:
    return ExpectedReturn(row.source, mean_days=row.mean_days, sd_days=row.sd_days).span


# --- reading and validating the table -----------------------------------------------------


def _row(raw: object, where: str, fields: set[str], sources: Mapping[str, str]) -> _Row:
    if not isinstance(raw, dict):
        raise ClinicalDataError(f"{where}: expected a table")
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise ClinicalDataError(f"{where}: unknown field '{unknown[0]}'")
    source = str(raw.get("source", "")).strip()
    if not source:
        raise ClinicalDataError(f"{where}: no source (name the literature, or '{CONVENTION}')")
    if source != CONVENTION and source not in sources:
        raise ClinicalDataError(
            f"{where}: source '{source}' is not listed under [sources] with its reference"
        )
    surgical = raw.get("surgical", False)
    if not isinstance(surgical, bool):
        raise ClinicalDataError(f"{where}: surgical is true or false")
    mean, sd = raw.get("mean_days"), raw.get("sd_days")
    if surgical:
        if mean is not None or sd is not None:
            raise ClinicalDataError(f"{where}: a surgical opinion has no day window")
    else:
        for name, value in (("mean_days", mean), ("sd_days", sd)):
            if value is None and name == "sd_days":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ClinicalDataError(f"{where}: {name} must be a number of days")
            if value < 0 or (name == "mean_days" and value <= 0):
                raise ClinicalDataError(f"{where}: {name} must be above 0")
    return _Row(
        mean_days=None if mean is None else float(mean),
        sd_days=None if sd is None else float(sd),
        surgical=surgical,
        source=source,
        basis=str(raw.get("basis", "")).strip(),
        convention=str(raw.get("convention", "")).strip(),
        label=str(raw.get("label", "")).strip(),
    )


def _names(raw: dict, key: str, where: str) -> list[str]:
    names = raw.get(key)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ClinicalDataError(f"{where}: {key} must be a non-empty list of names")
    return names


def table_from_dict(
    data: Mapping[str, object], origin: str = "expected-return table"
) -> ExpectedReturnTable:
    """Validate the parsed TOML: every row has a source, every grade of every region and
    classification is covered exactly once, every calf muscle has its row."""
    sources_raw = data.get("sources", {})
    if not isinstance(sources_raw, dict) or not all(
        isinstance(v, str) and v.strip() for v in sources_raw.values()
    ):
        raise ClinicalDataError(f"{origin}: [sources] maps 'Author year' to its reference")
    sources = {str(k): str(v).strip() for k, v in sources_raw.items()}
    unknown = sorted(set(data) - {"sources", "grade", "muscle"})
    if unknown:
        raise ClinicalDataError(f"{origin}: unknown table '{unknown[0]}'")
    by_grade: dict[tuple[str, str, str], _Row] = {}
    for n, raw in enumerate(_rows(data, "grade", origin), start=1):
        where = f"{origin}: grade row {n}"
        row = _row(raw, where, _GRADE_FIELDS, sources)
        region, classification = str(raw.get("region", "")), str(raw.get("classification", ""))
        if region not in MUSCLES:
            raise ClinicalDataError(
                f"{where}: region '{region}' is not one of {', '.join(MUSCLES)}"
            )
        if classification not in ("bamic", "munich"):
            raise ClinicalDataError(f"{where}: classification is 'bamic' or 'munich'")
        known = grade_labels(classification)
        for label in _names(raw, "grades", where):
            if label not in known:
                raise ClinicalDataError(
                    f"{where}: '{label}' is not a {classification.upper()} grade"
                    f" ({', '.join(known)})"
                )
            if (region, classification, label) in by_grade:
                raise ClinicalDataError(f"{where}: {region} grade '{label}' has two rows")
            by_grade[(region, classification, label)] = row
    for region, classification in {(r, c) for r, c, _ in by_grade}:
        missing = [
            g for g in grade_labels(classification) if (region, classification, g) not in by_grade
        ]
        if missing:
            raise ClinicalDataError(
                f"{origin}: {region} {classification.upper()} grade(s) without a row: "
                + ", ".join(missing)
            )
    by_muscle: dict[tuple[str, str], _Row] = {}
    for n, raw in enumerate(_rows(data, "muscle", origin), start=1):
        where = f"{origin}: muscle row {n}"
        row = _row(raw, where, _MUSCLE_FIELDS, sources)
        if not row.label:
            raise ClinicalDataError(f"{where}: a muscle row needs the label its note shows")
        region = str(raw.get("region", ""))
        if region not in MUSCLES:
            raise ClinicalDataError(
                f"{where}: region '{region}' is not one of {', '.join(MUSCLES)}"
            )
        for muscle in _names(raw, "muscles", where):
            if muscle not in MUSCLES[region]:
                raise ClinicalDataError(f"{where}: '{muscle}' is not a {region} muscle")
            if (region, muscle) in by_muscle:
                raise ClinicalDataError(f"{where}: {region} muscle '{muscle}' has two rows")
            by_muscle[(region, muscle)] = row
    for region in {r for r, _ in by_muscle}:
        missing = [m for m in MUSCLES[region] if (region, m) not in by_muscle]
        if missing:
            raise ClinicalDataError(
                f"{origin}: {region} muscle(s) without a row: {', '.join(missing)}"
            )
    return ExpectedReturnTable(
        MappingProxyType(by_grade), MappingProxyType(by_muscle), MappingProxyType(sources)
    )


def _rows(data: Mapping[str, object], key: str, origin: str) -> list:
    rows = data.get(key, [])
    if not isinstance(rows, list):
        raise ClinicalDataError(f"{origin}: [[{key}]] must be a list of rows")
    return rows


def load_table(path: str | Path | None = None) -> ExpectedReturnTable:
    """Read and validate a table file (default: the bundled one, read once)."""
    if path is None:
        return _default_table()
    return _read(Path(path))


@lru_cache(maxsize=1)
def _default_table() -> ExpectedReturnTable:
    return _read(resource_path("expected_return.toml"))


def _read(path: Path) -> ExpectedReturnTable:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ClinicalDataError(
            f"{path.name}: cannot read the expected-return table ({exc})"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ClinicalDataError(f"{path.name}: {exc}") from exc
    return table_from_dict(data, origin=path.name)


# --- the lookups ------------------------------------------------------------------------


def expected_return(
    region: str,
    muscle: str,
    grade: str = "",
    site: str = "",
    classification: str = "bamic",
    table: ExpectedReturnTable | None = None,
) -> ExpectedReturn | None:
    """The published return time that fits the injury best, or None if none applies."""
    return (table or load_table()).lookup(region, muscle, grade, site, classification)


def expected_return_for_label(
    region: str, muscle: str, label: str, table: ExpectedReturnTable | None = None
) -> ExpectedReturn | None:
    """The same from a stored grade label (``"2b"``, ``"0a"``, ``"3A"``): Munich grades
    are upper case; ``"4"`` reads the same in both classifications."""
    classification = "munich" if any(ch.isupper() for ch in label or "") else "bamic"
    return expected_return(region, muscle, label, "", classification, table)
