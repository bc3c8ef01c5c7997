"""Reading a protocol's dict form (from TOML or stored JSON) field by field, with a
message that names the field path of every problem ("hamstring.toml: phases[2].criteria[0].
threshold: missing")."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from casemgr.clinical.catalogue import Catalogue
from casemgr.clinical.errors import ProtocolError
from casemgr.clinical.protocols import (
    _ALL_CRITERION_FIELDS,
    _COMMON_CRITERION_FIELDS,
    _KEY_RE,
    _KIND_FIELDS,
    _PHASE_FIELDS,
    _PROTOCOL_FIELDS,
    _SIGNAL_LIMITS,
    _WHOLE_SIGNALS,
    COMPARATORS,
    DECISIONS,
    FORMAT_VERSION,
    KINDS,
    LIMB_REFERENCES,
    MEASURE_AGGREGATIONS,
    PER_LIMB_REFERENCES,
    REFERENCES,
    SESSION_AGGREGATIONS,
    SIGNAL_DEFAULTS,
    WINDOWED_AGGREGATIONS,
    Criterion,
    Phase,
    Protocol,
    Threshold,
)
from casemgr.vocab import MUSCLES


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
        self.region = region
        self.protocol_source = self.text(data, "source", "", default="")
        signals = self.signals(data.get("signals"), pain_limit)
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
            pain_limit=signals["pain_limit"].value,
            phases=tuple(phases),
            signals=signals,
            source=self.text(data, "source", "", default=""),
            description=self.text(data, "description", "", default=""),
        )

    def signals(self, raw: Any, pain_limit: float | None) -> dict[str, Threshold]:
        """The ``[signals]`` table: each entry ``{value, source, convention}``; missing
        entries take :data:`SIGNAL_DEFAULTS` (the top-level ``pain_limit`` of older files
        still sets the pain limit)."""
        out = dict(SIGNAL_DEFAULTS)
        if pain_limit is not None:
            out["pain_limit"] = Threshold(pain_limit, SIGNAL_DEFAULTS["pain_limit"].source)
        if raw is None:
            return out
        table = self.table(raw, "signals")
        self.known_fields(table, tuple(SIGNAL_DEFAULTS), "signals")
        for name, item in table.items():
            path = f"signals.{name}"
            entry = self.table(item, path)
            self.known_fields(entry, ("value", "source", "convention"), path)
            low, high = _SIGNAL_LIMITS[name]
            value = self.number(entry, "value", path, required=True, minimum=low, maximum=high)
            assert value is not None
            if name in _WHOLE_SIGNALS and value != int(value):
                raise self.fail(f"{path}.value", f"expected a whole number, got {value:g}")
            source = self.text(entry, "source", path, default="").strip()
            if not source:
                raise self.fail(
                    f"{path}.source", "name the source (author year) or say 'Clinical convention'"
                )
            out[name] = Threshold(
                value, source, self.flag(entry, "convention", path, default=False)
            )
        if (
            pain_limit is not None
            and "pain_limit" in table
            and pain_limit != out["pain_limit"].value
        ):
            raise self.fail("pain_limit", "differs from signals.pain_limit; keep one of them")
        return out

    def muscles(self, data: Mapping[str, Any], path: str) -> tuple[str, ...]:
        names = self.texts(data, "muscles", path)
        region = getattr(self, "region", "")
        known = tuple(MUSCLES.get(region, {}))
        for i, name in enumerate(names):
            if name not in known:
                raise self.fail(
                    f"{path}.muscles[{i}]",
                    f"'{name}' is not a muscle of the {region} region"
                    f"{_did_you_mean(name, known)}; allowed: {', '.join(known)}",
                )
        if data.get("muscles") is not None and not names:
            raise self.fail(f"{path}.muscles", "name at least one muscle, or leave it out")
        return tuple(dict.fromkeys(names))

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
            guidance=tuple(legacy_source(g, "") for g in self.texts(data, "guidance", path)),
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
            "source": legacy_source(
                self.text(data, "source", path, default=""), getattr(self, "protocol_source", "")
            ),
            "note": self.text(data, "note", path, default=""),
            "muscles": self.muscles(data, path),
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


_FILE_CITATION = re.compile(r"\s*\(?\bDOMAIN\.md(?: sections? [0-9][0-9, and-]*)?\)?[;,]?\s*")


def legacy_source(text: str, protocol_source: str) -> str:
    """A source as the literature it cites: protocol versions stored before sources were
    literature named an internal working file ("DOMAIN.md section 3 (Hickey et al. 2020)").
    The file name is dropped (the stored version itself is never changed); a source that
    named only the file reads as the protocol's own sources."""
    if "DOMAIN.md" not in text:
        return text
    cleaned = _FILE_CITATION.sub(" ", text).strip(" ;,")
    cleaned = re.sub(r"^\((.*)\)$", r"\1", cleaned).replace("()", "").strip()
    cleaned = re.sub(r"\s{2,}", " ", cleaned).replace(" .", ".").replace(" ,", ",")
    if cleaned:
        return cleaned
    return f"Protocol sources: {protocol_source}" if protocol_source else "Clinical convention"
