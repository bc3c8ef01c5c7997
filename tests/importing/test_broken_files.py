"""The corpus of broken files: each gives the expected row (or file) error and writes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from casemgr.db.models import AuditEvent, ImportBatch, Measure, TimelineEntry
from casemgr.importing.pipeline import ImportRejected
from casemgr.importing.reader import FileFormatError
from casemgr.services.imports import import_file, preview_import

ROW_ERRORS = [
    ("broken_invalid_date.csv", 3, "30/02/2026 is not a real date"),
    ("broken_date_format.csv", 3, "'2026-09-07' is not a date in the format dd/mm/yyyy"),
    ("broken_unmatched_quote.csv", 3, 'unmatched quote: a field opened with " is never closed'),
    ("broken_ambiguous_thousands.csv", 3, "Total Distance (m): '5,713' is ambiguous"),
    ("broken_out_of_range.csv", 3, "Max velocity 80.2778 m/s is outside the plausible range 0–13"),
    ("broken_not_a_number.csv", 3, "Max Velocity (km/h): 'fast' is not a number"),
    ("broken_future_date.csv", 3, "2099-09-07 is in the future"),
    ("broken_before_birth.csv", 3, "1998-09-07 is before Sam Carter's date of birth (1999-04-02)"),
    ("broken_unknown_athlete.csv", 3, "unknown athlete 'Jane Doe' (ATH-0099)"),
    ("broken_id_name_mismatch.csv", 3, "ATH-0001 is Sam Carter in casemgr, but the file says"),
    ("broken_ragged_row.csv", 3, "the row has 6 fields but the header has 10"),
    ("broken_extra_fields.csv", 3, "the row has 11 fields but the header has 10"),
    ("broken_conflicting_duplicate.csv", 3, "is 5.42 m/s here but 5.14 m/s on line 2"),
    (
        "broken_mojibake.csv",
        3,
        "ATH-0003 is Tomás Ruiz in casemgr, but the file says 'TomÃ¡s Ruiz'",
    ),
]


def _counts(s):
    return tuple(
        s.scalar(select(func.count()).select_from(m))
        for m in (Measure, TimelineEntry, AuditEvent, ImportBatch)
    )


@pytest.mark.parametrize(("name", "line", "reason"), ROW_ERRORS, ids=[r[0] for r in ROW_ERRORS])
def test_broken_row_is_reported_and_nothing_is_written(samples, data_dir, name, line, reason):
    coach = samples.actors["coach"]
    with samples.session() as s:
        before = _counts(s)
    with pytest.raises(ImportRejected) as err, samples.session() as s:
        import_file(s, coach, data_dir / name, "gps")
    rejected = err.value.report.rejected
    assert [r.line for r in rejected][0] == line
    assert reason in rejected[0].reason
    assert err.value.report.rows_accepted >= 1  # the good row was fine, and still not written
    with samples.session() as s:
        assert _counts(s) == before


def test_mojibake_is_reported_as_garbled_text(samples, data_dir):
    with samples.session() as s:
        report = preview_import(s, samples.actors["coach"], data_dir / "broken_mojibake.csv", "gps")
    assert any("garbled" in w and "TomÃ¡s" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("name", "encoding", "message"),
    [
        ("broken_binary.csv", None, "not a text (CSV) file"),
        ("broken_no_header.csv", None, "No header line with the preset's columns"),
        ("cp1252_gps.csv", "utf-8", "not valid UTF-8 text"),
        ("gps_sessions.csv", "cp1252", "This file is UTF-8, not Windows-1252"),
        ("daily_wellness_eu.csv", "cp1252", "byte-order mark"),
    ],
)
def test_unreadable_files_are_refused_whole(samples, data_dir, name, encoding, message):
    with samples.session() as s:
        before = _counts(s)
    with pytest.raises(FileFormatError, match=re.escape(message)), samples.session() as s:
        import_file(s, samples.actors["coach"], data_dir / name, "gps", encoding=encoding)
    with samples.session() as s:
        assert _counts(s) == before


def test_windows_1252_file_is_detected_and_said_so(samples, data_dir):
    with samples.session() as s:
        report = import_file(s, samples.actors["coach"], data_dir / "cp1252_gps.csv", "gps")
    assert report.encoding.startswith("Windows-1252") and not report.rejected
    assert report.measures_new == 10  # Sam and Tomás (accent intact) both matched


def test_wrong_preset_names_the_missing_columns(samples, data_dir):
    with pytest.raises(FileFormatError, match="'L Max Force \\(N\\)'"), samples.session() as s:
        preview_import(s, samples.actors["coach"], data_dir / "gps_sessions.csv", "nordic")


def test_unknown_preset_lists_the_presets(samples, data_dir):
    from casemgr.errors import NotFoundError

    path = data_dir / "gps_sessions.csv"
    with (
        pytest.raises(NotFoundError, match="gps, nordic, timing-gates, wellness-eu"),
        samples.session() as s,
    ):
        preview_import(s, samples.actors["coach"], path, "catapult")
