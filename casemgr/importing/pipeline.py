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
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.errors import ClinicalDataError
from casemgr.clinical.sprint import fit_sprint_profile
from casemgr.db.base import utcnow
from casemgr.db.models import Athlete, ImportBatch, InjuryCase, Measure, TimelineEntry
from casemgr.errors import CaseMgrError
from casemgr.importing.presets import Preset
from casemgr.importing.reader import (
    DELIMITERS,
    FileFormatError,
    Record,
    RowError,
    decode_bytes,
    find_header,
    header_key,
    iter_records,
    parse_date,
    parse_number,
    parse_time,
    sniff_delimiter,
    split_lines,
)
from casemgr.permissions import Actor
from casemgr.text import fold

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]
CancelFn = Callable[[], bool]

MAX_FILE_BYTES = 512 * 1024 * 1024
_FUTURE_SLACK = timedelta(minutes=5)
_CHUNK = 2000  # rows between progress reports / cancel checks
_WRITE_CHUNK = 20_000
_PG_IMPORT_LOCK = 7_117_118
_REFERENCE_MASS, _REFERENCE_HEIGHT = 75.0, 1.75


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


# ------------------------------------------------------------------------------------------
# Analysis


class _Analyser:
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

    # -- setup ------------------------------------------------------------------------------

    def _load_athletes(self) -> None:
        self.by_id: dict[int, _Athlete] = {}
        self.by_ext: dict[str, _Athlete] = {}
        self.by_name: dict[str, list[_Athlete]] = defaultdict(list)
        rows = self.s.execute(
            select(
                Athlete.id,
                Athlete.full_name,
                Athlete.name_key,
                Athlete.external_id,
                Athlete.date_of_birth,
                Athlete.body_mass_kg,
                Athlete.height_m,
            )
        )
        for aid, name, key, ext, dob, mass, height in rows:
            a = _Athlete(aid, name, ext, dob, mass, height)
            self.by_id[aid] = a
            if ext:
                self.by_ext[fold(ext)] = a
            self.by_name[key].append(a)

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

    # -- rows -------------------------------------------------------------------------------

    def _cell(self, fields: tuple[str, ...], column: str) -> str:
        i = self._positions.get(column)
        if i is None:
            i = self._positions[column] = self.index.get(header_key(column), -1) if column else -1
        if i < 0 or i >= len(fields):
            return ""
        return fields[i]

    def _row(self, rec: Record, handler) -> None:
        if rec.error:
            self.rows_read += 1
            self.rejected.append(RowProblem(rec.line, rec.error, rec.raw[:200]))
            return
        if rec.blank:
            return
        fields = rec.fields
        if fields == self.header_raw or (
            fields
            and fields[0].casefold() == self.header_raw[0].casefold()
            and tuple(header_key(f) for f in fields) == self.header_keys
        ):
            self.skipped.append(RowProblem(rec.line, "repeated header line skipped"))
            return
        if self._is_summary(fields):
            self.skipped.append(RowProblem(rec.line, "summary row skipped", rec.raw[:200]))
            return
        self.rows_read += 1
        if len(fields) > self.width and any(fields[self.width :]):
            self._reject(
                rec,
                f"the row has {len(fields)} fields but the header has {self.width} "
                "(a separator inside an unquoted value?)",
            )
            return
        if len(fields) < self.width:
            self._reject(rec, f"the row has {len(fields)} fields but the header has {self.width}")
            return
        try:
            athlete = self._athlete(fields, rec.line)
            if athlete is None:
                return
            handler(rec, fields, athlete)
        except RowError as exc:
            self._reject(rec, str(exc))
        except ClinicalDataError as exc:
            self._reject(rec, str(exc))

    def _reject(self, rec: Record, reason: str) -> None:
        self.rejected.append(RowProblem(rec.line, reason, rec.raw[:200]))

    def _is_summary(self, fields: tuple[str, ...]) -> bool:
        candidates = [self._cell(fields, c) for c in self.preset.athlete_columns()]
        candidates.append(fields[0] if fields else "")
        for text in candidates:
            hit = self._summary_cache.get(text)
            if hit is None:
                t = " ".join(text.strip().rstrip(":").split())
                hit = self._summary_cache[text] = bool(
                    t and any(rx.fullmatch(t) for rx in self._summary)
                )
            if hit:
                return True
        return False

    def _athlete(self, fields: tuple[str, ...], line: int) -> _Athlete | None:
        p = self.preset
        ext = self._cell(fields, p.athlete_id_column).strip()
        name = self._cell(fields, p.athlete_name_column).strip()
        cache_key = (ext, name)
        hit = self._athlete_cache.get(cache_key)
        if hit is None:
            hit = self._resolve(ext, name)
            self._athlete_cache[cache_key] = hit
        if isinstance(hit, _Athlete):
            return hit
        if isinstance(hit, str):
            raise RowError(hit)
        key, label = hit  # unknown athlete
        entry = self.unknown.setdefault(key, {"ext": ext, "name": name, "lines": []})
        entry["lines"].append(line)
        self.rejected.append(RowProblem(line, f"unknown athlete {label}"))
        return None

    def _resolve(self, ext: str, name: str):
        if not ext and not name:
            return "the athlete is missing (no id and no name)"
        name_key = fold(name) if name else ""
        mapped = self.athlete_map.get(f"id:{fold(ext)}") if ext else None
        if mapped is None and name_key:
            mapped = self.athlete_map.get(f"name:{name_key}")
        if mapped is not None:
            athlete = self.by_id.get(mapped)
            if athlete is None:
                return f"the athlete chosen for '{name or ext}' no longer exists"
            return athlete
        if ext:
            athlete = self.by_ext.get(fold(ext))
            if athlete is not None:
                if name_key and fold(athlete.name) != name_key:
                    return (
                        f"{ext} is {athlete.name} in casemgr, but the file says '{name}' "
                        "(check the id, or match the athlete by hand)"
                    )
                return athlete
        if name_key:
            matches = self.by_name.get(name_key, [])
            if len(matches) > 1:
                return (
                    f"{len(matches)} athletes are called {name}; add their external id to "
                    "the file or match by hand"
                )
            if matches:
                athlete = matches[0]
                if ext and athlete.external_id and fold(athlete.external_id) != fold(ext):
                    return (
                        f"{name} has the external id {athlete.external_id} in casemgr, but "
                        f"the file says {ext}"
                    )
                return athlete
        key = f"id:{fold(ext)}" if ext else f"name:{name_key}"
        label = f"'{name}'" if name else ""
        if ext:
            label = f"{label} ({ext})" if label else ext
        return (key, label)

    def _moment(self, fields: tuple[str, ...], athlete: _Athlete) -> tuple[datetime, date]:
        p = self.preset
        date_text = self._cell(fields, p.date_column)
        time_text = self._cell(fields, p.time_column) if p.time_column else ""
        cache_key = (date_text, time_text)
        hit = self._date_cache.get(cache_key)
        if hit is None:
            try:
                hit = self._parse_moment(date_text, time_text)
            except RowError as exc:
                hit = str(exc)
            self._date_cache[cache_key] = hit
        if isinstance(hit, str):
            raise RowError(hit)
        when, day = hit
        if athlete.dob is not None and day < athlete.dob:
            raise RowError(
                f"{day.isoformat()} is before {athlete.name}'s date of birth "
                f"({athlete.dob.isoformat()})"
            )
        return when, day

    def _parse_moment(self, date_text: str, time_text: str) -> tuple[datetime, date]:
        p = self.preset
        day, clock = parse_date(date_text, p.date_format)
        has_time = clock is not None
        if time_text.strip():
            clock, has_time = parse_time(time_text, p.time_format), True
        if day.year < 1900:
            raise RowError(f"{day.isoformat()} is not a plausible date")
        if clock is None:
            hh, mm = p.date_only_time.split(":")
            clock = time(int(hh), int(mm))
        when = datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)
        if has_time and when > self.now + _FUTURE_SLACK:
            raise RowError(f"{date_text} {time_text}".strip() + " is in the future")
        if not has_time and day > self.today_local:
            raise RowError(f"{day.isoformat()} is in the future")
        return when, day

    def _value(self, text: str, key: str, unit: str, column: str) -> float | None:
        p = self.preset
        try:
            number = parse_number(text, p.decimal, p.thousands)
        except RowError as exc:
            raise RowError(f"{column}: {exc}") from None
        if number is None:
            return None
        conv = self._converters.get((key, unit))
        if conv is None:
            try:
                offset = self.cat.convert(key, 0.0, unit or None)
                factor = self.cat.convert(key, 1.0, unit or None) - offset
            except ClinicalDataError as exc:
                raise RowError(f"{column}: {exc}") from None
            m = self.cat.get(key)
            conv = self._converters[(key, unit)] = (factor, offset, m.min_value, m.max_value)
        factor, offset, low, high = conv
        value = number * factor + offset
        if not low <= value <= high:
            try:
                self.cat.validate(key, value)
            except ClinicalDataError as exc:
                raise RowError(f"{column}: {exc}") from None
        return value

    def _add(
        self, rec: Record, athlete: _Athlete, when: datetime, day: date, values: list[tuple]
    ) -> None:
        """Plan a row's values, or reject the whole row if one conflicts with the file."""
        identities = []
        for key, limb, value in values:
            ident = (athlete.id, key, limb, when)
            seen = self.planned.get(ident)
            if seen is not None and not math.isclose(seen[1], value, rel_tol=1e-9, abs_tol=1e-9):
                m = self.cat.get(key)
                raise RowError(
                    f"{m.label}{' ' + limb if limb else ''} for {athlete.name} at this time is "
                    f"{m.format(value)} here but {m.format(seen[1])} on line {seen[0]}"
                )
            identities.append((ident, value, seen is not None))
        duplicate = all(dup for _, _, dup in identities)
        for ident, value, dup in identities:
            if not dup:
                self.planned[ident] = (rec.line, value, day)
        if duplicate:
            self.skipped.append(RowProblem(rec.line, "the same values as an earlier line"))

    def _wide_row(self, rec: Record, fields: tuple[str, ...], athlete: _Athlete) -> None:
        when, day = self._moment(fields, athlete)
        values = []
        for col in self.preset.columns:
            value = self._value(self._cell(fields, col.column), col.measure, col.unit, col.column)
            if value is not None:
                values.append((col.measure, col.limb, value))
        if not values:
            raise RowError("the row has no values to import")
        self._add(rec, athlete, when, day, values)
        self.rows_ok += 1

    def _long_row(self, rec: Record, fields: tuple[str, ...], athlete: _Athlete) -> None:
        p = self.preset
        when, day = self._moment(fields, athlete)
        key = self._cell(fields, p.measure_column).strip()
        if not key:
            raise RowError("the measure is missing")
        key = key.lower()
        try:
            measure = self.cat.get(key)
        except ClinicalDataError as exc:
            raise RowError(str(exc)) from None
        unit = self._cell(fields, p.unit_column).strip() if p.unit_column else ""
        limb = self._cell(fields, p.limb_column).strip().lower() if p.limb_column else ""
        limb = {"l": "left", "r": "right", "links": "left", "rechts": "right"}.get(limb, limb)
        if measure.per_limb and limb not in ("left", "right"):
            raise RowError(f"{measure.label} is measured per limb: the limb must be left or right")
        if not measure.per_limb and limb:
            raise RowError(f"{measure.label} is not measured per limb (limb '{limb}' given)")
        value = self._value(self._cell(fields, p.value_column), key, unit, p.value_column)
        if value is None:
            raise RowError("the value is missing")
        self._add(rec, athlete, when, day, [(key, limb, value)])
        self.rows_ok += 1

    def _timing_row(self, rec: Record, fields: tuple[str, ...], athlete: _Athlete) -> None:
        p = self.preset
        when, day = self._moment(fields, athlete)
        trial_text = self._cell(fields, p.trial_column).strip() if p.trial_column else ""
        distances, times = [], []
        for split in p.splits:
            text = self._cell(fields, split.column)
            try:
                t = parse_number(text, p.decimal, p.thousands)
            except RowError as exc:
                raise RowError(f"{split.column}: {exc}") from None
            if t is None:
                continue
            t = t / 1000.0 if split.unit == "ms" else t
            key = f"split_{split.distance:g}m"
            if key in self.cat:
                try:
                    self.cat.validate(key, t)
                except ClinicalDataError as exc:
                    raise RowError(f"{split.column}: {exc}") from None
            distances.append(split.distance)
            times.append(t)
        if len(distances) < 3:
            raise RowError("a trial needs at least 3 split times to fit a sprint profile")
        known_body = athlete.mass is not None and athlete.height is not None
        try:
            profile = fit_sprint_profile(
                distances,
                times,
                athlete.mass if known_body else _REFERENCE_MASS,
                athlete.height if known_body else _REFERENCE_HEIGHT,
                correction=p.correction,
            )
        except ClinicalDataError as exc:
            raise RowError(f"trial {trial_text or '?'}: {exc}") from None
        values = [
            (f"split_{d:g}m", "", t)
            for d, t in zip(distances, times, strict=True)
            if f"split_{d:g}m" in self.cat
        ]
        values.append(("max_velocity", "", profile.mss))
        values.append(("f0_rel", "", profile.f0_rel))
        if known_body:
            values += [("v0", "", profile.v0), ("pmax_rel", "", profile.pmax_rel)]
        for key, _limb, value in values:
            try:
                self.cat.validate(key, value)
            except ClinicalDataError as exc:
                raise RowError(f"trial {trial_text or '?'}: {exc}") from None
        self.trials[(athlete.id, day)].append(
            {
                "line": rec.line,
                "trial": trial_text,
                "when": when,
                "day": day,
                "athlete": athlete,
                "splits": {f"{d:g}": t for d, t in zip(distances, times, strict=True)},
                "longest": distances[-1],
                "values": values,
                "profile": {
                    "mss": round(profile.mss, 4),
                    "mac": round(profile.mac, 4),
                    "f0_rel": round(profile.f0_rel, 4),
                    "v0": round(profile.v0, 4) if known_body else None,
                    "pmax_rel": round(profile.pmax_rel, 4) if known_body else None,
                    "rmse": round(profile.rmse, 5),
                },
                "record": rec,
            }
        )
        self.rows_ok += 1
        if not known_body:
            note = (
                f"{athlete.name}: body mass or height unknown, so V0 and relative Pmax are not "
                "computed (max velocity and F0 are)."
            )
            if note not in self.warnings:
                self.warnings.append(note)

    def _choose_best_trials(self) -> None:
        """Keep each athlete's best trial of the day: the fastest time over the longest
        distance run (then the higher max velocity, then the earlier line)."""
        for (athlete_id, day), trials in self.trials.items():
            best = min(trials, key=_trial_rank)
            self._add(best["record"], best["athlete"], best["when"], day, best["values"])
            for t in trials:
                if t is not best:
                    self.skipped.append(
                        RowProblem(
                            t["line"],
                            f"trial {t['trial'] or '?'} is not the day's best "
                            f"(trial {best['trial'] or '?'} on line {best['line']} is kept)",
                        )
                    )
            self.day_data[(athlete_id, day)] = {
                "trials": [
                    {
                        "line": t["line"],
                        "trial": t["trial"],
                        "splits": t["splits"],
                        "profile": t["profile"],
                    }
                    for t in trials
                ],
                "best_trial": best["trial"],
                "best_line": best["line"],
                "correction": self.preset.correction,
            }

    # -- plan -------------------------------------------------------------------------------

    def _plan(self, sha: str, encoding: str, delimiter: str, header_line: int) -> ImportPlan:
        planned = self.planned
        athlete_ids = sorted({ident[0] for ident in planned})
        existing: dict[tuple, float] = {}
        if planned:
            if self.s.get_bind().dialect.name == "postgresql":
                from sqlalchemy import text

                self.s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_IMPORT_LOCK})
            times = [ident[3] for ident in planned]
            lo, hi = min(times), max(times)
            for start in range(0, len(athlete_ids), 500):
                ids = athlete_ids[start : start + 500]
                rows = self.s.execute(
                    select(
                        Measure.athlete_id,
                        Measure.key,
                        Measure.limb,
                        Measure.measured_at,
                        Measure.value,
                    ).where(
                        Measure.source == self.preset.source_label,
                        Measure.athlete_id.in_(ids),
                        Measure.measured_at >= lo,
                        Measure.measured_at <= hi,
                    )
                )
                for aid, key, limb, when, value in rows:
                    existing[(aid, key, limb or "", when)] = value
        cases: dict[int, list[tuple[date, int]]] = defaultdict(list)
        if athlete_ids:
            for start in range(0, len(athlete_ids), 500):
                ids = athlete_ids[start : start + 500]
                for cid, aid, injury_date in self.s.execute(
                    select(InjuryCase.id, InjuryCase.athlete_id, InjuryCase.injury_date).where(
                        InjuryCase.athlete_id.in_(ids), InjuryCase.status != "closed"
                    )
                ):
                    cases[aid].append((injury_date, cid))
        for aid in cases:
            cases[aid].sort(reverse=True)

        new: list[tuple] = []
        changed = 0
        stats: dict[tuple[int, str, str], dict] = {}
        for (aid, key, limb, when), (line, value, day) in planned.items():
            st = stats.get((aid, key, limb))
            if st is None:
                st = stats[(aid, key, limb)] = {
                    "new": 0,
                    "existing": 0,
                    "first": None,
                    "last": None,
                    "min": None,
                    "max": None,
                    "on_case": 0,
                }
            old = existing.get((aid, key, limb, when))
            if old is not None:
                st["existing"] += 1
                if not math.isclose(old, value, rel_tol=1e-6, abs_tol=1e-9):
                    changed += 1
                continue
            case_id = None
            for injury_date, cid in cases.get(aid, ()):
                if injury_date <= day:
                    case_id = cid
                    break
            new.append((line, aid, key, limb, value, when, day, case_id))
            st["new"] += 1
            st["on_case"] += case_id is not None
            st["first"] = when if st["first"] is None or when < st["first"] else st["first"]
            st["last"] = when if st["last"] is None or when > st["last"] else st["last"]
            st["min"] = value if st["min"] is None or value < st["min"] else st["min"]
            st["max"] = value if st["max"] is None or value > st["max"] else st["max"]
        if changed:
            self.warnings.append(
                f"{changed} value(s) already imported from this source differ from the file; "
                "they were not changed (amend them on the timeline if the file is right)."
            )
        summaries = []
        for (aid, key, limb), st in sorted(
            stats.items(), key=lambda kv: (self.by_id[kv[0][0]].name, kv[0][1], kv[0][2])
        ):
            a = self.by_id[aid]
            m = self.cat.get(key)
            summaries.append(
                MeasureSummary(
                    athlete_id=aid,
                    athlete_name=a.name,
                    external_id=a.external_id,
                    key=key,
                    label=m.label,
                    unit=m.unit,
                    limb=limb,
                    new=st["new"],
                    existing=st["existing"],
                    first=st["first"],
                    last=st["last"],
                    min_value=st["min"],
                    max_value=st["max"],
                    on_case=st["on_case"],
                )
            )
        unknown = []
        for key, u in self.unknown.items():
            unknown.append(
                UnknownAthlete(
                    key=key,
                    external_id=u["ext"],
                    name=u["name"],
                    lines=tuple(u["lines"]),
                    suggestions=self._suggest(u["name"]),
                )
            )
        self.rejected.sort(key=lambda r: r.line)
        self.skipped.sort(key=lambda r: r.line)
        report = ImportReport(
            file_name=self.file_name,
            sha256=sha,
            preset=self.preset.name,
            source=self.preset.source_label,
            encoding=encoding,
            delimiter=delimiter,
            header_line=header_line,
            rows_read=self.rows_read,
            rows_accepted=self.rows_ok,
            measures_new=len(new),
            measures_existing=sum(st["existing"] for st in stats.values()),
            measures_changed=changed,
            rejected=tuple(self.rejected),
            skipped=tuple(self.skipped),
            unknown=tuple(unknown),
            summaries=tuple(summaries),
            warnings=tuple(self.warnings),
        )
        return ImportPlan(
            report=report,
            preset=self.preset,
            file_name=self.file_name,
            sha256=sha,
            new=new,
            day_data=self.day_data,
            athletes=self.by_id,
        )

    def _suggest(self, name: str) -> tuple[tuple[int, str], ...]:
        if not name:
            return ()
        import difflib

        names = {a.name: a.id for a in self.by_id.values()}
        close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
        folded = fold(name)
        for a in self.by_id.values():
            parts = fold(a.name).split()
            if a.name not in close and parts and parts[-1] in folded.split():
                close.append(a.name)
        return tuple((names[n], n) for n in close[:5])


