"""Readiness: evaluate a phase's exit criteria against a case's facts (DOMAIN.md section 3).

Pure and deterministic: the result depends only on the phase, the facts (including
``facts.as_of``) and the catalogue. Measures are indexed once per case by (key, limb).

Definitions (documented here because the UI and the report rely on them):

- **Current values** are results measured on or after the injury date and not after
  ``as_of``. **Baseline** is the latest result flagged ``is_baseline`` dated before the
  injury (DOMAIN.md section 2), per limb for per-limb measures; the uninjured limb is the
  other side. ``pre_injury_best_pct`` uses the best result dated before the injury,
  flagged or not.
- **LSI** and **asymmetry** come from :mod:`casemgr.clinical.symmetry` (LSI = injured /
  uninjured x 100 for higher-is-better measures, inverted for lower-is-better; asymmetry =
  (stronger - weaker) / stronger x 100; Opar 2015: asymmetry limits are convention).
- **within_of_uninjured**: the injured limb is at most ``threshold`` units worse than the
  uninjured limb (AKE within 15 deg: MDD 15 deg, Reurink 2013).
- **weekly_sum** with ``baseline_pct``: the sum over the last ``window_days`` (7) is
  compared with the pre-injury weekly mean = the sum of all results in the
  ``baseline_window_days`` (default 28) before the injury date divided by the number of
  7-day blocks (counted back from the injury date) that hold at least one result.
- **stale**: the value that would be used is older than the criterion's window.
- Comparisons are made at display precision (the measure's decimals; 0.1 for
  percentages), so the table never shows a value that looks like it meets its target but
  fails. Absolute thresholds are used as written.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from casemgr.clinical import symmetry
from casemgr.clinical.catalogue import Catalogue, Measure, format_number, round_half_up
from casemgr.clinical.facts import CaseFacts, CheckPoint, MeasurePoint, SessionPoint
from casemgr.clinical.protocols import DEFAULT_BASELINE_WINDOW_DAYS, Criterion, Phase

STATUSES = ("pass", "fail", "missing", "stale")
VERDICTS = ("ready", "not_ready", "no_criteria")
PCT_DECIMALS = 1

_SYMBOLS = {"<": "<", "<=": "≤", ">=": "≥", ">": ">", "==": "="}
_REFERENCE_NAMES = {
    "absolute": "absolute value",
    "baseline_pct": "pre-injury baseline",
    "pre_injury_best_pct": "best pre-injury result",
    "uninjured_pct": "uninjured limb",
    "lsi": "limb symmetry index",
    "asymmetry": "between-limb asymmetry",
    "within_of_uninjured": "difference from the uninjured limb",
}


@dataclass(frozen=True)
class CriterionResult:
    """The evaluation of one criterion, with everything the criteria table shows."""

    key: str
    label: str
    kind: str
    status: str  # "pass" | "fail" | "missing" | "stale"
    required: bool
    convention: bool
    source: str
    explanation: str
    value: float | None = None
    measured_at: datetime | None = None
    unit: str = ""
    limb: str | None = None
    reference: str | None = None  # the reference actually used (the fallback if used)
    reference_value: float | None = None
    reference_measured_at: datetime | None = None
    fallback_used: bool = False
    comparator: str | None = None
    target: float | None = None
    target_text: str = ""
    ratio_pct: float | None = None  # value / reference value x 100
    lsi: float | None = None
    asymmetry: float | None = None
    days_met: int | None = None
    entry_ids: tuple[int, ...] = ()
    missing: str | None = None  # what is missing, e.g. "Nordic force baseline (right)"
    alternatives: tuple[CriterionResult, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif name == "alternatives":
                value = [a.to_dict() for a in value]
            elif name == "entry_ids":
                value = list(value)
            out[name] = value
        return out


@dataclass(frozen=True)
class PhaseEvaluation:
    """All criteria of a phase, the verdict and a plain-language summary."""

    phase_key: str
    phase_name: str
    as_of: datetime
    verdict: str  # "ready" | "not_ready" | "no_criteria"
    summary: str
    results: tuple[CriterionResult, ...] = field(default_factory=tuple)

    @property
    def ready(self) -> bool:
        return self.verdict == "ready"

    @property
    def required_results(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if r.required)

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase_key": self.phase_key,
            "phase_name": self.phase_name,
            "as_of": self.as_of.isoformat(),
            "verdict": self.verdict,
            "summary": self.summary,
            "results": [r.to_dict() for r in self.results],
        }


# --- index ---------------------------------------------------------------------------------


def _point_order(p: MeasurePoint) -> tuple[datetime, int, float]:
    return (p.measured_at, -1 if p.entry_id is None else p.entry_id, p.value)


class _Series:
    __slots__ = ("points", "times")

    def __init__(self, points: list[MeasurePoint]) -> None:
        points.sort(key=_point_order)
        self.points = points
        self.times = [p.measured_at for p in points]

    def since(self, start: datetime) -> list[MeasurePoint]:
        return self.points[bisect_left(self.times, start) :]


_EMPTY = _Series([])


class FactIndex:
    """A case's facts indexed once (by measure and limb) for fast repeated evaluation."""

    def __init__(self, facts: CaseFacts, catalogue: Catalogue) -> None:
        self.facts = facts
        self.tz = facts.tzinfo
        self.as_of = facts.as_of
        self.injury_start = datetime.combine(facts.injury_date, time(0), tzinfo=self.tz)
        per_limb: dict[str, bool] = {}
        post: dict[tuple[str, str | None], list[MeasurePoint]] = {}
        pre: dict[tuple[str, str | None], list[MeasurePoint]] = {}
        for p in facts.measures:
            if p.measured_at > self.as_of:
                continue
            limbed = per_limb.get(p.key)
            if limbed is None:
                limbed = per_limb[p.key] = p.key in catalogue and catalogue.get(p.key).per_limb
            group = (p.key, p.limb if limbed else None)
            target = pre if p.measured_at < self.injury_start else post
            target.setdefault(group, []).append(p)
        self._post = {k: _Series(v) for k, v in post.items()}
        self._pre = {k: _Series(v) for k, v in pre.items()}
        checks: dict[str, list[CheckPoint]] = {}
        for c in facts.checks:
            if self.injury_start <= c.recorded_at <= self.as_of:
                checks.setdefault(c.check, []).append(c)
        for items in checks.values():
            items.sort(key=lambda c: (c.recorded_at, -1 if c.entry_id is None else c.entry_id))
        self._checks = checks
        today = self.local_date(self.as_of)
        self.sessions: tuple[SessionPoint, ...] = tuple(
            sorted(
                (s for s in facts.sessions if facts.injury_date <= s.day <= today),
                key=lambda s: (s.day, -1 if s.entry_id is None else s.entry_id),
            )
        )
        self.today = today

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def current(self, key: str, limb: str | None) -> _Series:
        """Results since the injury date, up to ``as_of``, oldest first."""
        return self._post.get((key, limb), _EMPTY)

    def pre_injury(self, key: str, limb: str | None) -> _Series:
        return self._pre.get((key, limb), _EMPTY)

    def baseline(self, key: str, limb: str | None) -> MeasurePoint | None:
        """The latest baseline-flagged result dated before the injury."""
        for p in reversed(self.pre_injury(key, limb).points):
            if p.is_baseline:
                return p
        return None

    def checks(self, check: str) -> Sequence[CheckPoint]:
        return self._checks.get(check, ())


