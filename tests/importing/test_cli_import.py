"""``casemgr import``: dry run, JSON, errors exit 1 with the row report and write nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from casemgr.cli import main
from casemgr.db.models import Measure
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def cli(samples, monkeypatch):
    monkeypatch.setenv("CASEMGR_USER", "coach")
    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
    url = samples.database.url

    def run(*args):
        return main(["--db", url, *args])

    return run


def _measures(samples):
    with samples.session() as s:
        return s.scalar(select(func.count()).select_from(Measure))


def test_dry_run_prints_the_preview_and_writes_nothing(cli, samples, data_dir, capsys):
    assert (
        cli("import", str(data_dir / "nordic_hamstring.csv"), "--preset", "nordic", "--dry-run")
        == 0
    )
    out = capsys.readouterr().out
    assert "24 rows read, 24 accepted, 0 rejected; 48 values to write" in out
    assert "Tomás Ruiz (ATH-0003)" in out and "Nordic force right: 8 new" in out
    assert "Dry run: nothing was written." in out
    assert _measures(samples) == 0


def test_import_then_reimport(cli, samples, data_dir, capsys):
    path = str(data_dir / "gps_sessions.csv")
    assert cli("import", path, "--preset", "gps") == 0
    assert "Imported: batch 1, 720 values written" in capsys.readouterr().out
    assert cli("import", path, "--preset", "gps", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["measures_new"] == 0 and report["measures_existing"] == 720
    assert report["written"] and report["ok"]
    assert _measures(samples) == 720


def test_rejected_rows_exit_1_with_the_row_report(cli, samples, data_dir, capsys):
    path = str(data_dir / "broken_unknown_athlete.csv")
    assert cli("import", path, "--preset", "gps") == 1
    captured = capsys.readouterr()
    assert "line 3: unknown athlete 'Jane Doe' (ATH-0099)" in captured.out
    assert "'Jane Doe' [ATH-0099]: 2 row(s), first on line 3" in captured.out
    assert "Nothing was written" in captured.err
    assert _measures(samples) == 0
    assert cli("import", path, "--preset", "gps", "--dry-run", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert [r["line"] for r in report["rejected"]] == [3, 4]
    assert cli("import", path, "--preset", "gps", "--skip-invalid") == 0
    assert _measures(samples) == 5


def test_file_errors_and_missing_preset(cli, data_dir, capsys, tmp_path):
    assert cli("import", str(data_dir / "broken_binary.csv"), "--preset", "gps") == 1
    assert "not a text (CSV) file" in capsys.readouterr().err
    assert cli("import", str(data_dir / "gps_sessions.csv")) == 1
    assert "--preset" in capsys.readouterr().err
    assert cli("import", str(tmp_path / "nope.csv"), "--preset", "gps") == 1
    assert "No file at" in capsys.readouterr().err