def _trial_rank(trial: dict) -> tuple:
    """Sort key of a trial: longest distance first, then fastest there, then the higher max
    velocity, then the earlier line."""
    values = {key: value for key, _limb, value in trial["values"]}
    longest = trial["longest"]
    return (-longest, trial["splits"][f"{longest:g}"], -values["max_velocity"], trial["line"])


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


# ------------------------------------------------------------------------------------------
# Writing


_MEASURE_COLUMNS = (
    "athlete_id",
    "case_id",
    "entry_id",
    "key",
    "limb",
    "value",
    "measured_at",
    "is_baseline",
    "source",
    "status",
    "created_by_id",
    "created_at",
)


def _insert_measures(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    entry_ids: dict[tuple[int, date], int],
    now: datetime,
    progress: ProgressFn,
    cancel: CancelFn,
) -> None:
    """Insert the plan's measures with the driver's ``executemany`` (the bulk of an import).

    Values go through the columns' own bind processing (so they are stored exactly as the
    ORM stores them), once per distinct timestamp.
    """
    dialect = session.get_bind().dialect
    table = Measure.__table__
    when_type = table.c.measured_at.type  # UTCDateTime: aware UTC -> naive UTC -> driver
    when_proc = when_type.impl_instance.dialect_impl(dialect).bind_processor(dialect)
    bool_proc = table.c.is_baseline.type.dialect_impl(dialect).bind_processor(dialect)

    def to_db(value: datetime):
        naive = when_type.process_bind_param(value, dialect)
        return when_proc(naive) if when_proc else naive

    def bool_db(value: bool):
        return bool_proc(value) if bool_proc else value

    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(_MEASURE_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_MEASURE_COLUMNS))})"
    )
    created, baseline = to_db(now), bool_db(False)
    stamps: dict[datetime, object] = {}
    source, user_id = plan.preset.source_label, actor.user_id
    conn = session.connection()
    total = len(plan.new)
    for start in range(0, total, _WRITE_CHUNK):
        if cancel():
            raise ImportCancelled("Import cancelled; nothing was written.")
        rows = []
        for _line, aid, key, limb, value, when, day, case_id in plan.new[
            start : start + _WRITE_CHUNK
        ]:
            stamp = stamps.get(when)
            if stamp is None:
                stamp = stamps[when] = to_db(when)
            entry_id = entry_ids.get((case_id, day)) if case_id is not None else None
            rows.append(
                (
                    aid,
                    case_id,
                    entry_id,
                    key,
                    limb,
                    value,
                    stamp,
                    baseline,
                    source,
                    "active",
                    user_id,
                    created,
                )
            )
        conn.exec_driver_sql(sql, rows)
        progress(min(start + _WRITE_CHUNK, total), total, "writing")