def build_index(facts: CaseFacts, catalogue: Catalogue) -> FactIndex:
    return FactIndex(facts, catalogue)


# --- small helpers -------------------------------------------------------------------------


def _meets(value: float, comparator: str, target: float) -> bool:
    if comparator == "<":
        return value < target
    if comparator == "<=":
        return value <= target
    if comparator == ">=":
        return value >= target
    if comparator == ">":
        return value > target
    return value == target


def _meets_at(value: float, comparator: str, target: float, decimals: int) -> bool:
    return _meets(round_half_up(value, decimals), comparator, target)


def _window_text(days: float) -> str:
    hours = days * 24
    if hours < 72 and hours == int(hours):
        return f"{int(hours)} h"
    return f"{format_number(days, 0 if days == int(days) else 1)} days"


def _pct(value: float) -> str:
    return f"{format_number(value, PCT_DECIMALS).removesuffix('.0')}%"


def _ids(points: Iterable[Any]) -> tuple[int, ...]:
    return tuple(sorted({p.entry_id for p in points if p.entry_id is not None}))


def _limb_text(limb: str | None, uninjured: bool = False) -> str:
    if limb is None:
        return ""
    return f" ({limb}, uninjured)" if uninjured else f" ({limb})"


def _best(points: Sequence[MeasurePoint], measure: Measure) -> MeasurePoint:
    if measure.better == "lower":
        return min(points, key=lambda p: (p.value, -p.measured_at.timestamp()))
    return max(points, key=lambda p: (p.value, p.measured_at.timestamp()))


