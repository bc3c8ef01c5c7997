"""Shared types of the import pipeline: progress/cancel callbacks, the import errors, and
the report and plan dataclasses that the check, match and write stages pass along.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from casemgr.errors import CaseMgrError
from casemgr.importing.presets import Preset
from casemgr.importing.reader import DELIMITERS

ProgressFn = Callable[[int, int, str], None]
CancelFn = Callable[[], bool]


class ImportCancelled(CaseMgrError):
    """The user cancelled the import; nothing was written."""


class ImportRejected(CaseMgrError):
    """The file has rejected rows (or unknown athletes) and a partial import was not asked
    for; nothing was written. ``report`` lists every row and reason."""

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str
    text: str = ""


@dataclass(frozen=True)
class UnknownAthlete:
    """An athlete named in the file whom casemgr does not know (create or match them)."""

    key: str  # the athlete_map key: "id:<external id>" or "name:<folded name>"
    external_id: str
    name: str
    lines: tuple[int, ...]
    suggestions: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class MeasureSummary:
    """What the import does for one athlete, measure and limb."""

    athlete_id: int
    athlete_name: str
    external_id: str | None
    key: str
    label: str
    unit: str
    limb: str
    new: int
    existing: int
    first: datetime | None
    last: datetime | None
    min_value: float | None
    max_value: float | None
    on_case: int  # new values that go to an open case (the rest: athlete only)


@dataclass(frozen=True)
class ImportReport:
    """The preview of an import, and after writing, its result."""

    file_name: str
    sha256: str
    preset: str
    source: str
    encoding: str
    delimiter: str
    header_line: int
    rows_read: int
    rows_accepted: int
    measures_new: int
    measures_existing: int
    measures_changed: int
    rejected: tuple[RowProblem, ...]
    skipped: tuple[RowProblem, ...]
    unknown: tuple[UnknownAthlete, ...]
    summaries: tuple[MeasureSummary, ...]
    warnings: tuple[str, ...] = ()
    written: bool = False
    batch_id: int | None = None
    entries_written: int = 0

    @property
    def ok(self) -> bool:
        return not self.rejected

    def to_dict(self) -> dict:
        def plain(value):
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        data = plain(asdict(self))
        data["delimiter"] = DELIMITERS.get(self.delimiter, self.delimiter)
        data["ok"] = self.ok
        return data


@dataclass
class _Athlete:
    id: int
    name: str
    external_id: str | None
    dob: date | None
    mass: float | None
    height: float | None


@dataclass
class ImportPlan:
    """A checked import, ready to write (``report`` is its preview)."""

    report: ImportReport
    preset: Preset
    file_name: str
    sha256: str
    # (line, athlete_id, key, limb, value, measured_at, day, case_id)
    new: list[tuple] = field(default_factory=list)
    day_data: dict[tuple[int, date], dict] = field(default_factory=dict)
    athletes: dict[int, _Athlete] = field(default_factory=dict)


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _never() -> bool:
    return False
