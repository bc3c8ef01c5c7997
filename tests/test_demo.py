"""The demo clinic tells a coherent story: every recorded advance met its exit criteria."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.protocols import protocol_from_dict
from casemgr.clinical.readiness import build_index, evaluate_phase
from casemgr.db.models import InjuryCase, Measure, TimelineEntry
from casemgr.db.open import open_database
from casemgr.demo import create_demo_database
from casemgr.services.readiness import case_facts


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    create_demo_database(str(path))
    database = open_database(str(path))
    yield database
    database.dispose()


def test_every_recorded_advance_met_the_exit_criteria(demo):
    catalogue = load_catalogue()
    advances = 0
    with demo.session() as s:
        for case in s.scalars(select(InjuryCase)):
            protocol = protocol_from_dict(case.protocol.definition, catalogue=catalogue)
            for entry in s.scalars(
                select(TimelineEntry).where(
                    TimelineEntry.case_id == case.id, TimelineEntry.kind == "phase_change"
                )
            ):
                if entry.data.get("direction") != "advance":
                    continue
                facts = case_facts(s, case, entry.occurred_at - timedelta(minutes=1))
                result = evaluate_phase(
                    protocol.phase(entry.data["from"]),
                    facts,
                    catalogue,
                    build_index(facts, catalogue),
                )
                assert result.verdict == "ready", (case.id, entry.title, result.summary)
                advances += 1
    assert advances >= 40


def test_counts_are_whole_numbers_and_calf_cases_have_calf_tests(demo):
    with demo.session() as s:
        reps = s.scalars(select(Measure.value).where(Measure.key == "calf_raise_reps")).all()
        gastroc = s.scalars(
            select(Measure.id).where(Measure.key == "gastrocnemius_strength")
        ).first()
    assert reps and all(v == int(v) for v in reps)
    assert gastroc is not None