class _Missing(Exception):
    """Internal: a criterion cannot be evaluated (status missing or stale)."""

    def __init__(self, status: str, explanation: str, missing: str | None = None, **extra: Any):
        super().__init__(explanation)
        self.status = status
        self.explanation = explanation
        self.missing = missing
        self.extra = extra


class _NoBaseline(_Missing):
    pass


@dataclass(frozen=True)
class _Ref:
    kind: str
    value: float | None
    measured_at: datetime | None
    entry_ids: tuple[int, ...]
    target: float
    target_text: str


# --- evaluation ----------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, facts: CaseFacts, catalogue: Catalogue, index: FactIndex) -> None:
        self.facts = facts
        self.catalogue = catalogue
        self.index = index
        self.as_of = facts.as_of
        self.injured = facts.injured_side if facts.injured_side in ("left", "right") else None
        self.uninjured = facts.uninjured_side

    def date_text(self, moment: datetime) -> str:
        return self.index.local_date(moment).isoformat()

    def window_start(self, days: float) -> datetime:
        return self.as_of - timedelta(days=days)

    # generic
    def evaluate(self, c: Criterion) -> CriterionResult:
        base: dict[str, Any] = {
            "key": c.key,
            "label": c.label,
            "kind": c.kind,
            "required": c.required,
            "convention": c.convention,
            "source": c.source,
            "comparator": c.comparator,
        }
        if c.kind == "any":
            return self.any_of(c, base)
        try:
            fields = getattr(self, f"kind_{c.kind}")(c)
        except _Missing as gap:
            fields = {"status": gap.status, "explanation": gap.explanation, "missing": gap.missing}
            fields.update(gap.extra)
        return CriterionResult(**base, **fields)

    def any_of(self, c: Criterion, base: dict[str, Any]) -> CriterionResult:
        subs = tuple(self.evaluate(replace(a, required=c.required)) for a in c.alternatives)
        statuses = [s.status for s in subs]
        status = next((s for s in ("pass", "fail", "stale") if s in statuses), "missing")
        shown = next((s for s in subs if s.status == status), subs[0])
        if status == "pass":
            explanation = f"Met by '{shown.label}': {shown.explanation}"
        else:
            explanation = "None of the alternatives met: " + "; ".join(
                f"{s.label}: {s.status}" for s in subs
            )
        missing = [s.missing for s in subs if s.missing]
        return CriterionResult(
            **{**base, "comparator": shown.comparator},
            status=status,
            explanation=explanation,
            value=shown.value,
            measured_at=shown.measured_at,
            unit=shown.unit,
            limb=shown.limb,
            reference=shown.reference,
            reference_value=shown.reference_value,
            reference_measured_at=shown.reference_measured_at,
            fallback_used=shown.fallback_used,
            target=shown.target,
            target_text=" or ".join(s.target_text for s in subs if s.target_text),
            ratio_pct=shown.ratio_pct,
            lsi=shown.lsi,
            asymmetry=shown.asymmetry,
            days_met=shown.days_met,
            entry_ids=tuple(sorted({i for s in subs for i in s.entry_ids})),
            missing=", ".join(dict.fromkeys(missing)) if missing and status != "pass" else None,
            alternatives=subs,
        )

    # checks, sessions, decision
    def kind_check(self, c: Criterion) -> dict[str, Any]:
        assert c.check is not None
        items = self.index.checks(c.check)
        target_text = "passed" + (
            f" within {_window_text(c.window_days)}" if c.window_days else " since the injury"
        )
        if not items:
            raise _Missing(
                "missing",
                f"No '{c.check}' check recorded since the injury",
                c.label,
                target_text=target_text,
            )
        last = items[-1]
        common = {
            "measured_at": last.recorded_at,
            "value": 1.0 if last.passed else 0.0,
            "entry_ids": _ids([last]),
            "target_text": target_text,
        }
        when = self.date_text(last.recorded_at)
        if c.window_days is not None and last.recorded_at < self.window_start(c.window_days):
            raise _Missing(
                "stale",
                f"Last check on {when} is older than {_window_text(c.window_days)}; repeat it",
                f"{c.label} (out of date)",
                **common,
            )
        status = "pass" if last.passed else "fail"
        verb = "passed" if last.passed else "not passed"
        return {**common, "status": status, "explanation": f"Check {verb} on {when}"}

    def kind_sessions(self, c: Criterion) -> dict[str, Any]:
        sessions = self.index.sessions
        scope = ""
        if c.window_days is not None:
            first_day = self.index.today - timedelta(days=math.ceil(c.window_days) - 1)
            sessions = tuple(s for s in sessions if s.day >= first_day)
            scope = f" in the last {_window_text(c.window_days)}"
        if c.full_training:
            sessions = tuple(s for s in sessions if s.full_training)
        if c.session_type:
            sessions = tuple(s for s in sessions if s.session_type == c.session_type)
        kind = "full training" if c.full_training else (c.session_type or "")
        noun = f"{kind} session".strip()
        count = len(sessions)
        assert c.comparator is not None and c.threshold is not None
        ok = _meets(count, c.comparator, c.threshold)
        target_text = f"{_SYMBOLS[c.comparator]} {format_number(c.threshold, 0)} {noun}(s){scope}"
        last = f" (last on {sessions[-1].day.isoformat()})" if sessions else ""
        return {
            "status": "pass" if ok else "fail",
            "value": float(count),
            "target": c.threshold,
            "target_text": target_text,
            "entry_ids": _ids(sessions),
            "explanation": f"{count} {noun}(s) logged since the injury{scope}{last}",
        }

    def kind_decision(self, c: Criterion) -> dict[str, Any]:
        wanted = " or ".join(e.replace("_", " ") for e in c.expected)
        decision = self.facts.decision
        if decision is None:
            raise _Missing(
                "missing",
                "No return-to-play decision recorded",
                "doctor's decision",
                target_text=wanted,
            )
        ok = decision in c.expected
        return {
            "status": "pass" if ok else "fail",
            "target_text": wanted,
            "explanation": f"Doctor's decision: {decision.replace('_', ' ')}",
        }

    # measures
    def kind_measure(self, c: Criterion) -> dict[str, Any]:
        assert c.measure is not None and c.reference is not None and c.threshold is not None
        m = self.catalogue.get(c.measure)
        limb = self.injured if m.per_limb else None
        try:
            if m.per_limb and limb is None:
                raise _Missing(
                    "missing",
                    f"Injured side '{self.facts.injured_side}' is not left or right",
                    "injured side",
                )
            return self.measure_or_fallback(c, m, limb)
        except _Missing as gap:
            for name, value in (
                ("reference", c.reference),
                ("unit", m.display_unit),
                ("limb", limb),
                ("target_text", _describe_target(c, m, c.reference, c.threshold)),
            ):
                gap.extra.setdefault(name, value)
            raise

    def measure_or_fallback(self, c: Criterion, m: Measure, limb: str | None) -> dict[str, Any]:
        assert c.reference is not None and c.threshold is not None
        try:
            return self.measure_with(c, m, limb, c.reference, c.threshold)
        except _NoBaseline as gap:
            if c.fallback_reference is None:
                raise
            fallback = c.fallback_reference
            threshold = c.threshold if c.fallback_threshold is None else c.fallback_threshold
            try:
                fields = self.measure_with(c, m, limb, fallback, threshold)
            except _NoBaseline as second:
                raise _Missing(
                    "missing",
                    f"{gap.explanation}; fallback ({_REFERENCE_NAMES[fallback]}): "
                    f"{second.explanation}",
                    gap.missing,
                ) from None
            except _Missing as other:
                other.extra.update(
                    fallback_used=True,
                    reference=fallback,
                    target_text=_describe_target(c, m, fallback, threshold),
                )
                raise
            fields["fallback_used"] = True
            fields["explanation"] = (
                f"No baseline: using the {_REFERENCE_NAMES[fallback]} instead. "
                + fields["explanation"]
            )
            return fields

    def measure_with(
        self, c: Criterion, m: Measure, limb: str | None, reference: str, threshold: float
    ) -> dict[str, Any]:
        if reference in ("lsi", "asymmetry", "within_of_uninjured"):
            return self.limb_comparison(c, m, reference, threshold)
        ref = self.reference(c, m, limb, reference, threshold)
        aggregation = c.aggregation or "latest"
        fields = getattr(self, f"agg_{aggregation}")(c, m, limb, ref)
        fields.update(
            unit=m.display_unit,
            limb=limb,
            reference=reference,
            reference_value=ref.value,
            reference_measured_at=ref.measured_at,
            target=ref.target,
            target_text=ref.target_text,
        )
        fields["entry_ids"] = tuple(sorted(set(fields.get("entry_ids", ())) | set(ref.entry_ids)))
        if ref.value and fields.get("value") is not None and reference != "absolute":
            fields["ratio_pct"] = fields["value"] / ref.value * 100
        return fields

    def reference(
        self, c: Criterion, m: Measure, limb: str | None, reference: str, threshold: float
    ) -> _Ref:
        cmp = _SYMBOLS[c.comparator or ">="]
        if reference == "absolute":
            return _Ref(
                reference, None, None, (), threshold, f"{cmp} {_fmt_threshold(m, threshold)}"
            )
        if reference == "baseline_pct" and c.aggregation == "weekly_sum":
            value, ids = self.weekly_baseline(c, m)
            name = "pre-injury weekly mean"
            when = None
        elif reference == "baseline_pct":
            point = self.index.baseline(m.key, limb)
            if point is None:
                what = f"{m.label} baseline{_limb_text(limb)}"
                raise _NoBaseline(
                    "missing",
                    f"Missing baseline: no {m.label}{_limb_text(limb)} result flagged as "
                    "baseline before the injury",
                    what,
                )
            value, ids, when, name = point.value, _ids([point]), point.measured_at, "baseline"
        elif reference == "pre_injury_best_pct":
            points = self.index.pre_injury(m.key, limb).points
            if not points:
                raise _NoBaseline(
                    "missing",
                    f"No {m.label}{_limb_text(limb)} result before the injury",
                    f"{m.label} pre-injury result{_limb_text(limb)}",
                )
            point = _best(points, m)
            value, ids, when, name = (
                point.value,
                _ids([point]),
                point.measured_at,
                "best pre-injury",
            )
        else:  # uninjured_pct
            point = self.pick(c, m, self.uninjured, uninjured=True)
            value, ids, when, name = point.value, _ids([point]), point.measured_at, "uninjured limb"
        target = round_half_up(value * threshold / 100, m.decimals)
        text = f"{cmp} {_pct(threshold)} of {name} ({m.format(value)}) = {m.format(target)}"
        return _Ref(reference, value, when, ids, target, text)

    def weekly_baseline(self, c: Criterion, m: Measure) -> tuple[float, tuple[int, ...]]:
        days = c.baseline_window_days or DEFAULT_BASELINE_WINDOW_DAYS
        start = self.index.injury_start - timedelta(days=days)
        points = self.index.pre_injury(m.key, None).since(start)
        if not points:
            raise _NoBaseline(
                "missing",
                f"Missing baseline: no {m.label} results in the {_window_text(days)} before "
                "the injury",
                f"{m.label} pre-injury weekly baseline",
            )
        week = 7 * 86400
        blocks = {
            int((self.index.injury_start - p.measured_at).total_seconds() // week) for p in points
        }
        return sum(p.value for p in points) / len(blocks), _ids(points)

    def pick(
        self, c: Criterion, m: Measure, limb: str | None, uninjured: bool = False
    ) -> MeasurePoint:
        """The latest result (aggregation latest) or the best in the window."""
        series = self.index.current(m.key, limb)
        side = _limb_text(limb, uninjured)
        if not series.points:
            raise _Missing(
                "missing",
                f"No {m.label}{side} result since the injury",
                f"{m.label} result{side}",
            )
        if c.aggregation == "latest" or c.window_days is None:
            point = series.points[-1]
            if c.window_days is not None and point.measured_at < self.window_start(c.window_days):
                raise self.stale(c, m, point, side)
            return point
        in_window = series.since(self.window_start(c.window_days))
        if not in_window:
            raise self.stale(c, m, series.points[-1], side)
        return _best(in_window, m)

    def stale(self, c: Criterion, m: Measure, point: MeasurePoint, side: str = "") -> _Missing:
        window = _window_text(c.window_days or 0)
        return _Missing(
            "stale",
            f"Latest {m.label}{side} result ({m.format(point.value)}, "
            f"{self.date_text(point.measured_at)}) is older than {window}; re-test",
            f"{m.label} result{side} (out of date)",
            value=point.value,
            measured_at=point.measured_at,
            unit=m.display_unit,
            entry_ids=_ids([point]),
        )

    def window_points(self, c: Criterion, m: Measure, limb: str | None) -> list[MeasurePoint]:
        assert c.window_days is not None
        series = self.index.current(m.key, limb)
        points = series.since(self.window_start(c.window_days))
        if points:
            return points
        if series.points:
            raise self.stale(c, m, series.points[-1], _limb_text(limb))
        raise _Missing(
            "missing",
            f"No {m.label}{_limb_text(limb)} result since the injury",
            f"{m.label} result{_limb_text(limb)}",
        )

    # aggregations (value-based references)
    def agg_latest(self, c: Criterion, m: Measure, limb: str | None, ref: _Ref) -> dict[str, Any]:
        point = self.pick(c, m, limb)
        return self.single(c, m, point, ref, f"Latest {m.label.lower()}")

    def agg_best_in_window(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        point = self.pick(c, m, limb)
        window = _window_text(c.window_days or 0)
        return self.single(c, m, point, ref, f"Best {m.label.lower()} in the last {window}")

    def single(
        self, c: Criterion, m: Measure, point: MeasurePoint, ref: _Ref, described: str
    ) -> dict[str, Any]:
        ok = _meets_at(point.value, c.comparator or ">=", ref.target, m.decimals)
        return {
            "status": "pass" if ok else "fail",
            "value": point.value,
            "measured_at": point.measured_at,
            "entry_ids": _ids([point]),
            "explanation": f"{described} {m.format(point.value)} "
            f"({self.date_text(point.measured_at)}) {'meets' if ok else 'does not meet'} "
            f"{ref.target_text}",
        }

    def agg_all_in_window(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb)
        cmp = c.comparator or "<="
        failing = [p for p in points if not _meets_at(p.value, cmp, ref.target, m.decimals)]
        worst = _worst(failing or points, cmp)
        window = _window_text(c.window_days or 0)
        n = len(points)
        if failing:
            explanation = (
                f"{len(failing)} of {n} {m.label.lower()} result(s) in the last {window} fail "
                f"{ref.target_text} (worst {m.format(worst.value)} on "
                f"{self.date_text(worst.measured_at)})"
            )
        else:
            explanation = (
                f"All {n} {m.label.lower()} result(s) in the last {window} meet "
                f"{ref.target_text} (worst {m.format(worst.value)})"
            )
        return {
            "status": "fail" if failing else "pass",
            "value": worst.value,
            "measured_at": worst.measured_at,
            "entry_ids": _ids(points),
            "explanation": explanation,
        }

    def agg_days_meeting(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb)
        cmp = c.comparator or ">="
        meeting = [p for p in points if _meets_at(p.value, cmp, ref.target, m.decimals)]
        days = sorted({self.index.local_date(p.measured_at) for p in meeting})
        need = c.min_days or 1
        best = _best(points, m) if m.better != "none" else points[-1]
        ok = len(days) >= need
        listed = ", ".join(d.isoformat() for d in days) if days else "none"
        return {
            "status": "pass" if ok else "fail",
            "value": best.value,
            "measured_at": best.measured_at,
            "days_met": len(days),
            "entry_ids": _ids(meeting),
            "explanation": f"{ref.target_text} on {len(days)} of the required {need} separate "
            f"day(s) in the last {_window_text(c.window_days or 0)} ({listed}); "
            f"best {m.format(best.value)}",
        }

    def agg_weekly_sum(
        self, c: Criterion, m: Measure, limb: str | None, ref: _Ref
    ) -> dict[str, Any]:
        points = self.window_points(c, m, limb)
        total = sum(p.value for p in points)
        ok = _meets_at(total, c.comparator or ">=", ref.target, m.decimals)
        window = _window_text(c.window_days or 7)
        return {
            "status": "pass" if ok else "fail",
            "value": total,
            "measured_at": points[-1].measured_at,
            "entry_ids": _ids(points),
            "explanation": f"{m.label} over the last {window}: {m.format(total)} from "
            f"{len(points)} result(s); {'meets' if ok else 'does not meet'} {ref.target_text}",
        }

    # limb comparisons
    def limb_comparison(
        self, c: Criterion, m: Measure, reference: str, threshold: float
    ) -> dict[str, Any]:
        injured = self.pick(c, m, self.injured)
        other = self.pick(c, m, self.uninjured, uninjured=True)
        cmp = c.comparator or ">="
        sym = _SYMBOLS[cmp]
        lsi = _safe(symmetry.lsi, injured.value, other.value, m.higher_is_better)
        asym = _safe(symmetry.asymmetry_pct, injured.value, other.value)
        pair = (
            f"{self.injured} {m.format(injured.value)} vs {self.uninjured} {m.format(other.value)}"
        )
        common: dict[str, Any] = {
            "value": injured.value,
            "measured_at": injured.measured_at,
            "unit": m.display_unit,
            "limb": self.injured,
            "reference": reference,
            "reference_value": other.value,
            "reference_measured_at": other.measured_at,
            "lsi": lsi,
            "asymmetry": asym,
            "ratio_pct": injured.value / other.value * 100 if other.value else None,
            "entry_ids": _ids([injured, other]),
        }
        if reference == "within_of_uninjured":
            deficit = (
                other.value - injured.value if m.higher_is_better else injured.value - other.value
            )
            limit = other.value - threshold if m.higher_is_better else other.value + threshold
            bound = "≥" if m.higher_is_better else "≤"
            target_text = (
                f"within {_fmt_threshold(m, threshold)} of the uninjured limb "
                f"({m.format(other.value)}) = {bound} {m.format(limit)}"
            )
            ok = _meets_at(deficit, cmp, threshold, m.decimals)
            shown = f"difference {m.format(max(deficit, 0.0))} ({pair})"
            target = limit
        else:
            metric, name = (lsi, "LSI") if reference == "lsi" else (asym, "asymmetry")
            target_text = f"{name} {sym} {_pct(threshold)}"
            target = threshold
            if metric is None:
                return {
                    **common,
                    "status": "fail",
                    "target": target,
                    "target_text": target_text,
                    "explanation": f"{name} cannot be computed ({pair})",
                }
            ok = _meets_at(metric, cmp, threshold, PCT_DECIMALS)
            shown = f"{name} {_pct(metric)} ({pair})"
        return {
            **common,
            "status": "pass" if ok else "fail",
            "target": target,
            "target_text": target_text,
            "explanation": f"{m.label}: {shown} {'meets' if ok else 'does not meet'} {target_text}",
        }


def _safe(func: Any, *args: Any) -> float | None:
    try:
        return func(*args)
    except (TypeError, ValueError):
        return None


def _worst(points: Sequence[MeasurePoint], comparator: str) -> MeasurePoint:
    if comparator in ("<", "<="):
        return max(points, key=lambda p: (p.value, p.measured_at))
    return min(points, key=lambda p: (p.value, p.measured_at))


def _fmt_threshold(m: Measure, threshold: float) -> str:
    decimals = max(m.decimals, _decimals_of(threshold))
    text = format_number(threshold, decimals)
    unit = m.display_unit
    if not unit:
        return text
    return f"{text}{unit}" if unit.startswith("/") or unit == "°" else f"{text} {unit}"


def _decimals_of(value: float) -> int:
    text = repr(float(value))
    if "e" in text:
        return 6
    return len(text.split(".")[1].rstrip("0"))


def _describe_target(c: Criterion, m: Measure, reference: str, threshold: float) -> str:
    """The target in words, without numbers that need data (for missing/stale results)."""
    sym = _SYMBOLS[c.comparator or ">="]
    if reference == "absolute":
        return f"{sym} {_fmt_threshold(m, threshold)}"
    if reference == "lsi":
        return f"LSI {sym} {_pct(threshold)}"
    if reference == "asymmetry":
        return f"asymmetry {sym} {_pct(threshold)}"
    if reference == "within_of_uninjured":
        return f"within {_fmt_threshold(m, threshold)} of the uninjured limb"
    name = {
        "baseline_pct": "pre-injury weekly mean" if c.aggregation == "weekly_sum" else "baseline",
        "pre_injury_best_pct": "best pre-injury",
        "uninjured_pct": "uninjured limb",
    }[reference]
    return f"{sym} {_pct(threshold)} of {name}"


# --- public --------------------------------------------------------------------------------


def evaluate_criterion(
    criterion: Criterion, facts: CaseFacts, catalogue: Catalogue, index: FactIndex | None = None
) -> CriterionResult:
    """Evaluate one criterion (see the module docstring for the definitions)."""
    index = index if index is not None else FactIndex(facts, catalogue)
    return _Evaluator(facts, catalogue, index).evaluate(criterion)


def evaluate_phase(
    phase: Phase, facts: CaseFacts, catalogue: Catalogue, index: FactIndex | None = None
) -> PhaseEvaluation:
    """Evaluate every exit criterion of ``phase`` as of ``facts.as_of``.

    Verdict "ready" when every required criterion passes (advisory ones never block),
    "not_ready" otherwise, and "no_criteria" for a phase without exit criteria (e.g.
    surveillance, closed by a person). Pass an ``index`` to reuse it across phases.
    """
    index = index if index is not None else FactIndex(facts, catalogue)
    evaluator = _Evaluator(facts, catalogue, index)
    results = tuple(evaluator.evaluate(c) for c in phase.criteria)
    verdict, summary = _summarise(results)
    return PhaseEvaluation(
        phase_key=phase.key,
        phase_name=phase.name,
        as_of=facts.as_of,
        verdict=verdict,
        summary=summary,
        results=results,
    )


def _summarise(results: Sequence[CriterionResult]) -> tuple[str, str]:
    if not results:
        return "no_criteria", "This phase has no exit criteria; a person closes it."
    required = [r for r in results if r.required]
    advisory = [r for r in results if not r.required]
    met = sum(r.passed for r in required)
    noun = "required criteria" if advisory else "criteria"
    advisory_open = [r.label for r in advisory if not r.passed]
    advisory_note = f"; advisory not met: {', '.join(advisory_open)}" if advisory_open else ""
    if met == len(required):
        return "ready", f"Ready to advance: all {len(required)} {noun} met{advisory_note}"
    parts = [f"{met} of {len(required)} {noun} met"]
    failed = [r.label for r in required if r.status == "fail"]
    missing = list(dict.fromkeys(r.missing or r.label for r in required if r.status == "missing"))
    stale = [r.label for r in required if r.status == "stale"]
    if failed:
        parts.append(f"not met: {', '.join(failed)}")
    if missing:
        parts.append(f"missing: {', '.join(missing)}")
    if stale:
        parts.append(f"out of date: {', '.join(stale)}")
    return "not_ready", "; ".join(parts) + advisory_note
