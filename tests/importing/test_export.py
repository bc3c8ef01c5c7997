"""Exports: complete JSON (every table classified), spreadsheet-safe CSV, round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from casemgr.cli import main
from casemgr.db.base import Base, utcnow
from casemgr.db.models import AuditEvent, User
from casemgr.services.dto import MeasureValue
from casemgr.services.exports import (
    EXPORTED_TABLES,
    NOT_EXPORTED,
    export_athlete,
    export_case,
    import_export,
)
from casemgr.services.timeline import add_note, amend_entry, record_measures
from tests.conftest import TEST_PASSWORD


def test_every_table_is_exported_or_excluded_with_a_reason():
    tables = set(Base.metadata.tables)
    assert tables == set(EXPORTED_TABLES) | set(NOT_EXPORTED), (
        "a table is neither exported nor excluded: "
        + ", ".join(sorted(tables ^ (set(EXPORTED_TABLES) | set(NOT_EXPORTED))))
    )
    assert not set(EXPORTED_TABLES) & set(NOT_EXPORTED)
    for name, table in Base.metadata.tables.items():
        if {"athlete_id", "case_id"} & set(table.columns.keys()):
            assert name in EXPORTED_TABLES, f"{name} holds athlete data but is not exported"


@pytest.fixture
def rich_case(samples, data_dir):
    """Sam's case with a formula-like note, an amendment and measures."""
    from casemgr.services.imports import import_file

    physio = samples.actors["physio"]
    with samples.session() as s:
        note = add_note(
            s,
            physio,
            samples.clinic.case_id,
            '=HYPERLINK("http://evil")\n-2 deg AKE deficit, O\'Brien <Jr> & Co said',
            title="@risk",
        )
        record_measures(
            s,
            physio,
            samples.clinic.case_id,
            [MeasureValue("ake", 62, limb="right"), MeasureValue("ake", 75, limb="left")],
            measured_at=utcnow() - timedelta(days=1),
        )
    with samples.session() as s:
        amend_entry(s, physio, note.id, note.version, "typo", body="Corrected: José Núñez, 李娜")
    with samples.session() as s:
        import_file(s, samples.actors["coach"], data_dir / "nordic_hamstring.csv", "nordic")
    return samples


def test_csv_is_spreadsheet_safe(rich_case, tmp_path):
    out = tmp_path / "case.csv"
    with rich_case.session() as s:
        result = export_case(s, rich_case.actors["doctor"], rich_case.clinic.case_id, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert result.rows == len(rows)
    texts = {r["text"] for r in rows if r["record"] == "entry"}
    assert "'=HYPERLINK(\"http://evil\")\n-2 deg AKE deficit, O'Brien <Jr> & Co said" in texts
    assert "Corrected: José Núñez, 李娜" in texts
    assert "'@risk" in {r["title"] for r in rows}
    ake = [r for r in rows if r["measure"] == "ake"]
    assert {r["value"] for r in ake} == {"62", "75"} and {r["unit"] for r in ake} == {"deg"}
    nordic = [r for r in rows if r["measure"] == "nordic_force"]
    assert len(nordic) == 16 and {r["source"] for r in nordic} == {"import:nordic"}
    # no cell starts with a formula character
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")) or value.startswith("'")
    with rich_case.session() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "export.case" and event.athlete_id == rich_case.sam


def test_json_round_trips_into_an_empty_database(rich_case, tmp_path, monkeypatch, capsys):
    out = tmp_path / "case.json"
    with rich_case.session() as s:
        export_case(s, rich_case.actors["doctor"], rich_case.clinic.case_id, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["tables"]) == set(EXPORTED_TABLES)
    assert all("password_hash" not in u for u in data["tables"]["users"])
    assert data["tables"]["athletes"][0]["full_name"] == "Sam Carter"

    # a new, empty clinic with only its first admin
    target = tmp_path / "other.sqlite3"
    monkeypatch.setenv("CASEMGR_PASSWORD", "new admin pw")
    assert main(["--db", str(target), "init", "--admin", "boss"]) == 0
    monkeypatch.setenv("CASEMGR_USER", "boss")
    assert main(["--db", str(target), "import", str(out)]) == 0
    assert "Imported case.json" in capsys.readouterr().out
    # importing it twice is refused
    assert main(["--db", str(target), "import", str(out)]) == 1
    assert "already in this database" in capsys.readouterr().err

    from casemgr.db.models import Athlete, InjuryCase
    from casemgr.db.open import open_database
    from casemgr.services.exports import gather
    from casemgr.verify import verify_open

    db = open_database(str(target))
    try:
        with db.session() as s:
            [athlete_id] = s.scalars(select(Athlete.id)).all()
            [case_id] = s.scalars(select(InjuryCase.id)).all()
            physio = s.scalar(select(User).where(User.username == "physio"))
            assert physio is not None and not physio.active  # no password came along
            copy = gather(s, athlete_id, [case_id])
        assert verify_open(db).ok
    finally:
        db.dispose()
    _assert_same(data["tables"], copy)
    assert len(copy["timeline_entries"]) == len(data["tables"]["timeline_entries"]) >= 3


def _strip(table: str, rows: list[dict]) -> list:
    table_obj = Base.metadata.tables[table]
    keys = {c.name for c in table_obj.columns if c.primary_key or c.foreign_keys} | {"version"}
    if table == "protocols":
        keys.add("created_at")  # the same protocol version, installed there on its own day
    return sorted(
        json.dumps({k: v for k, v in r.items() if k not in keys}, sort_keys=True) for r in rows
    )


def _assert_same(original: dict, copy: dict) -> None:
    for table in (
        "athletes",
        "cases",
        "timeline_entries",
        "measures",
        "weekly_targets",
        "planned_sessions",
        "rtp_decisions",
        "protocols",
        "protocol_phases",
        "phase_criteria",
    ):
        assert _strip(table, copy[table]) == _strip(table, original[table]), table


def test_athlete_export_needs_a_clinical_role_and_finds_by_external_id(rich_case, tmp_path):
    from casemgr.errors import NotFoundError, PermissionDenied

    with rich_case.session() as s:
        result = export_athlete(s, rich_case.actors["coach"], "ATH-0001", tmp_path / "sam.json")
    assert result.case_ids == (rich_case.clinic.case_id,)
    with pytest.raises(PermissionDenied), rich_case.session() as s:
        export_athlete(s, rich_case.actors["admin"], "ATH-0001", tmp_path / "x.json")
    with pytest.raises(NotFoundError), rich_case.session() as s:
        export_athlete(s, rich_case.actors["coach"], "ATH-9999", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


def test_cli_export(rich_case, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "doctor")
    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
    url = rich_case.database.url
    out = tmp_path / "c.csv"
    assert main(["--db", url, "export", str(rich_case.clinic.case_id), "-o", str(out)]) == 0
    assert "Wrote" in capsys.readouterr().out and out.exists()
    assert main(["--db", url, "export", str(rich_case.clinic.case_id), "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    out2 = tmp_path / "lea.json"
    assert main(["--db", url, "export", "--athlete", "ATH-0002", "-o", str(out2)]) == 0
    assert json.loads(out2.read_text())["scope"] == "athlete"
    assert main(["--db", url, "export", "999", "-o", str(tmp_path / "n.json")]) == 1
    assert "Case 999 does not exist" in capsys.readouterr().err


def test_import_export_rejects_other_files(clinic, tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    from casemgr.errors import ValidationError

    with pytest.raises(ValidationError, match="not a casemgr JSON export"), clinic.session() as s:
        import_export(s, clinic.actors["admin"], bad)
