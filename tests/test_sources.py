"""Sources are literature: every criterion, signal threshold and catalogue measure names an
author and a year or says "Clinical convention"; no project file is ever named on what a
clinician reads (protocol files, CLI output, PDFs); the return-to-play report ends with a
reference list of every work it cites.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from casemgr.cli import main
from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.literature import reference_list
from casemgr.clinical.protocols import SIGNAL_DEFAULTS, default_protocols
from casemgr.db.models import InjuryCase, User
from casemgr.importing.presets import builtin_presets
from casemgr.permissions import Actor
from casemgr.resources import resource_path
from casemgr.services import report_data
from reports.build import render_document

AUTHOR_YEAR = re.compile(r"\b([A-Z][A-Za-z'-]+)(?: et al\.)?,? ((?:19|20)\d\d)\b")
CONVENTION = "Clinical convention"
#: Words that name a project file, never shown to a clinician.
PROJECT_FILES = re.compile(r"DOMAIN|SPEC\.md|\.py\b|\.toml\b")


def names_literature(source: str) -> bool:
    return bool(AUTHOR_YEAR.search(source)) or source.startswith(CONVENTION)


def all_criteria(protocol):
    for phase in protocol.phases:
        for criterion in phase.criteria:
            yield phase, criterion
            for alternative in criterion.alternatives:
                yield phase, alternative


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


# --- (a) every rule names its source ------------------------------------------------------


@pytest.mark.parametrize("protocol", default_protocols(), ids=lambda p: p.key)
def test_every_criterion_of_a_shipped_protocol_names_its_literature(protocol):
    assert AUTHOR_YEAR.search(protocol.source), protocol.source
    for phase, criterion in all_criteria(protocol):
        where = f"{protocol.key} phase {phase.ordinal} {criterion.key}"
        assert names_literature(criterion.source), f"{where}: {criterion.source!r}"
        # a threshold that is convention says so first, never passes as evidence
        if criterion.convention:
            assert criterion.source.startswith(CONVENTION), f"{where}: {criterion.source!r}"


@pytest.mark.parametrize("protocol", default_protocols(), ids=lambda p: p.key)
def test_every_signal_threshold_names_its_literature(protocol):
    assert set(protocol.signals) == set(SIGNAL_DEFAULTS)
    for name, threshold in {**SIGNAL_DEFAULTS, **protocol.signals}.items():
        assert names_literature(threshold.source), f"{protocol.key} {name}: {threshold.source!r}"
        if threshold.convention:
            assert threshold.source.startswith(CONVENTION), name


def test_every_catalogue_measure_with_a_source_names_an_author_and_a_year():
    catalogue = load_catalogue()
    with_source = {m.key: m.source for m in catalogue if m.source}
    # the measures whose method or threshold comes from a paper
    for key, author in {
        "nordic_force": "Opar",
        "ake": "Reurink",
        "h_test": "Askling",
        "calf_raise_reps": "Green",
        "srpe": "Foster",
        "f0_rel": "Samozino",
        "v0": "Samozino",
        "pmax_rel": "Samozino",
    }.items():
        assert author in with_source.get(key, ""), key
    for key, source in with_source.items():
        assert AUTHOR_YEAR.search(source), f"{key}: {source!r}"


def test_presets_name_the_method_they_apply_and_tag_what_they_import():
    """A preset's ``source`` is the provenance written on every value it imports
    ("import:gps"), not a citation; the one preset that applies a published method (the
    timing-gate sprint profile) names it in its file."""
    presets = builtin_presets()
    assert presets
    for name, preset in presets.items():
        assert preset.source_label == f"import:{name}"
    text = (resource_path("presets") / "timing-gates.toml").read_text(encoding="utf-8")
    assert "Samozino et al. 2016" in text


# --- (b) no project file on what a clinician reads ----------------------------------------


def test_no_shipped_resource_file_names_a_project_file():
    files = [
        p
        for p in Path(resource_path("")).rglob("*")
        if p.is_file() and p.suffix in (".toml", ".desktop")
    ]
    assert len(files) >= 8  # catalogue, protocols, presets, ...
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not PROJECT_FILES.search(text), f"{path.name}: {PROJECT_FILES.search(text)[0]}"


def test_protocol_files_point_to_the_readme_for_their_fields():
    readme = Path(__file__).resolve().parents[1] / "README.md"
    assert "## Protocol files" in readme.read_text(encoding="utf-8")
    for name in ("hamstring.toml", "calf.toml"):
        text = (resource_path("protocols") / name).read_text(encoding="utf-8")
        assert 'the README\'s "Protocol files" section' in text


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo clinic, made once for this module in its own home directory."""
    home = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEMGR_HOME", str(home / "home"))
        path = home / "demo.sqlite3"
        assert main(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture
def demo_cases(demo):
    from casemgr.db.open import open_database

    database = open_database(str(demo))
    with database.session() as s:
        ids = list(s.scalars(select(InjuryCase.id).order_by(InjuryCase.id)))
    database.dispose()
    return ids


def test_readiness_cli_output_names_literature_never_a_project_file(
    demo, demo_cases, monkeypatch, capsys
):
    monkeypatch.setenv("CASEMGR_USER", "physio")
    monkeypatch.setenv("CASEMGR_PASSWORD", "demo")
    sources = set()
    for case_id in demo_cases:
        assert main(["--db", str(demo), "readiness", str(case_id), "--json"]) == 0
        out = capsys.readouterr().out
        assert not PROJECT_FILES.search(out), (case_id, PROJECT_FILES.search(out)[0])
        payload = json.loads(out)
        sources |= {r["source"] for r in payload["results"]}
        if not payload["signals"]:
            continue  # the plain text of the cases with suggestions (their sources too)
        assert main(["--db", str(demo), "readiness", str(case_id)]) == 0
        text = capsys.readouterr().out
        assert not PROJECT_FILES.search(text), (case_id, PROJECT_FILES.search(text)[0])
    assert sources and all(names_literature(s) for s in sources), sorted(sources)


def test_an_exported_protocol_names_no_project_file(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "doctor")
    monkeypatch.setenv("CASEMGR_PASSWORD", "demo")
    assert main(["--db", str(demo), "protocols", "list"]) == 0
    listing = capsys.readouterr().out
    assert not PROJECT_FILES.search(listing.replace("FILE.toml", ""))
    ids = re.findall(r"^\s*(\d+)\s", listing, re.M)
    assert ids
    for protocol_id in ids:
        out = tmp_path / f"protocol-{protocol_id}.toml"
        assert main(["--db", str(demo), "protocols", "export", protocol_id, "-o", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert not PROJECT_FILES.search(text), (protocol_id, PROJECT_FILES.search(text)[0])
        assert "source" in tomllib.loads(text)


def _doctor_reports(demo, demo_cases, kind):
    from casemgr.db.open import open_database

    database = open_database(str(demo))
    try:
        with database.session() as s:
            doctor = s.scalar(select(User).where(User.username == "doctor"))
            actor = Actor(doctor.id, doctor.username, doctor.role, doctor.display_name)
            make = report_data.rtp_data if kind == "rtp" else report_data.review_data
            return [make(s, actor, case_id) for case_id in demo_cases]
    finally:
        database.dispose()


def test_no_case_review_names_a_project_file(demo, demo_cases):
    for data in _doctor_reports(demo, demo_cases, "review"):
        text = pdf_text(render_document(data))
        assert not PROJECT_FILES.search(text), PROJECT_FILES.search(text)[0]


# --- (c) the return-to-play report ends with its references -------------------------------


def _cited(text: str) -> set[tuple[str, str]]:
    return {(m[1], m[2]) for m in AUTHOR_YEAR.finditer(text)}


def test_the_rtp_report_ends_with_the_references_of_what_it_shows(demo, demo_cases):
    """Every demo case's signed report names no project file; its reference list comes
    last, after the signature, and lists every work cited by the criteria it shows, the
    expected-return window, the protocol, the sprint profile and the load it prints, each
    once, sorted."""
    profiles = loads = 0
    for data in _doctor_reports(demo, demo_cases, "rtp"):
        text = flat(pdf_text(render_document(data)))
        assert not PROJECT_FILES.search(text), PROJECT_FILES.search(text)[0]
        start = text.rfind(" References 1. ")
        assert start > text.rfind("Integrity fingerprint") > 0, data.head.athlete.full_name
        tail = text[start:]
        entries = [e for e in re.split(r" \d+\. ", tail)[1:]]
        assert len(entries) >= len(data.references)

        shown = [data.protocol_source, data.head.expected]
        shown += [row.source for block in data.criteria for row in block.rows]
        assert data.criteria and any(row.source for b in data.criteria for row in b.rows)
        for author, year in set().union(*(_cited(s) for s in shown)):
            assert any(author in e and year in e for e in entries), (author, year)
        if data.sprint.profiles:
            profiles += 1
            assert "Samozino et al. 2016" in tail
        if any(w.srpe_load for w in data.load.weeks):
            loads += 1
            assert "Foster et al. 2001" in tail
        # each work once, sorted by first author
        firsts = [ref.split()[0].lower() for ref in data.references]
        assert firsts == sorted(firsts)
        assert len(set(data.references)) == len(data.references)
    assert profiles and loads  # the demo shows both somewhere


def test_a_reference_list_names_each_work_once_by_author_and_year():
    refs = reference_list(
        [
            "Hickey et al. 2020 (pain-free protocol)",
            "Hickey et al. 2020; Mendiguchia et al. 2017",
            "day 30 of an expected 27-41 days (Pollock 2016/2022, BAMIC 2c)",
            "Clinical convention",
            "Clinical convention; Smith et al. 2019 (a clinic's own protocol)",
        ],
        full=["Pollock N, et al. A 4-year study of hamstring injury outcomes. 2022."],
    )
    assert [r.split()[0] for r in refs] == ["Hickey", "Mendiguchia", "Pollock", "Pollock", "Smith"]
    assert refs[3] == "Pollock N, et al. A 4-year study of hamstring injury outcomes. 2022."
    assert refs[2].startswith("Pollock et al. 2016")
    assert refs[4] == "Smith et al. 2019."  # cited works not on file are listed as cited
