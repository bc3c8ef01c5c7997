"""Importing the four sample files with their presets: values, units, limbs, dates, cases,
idempotency, audit, and the all-or-nothing rule."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from casemgr.db.models import AuditEvent, ImportBatch, Measure, TimelineEntry
from casemgr.errors import PermissionDenied
from casemgr.importing.pipeline import ImportRejected
from casemgr.services.imports import import_file, preview_import


def _measures(s, athlete_id, key, limb=""):
    return list(
        s.execute(
            select(Measure.measured_at, Measure.value, Measure.case_id, Measure.source)
            .where(Measure.athlete_id == athlete_id, Measure.key == key, Measure.limb == limb)
            .order_by(Measure.measured_at)
        )
    )


def _count(s, model):
    return s.scalar(select(func.count()).select_from(model))


def test_gps_sample_converts_km_h_and_reads_day_first_dates(samples, data_dir):
    coach = samples.actors["coach"]
    with samples.session() as s:
        report = import_file(s, coach, data_dir / "gps_sessions.csv", "gps")
    assert report.written and report.rows_read == 144 and not report.rejected
    assert report.measures_new == 144 * 5
    with samples.session() as s:
        vmax = _measures(s, samples.sam, "max_velocity")
        assert len(vmax) == 48
        first_when, first_value, case_id, source = vmax[0]
        # 07/09/2026 is the 7th of September (dd/mm/yyyy), kept at noon UTC
        assert first_when == datetime(2026, 9, 7, 12, 0, tzinfo=UTC)
        assert first_value == pytest.approx(18.5 / 3.6)  # 18.5 km/h in m/s
        assert source == "import:gps" and case_id is None  # before Sam's injury
        dist = _measures(s, samples.tomas, "total_distance")
        assert dist[0][1] == 6200
        # Lea's calf case started 2026-09-20: later values attach to it, earlier ones do not
        lea = _measures(s, samples.lea, "hsr_distance")
        assert {c for w, _v, c, _s in lea if w.date() >= datetime(2026, 9, 20).date()} == {
            samples.lea_case
        }
        assert {c for w, _v, c, _s in lea if w.date() < datetime(2026, 9, 20).date()} == {None}
        entries = s.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == samples.lea_case)
            .where(TimelineEntry.kind == "measure")
        ).all()
        assert entries and all(e.title == "Imported: GPS session summary" for e in entries)
        assert len(entries) == len({w.date() for w, _v, c, _s in lea if c})
        assert "gps_sessions.csv" in entries[0].body
        assert len(entries[0].data["values"]) == 5


def test_timing_gates_keep_the_best_trial_with_its_sprint_profile(samples, data_dir):
    from casemgr.clinical.sprint import fit_sprint_profile

    with samples.session() as s:
        report = import_file(
            s, samples.actors["scientist"], data_dir / "timing_gates.csv", "timing-gates"
        )
    assert report.rows_read == 48 and not report.rejected
    assert sum("not the day's best" in r.reason for r in report.skipped) == 24
    with samples.session() as s:
        split30 = _measures(s, samples.sam, "split_30m")
        assert len(split30) == 8
        # 2026-09-07: trials 4.96 s and 4.98 s at 30 m: trial 1 is kept
        assert split30[0][1] == pytest.approx(4.96)
        assert [round(v, 2) for _w, v, _c, _s in _measures(s, samples.sam, "split_5m")][0] == 1.44
        expected = fit_sprint_profile([5, 10, 20, 30], [1.44, 2.23, 3.63, 4.96], 78.0, 1.82)
        assert _measures(s, samples.sam, "max_velocity")[0][1] == pytest.approx(expected.mss)
        assert _measures(s, samples.sam, "f0_rel")[0][1] == pytest.approx(expected.f0_rel)
        assert _measures(s, samples.sam, "v0")[0][1] == pytest.approx(expected.v0)
        assert _measures(s, samples.sam, "pmax_rel")[0][1] == pytest.approx(expected.pmax_rel)
        # Sam's sprint climbs week by week
        velocities = [v for _w, v, _c, _s in _measures(s, samples.sam, "max_velocity")]
        assert velocities[-1] > velocities[0] + 1
        # Lea's tests after her injury are on her case timeline with both trials' splits
        entry = s.scalars(
            select(TimelineEntry).where(TimelineEntry.case_id == samples.lea_case)
        ).all()
        tg = [e for e in entry if e.title == "Imported: timing gates"]
        assert tg and len(tg[0].data["trials"]) == 2 and tg[0].data["best_trial"] in {"1", "2"}


def test_nordic_sample_keeps_left_and_right_with_utc_time(samples, data_dir):
    with samples.session() as s:
        import_file(s, samples.actors["physio"], data_dir / "nordic_hamstring.csv", "nordic")
    with samples.session() as s:
        left = _measures(s, samples.sam, "nordic_force", "left")
        right = _measures(s, samples.sam, "nordic_force", "right")
        assert len(left) == len(right) == 8
        assert left[0][0] == datetime(2026, 9, 9, 8, 10, tzinfo=UTC)
        assert (left[0][1], right[0][1]) == (398, 275)
        assert (left[-1][1], right[-1][1]) == (395, 371)
        assert _measures(s, samples.sam, "nordic_force") == []  # no limb-less values


def test_wellness_eu_sample_reads_bom_semicolons_decimal_commas_and_german_dates(samples, data_dir):
    with samples.session() as s:
        report = import_file(
            s, samples.actors["coach"], data_dir / "daily_wellness_eu.csv", "wellness-eu"
        )
    assert report.encoding.startswith("UTF-8") and "BOM" in report.encoding
    assert report.delimiter == ";" and report.rows_read == 28 and not report.rejected
    with samples.session() as s:
        sleep = _measures(s, samples.sam, "sleep_hours")
        assert [v for _w, v, _c, _s in sleep[:2]] == [8.6, 7.9]
        # 07.09.2026 at 08:00 in Berlin (CEST, UTC+2)
        assert sleep[0][0] == datetime(2026, 9, 7, 6, 0, tzinfo=UTC)
        assert sleep[0][3] == "import:wellness-eu"
        assert [v for _w, v, _c, _s in _measures(s, samples.sam, "srpe")][:2] == [2.0, 1.8]
        assert _measures(s, samples.sam, "pain")[0][1] == 4
        assert _measures(s, samples.sam, "duration")[0][1] == 40


def test_utf16_copy_of_the_wellness_file_gives_the_same_values(samples, data_dir):
    with samples.session() as s:
        report = preview_import(
            s, samples.actors["coach"], data_dir / "wellness_utf16.csv", "wellness-eu"
        )
    assert report.encoding.startswith("UTF-16") and report.measures_new == 28 * 6
    assert not report.rejected


def test_reimport_is_idempotent_and_audited_with_the_file_hash(samples, data_dir):
    coach = samples.actors["coach"]
    path = data_dir / "nordic_hamstring.csv"
    with samples.session() as s:
        first = import_file(s, coach, path, "nordic")
    with samples.session() as s:
        measures, entries = _count(s, Measure), _count(s, TimelineEntry)
    with samples.session() as s:
        again = import_file(s, coach, path, "nordic")
    assert first.measures_new == 48 and again.measures_new == 0
    assert again.measures_existing == 48
    with samples.session() as s:
        assert (_count(s, Measure), _count(s, TimelineEntry)) == (measures, entries)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        batches = s.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
        assert [b.file_sha256 for b in batches] == [sha, sha]
        assert [b.measures_written for b in batches] == [48, 0]
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "import.commit")).all()
        assert len(events) == 2 and sha in events[0].reason
        per_athlete = s.scalars(
            select(AuditEvent.athlete_id).where(AuditEvent.action == "import.measures")
        ).all()
        assert set(per_athlete) == {samples.sam, samples.lea, samples.tomas}


def test_overlapping_files_write_each_value_once(samples, data_dir, tmp_path):
    lines = (data_dir / "gps_sessions.csv").read_text(encoding="utf-8").splitlines()
    part1 = tmp_path / "part1.csv"
    part2 = tmp_path / "part2.csv"
    part1.write_text("\n".join(lines[:100]) + "\n", encoding="utf-8")
    part2.write_text("\n".join([lines[0], *lines[60:]]) + "\n", encoding="utf-8")
    coach = samples.actors["coach"]
    with samples.session() as s:
        import_file(s, coach, part1, "gps")
    with samples.session() as s:
        second = import_file(s, coach, part2, "gps")
    assert second.measures_existing == (100 - 60) * 5
    with samples.session() as s:
        assert _count(s, Measure) == 144 * 5


def test_a_file_with_rejected_rows_writes_nothing_unless_asked(samples, data_dir):
    coach = samples.actors["coach"]
    path = data_dir / "broken_invalid_date.csv"
    with samples.session() as s:
        before = _count(s, Measure), _count(s, AuditEvent), _count(s, ImportBatch)
    with pytest.raises(ImportRejected) as err, samples.session() as s:
        import_file(s, coach, path, "gps")
    assert "Nothing was written" in str(err.value)
    assert [(r.line, r.reason) for r in err.value.report.rejected] == [
        (3, "30/02/2026 is not a real date")
    ]
    with samples.session() as s:
        assert (_count(s, Measure), _count(s, AuditEvent), _count(s, ImportBatch)) == before
    with samples.session() as s:
        report = import_file(s, coach, path, "gps", allow_rejected=True)
    assert report.measures_new == 5 and report.batch_id is not None


def test_a_failure_while_writing_rolls_everything_back(samples, data_dir, monkeypatch):
    def explode(*_a, **_k):
        raise RuntimeError("disk full")

    with samples.session() as s:
        before = _count(s, Measure), _count(s, TimelineEntry), _count(s, AuditEvent)
    monkeypatch.setattr("casemgr.audit.record", explode)
    with pytest.raises(RuntimeError), samples.session() as s:
        import_file(s, samples.actors["coach"], data_dir / "gps_sessions.csv", "gps")
    monkeypatch.undo()
    with samples.session() as s:
        assert (_count(s, Measure), _count(s, TimelineEntry), _count(s, AuditEvent)) == before
        assert _count(s, ImportBatch) == 0


def test_changed_file_since_preview_is_refused(samples, data_dir):
    from casemgr.errors import ConflictError

    with pytest.raises(ConflictError, match="changed since the preview"), samples.session() as s:
        import_file(
            s,
            samples.actors["coach"],
            data_dir / "nordic_hamstring.csv",
            "nordic",
            expected_sha256="0" * 64,
        )


def test_admin_may_not_import_and_the_denial_is_audited(samples, data_dir):
    with pytest.raises(PermissionDenied), samples.session() as s:
        import_file(s, samples.actors["admin"], data_dir / "gps_sessions.csv", "gps")
    with samples.session() as s:
        assert _count(s, Measure) == 0
        denied = s.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
        assert denied and denied[-1].action == "import_data"


def test_unknown_athletes_are_listed_and_can_be_matched(samples, data_dir):
    coach = samples.actors["coach"]
    path = data_dir / "broken_unknown_athlete.csv"
    with samples.session() as s:
        report = preview_import(s, coach, path, "gps")
    [unknown] = report.unknown
    assert (unknown.name, unknown.external_id, unknown.lines) == ("Jane Doe", "ATH-0099", (3, 4))
    assert [r.line for r in report.rejected] == [3, 4]
    with samples.session() as s:
        report = import_file(s, coach, path, "gps", athlete_map={unknown.key: samples.tomas})
    assert not report.rejected and report.measures_new == 15
    with samples.session() as s:
        assert len(_measures(s, samples.tomas, "total_distance")) == 2


def test_generic_preset_reads_excel_serial_dates_units_and_limbs(samples, data_dir):
    with samples.session() as s:
        report = import_file(
            s, samples.actors["physio"], data_dir / "generic_excel_dates.csv", "generic"
        )
    assert not report.rejected and report.measures_new == 4
    with samples.session() as s:
        left = _measures(s, samples.sam, "nordic_force", "left")
        right = _measures(s, samples.sam, "nordic_force", "right")
        assert left[0][0] == datetime(2026, 9, 7, 12, 0, tzinfo=UTC) and left[0][1] == 398
        assert right[0][1] == pytest.approx(61.8 * 4.4482216152605)  # lbf -> N
        [(when, value, _c, _s)] = _measures(s, samples.sam, "ake", "right")
        assert when == datetime(2026, 9, 8, 8, 30, tzinfo=UTC) and value == 71
        assert _measures(s, samples.sam, "max_velocity")[0][1] == pytest.approx(31.5 / 3.6)


def test_messy_file_skips_metadata_blank_repeated_header_and_totals(samples, data_dir):
    with samples.session() as s:
        report = import_file(s, samples.actors["coach"], data_dir / "messy_gps.csv", "gps")
    assert report.header_line == 4 and not report.rejected
    assert report.rows_read == 3 and report.measures_new == 15
    reasons = {r.line: r.reason for r in report.skipped}
    assert reasons[9] == "repeated header line skipped"
    assert reasons[11] == reasons[12] == "summary row skipped"
    assert "above the header" in reasons[1]
    with samples.session() as s:
        assert len(_measures(s, samples.tomas, "max_velocity")) == 1  # "Tomás" matched


def test_names_match_exactly_ignoring_case_accents_and_unicode_form(clinic, tmp_path):
    import unicodedata

    from casemgr.services.athletes import AthleteInput, create_athlete

    names = ["O'Brien <Jr> & Co", "李娜", "José Núñez"]
    ids = {}
    with clinic.session() as s:
        for name in names:
            ids[name] = create_athlete(s, clinic.actors["physio"], AthleteInput(name)).id
    written = [
        '"o\'brien <jr> & co",2026-09-07,pain,3',
        "李娜,2026-09-07,pain,4",
        unicodedata.normalize("NFD", "JOSÉ NÚÑEZ") + ",2026-09-07,pain,5",
        "Jose Nunez,2026-09-08,pain,6",
    ]
    path = tmp_path / "names.csv"
    path.write_text("athlete,date,measure,value\n" + "\n".join(written) + "\n", encoding="utf-8")
    with clinic.session() as s:
        report = import_file(s, clinic.actors["coach"], path, "generic")
    assert not report.rejected and report.measures_new == 4
    with clinic.session() as s:
        assert [v for _w, v, _c, _s in _measures(s, ids["O'Brien <Jr> & Co"], "pain")] == [3]
        assert [v for _w, v, _c, _s in _measures(s, ids["李娜"], "pain")] == [4]
        assert [v for _w, v, _c, _s in _measures(s, ids["José Núñez"], "pain")] == [5, 6]
    assert {sm.athlete_name for sm in report.summaries} == set(names)
