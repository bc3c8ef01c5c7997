"""The shared timeline: entries, amend/void with history, conflicts, immutability."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casemgr.db.base import utcnow
from casemgr.db.models import Measure, TimelineEntry
from casemgr.errors import ConflictError, ImmutableRecordError, ValidationError
from casemgr.services import cases, timeline
from casemgr.services.dto import MeasureValue
from casemgr.services.timeline import SessionInput, TimelineFilter


def test_entries_from_every_discipline_share_one_timeline_in_time_order(clinic):
    now = utcnow()
    with clinic.session() as s:
        timeline.add_note(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            "Pain-free walking.",
            occurred_at=now - timedelta(hours=5),
        )
        timeline.add_session(
            s,
            clinic.actors["coach"],
            clinic.case_id,
            SessionInput("tempo", 30, srpe=4, surface="grass"),
            occurred_at=now - timedelta(hours=3),
        )
        timeline.add_feedback(
            s,
            clinic.actors["scientist"],
            clinic.case_id,
            {"pain": 1, "soreness": 2, "form_cues": "tall posture"},
            occurred_at=now - timedelta(hours=4),
        )
        page = timeline.list_entries(s, clinic.actors["doctor"], clinic.case_id)
    kinds = [e.kind for e in page.items]
    assert kinds == ["note", "feedback", "session", "phase_change"]  # the case opened just now
    assert [e.discipline for e in page.items[:3]] == ["physio", "scientist", "coach"]
    session_entry = page.items[2]
    assert session_entry.data["load_au"] == 120  # sRPE 4 x 30 min (Foster 2001)


def test_amend_keeps_the_original_and_says_who_and_why(clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        entry = timeline.record_measures(
            s,
            physio,
            clinic.case_id,
            [MeasureValue("nordic_force", 300, "left"), MeasureValue("nordic_force", 210, "right")],
        )
    with clinic.session() as s:
        amended = timeline.amend_entry(
            s,
            physio,
            entry.id,
            entry.version,
            "right side typed wrong",
            values=[
                MeasureValue("nordic_force", 300, "left"),
                MeasureValue("nordic_force", 240, "right"),
            ],
        )
    with clinic.session() as s:
        history = timeline.entry_history(s, clinic.actors["coach"], amended.id)
        active = s.scalars(
            select(Measure.value).where(
                Measure.key == "nordic_force", Measure.limb == "right", Measure.status == "active"
            )
        ).all()
        all_rows = s.scalars(select(Measure.value).where(Measure.limb == "right")).all()
    assert [h.status for h in history] == ["amended", "active"]
    assert history[1].amend_reason == "right side typed wrong"
    assert history[1].author_name == "Test physio"
    assert active == [240.0]
    assert sorted(all_rows) == [210.0, 240.0]  # the original value is still on record


def test_void_hides_measures_but_keeps_the_entry(clinic):
    with clinic.session() as s:
        entry = timeline.add_feedback(s, clinic.actors["physio"], clinic.case_id, {"pain": 6})
    with clinic.session() as s:
        voided = timeline.void_entry(
            s, clinic.actors["physio"], entry.id, entry.version, "entered on the wrong athlete"
        )
    assert voided.status == "voided" and voided.void_reason == "entered on the wrong athlete"
    with clinic.session() as s:
        page = timeline.list_entries(
            s, clinic.actors["physio"], clinic.case_id, TimelineFilter(kinds=("feedback",))
        )
        assert page.items[0].status == "voided"
        assert s.scalar(select(Measure.status).where(Measure.entry_id == entry.id)) == "voided"
        hidden = timeline.list_entries(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            TimelineFilter(kinds=("feedback",), include_history=False),
        )
        assert hidden.total == 0


def test_amend_and_void_need_a_reason(clinic):
    with clinic.session() as s:
        entry = timeline.add_note(s, clinic.actors["physio"], clinic.case_id, "x")
    with pytest.raises(ValidationError, match="why"), clinic.session() as s:
        timeline.void_entry(s, clinic.actors["physio"], entry.id, entry.version, "  ")


def test_second_editor_gets_a_conflict_not_an_overwrite(clinic):
    physio, doctor = clinic.actors["physio"], clinic.actors["doctor"]
    with clinic.session() as s:
        entry = timeline.add_note(s, physio, clinic.case_id, "Hamstring tight after tempo.")
    with clinic.session() as s:
        timeline.amend_entry(s, physio, entry.id, entry.version, "typo", body="Hamstring tight.")
    with pytest.raises(ConflictError, match="changed by someone else"), clinic.session() as s:
        timeline.void_entry(s, doctor, entry.id, entry.version, "duplicate")
    with clinic.session() as s:
        statuses = s.scalars(
            select(TimelineEntry.status)
            .where(TimelineEntry.kind == "note")
            .order_by(TimelineEntry.id)
        ).all()
    assert statuses == ["amended", "active"]


def test_concurrent_case_edits_conflict(clinic):
    with clinic.session() as s:
        info = cases.get_case(s, clinic.actors["physio"], clinic.case_id)
    with clinic.session() as s:
        cases.move_phase(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            info.version,
            "advance",
            "criteria met",
            override_reason="tests on paper",
        )
    with pytest.raises(ConflictError), clinic.session() as s:
        cases.move_phase(
            s,
            clinic.actors["doctor"],
            clinic.case_id,
            info.version,
            "advance",
            "criteria met",
            override_reason="tests on paper",
        )


def test_stale_write_between_read_and_flush_is_caught(clinic):
    """Two sessions hold the same entry: the later flush fails instead of overwriting."""
    from sqlalchemy.orm.exc import StaleDataError

    s1, s2 = clinic.database.new_session(), clinic.database.new_session()
    try:
        e2 = s2.get(TimelineEntry, 1)
        s2.commit()  # s2 keeps its (now old) copy
        e1 = s1.get(TimelineEntry, 1)
        e1.status = "voided"
        s1.commit()
        e2.status = "amended"
        with pytest.raises(StaleDataError):
            s2.flush()
    finally:
        s1.close()
        s2.rollback()
        s2.close()


def test_entry_content_cannot_be_changed_in_place(clinic):
    with clinic.session() as s:
        entry = timeline.add_note(s, clinic.actors["physio"], clinic.case_id, "original")
    with pytest.raises(ImmutableRecordError, match="amend"), clinic.session() as s:
        s.get(TimelineEntry, entry.id).body = "rewritten"
        s.flush()
    with pytest.raises(ImmutableRecordError, match="never deleted"), clinic.session() as s:
        s.delete(s.get(TimelineEntry, entry.id))
        s.flush()


def test_impossible_values_are_refused_and_nothing_is_written(clinic):
    with pytest.raises(ValueError, match="plausible"), clinic.session() as s:
        timeline.record_measures(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            [
                MeasureValue("nordic_force", 300, "left"),
                MeasureValue("nordic_force", 9999, "right"),
            ],
        )
    with clinic.session() as s:
        assert s.scalar(select(Measure.id)) is None
        assert timeline.list_entries(s, clinic.actors["physio"], clinic.case_id).total == 1


def test_units_are_converted_to_the_catalogue_unit(clinic):
    with clinic.session() as s:
        entry = timeline.record_measures(
            s,
            clinic.actors["scientist"],
            clinic.case_id,
            [MeasureValue("max_velocity", 36.0, unit="km/h")],
        )
    assert entry.data["values"][0]["value"] == pytest.approx(10.0)


def test_markup_and_odd_names_are_stored_exactly(clinic):
    text = "O'Brien <Jr> & Co: <b>bold</b> 0.1 < A < 0.9 &amp; 李娜 José"
    with clinic.session() as s:
        entry = timeline.add_note(s, clinic.actors["physio"], clinic.case_id, text)
    with clinic.session() as s:
        found = timeline.list_entries(
            s, clinic.actors["coach"], clinic.case_id, TimelineFilter(text="<b>bold")
        )
    assert found.items[0].body == text and found.items[0].id == entry.id


def test_phase_moves_need_a_reason_and_are_on_the_timeline(clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        info = cases.get_case(s, physio, clinic.case_id)
        with pytest.raises(ValidationError, match="reason"):
            cases.move_phase(s, physio, clinic.case_id, info.version, "advance", "")
    with clinic.session() as s:
        moved = cases.move_phase(
            s,
            physio,
            clinic.case_id,
            info.version,
            "advance",
            "pain-free 48 h, checks met",
            override_reason="checks done on paper, entered later",
        )
        assert moved.phase.ordinal == 2
        back = cases.move_phase(
            s, physio, clinic.case_id, moved.version, "step_back", "pain 4/10 after strides"
        )
    assert back.phase.ordinal == 1
    with clinic.session() as s:
        changes = timeline.list_entries(
            s, physio, clinic.case_id, TimelineFilter(kinds=("phase_change",))
        ).items
    assert [c.data["direction"] for c in changes] == ["open", "advance", "step_back"]
    assert changes[-1].body == "pain 4/10 after strides"


def test_voids_name_who_voided_and_authors_are_listed(clinic):
    with clinic.session() as s:
        entry = timeline.add_note(s, clinic.actors["coach"], clinic.case_id, "x")
        timeline.add_note(s, clinic.actors["scientist"], clinic.case_id, "y")
    with clinic.session() as s:
        timeline.void_entry(s, clinic.actors["doctor"], entry.id, entry.version, "wrong case")
    with clinic.session() as s:
        page = timeline.list_entries(
            s, clinic.actors["physio"], clinic.case_id, TimelineFilter(kinds=("note",))
        )
        authors = timeline.list_authors(s, clinic.actors["physio"], clinic.case_id)
    assert page.items[0].voided_by_name == "Test doctor"
    assert [(name, role) for _id, name, role in authors] == [
        ("Test coach", "coach"),
        ("Test physio", "physio"),
        ("Test scientist", "scientist"),
    ]


def test_amending_a_measure_entry_can_replace_its_extra_data(clinic):
    with clinic.session() as s:
        entry = timeline.record_measures(
            s,
            clinic.actors["scientist"],
            clinic.case_id,
            [MeasureValue("split_10m", 2.1)],
            extra_data={"splits": [[10, 2.1]]},
        )
    with clinic.session() as s:
        new = timeline.amend_entry(
            s,
            clinic.actors["scientist"],
            entry.id,
            entry.version,
            "gate 10 m misread",
            values=[MeasureValue("split_10m", 2.0)],
            extra_data={"splits": [[10, 2.0]]},
        )
    assert new.data["splits"] == [[10, 2.0]] and new.data["values"][0]["value"] == 2.0


def test_bulk_statements_cannot_rewrite_entries_or_measures(clinic):
    """The database itself refuses content changes, whatever tool sends them."""
    from sqlalchemy import text

    with clinic.session() as s:
        entry = timeline.record_measures(
            s, clinic.actors["physio"], clinic.case_id, [MeasureValue("nordic_force", 300, "left")]
        )
        timeline.amend_entry(
            s,
            clinic.actors["physio"],
            entry.id,
            entry.version,
            "typo",
            values=[MeasureValue("nordic_force", 310, "left")],
        )
    for statement in (
        "UPDATE timeline_entries SET body = 'rewritten'",
        "UPDATE timeline_entries SET title = 'x' WHERE status = 'amended'",
        "UPDATE measures SET value = 999",
    ):
        with pytest.raises(Exception, match="written once"), clinic.database.engine.begin() as conn:
            conn.execute(text(statement))
    with clinic.session() as s:  # status changes (amend/void) stay possible
        assert s.scalar(select(Measure.value).where(Measure.status == "voided")) == 300
