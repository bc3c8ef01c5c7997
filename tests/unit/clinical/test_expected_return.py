"""Expected return windows by grade, site and muscle, each with its published source.

The figures below were checked against the papers: Ekstrand 2012 (hamstring, MRI grade
0 8 +/- 3, 1 17 +/- 10, 2 22 +/- 11, 3 = total rupture 73 +/- 60 days), Pollock 2022 (2c
34 +/- 7, 3c 48 +/- 17 days), Prakash 2018 (calf connective-tissue grade 0-3: 8, 17, 25,
48 days, means only), Green 2020 (soleus 25.4 +/- 16.2, gastrocnemius 19.1 +/- 14.1 days).
"""

from __future__ import annotations

import copy
import tomllib

import pytest

from casemgr.clinical.errors import ClinicalDataError
from casemgr.clinical.expected_return import (
    expected_return,
    expected_return_for_label,
    grade_labels,
    load_table,
    table_from_dict,
)
from casemgr.errors import ValidationError
from casemgr.resources import resource_path
from casemgr.vocab import MUSCLES

SURGICAL = "surgical"

# (region, classification, grade label) -> (window, source); every grade of the table
HAMSTRING_BAMIC = {
    "0a": ("5-11", "Ekstrand 2012"),
    "0b": ("5-11", "Ekstrand 2012"),
    "1a": ("7-27", "Ekstrand 2012"),
    "1b": ("7-27", "Ekstrand 2012"),
    "1c": ("7-27", "Ekstrand 2012"),
    "2a": ("11-33", "Ekstrand 2012"),
    "2b": ("11-33", "Ekstrand 2012"),
    "2c": ("27-41", "Pollock 2022"),
    "3a": ("11-33", "Ekstrand 2012"),
    "3b": ("11-33", "Ekstrand 2012"),
    "3c": ("31-65", "Pollock 2022"),
    "4": (SURGICAL, "clinical convention"),
    "4c": (SURGICAL, "clinical convention"),
}
HAMSTRING_MUNICH = {
    "1A": ("5-11", "Ekstrand 2012"),
    "1B": ("5-11", "Ekstrand 2012"),
    "2A": ("5-11", "Ekstrand 2012"),
    "2B": ("5-11", "Ekstrand 2012"),
    "3A": ("7-27", "Ekstrand 2012"),
    "3B": ("11-33", "Ekstrand 2012"),
    "4": (SURGICAL, "clinical convention"),
}
CALF_BAMIC = {
    "0a": ("~8", "Prakash 2018"),
    "0b": ("~8", "Prakash 2018"),
    "1a": ("~17", "Prakash 2018"),
    "1b": ("~17", "Prakash 2018"),
    "1c": ("~17", "Prakash 2018"),
    "2a": ("~25", "Prakash 2018"),
    "2b": ("~25", "Prakash 2018"),
    "2c": ("~25", "Prakash 2018"),
    "3a": ("~48", "Prakash 2018"),
    "3b": ("~48", "Prakash 2018"),
    "3c": ("~48", "Prakash 2018"),
    "4": (SURGICAL, "clinical convention"),
    "4c": (SURGICAL, "clinical convention"),
}
CALF_MUNICH = {
    "1A": ("~8", "Prakash 2018"),
    "1B": ("~8", "Prakash 2018"),
    "2A": ("~8", "Prakash 2018"),
    "2B": ("~8", "Prakash 2018"),
    "3A": ("~17", "Prakash 2018"),
    "3B": ("~25", "Prakash 2018"),
    "4": (SURGICAL, "clinical convention"),
}
TABLE = {
    ("hamstring", "bamic"): HAMSTRING_BAMIC,
    ("hamstring", "munich"): HAMSTRING_MUNICH,
    ("calf", "bamic"): CALF_BAMIC,
    ("calf", "munich"): CALF_MUNICH,
}
CALF_MUSCLES = {  # muscle -> (how the note names it, window): Green 2020
    "soleus": ("soleus", "9-42"),
    "medial_gastrocnemius": ("gastrocnemius", "5-33"),
    "lateral_gastrocnemius": ("gastrocnemius", "5-33"),
    "unspecified": ("muscle not yet known: soleus", "9-42"),
}


def muscle_note(muscle: str) -> str:
    label, window = CALF_MUSCLES[muscle]
    return f"{label} {window} days (Green 2020)"


ROWS = [
    (region, classification, label, window, source)
    for (region, classification), grades in TABLE.items()
    for label, (window, source) in grades.items()
]


def test_the_test_table_covers_every_grade_the_app_can_store():
    for (_, classification), grades in TABLE.items():
        assert tuple(grades) == grade_labels(classification)


