"""The import pipeline: file bytes + preset -> checked plan -> one all-or-nothing write.

:func:`analyse` reads the whole file (streaming its rows, with progress and cancel),
matches athletes, converts and checks every value, drops what the database already holds
and returns an :class:`ImportPlan` whose :class:`ImportReport` is the preview. Nothing is
written. :func:`write_plan` then writes the plan in the caller's transaction: one
``import_batches`` row, the measures, and one timeline entry of kind ``measure`` per case
and day touched (so imported data shows on the case timeline and can be amended or voided
like any entry); measures dated before the athlete's injury, or of athletes without an
open case on that date, are kept on the athlete only (``case_id`` NULL).

Idempotency: a value is identified by (athlete, measure, limb, time, source); a value the
database already holds under that identity is skipped (even when it was voided since: a
re-import does not bring back what a clinician voided), so importing the same file twice,
or two files that overlap, writes each value once.

The stages live in :mod:`~casemgr.importing.checks` (row checks),
:mod:`~casemgr.importing.matching` (athletes, existing values, cases) and
:mod:`~casemgr.importing.writing` (the write); this module ties them together.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import load_catalogue
from casemgr.db.base import utcnow
from casemgr.importing.checks import _RowChecks
from casemgr.importing.common import (
    CancelFn,
    ImportCancelled,
    ImportPlan,
    ImportRejected,
    ImportReport,
    MeasureSummary,
    ProgressFn,
    RowProblem,
    UnknownAthlete,
    _never,
    sha256_of,
)
from casemgr.importing.matching import _AthleteMatching
from casemgr.importing.presets import Preset
from casemgr.importing.reader import (
    FileFormatError,
    decode_bytes,
    find_header,
    header_key,
    iter_records,
    sniff_delimiter,
    split_lines,
)
from casemgr.importing.writing import write_plan

__all__ = [
    "MAX_FILE_BYTES",
    "CancelFn",
    "ImportCancelled",
    "ImportPlan",
    "ImportRejected",
    "ImportReport",
    "MeasureSummary",
    "ProgressFn",
    "RowProblem",
    "UnknownAthlete",
    "analyse",
    "sha256_of",
    "write_plan",
]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 512 * 1024 * 1024
_CHUNK = 2000  # rows between progress reports / cancel checks


# ------------------------------------------------------------------------------------------
# Analysis


class _Analyser(_RowChecks, _AthleteMatching):
    """One analysis of one file: reads it, runs each row through the checks and the athlete
    matching, then matches the planned values to the database (see the two mixins)."""

    def __init__(
        self,
        session: Session,
        preset: Preset,
        raw: bytes,
        file_name: str,
        *,
        encoding: str | None,
        athlete_map: Mapping[str, int] | None,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
        now: datetime | None,
    ) -> None:
        self.s = session
        self.preset = preset
        self.raw = raw
        self.file_name = file_name
        self.encoding = encoding or preset.encoding
        self.athlete_map = dict(athlete_map or {})
        self.progress = progress or (lambda _d, _t, _s: None)
        self.cancel = cancel or _never
        self.now = now or utcnow()
        self.zone = preset.zone
        self.today_local = self.now.astimezone(self.zone).date()
        self.cat = load_catalogue()
        self.rejected: list[RowProblem] = []
        self.skipped: list[RowProblem] = []
        self.warnings: list[str] = []
        self.unknown: dict[str, dict] = {}
        self.rows_read = 0
        self.rows_ok = 0
        self.planned: dict[tuple, tuple] = {}  # identity -> (line, value, day)
        self.day_data: dict[tuple[int, date], dict] = {}
        self.trials: dict[tuple[int, date], list[dict]] = defaultdict(list)
        self._athlete_cache: dict[tuple[str, str], object] = {}
        self._date_cache: dict[tuple[str, str], object] = {}
        self._summary = [re.compile(p, re.IGNORECASE) for p in preset.summary_patterns]
        self._summary_cache: dict[str, bool] = {}
        self._converters: dict[tuple[str, str], tuple[float, float, float, float]] = {}

    def run(self) -> ImportPlan:
        if len(self.raw) > MAX_FILE_BYTES:
            raise FileFormatError(
                f"The file is {len(self.raw) // 1_048_576} MB; at most "
                f"{MAX_FILE_BYTES // 1_048_576} MB can be imported at once. Split it."
            )
        sha = sha256_of(self.raw)
        decoded = decode_bytes(self.raw, self.encoding)
        self.warnings.extend(decoded.warnings)
        lines = split_lines(decoded.text)
        p = self.preset
        delimiter = p.delimiter if p.delimiter != "auto" else sniff_delimiter(lines)
        header_idx, header = find_header(
            lines, delimiter, p.required_columns(), p.athlete_columns()
        )
        self.header_keys = tuple(header_key(h) for h in header)
        index: dict[str, int] = {}
        for i, name in enumerate(self.header_keys):
            if name and name in index:
                used = {header_key(c) for c in p.required_columns() + p.athlete_columns()}
                if name in used:
                    raise FileFormatError(
                        f"Column '{header[i]}' appears twice in the header (line "
                        f"{header_idx + 1}); the preset cannot tell which one to use."
                    )
                continue
            index.setdefault(name, i)
        self.index = index
        self._positions: dict[str, int] = {}
        self.header_raw = tuple(header)
        self.width = len(header)
        if header_idx:
            self.skipped.append(
                RowProblem(
                    1,
                    f"line{'s 1-' + str(header_idx) if header_idx > 1 else ' 1'} above the "
                    "header skipped (file metadata)",
                )
            )
        self._load_athletes()
        total = len(lines)
        self.progress(header_idx, total, "reading")
        handler = {
            "wide": self._wide_row,
            "long": self._long_row,
            "timing-gates": self._timing_row,
        }[p.kind]
        for count, rec in enumerate(iter_records(lines, delimiter, header_idx + 1), 1):
            if count % _CHUNK == 0:
                if self.cancel():
                    raise ImportCancelled("Import cancelled; nothing was written.")
                self.progress(rec.line, total, "reading")
            self._row(rec, handler)
        if p.kind == "timing-gates":
            self._choose_best_trials()
        self.progress(total, total, "checking")
        if self.cancel():
            raise ImportCancelled("Import cancelled; nothing was written.")
        return self._plan(sha, decoded.encoding, delimiter, header_idx + 1)


def analyse(
    session: Session,
    preset: Preset,
    raw: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    athlete_map: Mapping[str, int] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    now: datetime | None = None,
) -> ImportPlan:
    """Read and check a file against *preset*; returns the plan (its report is the preview).

    Reads the database (athletes, open cases, values already imported) and writes nothing.
    Raises ``FileFormatError`` when the file as a whole cannot be read and
    ``ImportCancelled`` when *cancel* returns True.
    """
    return _Analyser(
        session,
        preset,
        raw,
        file_name,
        encoding=encoding,
        athlete_map=athlete_map,
        progress=progress,
        cancel=cancel,
        now=now,
    ).run()
