"""The PDF documents as a reader sees them: text extracted with pypdf, pages counted."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import select

from casemgr.clinical.catalogue import format_number
from casemgr.db.base import utcnow
from casemgr.db.models import AuditEvent
from casemgr.errors import PermissionDenied
from casemgr.services import report_data, timeline
from casemgr.services.athletes import AthleteInput, create_athlete
from casemgr.services.cases import CaseInput, list_case_rows, open_case
from casemgr.services.dto import MeasureValue
from casemgr.services.planning import add_target, mark_target, plan_session, week_start
from casemgr.services.readiness import evaluate_case
from reports.build import render_document

NASTY = [
    "O'Brien <Jr> & Co",
    "<b>bold</b> and <i>not italic</i>",
    "0.1 < A < 0.9",
    '<img src="http://example.invalid/x.png"/>',
    "&amp; stays &amp;",
    "李娜 trained well",
    "Łukasz and José Núñez",
    "Ελένη Παπαδοπούλου",
    "Ирина Петрова",
]


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def days_ago(n: int, hour: int = 9):
    return (utcnow() - timedelta(days=n)).replace(hour=hour, minute=0, second=0, microsecond=0)


def add_named_case(clinic, name: str) -> int:
    with clinic.session() as s:
        athlete = create_athlete(s, clinic.actors["physio"], AthleteInput(name, sport="Football"))
        case = open_case(
            s,
            clinic.actors["physio"],
            athlete.id,
            CaseInput(
                "hamstring", "left", "semitendinosus", datetime.now(UTC).date() - timedelta(days=12)
            ),
        )
    return case.id


def add_progress(clinic, *, baseline: bool = True) -> None:
    """Pre-injury baselines (optional) and two weeks of results on the clinic's case."""
    physio, scientist = clinic.actors["physio"], clinic.actors["scientist"]
    with clinic.session() as s:
        # the clinic case was injured 10 days ago; baselines are dated before it
        if baseline:
            timeline.record_measures(
                s,
                scientist,
                clinic.case_id,
                [
                    MeasureValue("max_velocity", 9.8),
                    MeasureValue("split_30m", 4.1),
                    MeasureValue("iso_knee_flexion_90", 340, "left"),
                    MeasureValue("iso_knee_flexion_90", 335, "right"),
                    MeasureValue("nordic_force", 400, "left"),
                    MeasureValue("nordic_force", 395, "right"),
                ],
                measured_at=days_ago(20),
                is_baseline=True,
            )
        for n, (pain, iso) in enumerate(((3, 200), (2, 240), (1, 270), (0, 300))):
            when = days_ago(8 - 2 * n)
            timeline.add_feedback(
                s,
                physio,
                clinic.case_id,
                {"pain": pain, "soreness": 2, "confidence": 4 + n},
                occurred_at=when,
            )
            timeline.record_measures(
                s,
                physio,
                clinic.case_id,
                [
                    MeasureValue("iso_knee_flexion_90", 338, "left"),
                    MeasureValue("iso_knee_flexion_90", iso, "right"),
                    MeasureValue("max_velocity", 6.0 + n * 0.5),
                ],
                measured_at=when + timedelta(hours=2),
            )
            timeline.add_session(
                s,
                clinic.actors["coach"],
                clinic.case_id,
                timeline.SessionInput("tempo", 40, srpe=4, surface="grass"),
                occurred_at=when + timedelta(hours=4),
            )
        # pain-free reports 49, 25 and 1 h ago cover the 48 h pain window at any hour
        now = utcnow()
        for hours in (49, 25, 1):
            timeline.add_feedback(
                s, physio, clinic.case_id, {"pain": 0}, occurred_at=now - timedelta(hours=hours)
            )


def rtp_pdf(clinic, case_id=None, paper="a4", role="doctor") -> tuple[bytes, report_data.RtpData]:
    with clinic.session() as s:
        data = report_data.rtp_data(s, clinic.actors[role], case_id or clinic.case_id)
    return render_document(data, paper), data


RTP_SECTIONS = [
    "Return-to-play report",
    "Athlete and injury",
    "Milestones",
    "Phase history",
    "Exit criteria of the final phases",
    "Key measures over time",
    "Sprint performance vs baseline",
    "Load vs pre-injury",
    "Athlete confidence",
    "Notes from each discipline",
    "Return-to-play decision",
    "Signature",
    "Integrity fingerprint",
]