@pytest.mark.parametrize(("region", "classification", "label", "window", "source"), ROWS)
def test_every_grade_row_of_the_table(region, classification, label, window, source):
    for muscle in MUSCLES[region]:
        expected = expected_return(region, muscle, label, "", classification)
        assert expected is not None and expected.source == source
        if window == SURGICAL:
            assert expected.surgical and expected.span == ""
            assert expected.low_days is None and expected.high_days is None
            assert (
                expected.describe(12) == f"day 12: surgical opinion (grade {label}, complete tear)"
            )
            assert expected.note == ""  # no day window beside a surgical opinion
            continue
        assert not expected.surgical and expected.span == window
        assert expected.describe(12) == f"day 12 of an expected {window} days ({source})"
        assert expected.describe() == f"expected {window} days ({source})"
        assert expected.details().startswith(f"{source}: ")
        if region == "calf":  # the muscle's own window beside the grade's
            assert expected.note == muscle_note(muscle)
            assert expected.describe_with_note(12).endswith(f"; {muscle_note(muscle)}")
        else:
            assert expected.note == "" and expected.describe_with_note(12) == expected.describe(12)


@pytest.mark.parametrize("muscle", CALF_MUSCLES)
def test_every_calf_muscle_row(muscle):
    data = _data()
    data["grade"] = [row for row in data["grade"] if row["region"] != "calf"]
    table = table_from_dict(data)
    # without calf grade rows, the muscle's window is the window itself
    alone = expected_return("calf", muscle, "2", "b", table=table)
    window = CALF_MUSCLES[muscle][1]
    assert alone.describe(12) == f"day 12 of an expected {window} days (Green 2020)"
    with_grade = expected_return("calf", muscle, "2", "b")
    assert with_grade.note == muscle_note(muscle) and with_grade.source == "Prakash 2018"


def test_site_and_grade_are_split_or_whole_alike():
    assert expected_return("hamstring", "semitendinosus", "2", "c").span == "27-41"
    assert expected_return("hamstring", "semitendinosus", "2C", "").span == "27-41"
    assert expected_return_for_label("hamstring", "semitendinosus", "3c").span == "31-65"
    assert expected_return_for_label("hamstring", "semitendinosus", "3B").span == "11-33"  # Munich
    assert expected_return_for_label("calf", "soleus", "0a").span == "~8"
    assert expected_return_for_label("calf", "soleus", "4").surgical
    assert expected_return_for_label("hamstring", "semitendinosus", "") is None
    assert expected_return("knee", "acl", "2", "b") is None


def test_grade_4_says_surgical_opinion_and_counts_no_days():
    tear = expected_return("hamstring", "semimembranosus", "4", "")
    assert tear.surgical and tear.mean_days is None and tear.span == ""
    assert tear.describe(12) == "day 12: surgical opinion (grade 4, complete tear)"
    assert "days (" not in tear.describe(12)
    assert "surgeon first" in tear.details() and "Ekstrand 2012" in tear.details()
    assert any(ref.startswith("Ekstrand J") for ref in tear.references)
    munich = expected_return("hamstring", "semimembranosus", "4", "", "munich")
    assert munich.surgical and munich.describe() == "surgical opinion (grade 4, complete tear)"
    assert expected_return("calf", "soleus", "4", "c").surgical


def test_a_grade_1_and_a_grade_3_hamstring_get_different_windows():
    small = expected_return("hamstring", "biceps_femoris_long_head", "1", "b")
    extensive = expected_return("hamstring", "biceps_femoris_long_head", "3", "b")
    tendon = expected_return("hamstring", "biceps_femoris_long_head", "3", "c")
    assert (small.low_days, small.high_days) == (7, 27)
    assert (extensive.low_days, extensive.high_days) == (11, 33)
    assert (tendon.low_days, tendon.high_days) == (31, 65)
    assert small.sort_days < extensive.sort_days < tendon.sort_days
    # intratendinous injuries return later than the same grade elsewhere (Pollock 2022)
    assert expected_return("hamstring", "semitendinosus", "2", "c").sort_days > extensive.sort_days


def test_the_mapping_says_when_it_is_convention():
    direct = expected_return("hamstring", "semitendinosus", "2", "c")
    assert direct.convention == ""
    assert direct.details() == (
        "Pollock 2022: BAMIC 2c (intratendinous), elite track and field: 34 ± 7 days to full training"
    )
    mapped = expected_return("hamstring", "semitendinosus", "3", "b")
    assert "clinical convention" in mapped.convention
    assert "total rupture" in mapped.convention  # why a BAMIC 3b is not Ekstrand's grade 3
    assert "clinical convention" in expected_return("calf", "soleus", "1", "a").convention
    assert "Pollock 2022" in expected_return("hamstring", "semitendinosus", "1", "c").convention


def test_calf_grade_wins_and_the_muscle_window_is_the_note():
    soleus = expected_return("calf", "soleus", "3", "c")
    assert soleus.describe_with_note(20) == (
        "day 20 of an expected ~48 days (Prakash 2018); soleus 9-42 days (Green 2020)"
    )
    refs = " ".join(soleus.references)
    assert "Prakash A" in refs and "Green B" in refs
    gastroc = expected_return("calf", "medial_gastrocnemius", "0b", "")
    assert gastroc.describe_with_note() == (
        "expected ~8 days (Prakash 2018); gastrocnemius 5-33 days (Green 2020)"
    )


