"""Timing-gate tests recorded on a case: the fitted profile is stored as measures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from casemgr.db.base import utcnow
from casemgr.db.models import Measure, TimelineEntry
from casemgr.errors import PermissionDenied, ValidationError
from casemgr.services import athletes, cases
from casemgr.services.athletes import AthleteInput
from casemgr.services.cases import CaseInput
from casemgr.services.sprint_tests import record_timing_gate_test

# DOMAIN.md section 5: noise-free MSS 8 m/s, MAC 6 m/s^2; 75 kg, 1.75 m -> F0 450 N,
# V0 8.3332 m/s, Pmax 937.48 W (shorts documentation).
SHORTS_D = (5, 10, 20, 30, 40)
SHORTS_T = (1.5375, 2.3554, 3.7535, 5.0532, 6.3217)
# "John", flying-distance model: MSS 7.996, MAC 7.524, FD 0.197.
JOHN_D = (5, 10, 15, 20, 30, 40)
JOHN_T = (1.201, 1.967, 2.656, 3.314, 4.591, 5.849)


def _case_for(clinic, mass=75.0, height=1.75, name="Ada Vector") -> int:
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = athletes.create_athlete(
            s, physio, AthleteInput(name, body_mass_kg=mass, height_m=height)
        )
        case = cases.open_case(
            s,
            physio,
            athlete.id,
            CaseInput(
                "hamstring", "left", "semitendinosus", datetime.now(UTC).date() - timedelta(days=20)
            ),
        )
    return case.id


def _stored(clinic, entry_id) -> dict:
    with clinic.session() as s:
        rows = s.scalars(select(Measure).where(Measure.entry_id == entry_id)).all()
        return {m.key: (m.value, m.is_baseline, m.source) for m in rows}


def test_the_published_vector_is_stored_as_profile_measures(clinic):
    case_id = _case_for(clinic)
    when = utcnow() - timedelta(days=2)
    with clinic.session() as s:
        entry, profile = record_timing_gate_test(
            s, clinic.actors["scientist"], case_id, SHORTS_D, SHORTS_T, measured_at=when
        )
    assert profile.f0 == pytest.approx(450.0, rel=1e-3)
    stored = _stored(clinic, entry.id)
    values = {k: v for k, (v, _b, _s) in stored.items()}
    assert set(values) == {
        "split_5m",
        "split_10m",
        "split_20m",
        "split_30m",
        "split_40m",
        "max_velocity",
        "f0_rel",
        "v0",
        "pmax_rel",
    }
    assert values["split_5m"] == 1.5375 and values["split_40m"] == 6.3217  # as measured
    assert values["max_velocity"] == pytest.approx(8.0, rel=1e-3)  # the fitted MSS
    assert values["f0_rel"] == pytest.approx(450.0 / 75, rel=1e-3)  # 6.0 N/kg
    assert values["v0"] == pytest.approx(8.3332, rel=1e-3)
    assert values["pmax_rel"] == pytest.approx(937.48 / 75, rel=1e-3)  # 12.50 W/kg
    assert {(b, src) for _v, b, src in stored.values()} == {(False, "timing-gates")}
    assert entry.kind == "measure" and entry.occurred_at == when
    assert entry.title == "Timing gates 5/10/20/30/40 m"
    assert "Splits: 5 m 1.54 s, 10 m 2.36 s" in entry.body
    assert "MSS 8.00 m/s, MAC 6.00 m/s²" in entry.body and "F0 450 N (6.00 N/kg)" in entry.body
    # The default start correction is chosen from the splits (issue 15; it was "none"): on the
    # noise-free vector the estimated flying distance is 0 and the vector still matches.
    assert (
        "Start correction: estimated flying distance 0.00 m, chosen automatically: it fits"
        in entry.body
    )
    kept = entry.data
    assert kept["correction"] == "fd" and kept["profile"]["correction_chosen"] == "auto"
    assert kept["splits"][0] == [5.0, 1.5375]
    assert kept["profile"]["mss"] == pytest.approx(8.0, rel=1e-3)
    assert kept["profile"]["pmax"] == pytest.approx(937.48, rel=1e-3)
    assert entry.data["source"] == "timing-gates" and len(entry.data["values"]) == 9


def test_a_flying_distance_baseline_keeps_non_standard_gates_in_the_entry(clinic):
    case_id = _case_for(clinic)
    with clinic.session() as s:
        entry, profile = record_timing_gate_test(
            s,
            clinic.actors["coach"],
            case_id,
            JOHN_D,
            JOHN_T,
            measured_at=utcnow() - timedelta(days=60),
            correction="fd",
            is_baseline=True,
            note="Indoor track, standing start 0.5 m behind the first gate.",
        )
    assert (profile.mss, profile.mac, profile.fd) == (
        pytest.approx(7.996, rel=1e-3),
        pytest.approx(7.524, rel=1e-3),
        pytest.approx(0.197, rel=1e-2),
    )
    stored = _stored(clinic, entry.id)
    assert "split_15m" not in stored and stored["split_10m"] == (1.967, True, "timing-gates")
    assert stored["max_velocity"][0] == pytest.approx(7.996, rel=1e-3)
    assert entry.title == "Baseline: Timing gates 5/10/15/20/30/40 m"
    assert "Start correction: estimated flying distance 0.20 m (as requested)." in entry.body
    assert entry.body.endswith("Indoor track, standing start 0.5 m behind the first gate.")
    assert [d for d, _t in entry.data["splits"]] == list(JOHN_D)
    assert entry.data["profile"]["fd"] == pytest.approx(0.197, rel=1e-2)


def _entry_count(clinic) -> int:
    with clinic.session() as s:
        return s.scalar(select(func.count(TimelineEntry.id)))


@pytest.mark.parametrize(
    ("distances", "times", "message"),
    [
        ((5, 10), (1.2, 1.9), "3"),
        ((5, 10, 20), (1.2, 1.1, 3.0), "increas"),
        ((5, 10, 20), (1.2, 1.9), "3 distances but 2 times"),
    ],
)
def test_unusable_splits_write_nothing(clinic, distances, times, message):
    before = _entry_count(clinic)
    with pytest.raises(ValidationError, match=message), clinic.session() as s:
        record_timing_gate_test(s, clinic.actors["scientist"], clinic.case_id, distances, times)
    assert _entry_count(clinic) == before


def test_missing_body_mass_or_height_is_named(clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = athletes.create_athlete(s, physio, AthleteInput("No Mass", height_m=1.8))
        case = cases.open_case(
            s,
            physio,
            athlete.id,
            CaseInput("calf", "right", "soleus", datetime.now(UTC).date() - timedelta(days=5)),
        )
    before = _entry_count(clinic)
    with (
        pytest.raises(ValidationError, match="No Mass's body mass is not recorded"),
        clinic.session() as s,
    ):
        record_timing_gate_test(s, physio, case.id, SHORTS_D, SHORTS_T)
    assert _entry_count(clinic) == before


def test_admins_record_no_tests(clinic):
    with pytest.raises(PermissionDenied, match="record measures"), clinic.session() as s:
        record_timing_gate_test(s, clinic.actors["admin"], clinic.case_id, SHORTS_D, SHORTS_T)


def test_a_start_behind_the_first_gate_is_corrected_by_default(clinic):
    # MSS 8 m/s, MAC 8 m/s^2, started 0.5 m behind the first gate (the clock starts late);
    # without a correction MAC comes out near 14 m/s^2.
    case_id = _case_for(clinic)
    times = (1.078, 1.826, 2.506, 3.158, 4.429, 5.684)
    with clinic.session() as s:
        entry, profile = record_timing_gate_test(
            s, clinic.actors["scientist"], case_id, JOHN_D, times, measured_at=utcnow()
        )
    assert profile.mac == pytest.approx(8.0, rel=0.10)
    assert entry.data["correction"] == "fd"
    assert "Start correction: estimated flying distance 0.5" in entry.body
    assert ", chosen automatically: it fits" in entry.body
    assert "Warning" not in entry.body


def test_a_poor_fit_is_saved_with_its_warning(clinic):
    case_id = _case_for(clinic)
    # MSS 8, MAC 8, alternately 40 ms late and early
    times = (1.411, 2.091, 2.855, 3.429, 4.781, 5.958)
    with clinic.session() as s:
        entry, profile = record_timing_gate_test(
            s, clinic.actors["scientist"], case_id, JOHN_D, times, measured_at=utcnow()
        )
    assert profile.rmse > 0.030
    assert "Warning: fit RMSE" in entry.body and "above 30 ms" in entry.body
    assert entry.data["profile"]["warnings"] == list(profile.warnings)


@pytest.mark.parametrize(
    ("distances", "times", "message"),
    [
        ((5, 10, 20), (1e20, 2e20, 3e20), "mean speed over the first 5 m"),
        ((5, 10, 20, 30), (1.2, 1.9, float("nan"), 4.3), "not a positive number"),
    ],
)
def test_implausible_splits_write_nothing(clinic, distances, times, message):
    before = _entry_count(clinic)
    with pytest.raises(ValidationError, match=message), clinic.session() as s:
        record_timing_gate_test(s, clinic.actors["scientist"], clinic.case_id, distances, times)
    assert _entry_count(clinic) == before