def test_rtp_of_a_case_without_measures_says_so_in_every_section(clinic):
    pdf, _ = rtp_pdf(clinic)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    pages, text = pdf_text(pdf)
    for heading in RTP_SECTIONS:
        assert heading in text
    words = flat(text)
    assert "No strength or range-of-motion results recorded since the injury." in words
    assert "No sprint results recorded" in words
    assert "No confidence ratings recorded." in words
    assert "No return-to-play decision has been recorded for this case." in words
    assert "No pre-injury high-speed running recorded" in words
    assert "Sam Carter" in text and "ATH-0001" in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert text.count("Confidential health information") == pages


def test_rtp_criteria_match_the_engine_and_name_the_reference(clinic):
    add_progress(clinic)
    pdf, data = rtp_pdf(clinic)
    _, text = pdf_text(pdf)
    words = flat(text)
    with clinic.session() as s:
        engine = evaluate_case(s, clinic.actors["doctor"], clinic.case_id).evaluation
    block = data.criteria[0]
    assert block.phase_ordinal == 1  # the current phase comes before the final phases
    assert [r.status for r in block.rows] == [r.status for r in engine.results]
    iso = next(r for r in engine.results if r.key == "iso_lsi_70")
    assert iso.status == "pass"
    assert f"LSI {format_number(iso.lsi, 1)}%" in words  # 300 / 338 = 88.8 %
    assert "88.8%" in words
    pain = next(r for r in engine.results if r.key == "pain_48h")
    assert pain.status == "pass"
    # the final phases are there with the baseline used as reference
    assert "Phase 5: Return to full sprinting" in words
    assert "Phase 6: Sport-specific return" in words
    assert "pre-injury baseline: 9.80 m/s" in words
    assert "9.80 m/s" in words and "7.50 m/s" in words  # sprint table: baseline and latest
    assert "76.5%" in words  # 7.5 / 9.8
    assert "Latest confidence 7/10" in words
    statuses = re.findall(r"\b(PASS|FAIL|MISSING|OUT OF DATE)\b", words)
    assert len(statuses) == sum(len(b.rows) for b in data.criteria)


def test_no_baseline_is_said_not_guessed(clinic):
    add_progress(clinic, baseline=False)
    _, text = pdf_text(rtp_pdf(clinic)[0])
    words = flat(text)
    assert "No pre-injury baseline recorded" in words
    assert "no baseline" in words
    assert "missing" in words.lower()


def test_names_and_notes_print_exactly_as_typed(clinic):
    case_id = add_named_case(clinic, "O'Brien <Jr> & Co")
    with clinic.session() as s:
        for text in NASTY:
            timeline.add_note(s, clinic.actors["physio"], case_id, text, title=text[:40])
    makers = {
        "rtp": report_data.rtp_data,
        "review": report_data.review_data,
        "weekly": report_data.weekly_data,
    }
    for kind, make in makers.items():
        with clinic.session() as s:
            data = make(s, clinic.actors["doctor"], case_id)
        _, text = pdf_text(render_document(data))
        words = flat(text)
        assert "O'Brien <Jr> & Co" in words, kind
        shown = {"rtp": NASTY, "review": NASTY[-3:], "weekly": []}[kind]  # review: 3 latest
        for typed in shown:
            assert typed in words, (kind, typed)


@pytest.mark.parametrize("name", ["李娜", "Jakub Łukasz Nowak", "José Núñez", "Ελένη", "Ирина"])
def test_every_script_prints_in_the_header_and_title(clinic, name):
    case_id = add_named_case(clinic, name)
    with clinic.session() as s:
        data = report_data.review_data(s, clinic.actors["coach"], case_id)
    pages, text = pdf_text(render_document(data))
    assert pages == 1
    assert text.count(name) >= 3  # title, facts table and page header


def test_page_count_grows_with_the_timeline_and_nothing_is_dropped(clinic):
    small_pages, _ = pdf_text(rtp_pdf(clinic)[0])
    with clinic.session() as s:
        for i in range(200):
            timeline.add_note(
                s,
                clinic.actors[("physio", "coach", "scientist", "doctor")[i % 4]],
                clinic.case_id,
                f"Entry {i:03d}: session went to plan, no symptoms.",
                occurred_at=days_ago(9) + timedelta(minutes=i),
            )
    pdf, _ = rtp_pdf(clinic)
    pages, text = pdf_text(pdf)
    assert pages >= small_pages + 5
    assert all(f"Entry {i:03d}:" in text for i in range(200))
    assert "Physiotherapist (50)" in text and "S&C coach (50)" in text


