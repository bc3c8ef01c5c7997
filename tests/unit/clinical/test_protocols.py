"""Protocols as data (DOMAIN.md section 3): shipped defaults, validation messages, round trips."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from casemgr.clinical.errors import ClinicalDataError, ProtocolError
from casemgr.clinical.protocols import (
    Criterion,
    default_protocols,
    dump_protocol_toml,
    load_protocol,
    load_protocol_text,
    protocol_from_dict,
    protocol_to_dict,
)
from casemgr.resources import resource_path

MINIMAL = """
key = "test"
name = "Test protocol"
region = "hamstring"

[[phases]]
key = "one"
name = "One"

[[phases.criteria]]
key = "pain"
label = "Pain <= 2 for 48 h"
measure = "pain"
aggregation = "all_in_window"
comparator = "<="
threshold = 2
window_days = 2

[[phases]]
key = "two"
name = "Two"

[[phases.criteria]]
key = "nordic"
label = "Nordic LSI >= 80%"
measure = "nordic_force"
comparator = ">="
threshold = 80
reference = "lsi"

[[phases]]
key = "surveillance"
name = "Surveillance"
"""


def minimal() -> dict[str, Any]:
    return protocol_to_dict(load_protocol_text(MINIMAL, "test.toml"))


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(ProtocolError) as err:
        protocol_from_dict(data, origin="hamstring.toml")
    return str(err.value)


@pytest.fixture(scope="module")
def defaults():
    return {p.key: p for p in default_protocols()}


# --- the shipped protocols ----------------------------------------------------------------


def test_both_default_protocols_load_with_seven_phases(defaults) -> None:
    assert set(defaults) == {"hamstring", "calf"}
    for protocol in defaults.values():
        assert len(protocol.phases) == 7
        assert [p.ordinal for p in protocol.phases] == [1, 2, 3, 4, 5, 6, 7]
        assert protocol.phases[-1].key == "surveillance"
        assert protocol.phases[-1].criteria == ()
        assert all(p.criteria for p in protocol.phases[:-1])
        assert protocol.pain_limit == 2
        assert all(c.source for p in protocol.phases for c in p.criteria)


def test_hamstring_phases_follow_the_domain(defaults) -> None:
    ham = defaults["hamstring"]
    assert [p.name for p in ham.phases] == [
        "Protection & controlled loading",
        "Controlled sprint mechanics",
        "Strength-speed integration",
        "High-speed & reactive",
        "Return to full sprinting",
        "Sport-specific return",
        "Surveillance",
    ]
    assert ham.phases[0].max_velocity_pct == 0  # no running
    assert ham.phases[1].max_velocity_pct == 70
    assert "grass" in ham.phases[1].surfaces
    p1 = {c.key: c for c in ham.phases[0].criteria}
    assert p1["iso_lsi_70"].convention and p1["iso_lsi_70"].threshold == 70
    assert {c.check for c in p1.values() if c.kind == "check"} == {
        "pain_free_single_leg_squat",
        "pain_free_bike_5min",
    }
    ake = ham.phase("sprint_mechanics").criteria[2]
    assert ake.kind == "any"
    assert [a.reference for a in ake.alternatives] == ["lsi", "within_of_uninjured"]
    p5 = {c.key: c for c in ham.phase("full_sprint").criteria}
    assert p5["velocity_95_2days"].aggregation == "days_meeting"
    assert p5["velocity_95_2days"].min_days == 2 and p5["velocity_95_2days"].window_days == 14
    assert p5["split_30m"].comparator == "<=" and p5["split_30m"].threshold == 103
    assert p5["weekly_hsr_80"].aggregation == "weekly_sum"
    assert p5["pain_free_48h"].threshold == 0
    kinds = [c.kind for c in ham.phase("sport_specific").criteria]
    assert kinds == ["sessions", "decision"]


def test_calf_protocol_carries_green_2022_criteria_and_running_rules(defaults) -> None:
    calf = defaults["calf"]
    p5 = {c.key: c for c in calf.phase("full_sprint").criteria}
    assert p5["calf_raise_reps_30"].threshold == 30
    assert p5["calf_raise_asymmetry_10"].reference == "asymmetry"
    assert p5["calf_raise_asymmetry_10"].convention
    assert calf.phase("strength_speed").criteria[0].measure == "soleus_strength"
    guidance = " ".join(calf.phase("return_to_run").guidance)
    for rule in ("consecutive days", "volume and intensity", "before strength", "surface"):
        assert rule in guidance
    # the running-start gate is required to leave phase 2 (Green et al. 2022)
    gates = [c for c in calf.phase("return_to_run").criteria if c.key.startswith("run_gate")]
    assert {c.threshold for c in gates} == {25, 10}
    assert all(c.required for c in gates)
    # loaded strength: the injured muscle's own test, both while the muscle is not known
    strength = {c.key: c for c in calf.phase("strength_speed").criteria}
    assert strength["soleus_lsi_90"].required and strength["gastrocnemius_lsi_90"].required
    assert strength["soleus_lsi_90"].applies_to("soleus")
    assert not strength["soleus_lsi_90"].applies_to("medial_gastrocnemius")
    assert strength["gastrocnemius_lsi_90"].applies_to("medial_gastrocnemius")
    assert strength["gastrocnemius_lsi_90"].applies_to("unspecified")


def test_protocol_navigation(defaults) -> None:
    ham = defaults["hamstring"]
    assert ham.next_phase("protection").key == "sprint_mechanics"
    assert ham.previous_phase("protection") is None
    assert ham.next_phase("surveillance") is None
    with pytest.raises(KeyError):
        ham.phase("nope")


# --- round trips --------------------------------------------------------------------------


def test_dict_round_trip_through_json(defaults) -> None:
    for protocol in defaults.values():
        stored = json.loads(json.dumps(protocol_to_dict(protocol)))
        assert protocol_from_dict(stored, origin="db") == protocol


def test_toml_dump_round_trip(defaults) -> None:
    for protocol in defaults.values():
        text = dump_protocol_toml(protocol)
        assert load_protocol_text(text, "export.toml") == protocol


def test_toml_dump_escapes_awkward_text() -> None:
    data = minimal()
    data["name"] = 'O\'Brien "fast" \\ protocol\nline two\ttab'
    data["phases"][0]["guidance"] = ["ünïcode ≥ 90%", 'quote " inside']
    protocol = protocol_from_dict(data)
    assert load_protocol_text(dump_protocol_toml(protocol), "x.toml") == protocol


def test_copied_and_edited_protocol_keeps_its_edits() -> None:
    data = minimal()
    data["key"] = "clinic_copy"
    data["version"] = 2
    data["phases"][1]["criteria"][0]["threshold"] = 85
    protocol = protocol_from_dict(data)
    assert protocol.key == "clinic_copy" and protocol.version == 2
    assert protocol.phases[1].criteria[0].threshold == 85
    assert protocol_to_dict(protocol)["phases"][1]["criteria"][0]["threshold"] == 85


def test_defaults_apply_to_omitted_fields() -> None:
    p = load_protocol_text(MINIMAL, "test.toml")
    nordic = p.phases[1].criteria[0]
    assert nordic == Criterion(
        key="nordic",
        label="Nordic LSI >= 80%",
        kind="measure",
        measure="nordic_force",
        aggregation="latest",
        comparator=">=",
        threshold=80.0,
        reference="lsi",
    )
    assert p.pain_limit == 2 and p.version == 1


# --- bad files ----------------------------------------------------------------------------


def test_toml_syntax_error_names_file_and_line(tmp_path) -> None:
    path = tmp_path / "hamstring.toml"
    path.write_text('key = "x"\nname = "y"\nregion = \n', encoding="utf-8")
    with pytest.raises(ProtocolError) as err:
        load_protocol(path)
    assert str(err.value).startswith("hamstring.toml: ")
    assert "line 3" in str(err.value)


def test_unknown_measure_in_a_file_names_file_field_and_suggestion(tmp_path) -> None:
    path = tmp_path / "hamstring.toml"
    path.write_text(MINIMAL.replace('"nordic_force"', '"nordik_force"'), encoding="utf-8")
    with pytest.raises(ProtocolError) as err:
        load_protocol(path)
    assert str(err.value) == (
        "hamstring.toml: phases[1].criteria[0].measure: unknown measure 'nordik_force' "
        "(did you mean 'nordic_force'?)"
    )
    assert err.value.path == "phases[1].criteria[0].measure"
    assert isinstance(err.value, ClinicalDataError)


def test_missing_file_is_a_protocol_error(tmp_path) -> None:
    with pytest.raises(ProtocolError, match="nothere.toml: cannot read"):
        load_protocol(tmp_path / "nothere.toml")


def _edit(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = minimal()
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()
C0 = ("phases", 0, "criteria", 0)
C1 = ("phases", 1, "criteria", 0)

BAD_CASES = [
    (C0 + ("comparator",), "=>", "phases[0].criteria[0].comparator: unknown comparator '=>'"),
    (C0 + ("aggregation",), "avg", "phases[0].criteria[0].aggregation: unknown aggregation 'avg'"),
    (
        C1 + ("reference",),
        "baseline",
        "phases[1].criteria[0].reference: unknown reference 'baseline' "
        "(did you mean 'baseline_pct'?)",
    ),
    (C0 + ("threshold",), _DELETE, "phases[0].criteria[0].threshold: missing"),
    (C0 + ("threshold",), "two", "phases[0].criteria[0].threshold: expected a number"),
    (
        C0 + ("window_days",),
        _DELETE,
        "phases[0].criteria[0].window_days: required by aggregation 'all_in_window'",
    ),
    (C0 + ("kind",), "vibe", "phases[0].criteria[0].kind: unknown criterion kind 'vibe'"),
    (("phases",), [], "phases: a protocol needs at least one phase"),
    (
        ("phases", 0, "criteria"),
        [],
        "phases[0].criteria: no exit criteria (only the last phase, e.g. surveillance, "
        "may have none)",
    ),
    (("phases", 1, "key"), "one", "phases[1].key: duplicate phase key 'one' (also phases[0])"),
    (("phases", 0, "name"), _DELETE, "phases[0].name: missing"),
    (("name",), _DELETE, "name: missing"),
    (("pain_limit",), 12, "pain_limit: must be at most 10"),
    (("phases", 0, "max_velocity_pct"), 140, "phases[0].max_velocity_pct: must be at most 100"),
    (("phases", 0, "ordinal"), 3, "phases[0].ordinal: is 3 but the phase is number 1"),
    (("phases", 0, "goals"), "run", "phases[0].goals: expected a list of texts"),
    (("phases", 0, "colour"), "red", "phases[0].colour: unknown field"),
    (
        C0 + ("treshold",),
        2,
        "phases[0].criteria[0].treshold: unknown field (did you mean 'threshold'?)",
    ),
    (C0 + ("check",), "squat", "phases[0].criteria[0].check: is not used by a 'measure' criterion"),
    (
        C0 + ("reference",),
        "lsi",
        "phases[0].criteria[0].reference: 'lsi' compares limbs but 'pain' is not measured per limb",
    ),
    (
        C1 + ("fallback_reference",),
        "absolute",
        "phases[1].criteria[0].fallback_reference: only used when reference is 'baseline_pct'",
    ),
    (C0 + ("key",), "bad key!", "phases[0].criteria[0].key: 'bad key!' is not a valid key"),
]


@pytest.mark.parametrize(("path", "value", "expected"), BAD_CASES)
def test_bad_protocol_gives_file_and_field(path, value, expected) -> None:
    message = error_of(_edit(path, value))
    assert message.startswith("hamstring.toml: " + expected), message


def test_duplicate_criterion_keys_are_refused() -> None:
    data = minimal()
    data["phases"][0]["criteria"].append(copy.deepcopy(data["phases"][0]["criteria"][0]))
    assert error_of(data) == (
        "hamstring.toml: phases[0].criteria[1].key: duplicate criterion key 'pain' "
        "(also phases[0].criteria[0])"
    )


def test_days_meeting_needs_min_days_and_window() -> None:
    data = minimal()
    c = data["phases"][0]["criteria"][0]
    c.update(measure="max_velocity", aggregation="days_meeting", comparator=">=", threshold=9)
    assert error_of(data).endswith(
        "phases[0].criteria[0].min_days: required by aggregation 'days_meeting'"
    )
    c["min_days"] = 0
    assert error_of(data).endswith("phases[0].criteria[0].min_days: must be 1 or more")


def test_limb_references_need_latest_or_best() -> None:
    data = minimal()
    data["phases"][1]["criteria"][0].update(aggregation="all_in_window", window_days=7)
    assert "'lsi' works with aggregation 'latest' or 'best_in_window'" in error_of(data)


def test_weekly_sum_compares_with_absolute_or_baseline_only() -> None:
    data = minimal()
    data["phases"][0]["criteria"][0].update(
        measure="hsr_distance", aggregation="weekly_sum", reference="pre_injury_best_pct"
    )
    assert "phases[0].criteria[0].reference" in error_of(data)


def test_decision_and_alternatives_are_checked() -> None:
    data = minimal()
    data["phases"][1]["criteria"] = [
        {"key": "doc", "label": "Doctor", "kind": "decision", "expected": ["fine"]}
    ]
    assert "phases[1].criteria[0].expected[0]: unknown decision 'fine'" in error_of(data)
    data["phases"][1]["criteria"] = [
        {
            "key": "ake",
            "label": "AKE",
            "kind": "any",
            "alternatives": [
                {
                    "key": "a",
                    "label": "A",
                    "measure": "ake",
                    "comparator": ">=",
                    "threshold": 90,
                    "reference": "lsi",
                }
            ],
        }
    ]
    assert "phases[1].criteria[0].alternatives: an 'any' criterion needs at least two" in (
        error_of(data)
    )
    data["phases"][1]["criteria"][0]["alternatives"].append(
        {"key": "b", "label": "B", "measure": "ake", "comparator": ">=", "reference": "lsi"}
    )
    assert error_of(data).endswith("phases[1].criteria[0].alternatives[1].threshold: missing")


def test_check_criterion_needs_a_check_name() -> None:
    data = minimal()
    data["phases"][1]["criteria"] = [{"key": "squat", "label": "Squat", "kind": "check"}]
    assert error_of(data).endswith("phases[1].criteria[0].check: missing")


def test_default_protocol_files_are_bundled_resources() -> None:
    for name in ("hamstring.toml", "calf.toml"):
        assert resource_path("protocols", name).is_file()


def test_a_muscle_list_must_name_muscles_of_the_region() -> None:
    data = json.loads(
        json.dumps(protocol_to_dict(load_protocol(resource_path("protocols") / "calf.toml")))
    )
    data["phases"][2]["criteria"][0]["muscles"] = ["biceps_femoris_long_head"]
    with pytest.raises(ProtocolError, match="not a muscle of the calf region"):
        protocol_from_dict(data, origin="calf.toml")
    data["phases"][2]["criteria"][0]["muscles"] = []
    with pytest.raises(ProtocolError, match="name at least one muscle"):
        protocol_from_dict(data, origin="calf.toml")


def test_signal_thresholds_are_protocol_data_with_sources() -> None:
    data = json.loads(
        json.dumps(protocol_to_dict(load_protocol(resource_path("protocols") / "hamstring.toml")))
    )
    data["signals"]["spike_ratio"] = {"value": 1.3, "source": "Our clinic, 2026 audit"}
    assert protocol_from_dict(data, origin="h").threshold("spike_ratio") == 1.3
    data["signals"]["spike_ratio"] = {"value": 1.3, "source": ""}
    with pytest.raises(ProtocolError, match="signals.spike_ratio.source"):
        protocol_from_dict(data, origin="h")
    data["signals"]["spike_ratio"] = {"value": 1.3, "source": "x"}
    data["signals"]["persistent_days"] = {"value": 2.5, "source": "x"}
    with pytest.raises(ProtocolError, match="whole number"):
        protocol_from_dict(data, origin="h")
    del data["signals"]["persistent_days"]
    data["signals"]["spike_ratoi"] = {"value": 1.3, "source": "x"}
    with pytest.raises(ProtocolError, match="did you mean 'spike_ratio'"):
        protocol_from_dict(data, origin="h")


def test_versions_stored_before_sources_were_literature_read_as_literature() -> None:
    data = json.loads(
        json.dumps(protocol_to_dict(load_protocol(resource_path("protocols") / "hamstring.toml")))
    )
    criteria = data["phases"][0]["criteria"]
    criteria[0]["source"] = "DOMAIN.md section 3 (pain-free protocol; Hickey et al. 2020)"
    criteria[3]["source"] = "Clinical convention (DOMAIN.md section 3)"
    criteria[1]["source"] = "DOMAIN.md section 3"
    data["phases"][0]["guidance"] = [
        "Flag a decline beyond 2 x typical error (DOMAIN.md section 6)."
    ]
    phase = protocol_from_dict(data, origin="stored v1").phases[0]
    sources = [c.source for c in phase.criteria]
    assert sources[0] == "pain-free protocol; Hickey et al. 2020"
    assert sources[3] == "Clinical convention"
    assert sources[1].startswith("Protocol sources: After the Aspetar")
    assert phase.guidance == ("Flag a decline beyond 2 x typical error.",)
    assert "DOMAIN" not in json.dumps(protocol_to_dict(protocol_from_dict(data, origin="v1")))
