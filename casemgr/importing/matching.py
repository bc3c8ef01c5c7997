"""Matching of the import pipeline: file rows to casemgr athletes (ids, names, the user's
athlete map and suggestions for unknown ones), and planned values to what the database
already holds and to the athletes' open cases, which yields the plan and its report.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from casemgr.db.models import Athlete, InjuryCase, Measure
from casemgr.importing.common import (
    ImportPlan,
    ImportReport,
    MeasureSummary,
    RowProblem,
    UnknownAthlete,
    _Athlete,
)
from casemgr.importing.reader import RowError
from casemgr.text import fold

_PG_IMPORT_LOCK = 7_117_118


class _AthleteMatching:
    """Matching methods of ``pipeline._Analyser`` (which holds the state they use)."""

    # -- athletes ---------------------------------------------------------------------------

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