def test_a_one_megabyte_note_and_unbreakable_text_lay_out(clinic):
    huge = ("The athlete reports no pain during the session. " * 21_000)[:1_000_000]
    unbreakable = "x" * 6000
    with clinic.session() as s:
        entry = timeline.add_note(s, clinic.actors["physio"], clinic.case_id, huge)
        timeline.add_note(s, clinic.actors["physio"], clinic.case_id, unbreakable)
    pdf, _ = rtp_pdf(clinic)
    pages, text = pdf_text(pdf)
    assert pages > 3
    words = flat(text)
    assert "further characters of this note are not printed" in words
    assert f"entry #{entry.id}" in words
    assert text.replace("\n", "").count("x" * 100) >= 50  # the long token wrapped, not cut
    with clinic.session() as s:
        review = report_data.review_data(s, clinic.actors["physio"], clinic.case_id)
    pages, _ = pdf_text(render_document(review))
    assert pages == 1


@pytest.mark.parametrize(("paper", "size"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_paper_sizes(clinic, paper, size):
    pdf, _ = rtp_pdf(clinic, paper=paper)
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def test_fingerprint_covers_the_data_and_the_audit_head(clinic):
    _, first = rtp_pdf(clinic)
    assert re.fullmatch(r"[0-9a-f]{64}", first.fingerprint)
    _, text = pdf_text(render_document(first))
    assert first.fingerprint in flat(text).replace(" ", "")
    with clinic.session() as s:
        timeline.add_note(s, clinic.actors["coach"], clinic.case_id, "One more note")
    _, second = rtp_pdf(clinic)
    assert second.fingerprint != first.fingerprint
    assert second.ctx.audit_head_id > first.ctx.audit_head_id


def test_decision_and_signature_block(clinic):
    from casemgr.services.decisions import record_decision

    with clinic.session() as s:
        record_decision(
            s,
            clinic.actors["doctor"],
            clinic.case_id,
            "cleared_with_restrictions",
            restrictions="No maximal sprints > 95% until <week 2> & review",
            monitoring_plan="Nordic test fortnightly",
            override_reason="Tested at the club; results on paper",
        )
    pdf, data = rtp_pdf(clinic)
    words = flat(pdf_text(pdf)[1])
    assert "Cleared with restrictions" in words
    # cleared in phase 1 with no data recorded: the report states it and why
    assert "Cleared with restrictions, with 4 exit criteria unmet: Pain ≤ 2/10 for 48 h" in words
    assert "Override reason: Tested at the club; results on paper" in words
    assert "No maximal sprints > 95% until <week 2> & review" in words
    assert "Nordic test fortnightly" in words
    assert "Printed name Role Date Signature" in words
    signed = data.decision.decided_at.astimezone(UTC).date()  # the clinic's (UTC) day
    assert f"Test doctor Doctor {signed.isoformat()}" in words
    assert data.signer_name == "Test doctor"


@pytest.mark.parametrize(
    ("injury", "window"),
    [
        ("hamstring semitendinosus 3c", "day 12 of an expected 31-65 days (Pollock 2022)"),
        ("hamstring semitendinosus 1b", "day 12 of an expected 7-27 days (Ekstrand 2012)"),
        ("hamstring semimembranosus 4", "day 12: surgical opinion (grade 4, complete tear)"),
        (
            "calf soleus 2b",
            "day 12 of an expected ~25 days (Prakash 2018); soleus 9-42 days (Green 2020)",
        ),
    ],
)
def test_rtp_shows_the_expected_window_of_the_grade_with_its_source(clinic, injury, window):
    """Injured on 1 March 2024, the report made on 13 March at noon: day 12."""
    region, muscle, label = injury.split()
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = create_athlete(s, physio, AthleteInput("Rae Lind", sport="Athletics"))
        case = open_case(
            s,
            physio,
            athlete.id,
            CaseInput(region, "left", muscle, date(2024, 3, 1), grade=label[0], site=label[1:]),
        )
        data = report_data.rtp_data(
            s, clinic.actors["doctor"], case.id, as_of=datetime(2024, 3, 13, 12, tzinfo=UTC)
        )
    assert data.head.expected == window
    assert data.head.expected_references  # the full reference for the reference list
    words = flat(pdf_text(render_document(data))[1])
    assert window in words


def test_the_review_page_prints_the_expected_window_with_its_source(clinic):
    physio = clinic.actors["physio"]
    with clinic.session() as s:
        athlete = create_athlete(s, physio, AthleteInput("Rae Lind", sport="Athletics"))
        case = open_case(
            s,
            physio,
            athlete.id,
            CaseInput("hamstring", "left", "semitendinosus", date(2024, 3, 1), grade="3", site="c"),
        )
        review = report_data.review_data(s, clinic.actors["doctor"], case.id)
    assert review.head.expected.endswith(" of an expected 31-65 days (Pollock 2022)")
    words = flat(pdf_text(render_document(review))[1])
    assert "of an expected 31-65 days (Pollock 2022)" in words


def test_export_is_audited_and_admins_may_not_make_reports(clinic):
    with clinic.session() as s:
        report_data.log_report(s, clinic.actors["coach"], "rtp", [clinic.case_id])
    with clinic.session() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.entity_id, event.athlete_id, event.reason) == (
            "report.export",
            str(clinic.case_id),
            clinic.athlete_id,
            "rtp",
        )
    with pytest.raises(PermissionDenied), clinic.session() as s:
        report_data.rtp_data(s, clinic.actors["admin"], clinic.case_id)


def test_weekly_sheet_lists_sessions_targets_and_next_week(clinic):
    add_progress(clinic)
    today = datetime.now(UTC).date()
    monday = week_start(today)
    with clinic.session() as s:
        coach = clinic.actors["coach"]
        timeline.add_session(
            s,
            coach,
            clinic.case_id,
            timeline.SessionInput("acceleration", 35, srpe=5, surface="track", notes="Felt <fast>"),
            occurred_at=utcnow().replace(hour=0, minute=5, second=0, microsecond=0),
        )
        met = add_target(s, clinic.actors["physio"], clinic.case_id, today, "Bike 4 x 20 min")
        mark_target(s, clinic.actors["physio"], met.id, met.version, True)
        add_target(s, clinic.actors["physio"], clinic.case_id, today, "Nordic retest")
        plan_session(
            s,
            coach,
            clinic.case_id,
            monday + timedelta(days=8),
            "tempo",
            "6 x 100 m at 70%",
            "grass",
            70,
        )
        add_target(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            monday + timedelta(days=7),
            "Two pain-free tempo sessions",
        )
        data = report_data.weekly_data(s, clinic.actors["physio"], clinic.case_id)
    words = flat(pdf_text(render_document(data))[1])
    assert f"week {monday.isoformat()} to {(monday + timedelta(days=6)).isoformat()}" in words
    assert "Acceleration" in words and "Felt <fast>" in words and "175" in words
    assert "Bike 4 x 20 min" in words and "not marked" in words and "1 of 2 targets met" in words
    assert "6 x 100 m at 70%" in words and "Two pain-free tempo sessions" in words
    assert "Pain (0-10)" in words


# --- the demo clinic: real volumes, every phase ---------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from casemgr.db.open import open_database
    from casemgr.demo import create_demo_database
    from casemgr.services.users import authenticate

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    create_demo_database(str(path))
    db = open_database(str(path))
    with db.session() as s:
        doctor = authenticate(s, "doctor", "demo")
    yield db, doctor
    db.dispose()


def test_demo_pack_has_one_page_per_open_case(demo):
    db, doctor = demo
    with db.session() as s:
        pack = report_data.review_pack_data(s, doctor)
    pages, text = pdf_text(render_document(pack, "letter"))
    assert pages == len(pack.pages) == 14
    assert "O'Brien <Jr> & Co" in text and "李娜" in text and "José Núñez" in text
    assert "Riverside Sports Medicine" in text
    assert "Page 14 of 14" in text


def test_demo_rtp_shows_the_evidence_of_a_cleared_case(demo):
    db, doctor = demo
    with db.session() as s:
        cleared = next(r for r in list_case_rows(s, doctor) if r.athlete_name == "José Núñez")
        data = report_data.rtp_data(s, doctor, cleared.case_id)
    pages, text = pdf_text(render_document(data))
    words = flat(text)
    for heading in RTP_SECTIONS:
        assert heading in words
    assert "Cleared — recorded" in words and "Dr. Maria Rossi" in words
    assert len(data.sprint.profiles) == 2 and "F0" in words
    assert data.load.pre_injury_hsr_week is not None
    assert pages >= 4


def test_the_knee_extension_convention_is_printed_with_its_criteria(clinic):
    from casemgr.services import cases

    with clinic.session() as s:
        info = cases.get_case(s, clinic.actors["physio"], clinic.case_id)
        cases.move_phase(
            s,
            clinic.actors["physio"],
            clinic.case_id,
            info.version,
            "advance",
            "Team meeting",
            override_reason="Checked on the ward round",
        )
    pdf, data = rtp_pdf(clinic)
    current = next(b for b in data.criteria if b.phase_ordinal == 2)
    assert any("Active knee extension" in r.label for r in current.rows)
    assert any("90° = full extension" in t for t in current.conventions)
    assert "angle = 90° - deficit" in flat(pdf_text(pdf)[1])
