"""Row checks of the import pipeline: reading each record's cells, converting and
validating dates and values (and fitting timing-gate trials), and the reasons a row is
rejected or skipped.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from casemgr.clinical.errors import ClinicalDataError
from casemgr.clinical.sprint import fit_sprint_profile
from casemgr.importing.common import RowProblem, _Athlete
from casemgr.importing.reader import (
    Record,
    RowError,
    header_key,
    parse_date,
    parse_number,
    parse_time,
)

_FUTURE_SLACK = timedelta(minutes=5)
_REFERENCE_MASS, _REFERENCE_HEIGHT = 75.0, 1.75


class _RowChecks:
    """Row-checking methods of ``pipeline._Analyser`` (which holds the state they use)."""

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


def _trial_rank(trial: dict) -> tuple:
    """Sort key of a trial: longest distance first, then fastest there, then the higher max
    velocity, then the earlier line."""
    values = {key: value for key, _limb, value in trial["values"]}
    longest = trial["longest"]
    return (-longest, trial["splits"][f"{longest:g}"], -values["max_velocity"], trial["line"])
