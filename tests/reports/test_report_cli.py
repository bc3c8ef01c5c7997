"""``casemgr report``: files written whole, clear errors, exports audited."""

from __future__ import annotations

import io
import os

import pypdf
import pytest
from sqlalchemy import select

from casemgr.cli import main
from casemgr.db.models import AuditEvent
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def as_doctor(monkeypatch):
    monkeypatch.setenv("CASEMGR_USER", "doctor")
    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)


def _events(clinic, action):
    with clinic.session() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.mark.parametrize("kind", ["rtp", "review", "weekly"])
def test_each_kind_is_written_and_audited(clinic, db_url, tmp_path, as_doctor, capsys, kind):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / f"{kind}.pdf"
    assert (
        main(["--db", db_url, "report", str(clinic.case_id), "--kind", kind, "-o", str(out)]) == 0
    )
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert "Sam Carter" in reader.pages[0].extract_text()
    assert f"Wrote {out}" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left
    (event,) = _events(clinic, "report.export")
    assert (event.username, event.entity_id, event.reason) == ("doctor", str(clinic.case_id), kind)


def test_letter_paper_and_all_open_pack(clinic, db_url, tmp_path, as_doctor):
    out = tmp_path / "pack.pdf"
    argv = ["--db", db_url, "report", "--all-open", "--kind", "review", "-o", str(out)]
    assert main([*argv, "--paper", "letter"]) == 0
    reader = pypdf.PdfReader(str(out))
    assert len(reader.pages) == 1
    assert round(float(reader.pages[0].mediabox.width)) == 612


def test_unknown_case_fails_cleanly(clinic, db_url, tmp_path, as_doctor, capsys):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "x.pdf"
    assert main(["--db", db_url, "report", "999", "-o", str(out)]) == 1
    assert "Case 999 does not exist." in capsys.readouterr().err
    assert list(out.parent.iterdir()) == []
    assert _events(clinic, "report.export") == []


def test_unwritable_paths_fail_before_any_work(clinic, db_url, tmp_path, as_doctor, capsys):
    missing = tmp_path / "no" / "such" / "folder" / "x.pdf"
    assert main(["--db", db_url, "report", str(clinic.case_id), "-o", str(missing)]) == 1
    assert "the folder" in capsys.readouterr().err and not missing.exists()
    assert main(["--db", db_url, "report", str(clinic.case_id), "-o", str(tmp_path)]) == 1
    assert "it is a folder" in capsys.readouterr().err
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        assert (
            main(["--db", db_url, "report", str(clinic.case_id), "-o", str(locked / "x.pdf")]) == 1
        )
        assert "permission denied" in capsys.readouterr().err


def test_an_existing_file_is_replaced_whole(clinic, db_url, tmp_path, as_doctor):
    out = tmp_path / "rtp.pdf"
    out.write_bytes(b"old contents")
    assert main(["--db", db_url, "report", str(clinic.case_id), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_bad_combinations_and_roles(clinic, db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "admin")
    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
    out = tmp_path / "x.pdf"
    assert main(["--db", db_url, "report", str(clinic.case_id), "-o", str(out)]) == 1
    assert "does not allow you to produce reports" in capsys.readouterr().err
    assert main(["--db", db_url, "report", "--all-open", "-o", str(out)]) == 1
    assert "--kind review" in capsys.readouterr().err
    assert main(["--db", db_url, "report", "-o", str(out)]) == 1
    assert "Say which case" in capsys.readouterr().err
    assert not out.exists()


def test_footer_names_the_app_version(tmp_path, clinic, monkeypatch):
    from pypdf import PdfReader

    from casemgr import __version__
    from casemgr.cli import main

    if not clinic.database.url.startswith("sqlite"):
        return
    monkeypatch.setenv("CASEMGR_USER", "doctor")
    from tests.conftest import TEST_PASSWORD

    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
    out = tmp_path / "r.pdf"
    assert (
        main(
            [
                "--db",
                clinic.database.url,
                "report",
                str(clinic.case_id),
                "--kind",
                "weekly",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    text = PdfReader(str(out)).pages[0].extract_text()
    assert f"casemgr {__version__}" in text
