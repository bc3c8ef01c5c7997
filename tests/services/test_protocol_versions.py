"""Protocols as immutable versions: list, copy, edit, import/export, assign to a case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casemgr.cli import main
from casemgr.db.base import utcnow
from casemgr.db.models import AuditEvent, InjuryCase, TimelineEntry
from casemgr.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from casemgr.services import protocols, readiness, timeline
from casemgr.services.dto import MeasureValue
from tests.conftest import TEST_PASSWORD


def _ids(clinic) -> dict[str, int]:
    with clinic.session() as s:
        return {p.key: p.id for p in protocols.list_protocols(s, clinic.actors["coach"])}


def _copy(clinic, key="clinic_hamstring", name="Clinic hamstring"):
    with clinic.session() as s:
        return protocols.copy_protocol(
            s, clinic.actors["physio"], _ids(clinic)["hamstring"], key, name
        )


def _case_version(clinic) -> int:
    with clinic.session() as s:
        return s.get(InjuryCase, clinic.case_id).version


def test_the_default_protocols_are_listed_as_built_in_first_versions(clinic):
    with clinic.session() as s:
        rows = protocols.list_protocols(s, clinic.actors["scientist"])
    assert [(p.key, p.version, p.region, p.builtin, p.latest) for p in rows] == [
        ("calf", 1, "calf", True, True),
        ("hamstring", 1, "hamstring", True, True),
    ]
    assert len(rows[1].phase_names) == 7
    assert rows[1].phase_names[0] == "Protection & controlled loading"
    assert rows[1].phase_names[-1] == "Surveillance"
    assert rows[1].created_at.tzinfo is not None


def test_a_copy_is_version_1_of_a_new_clinic_protocol_with_the_same_content(clinic):
    copy = _copy(clinic)
    assert (copy.key, copy.version, copy.name, copy.builtin) == (
        "clinic_hamstring",
        1,
        "Clinic hamstring",
        False,
    )
    with clinic.session() as s:
        original = protocols.get_protocol_definition(
            s, clinic.actors["coach"], _ids(clinic)["hamstring"]
        )
        copied = protocols.get_protocol_definition(s, clinic.actors["coach"], copy.id)
    assert copied["phases"] == original["phases"]
    assert copied["source"] == original["source"]  # the evidence stays named
    with pytest.raises(ValidationError, match="exists already"), clinic.session() as s:
        protocols.copy_protocol(s, clinic.actors["physio"], copy.id, "hamstring", "Again")
    with pytest.raises(ValidationError, match="not a valid protocol key"), clinic.session() as s:
        protocols.copy_protocol(s, clinic.actors["physio"], copy.id, "my protocol", "Again")
    with pytest.raises(PermissionDenied, match="edit protocols"), clinic.session() as s:
        protocols.copy_protocol(s, clinic.actors["coach"], copy.id, "coach_copy", "Coach")


def test_built_in_protocols_are_not_edited_in_place(clinic):
    hamstring = _ids(clinic)["hamstring"]
    with clinic.session() as s:
        definition = protocols.get_protocol_definition(s, clinic.actors["physio"], hamstring)
    definition["phases"][1]["criteria"][0]["threshold"] = 60
    with (
        pytest.raises(ValidationError, match="built-in protocol .* copy it"),
        clinic.session() as s,
    ):
        protocols.save_protocol_version(s, clinic.actors["physio"], "hamstring", definition, 1)
    with pytest.raises(NotFoundError, match="no protocol 'nope'"), clinic.session() as s:
        protocols.save_protocol_version(s, clinic.actors["physio"], "nope", definition, 1)


def test_an_edit_is_a_new_version_and_a_stale_edit_is_refused(clinic):
    copy = _copy(clinic)
    with clinic.session() as s:
        definition = protocols.get_protocol_definition(s, clinic.actors["physio"], copy.id)
    definition["phases"][1]["criteria"][0]["threshold"] = 60
    definition["phases"][1]["criteria"][0]["label"] = "Max velocity ≥ 60% of baseline"
    with clinic.session() as s:
        v2 = protocols.save_protocol_version(
            s, clinic.actors["doctor"], "clinic_hamstring", definition, 1
        )
    assert (v2.key, v2.version, v2.latest) == ("clinic_hamstring", 2, True)
    with clinic.session() as s:
        v1_def = protocols.get_protocol_definition(s, clinic.actors["coach"], copy.id)
        v2_def = protocols.get_protocol_definition(s, clinic.actors["coach"], v2.id)
        listed = {
            (p.key, p.version): p.latest
            for p in protocols.list_protocols(s, clinic.actors["coach"])
        }
        events = s.scalars(
            select(AuditEvent.reason).where(AuditEvent.action == "protocol.edit")
        ).all()
    assert v1_def["phases"][1]["criteria"][0]["threshold"] == 70  # v1 never changes
    assert (v1_def["version"], v2_def["version"]) == (1, 2)
    assert v2_def["phases"][1]["criteria"][0]["threshold"] == 60
    assert listed[("clinic_hamstring", 1)] is False and listed[("clinic_hamstring", 2)] is True
    assert events == ["clinic_hamstring v2"]
    # a second editor who also started from v1 is refused; nothing is written
    definition["phases"][1]["criteria"][0]["threshold"] = 65
    with (
        pytest.raises(ConflictError, match="version 2.*started from version 1"),
        clinic.session() as s,
    ):
        protocols.save_protocol_version(
            s, clinic.actors["physio"], "clinic_hamstring", definition, 1
        )
    with clinic.session() as s:
        versions = [
            p.version
            for p in protocols.list_protocols(s, clinic.actors["coach"])
            if p.key == "clinic_hamstring"
        ]
    assert versions == [1, 2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["phases"][2]["criteria"][0].update(measure="max_velocty"),
            r"phases\[2\]\.criteria\[0\]\.measure: unknown measure 'max_velocty' "
            r"\(did you mean 'max_velocity'\?\)",
        ),
        (
            lambda d: d["phases"][0]["criteria"][0].update(comparator="=>"),
            r"phases\[0\]\.criteria\[0\]\.comparator: unknown comparator '=>'",
        ),
        (lambda d: d["phases"][3].update(criteria=[]), r"phases\[3\]\.criteria: no exit criteria"),
        (lambda d: d.update(region="calf"), "region: protocol 'clinic_hamstring' is for hamstring"),
    ],
)
def test_an_invalid_edit_names_the_field_and_writes_nothing(clinic, change, message):
    copy = _copy(clinic)
    with clinic.session() as s:
        definition = protocols.get_protocol_definition(s, clinic.actors["physio"], copy.id)
    change(definition)
    with pytest.raises(ValidationError, match=message), clinic.session() as s:
        protocols.save_protocol_version(
            s, clinic.actors["physio"], "clinic_hamstring", definition, 1
        )
    with clinic.session() as s:
        assert [
            p.version
            for p in protocols.list_protocols(s, clinic.actors["coach"])
            if p.key == "clinic_hamstring"
        ] == [1]


def test_export_and_import_round_trip_as_toml(clinic):
    copy = _copy(clinic)
    with clinic.session() as s:
        text = protocols.export_protocol_toml(s, clinic.actors["physio"], copy.id)
        exported = s.scalar(select(AuditEvent.reason).where(AuditEvent.action == "protocol.export"))
    assert 'key = "clinic_hamstring"' in text and exported == "clinic_hamstring v1"
    # importing the same key again is the next version of the clinic's protocol
    edited = text.replace('name = "Clinic hamstring"', 'name = "Clinic hamstring (2026)"')
    with clinic.session() as s:
        v2 = protocols.import_protocol_toml(s, clinic.actors["doctor"], edited, "clinic.toml")
    assert (v2.key, v2.version, v2.name) == ("clinic_hamstring", 2, "Clinic hamstring (2026)")
    with clinic.session() as s:
        assert (
            protocols.get_protocol_definition(s, clinic.actors["coach"], v2.id)["phases"]
            == (protocols.get_protocol_definition(s, clinic.actors["coach"], copy.id)["phases"])
        )
    # a new key is version 1 whatever the file says
    other = edited.replace('key = "clinic_hamstring"', 'key = "club_hamstring"').replace(
        "version = 1", "version = 7"
    )
    with clinic.session() as s:
        club = protocols.import_protocol_toml(s, clinic.actors["physio"], other, "club.toml")
    assert (club.key, club.version) == ("club_hamstring", 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'key = "hamstring"\nname = "x"\nregion = "hamstring"\n[[phases]]\nkey = "a"\nname = "A"\n',
            "hamstring.toml: key: 'hamstring' is a built-in protocol",
        ),
        ('key = "x"\nname = "x\n', r"hamstring.toml: .*line 2"),
        (
            'key = "x"\nname = "X"\nregion = "hamstring"\n',
            "hamstring.toml: phases: a protocol needs at least one phase",
        ),
    ],
)
def test_import_errors_name_the_file_and_the_line_or_field(clinic, text, message):
    with pytest.raises(ValidationError, match=message), clinic.session() as s:
        protocols.import_protocol_toml(s, clinic.actors["physio"], text, "hamstring.toml")


def _edited_copy_v2(clinic):
    copy = _copy(clinic)
    with clinic.session() as s:
        definition = protocols.get_protocol_definition(s, clinic.actors["physio"], copy.id)
    definition["phases"][1]["criteria"][0]["threshold"] = 60
    definition["phases"][1]["criteria"][0]["label"] = "Max velocity ≥ 60% of baseline"
    with clinic.session() as s:
        return protocols.save_protocol_version(
            s, clinic.actors["physio"], "clinic_hamstring", definition, 1
        )


def test_assigning_a_protocol_moves_the_case_and_keeps_the_history(clinic):
    v2 = _edited_copy_v2(clinic)
    now = utcnow()
    with clinic.session() as s:
        timeline.record_measures(
            s,
            clinic.actors["scientist"],
            clinic.case_id,
            [MeasureValue("max_velocity", 10.0)],
            measured_at=now - timedelta(days=20),
            is_baseline=True,
        )
        timeline.record_measures(
            s,
            clinic.actors["scientist"],
            clinic.case_id,
            [MeasureValue("max_velocity", 6.5)],
            measured_at=now - timedelta(days=1),
        )
    with clinic.session() as s:
        info = protocols.assign_protocol(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            _case_version(clinic),
            v2.id,
            "sprint_mechanics",
            "Clinic protocol for sprinters; phase 1 criteria met",
        )
    assert (info.protocol_key, info.protocol_version, info.phase.key, info.phase.ordinal) == (
        "clinic_hamstring",
        2,
        "sprint_mechanics",
        2,
    )
    assert info.status == "open"
    with clinic.session() as s:
        changes = s.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.kind == "phase_change")
            .order_by(TimelineEntry.id)
        ).all()
        audit_reason = s.scalar(
            select(AuditEvent.reason).where(AuditEvent.action == "case.assign_protocol")
        )
        result = readiness.evaluate_case(s, clinic.actors["coach"], clinic.case_id)
    assert changes[0].data["protocol"] == "hamstring v1"  # the opening entry keeps its version
    assert changes[1].data == {
        "from": "protection",
        "from_ordinal": 1,
        "to": "sprint_mechanics",
        "to_ordinal": 2,
        "direction": "protocol",
        "protocol": "clinic_hamstring v2",
        "from_protocol": "hamstring v1",
    }
    assert changes[1].body == "Clinic protocol for sprinters; phase 1 criteria met"
    assert audit_reason.startswith("clinic_hamstring v2, phase sprint_mechanics")
    # evaluated against the assigned version: 6.5 m/s >= 60% of 10.0 = 6.0 m/s (70% would fail)
    velocity = result.evaluation.results[0]
    assert velocity.label == "Max velocity ≥ 60% of baseline" and velocity.status == "pass"
    assert velocity.target == pytest.approx(6.0)


def test_assigning_the_last_phase_puts_the_case_in_surveillance(clinic):
    with clinic.session() as s:
        info = protocols.assign_protocol(
            s,
            clinic.actors["doctor"],
            clinic.case_id,
            _case_version(clinic),
            _ids(clinic)["hamstring"],
            "surveillance",
            "Transferred in after return to play",
        )
    assert (info.phase.ordinal, info.status) == (7, "surveillance")


def test_assignment_refusals(clinic):
    ids = _ids(clinic)
    version = _case_version(clinic)
    cases = [
        (
            ids["calf"],
            "protection",
            "Reason",
            ValidationError,
            "calf protocol; this is a hamstring case",
        ),
        (ids["hamstring"], "nope", "Reason", ValidationError, "has no phase 'nope'"),
        (ids["hamstring"], "protection", "Reason", ValidationError, "already follows"),
        (ids["hamstring"], "high_speed", "  ", ValidationError, "Say why"),
        (999, "protection", "Reason", NotFoundError, "Protocol 999 does not exist"),
    ]
    for protocol_id, phase, reason, error, message in cases:
        with pytest.raises(error, match=message), clinic.session() as s:
            protocols.assign_protocol(
                s, clinic.actors["physio"], clinic.case_id, version, protocol_id, phase, reason
            )
    with pytest.raises(ConflictError), clinic.session() as s:
        protocols.assign_protocol(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            version + 1,
            ids["hamstring"],
            "high_speed",
            "R",
        )
    with pytest.raises(PermissionDenied, match="advance or step back"), clinic.session() as s:
        protocols.assign_protocol(
            s, clinic.actors["coach"], clinic.case_id, version, ids["hamstring"], "high_speed", "R"
        )
    assert _case_version(clinic) == version


def test_cli_lists_exports_and_imports(clinic, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "physio")
    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
    db = ["--db", clinic.database.url]
    assert main([*db, "protocols", "list"]) == 0
    out = capsys.readouterr().out
    assert "hamstring" in out and "built-in" in out and "(7 phases)" in out
    hamstring = _ids(clinic)["hamstring"]
    target = tmp_path / "hamstring.toml"
    assert main([*db, "protocols", "export", str(hamstring), "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    (tmp_path / "club.toml").write_text(
        text.replace('key = "hamstring"', 'key = "club"', 1), encoding="utf-8"
    )
    assert main([*db, "protocols", "import", str(tmp_path / "club.toml")]) == 0
    assert "as club v1" in capsys.readouterr().out
    assert main([*db, "protocols", "import", str(target)]) == 1
    assert "built-in protocol" in capsys.readouterr().err
