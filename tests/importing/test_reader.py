"""The robust reader: encodings, lines, quotes, numbers, dates; fuzzed so it never crashes."""

from __future__ import annotations

import codecs
from datetime import date, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casemgr.importing.reader import (
    FileFormatError,
    RowError,
    decode_bytes,
    find_header,
    iter_records,
    parse_date,
    parse_number,
    sniff_delimiter,
    split_lines,
)

NAMES = ["O'Brien <Jr> & Co", "李娜", "José Núñez", "Tomás Ruiz"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16", b""), ("utf-16-le", b"")],
)
def test_names_survive_every_unicode_encoding(name, encoding, prefix):
    raw = prefix + f"athlete;value\r\n{name};1\r\n".encode(encoding)
    decoded = decode_bytes(raw)
    lines = split_lines(decoded.text)
    records = list(iter_records(lines, sniff_delimiter(lines)))
    assert records[1].fields == (name, "1")


def test_cp1252_is_detected_when_not_utf8_and_refused_when_chosen_for_utf8():
    raw = "Tomás Ruiz;8,6\n".encode("cp1252")
    assert decode_bytes(raw).text.startswith("Tomás Ruiz")
    assert "Windows-1252" in decode_bytes(raw).encoding
    with pytest.raises(FileFormatError, match="garble"):
        decode_bytes("Tomás".encode(), "cp1252")
    with pytest.raises(FileFormatError, match="not valid UTF-8"):
        decode_bytes(raw, "utf-8")


def test_line_endings_quotes_and_embedded_newlines():
    text = 'a,b,c\r\n"x, y","say ""hi""",3\r"multi\nline",2,3\n\n1,2,3'
    recs = [r for r in iter_records(split_lines(text), ",") if not r.blank]
    assert [r.fields for r in recs] == [
        ("a", "b", "c"),
        ("x, y", 'say "hi"', "3"),
        ("multi\nline", "2", "3"),
        ("1", "2", "3"),
    ]
    assert [r.line for r in recs] == [1, 2, 3, 6]


def test_an_unmatched_quote_costs_one_line_only():
    lines = ["a,b", '"open,1', "x,2", "y,3"]
    recs = list(iter_records(lines, ","))
    assert recs[1].error.startswith("unmatched quote")
    assert [r.fields for r in recs[2:]] == [("x", "2"), ("y", "3")]


def test_separator_detection():
    assert sniff_delimiter(["a;b;c", "1,5;2,5;3"]) == ";"
    assert sniff_delimiter(["a\tb\tc", "1\t2\t3"]) == "\t"
    assert sniff_delimiter(['name,"x;y",z', "1,2,3"]) == ","


def test_header_below_metadata_lines():
    lines = ["Report of 2026", "Team: A", "", "Name,Date,Value", "Sam,2026-01-01,3"]
    assert find_header(lines, ",", ["Date", "Value"], ["Name"]) == (3, ("Name", "Date", "Value"))


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("8,6", ",", "", 8.6),
        ("1.234,5", ",", ".", 1234.5),
        ("1,234.5", ".", ",", 1234.5),
        ("12 345", ".", " ", 12345.0),
        ("-3.5", ".", "", -3.5),
        ("", ".", "", None),
        ("n/a", ".", "", None),
        (".5", ".", "", 0.5),
    ],
)
def test_numbers(text, decimal, thousands, expected):
    assert parse_number(text, decimal, thousands) == expected


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "message"),
    [
        ("1,234", ".", "", "ambiguous"),
        ("1.234", ",", "", "ambiguous"),
        ("1,23", ".", ",", "threes"),
        ("1.2.3", ".", "", "not a number"),
        ("12abc", ".", "", "not a number"),
        ("1e5", ".", "", "not a number"),
    ],
)
def test_numbers_never_guessed(text, decimal, thousands, message):
    with pytest.raises(RowError, match=message):
        parse_number(text, decimal, thousands)


def test_dates_formats_invalid_dates_and_excel_serials():
    assert parse_date("07/09/2026", "%d/%m/%Y") == (date(2026, 9, 7), None)
    assert parse_date("2026-09-07 08:10", "%Y-%m-%d %H:%M") == (date(2026, 9, 7), time(8, 10))
    assert parse_date("46272", "%Y-%m-%d") == (date(2026, 9, 7), None)
    assert parse_date("46272.5", "%Y-%m-%d") == (date(2026, 9, 7), time(12, 0))
    with pytest.raises(RowError, match="2024-02-30 is not a real date"):
        parse_date("2024-02-30", "%Y-%m-%d")
    with pytest.raises(RowError, match="dd.mm.yyyy"):
        parse_date("2024/02/03", "%d.%m.%Y")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), st.sampled_from(["auto", "utf-8", "utf-16", "cp1252"]))
def test_fuzz_decoding_never_crashes(raw, encoding):
    try:
        decoded = decode_bytes(raw, encoding)
    except FileFormatError:
        return
    lines = split_lines(decoded.text)
    for rec in iter_records(lines, sniff_delimiter(lines)):
        assert rec.line >= 1 and (rec.error or isinstance(rec.fields, tuple))


_cell = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), whitelist_characters='",;\t\r\n ', max_codepoint=0x30FF
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_cell, min_size=1, max_size=5), max_size=8))
def test_fuzz_records_never_crash_and_keep_line_numbers_in_range(rows):
    text = "\n".join(";".join(r) for r in rows)
    lines = split_lines(text)
    seen = 0
    for rec in iter_records(lines, ";"):
        assert 1 <= rec.line <= max(1, len(lines))
        assert rec.line > seen
        seen = rec.line


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20), st.sampled_from([".", ","]), st.sampled_from(["", ".", ",", " "]))
def test_fuzz_numbers_either_parse_or_explain(text, decimal, thousands):
    if decimal == thousands:
        return
    try:
        value = parse_number(text, decimal, thousands)
    except RowError as exc:
        assert str(exc)
    else:
        assert value is None or isinstance(value, float)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(st.integers(0, 2000), st.binary(min_size=0, max_size=4)), min_size=1, max_size=6
    )
)
def test_fuzz_imports_commit_all_or_nothing(clinic, tmp_path, edits):
    """Damaged copies of a real export: each import either writes every value it reports or
    nothing at all (never a partial commit), and never fails with an unexpected error."""
    from pathlib import Path

    from sqlalchemy import func, select

    from casemgr.db.models import Measure
    from casemgr.errors import CaseMgrError
    from casemgr.services.imports import import_file

    raw = bytearray((Path(__file__).parents[1] / "data" / "nordic_hamstring.csv").read_bytes())
    for pos, chunk in edits:
        pos %= len(raw)
        raw[pos : pos + len(chunk)] = chunk
    path = tmp_path / "fuzzed.csv"
    path.write_bytes(bytes(raw))

    def count():
        with clinic.session() as s:
            return s.scalar(select(func.count()).select_from(Measure))

    before = count()
    try:
        with clinic.session() as s:
            report = import_file(s, clinic.actors["coach"], path, "nordic")
    except CaseMgrError:
        assert count() == before
    else:
        assert count() == before + report.measures_new