def write_plan(
    session: Session,
    actor: Actor,
    plan: ImportPlan,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImportReport:
    """Write *plan* in the caller's transaction; returns the report with the batch id.

    The caller commits (or rolls back: a cancel raises ``ImportCancelled`` before the
    commit, so nothing of it is kept). Audit events: one per athlete touched and one for
    the batch, naming the file's SHA-256.
    """
    from casemgr import audit

    progress = progress or (lambda _d, _t, _s: None)
    cancel = cancel or _never
    now = utcnow()
    report = plan.report
    per_athlete: dict[int, int] = defaultdict(int)
    per_key: dict[str, int] = defaultdict(int)
    for row in plan.new:
        per_athlete[row[1]] += 1
        per_key[row[2]] += 1
    batch = ImportBatch(
        file_name=plan.file_name[:300],
        file_sha256=plan.sha256,
        preset=plan.preset.name,
        imported_at=now,
        imported_by_id=actor.user_id,
        rows_read=report.rows_read,
        measures_written=len(plan.new),
        measures_skipped=report.measures_existing,
        rows_rejected=len(report.rejected),
        summary={
            "source": plan.preset.source_label,
            "encoding": report.encoding,
            "measures_by_athlete": {str(k): v for k, v in sorted(per_athlete.items())},
            "measures_by_key": dict(sorted(per_key.items())),
            "rejected": [[r.line, r.reason] for r in report.rejected[:500]],
        },
    )
    session.add(batch)
    session.flush()

    # one timeline entry per case and day, so imported values show on the case timeline
    groups: dict[tuple[int, date], list[tuple]] = defaultdict(list)
    for row in plan.new:
        if row[7] is not None:
            groups[(row[7], row[6])].append(row)
    entry_ids: dict[tuple[int, date], int] = {}
    if groups:
        keys = sorted(groups)
        entry_rows = []
        for case_id, day in keys:
            rows = groups[(case_id, day)]
            aid = rows[0][1]
            lines = sorted({r[0] for r in rows})
            shown = ", ".join(str(n) for n in lines[:12]) + (" ..." if len(lines) > 12 else "")
            data = {
                "values": [
                    {"key": r[2], "limb": r[3] or None, "value": r[4]}
                    for r in sorted(rows, key=lambda r: (r[2], r[3]))
                ],
                "is_baseline": False,
                "source": plan.preset.source_label,
                "import_batch": batch.id,
                "file": plan.file_name,
                "lines": lines,
                **plan.day_data.get((aid, day), {}),
            }
            entry_rows.append(
                {
                    "case_id": case_id,
                    "kind": "measure",
                    "occurred_at": min(r[5] for r in rows),
                    "recorded_at": now,
                    "author_id": actor.user_id,
                    "discipline": str(actor.role),
                    "title": plan.preset.entry_title[:300],
                    "body": f"From {plan.file_name} (line{'s' if len(lines) > 1 else ''} "
                    f"{shown}), import batch {batch.id}.",
                    "data": data,
                    "supersedes_id": None,
                    "amend_reason": "",
                    "status": "active",
                    "voided_at": None,
                    "voided_by_id": None,
                    "void_reason": "",
                    "version": 1,
                }
            )
        for start in range(0, len(entry_rows), _WRITE_CHUNK):
            chunk = entry_rows[start : start + _WRITE_CHUNK]
            ids = session.scalars(
                insert(TimelineEntry).returning(TimelineEntry.id, sort_by_parameter_order=True),
                chunk,
            ).all()
            for key, eid in zip(keys[start : start + _WRITE_CHUNK], ids, strict=True):
                entry_ids[key] = eid
            if cancel():
                raise ImportCancelled("Import cancelled; nothing was written.")

    _insert_measures(session, actor, plan, entry_ids, now, progress, cancel)
    if cancel():
        raise ImportCancelled("Import cancelled; nothing was written.")
    for aid, count in sorted(per_athlete.items()):
        audit.record(
            session,
            actor,
            "import.measures",
            entity_type="import_batch",
            entity_id=batch.id,
            athlete_id=aid,
            reason=f"{count} measures from {plan.file_name} (sha256 {plan.sha256})"[:500],
        )
    audit.record(
        session,
        actor,
        "import.commit",
        entity_type="import_batch",
        entity_id=batch.id,
        reason=(
            f"{plan.file_name}, preset {plan.preset.name}, sha256 {plan.sha256}: "
            f"{len(plan.new)} measures written, {report.measures_existing} already stored, "
            f"{len(report.rejected)} rows rejected"
        )[:1000],
    )
    session.flush()
    from dataclasses import replace

    return replace(report, written=True, batch_id=batch.id, entries_written=len(entry_ids))