def test_every_source_named_on_screen_has_its_full_reference():
    table = load_table()
    for region, classification, label, _, source in ROWS:
        muscle = next(iter(MUSCLES[region]))
        expected = expected_return(region, muscle, label, "", classification, table)
        if source != "clinical convention":
            assert any(ref.startswith(source.split()[0]) for ref in expected.references)
        assert all(
            "2012" in r or "2018" in r or "2020" in r or "2022" in r for r in expected.references
        )


def test_a_window_never_starts_below_day_1():
    data = _data()
    row = next(r for r in data["grade"] if "0a" in r["grades"] and r["region"] == "hamstring")
    row["mean_days"], row["sd_days"] = 3, 5
    table = table_from_dict(data)
    short = expected_return("hamstring", "semitendinosus", "0a", "", table=table)
    assert (short.low_days, short.high_days) == (1, 8)
    assert short.describe(2) == "day 2 of an expected 1-8 days (Ekstrand 2012)"


# --- the data file is validated on load ---------------------------------------------------


def _data() -> dict:
    with resource_path("expected_return.toml").open("rb") as fh:
        return copy.deepcopy(tomllib.load(fh))


def _break(change) -> dict:
    data = _data()
    change(data)
    return data


def _first_grade_row(data) -> dict:
    return data["grade"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _first_grade_row(d).pop("source"), "grade row 1: no source"),
        (lambda d: _first_grade_row(d).update(source="  "), "grade row 1: no source"),
        (lambda d: d["muscle"][0].pop("source"), "muscle row 1: no source"),
        (
            lambda d: _first_grade_row(d).update(source="Smith 2019"),
            "source 'Smith 2019' is not listed under [sources]",
        ),
        (lambda d: d["grade"].pop(0), "hamstring BAMIC grade(s) without a row: 0a, 0b"),
        (lambda d: d["grade"].append(dict(d["grade"][0])), "hamstring grade '0a' has two rows"),
        (lambda d: _first_grade_row(d).update(grades=["5a"]), "'5a' is not a BAMIC grade"),
        (lambda d: _first_grade_row(d).update(region="knee"), "region 'knee' is not one of"),
        (lambda d: _first_grade_row(d).update(classification="who"), "classification is"),
        (lambda d: _first_grade_row(d).update(mean_days="eight"), "mean_days must be a number"),
        (lambda d: _first_grade_row(d).update(mean_days=0), "mean_days must be above 0"),
        (lambda d: _first_grade_row(d).update(sd_days=-1), "sd_days must be above 0"),
        (lambda d: _first_grade_row(d).update(days=8), "unknown field 'days'"),
        (
            lambda d: _first_grade_row(d).update(surgical=True),
            "a surgical opinion has no day window",
        ),
        (lambda d: d["muscle"].pop(0), "calf muscle(s) without a row: soleus"),
        (lambda d: d["muscle"][0].update(muscles=["deltoid"]), "'deltoid' is not a calf muscle"),
        (lambda d: d["muscle"][0].update(label=""), "needs the label its note shows"),
        (lambda d: d["sources"].update({"Ekstrand 2012": ""}), "[sources] maps"),
        (lambda d: d.update(extra=[]), "unknown table 'extra'"),
    ],
)
def test_a_bad_table_is_refused_with_a_clear_message(change, message):
    with pytest.raises(ClinicalDataError) as caught:
        table_from_dict(_break(change), origin="expected_return.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("expected_return.toml: ")
    assert isinstance(caught.value, ValidationError)  # worded like any domain error


def test_a_table_file_is_read_and_checked(tmp_path):
    good = tmp_path / "windows.toml"
    good.write_bytes(resource_path("expected_return.toml").read_bytes())
    table = load_table(good)
    assert expected_return("hamstring", "semitendinosus", "3", "c", table=table).span == "31-65"
    text = good.read_text(encoding="utf-8")
    no_source = tmp_path / "no_source.toml"
    no_source.write_text(text.replace('source = "Pollock 2022"\n', "", 1), encoding="utf-8")
    with pytest.raises(ClinicalDataError, match=r"^no_source.toml: grade row 5: no source"):
        load_table(no_source)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[grade]\n", encoding="utf-8")
    with pytest.raises(ClinicalDataError, match=r"^broken.toml: "):
        load_table(broken)
    with pytest.raises(ClinicalDataError, match="cannot read the expected-return table"):
        load_table(tmp_path / "missing.toml")


def test_the_bundled_table_is_the_default():
    assert load_table() is load_table()  # read once
    assert expected_return("hamstring", "semitendinosus", "2", "b") == expected_return(
        "hamstring",
        "semitendinosus",
        "2",
        "b",
        table=load_table(resource_path("expected_return.toml")),
    )
