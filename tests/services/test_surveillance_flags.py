"""Surveillance decline checks on a case in the surveillance phase (DOMAIN.md section 6)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from casemgr.cli import main
from casemgr.db.base import utcnow
from casemgr.db.models import InjuryCase
from casemgr.services import protocols, readiness, timeline
from casemgr.services.dto import MeasureValue
from tests.conftest import TEST_PASSWORD

NOW = utcnow()


def _record(clinic, days_ago, values, baseline=False):
    with clinic.session() as s:
        timeline.record_measures(
            s,
            clinic.actors["scientist"],
            clinic.case_id,
            [MeasureValue(k, v, limb) for k, limb, v in values],
            measured_at=NOW - timedelta(days=days_ago),
            is_baseline=baseline,
        )


def _to_surveillance(clinic, days_ago=7):
    with clinic.session() as s:
        case = s.get(InjuryCase, clinic.case_id)
        hamstring = case.protocol_id
        version = case.version
    with clinic.session() as s:
        protocols.assign_protocol(
            s,
            clinic.actors["doctor"],
            clinic.case_id,
            version,
            hamstring,
            "surveillance",
            "Cleared; periodic testing",
            occurred_at=NOW - timedelta(days=days_ago),
        )


@pytest.fixture
def watched(clinic):
    """Injury 10 days ago (right side); surveillance entered 7 days ago."""
    for days_ago, velocity, hop in ((40, 9.00, 180), (30, 9.10, 182), (20, 9.20, 184)):
        _record(
            clinic,
            days_ago,
            [("max_velocity", None, velocity), ("hop_distance", "right", hop)],
            baseline=True,
        )
    _record(clinic, 25, [("nordic_force", "right", 400), ("nordic_force", "left", 410)], True)
    _record(clinic, 8, [("max_velocity", None, 7.0)])  # rehab result: not surveillance
    _to_surveillance(clinic)
    for days_ago, velocity in ((6, 9.05), (4, 8.85), (2, 8.80)):
        _record(clinic, days_ago, [("max_velocity", None, velocity)])
    _record(clinic, 5, [("nordic_force", "right", 390)])
    _record(clinic, 3, [("nordic_force", "right", 376)])
    _record(clinic, 3, [("hop_distance", "right", 181)])
    _record(clinic, 6, [("iso_knee_flexion_90", "right", 300)])
    _record(clinic, 2, [("iso_knee_flexion_90", "right", 310)])
    for days_ago, reps in ((6.5, 30), (6, 31), (5.5, 29), (5, 30), (4.5, 30), (1, 26)):
        _record(clinic, days_ago, [("calf_raise_reps", "right", reps)])
    return clinic


def _checks(clinic) -> dict[str, readiness.SurveillanceResult]:
    with clinic.session() as s:
        result = readiness.evaluate_case(s, clinic.actors["coach"], clinic.case_id)
    assert result.case_status == "surveillance"
    return {w.measure: w for w in result.surveillance}


def test_two_consecutive_results_beyond_twice_the_typical_error_raise_a_flag(watched):
    velocity = _checks(watched)["max_velocity"]
    # baseline 9.00/9.10/9.20: mean 9.10, TE = their SD = 0.1 m/s (no published floor for
    # max velocity), 2 x TE 0.2 m/s; 8.85 is 0.25 below, 8.80 0.30 below
    assert velocity.baseline_values == (9.0, 9.1, 9.2)
    assert [r.value for r in velocity.records] == [9.05, 8.85, 8.80]  # 7.0 in rehab is left out
    assert [r.flagged for r in velocity.records] == [False, True, True]
    assert velocity.records[0].baseline_limit == pytest.approx(0.2, rel=1e-9)
    assert velocity.status == "flag" and velocity.flag.current
    assert velocity.explanation == (
        f"Two consecutive flagged results ({NOW - timedelta(days=4):%Y-%m-%d} and "
        f"{NOW - timedelta(days=2):%Y-%m-%d}): 8.80 m/s is 0.300 m/s below the baseline mean "
        "9.10 m/s (more than 2 x TE = 0.200 m/s; TE 0.100 m/s is the SD of the 3 baseline "
        "results; no smallest worthwhile change on file)"
    )


def test_one_baseline_uses_the_five_percent_convention_on_the_injured_limb(watched):
    nordic = _checks(watched)["nordic_force"]
    # 400 N baseline: 390 N is 2.5% below (fine), 376 N is 6% below (> 5%): watch, no flag yet
    assert (nordic.label, nordic.limb, nordic.baseline_values) == (
        "Nordic force (right)",
        "right",
        (400.0,),
    )
    assert [r.flagged for r in nordic.records] == [False, True]
    assert nordic.records[-1].convention
    assert nordic.status == "watch" and nordic.flag is None
    assert "376 N is 6.0% below the baseline 400 N (more than 5%, convention)" in (
        nordic.explanation
    )


def test_results_within_the_noise_are_ok(watched):
    hop = _checks(watched)["hop_distance"]
    # 180/182/184: mean 182, SD 2 cm, below the published SEM 4.61 cm (Ross 2002), so
    # TE = 4.61 and 2 x TE = 9.22 cm; 181 cm is 1 cm below
    assert hop.status == "ok"
    assert hop.records[-1].baseline_limit == pytest.approx(9.22)
    assert hop.explanation == (
        f"Latest 181 cm ({NOW - timedelta(days=3):%Y-%m-%d}): no decline (baseline mean 182 cm "
        "of 3 tests, allowed worsening 2 x TE = 9.2 cm; TE 4.6 cm is the published "
        "reliability SEM 4.61 cm (Ross et al. 2002, lowest of SEM 4.61-17.74 cm over three "
        "distance hop tests), above the SD 2.0 cm of the 3 baseline results; no smallest "
        "worthwhile change on file)"
    )


def test_without_a_baseline_the_athletes_own_band_needs_five_results(watched):
    checks = _checks(watched)
    iso = checks["iso_knee_flexion_90"]
    assert iso.status == "no_reference" and "needs 5 earlier results (1 so far)" in (
        iso.explanation
    )
    reps = checks["calf_raise_reps"]
    # the first five: mean 30, SD 0.7071 -> low edge 28.59 reps; 26 is below it
    assert reps.records[-1].band_limit == pytest.approx(30 - 2 * 0.5**0.5)
    assert reps.status == "watch"
    assert "26 reps is below the athlete's own band (28.6 reps" in reps.explanation


def test_only_cases_in_surveillance_are_checked(clinic):
    _record(clinic, 30, [("max_velocity", None, 9.0)], baseline=True)
    _record(clinic, 2, [("max_velocity", None, 6.0)])
    with clinic.session() as s:
        result = readiness.evaluate_case(s, clinic.actors["coach"], clinic.case_id)
    assert result.case_status == "open" and result.surveillance == ()


def test_the_cli_prints_the_checks(watched, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "physio")
    monkeypatch.setenv("CASEMGR_PASSWORD", TEST_PASSWORD)
    db = ["--db", watched.database.url]
    assert main([*db, "readiness", str(watched.case_id)]) == 0
    out = capsys.readouterr().out
    assert "[FLAG   ] Max velocity\n" in out and "[WATCH  ] Nordic force (right)" in out
    assert "[OK     ] Single-leg hop distance (right)" in out
    assert main([*db, "readiness", str(watched.case_id), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    by_measure = {w["measure"]: w for w in payload["surveillance"]}
    assert by_measure["max_velocity"]["status"] == "flag"
    assert [r["flagged"] for r in by_measure["max_velocity"]["results"]] == [False, True, True]
