"""The return-to-play report says which start correction each sprint profile used (issue 15)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import pypdf

from casemgr.services import cases, report_data
from casemgr.services.sprint_tests import record_timing_gate_test
from reports.build import render_document

GATES = (5, 10, 15, 20, 30, 40)
# MSS 8 m/s, MAC 8 m/s^2, started 0.5 m behind the first gate.
BEHIND = (1.078, 1.826, 2.506, 3.158, 4.429, 5.684)


def test_rtp_report_prints_the_start_correction_of_the_profile(clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        injury = cases.get_case(s, physio, clinic.case_id).injury_date
    when = datetime.combine(injury + timedelta(days=5), time(12), tzinfo=UTC)
    with clinic.session() as s:
        record_timing_gate_test(
            s, clinic.actors["scientist"], clinic.case_id, GATES, BEHIND, measured_at=when
        )
    with clinic.session() as s:
        data = report_data.rtp_data(s, physio, clinic.case_id, as_of=when + timedelta(days=1))
    (profile,) = data.sprint.profiles
    assert profile.correction.startswith("estimated flying distance 0.5")
    assert profile.correction.endswith(" m (chosen automatically)")
    reader = pypdf.PdfReader(io.BytesIO(render_document(data)))
    words = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "start correction: estimated flying distance 0.5" in words
