"""A corrupt or foreign file is never used silently, and nothing is overwritten.

SQLite keeps no checksums, so a flipped byte inside a stored value cannot be seen by any
check; damage to the file's structure (page headers, b-tree pointers), truncation, an
empty file and a file of another kind are refused with a plain message.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from casemgr.cli import main
from casemgr.db.open import open_database
from casemgr.errors import DatabaseError

PAGE = 4096


@pytest.fixture
def clinic_file(clinic, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("damages a SQLite file")
    from casemgr.services import timeline

    with clinic.session() as s:
        for i in range(60):
            timeline.add_note(s, clinic.actors["physio"], clinic.case_id, f"note {i} " * 40)
    clinic.database.dispose()
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _damage_page_headers(path: str) -> bytes:
    data = bytearray(Path(path).read_bytes())
    for page in range(2, len(data) // PAGE):
        data[page * PAGE] ^= 0xFF  # the b-tree page type byte
        data[page * PAGE + 5] ^= 0xFF  # cell content offset
    Path(path).write_bytes(data)
    return bytes(data)


def test_damaged_structure_is_refused_by_the_app_and_the_cli(clinic_file, capsys):
    damaged = _damage_page_headers(clinic_file)
    with pytest.raises(DatabaseError, match="damaged|malformed|cannot be used"):
        database = open_database(clinic_file)
        from casemgr.verify import verify_open

        try:
            report = verify_open(database)
            assert not report.ok
            raise DatabaseError("damaged: " + report.problem)
        finally:
            database.dispose()
    assert main(["--db", clinic_file, "verify"]) == 1
    err = capsys.readouterr().err
    assert "casemgr:" in err and "Traceback" not in err
    assert Path(clinic_file).read_bytes() == damaged  # nothing was written


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_truncated_file_is_refused_untouched(clinic_file, keep, capsys):
    data = Path(clinic_file).read_bytes()
    cut = data[: int(len(data) * keep)]
    Path(clinic_file).write_bytes(cut)
    assert main(["--db", clinic_file, "verify"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert Path(clinic_file).read_bytes() == cut
