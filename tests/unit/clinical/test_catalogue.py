"""The measure catalogue (DOMAIN.md section 2): units, plausible ranges, clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.errors import (
    ClinicalDataError,
    ImplausibleValueError,
    UnknownMeasureError,
    UnknownUnitError,
)
from casemgr.resources import resource_path

DOMAIN_MEASURES = [
    "max_velocity",
    "split_10m",
    "split_20m",
    "split_30m",
    "f0_rel",
    "v0",
    "pmax_rel",
    "ground_contact_time",
    "step_frequency",
    "step_length",
    "nordic_force",
    "iso_knee_flexion_90",
    "ake",
    "slr",
    "h_test",
    "calf_raise_reps",
    "knee_to_wall",
    "hop_distance",
    "pain",
    "soreness",
    "tightness",
    "sleep_hours",
    "stress",
    "confidence",
    "srpe",
    "duration",
    "total_distance",
    "hsr_distance",
    "sprint_distance",
    "soleus_strength",
]


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_every_domain_measure_is_catalogued(cat) -> None:
    missing = [key for key in DOMAIN_MEASURES if key not in cat]
    assert missing == []


def test_per_limb_and_direction_follow_the_domain_table(cat) -> None:
    for key in ("nordic_force", "iso_knee_flexion_90", "ake", "calf_raise_reps", "soleus_strength"):
        assert cat.get(key).per_limb, key
        assert cat.get(key).better == "higher", key
    for key in ("split_30m", "pain", "soreness", "h_test", "ground_contact_time"):
        assert cat.get(key).better == "lower", key
    assert not cat.get("max_velocity").per_limb
    assert not cat.get("pain").per_limb
    assert cat.get("ground_contact_time").per_limb
    assert cat.get("max_velocity").unit == "m/s"
    assert cat.get("nordic_force").unit == "N"


def test_gps_kmh_and_mph_become_metres_per_second(cat) -> None:
    assert cat.convert("max_velocity", 36.0, "km/h") == pytest.approx(10.0)
    assert cat.convert("max_velocity", 36.0, " KM/H ") == pytest.approx(10.0)
    assert cat.convert("max_velocity", 20.0, "mph") == pytest.approx(8.9408)
    assert cat.convert("max_velocity", 9.1, "m/s") == 9.1
    assert cat.convert("max_velocity", 9.1, None) == 9.1


def test_times_forces_and_distances_convert(cat) -> None:
    assert cat.convert("split_30m", 4150, "ms") == pytest.approx(4.15)
    assert cat.convert("ground_contact_time", 0.11, "s") == pytest.approx(110)
    assert cat.convert("nordic_force", 100, "lbf") == pytest.approx(444.822, rel=1e-5)
    assert cat.convert("nordic_force", 30, "kgf") == pytest.approx(294.1995)
    assert cat.convert("hsr_distance", 1.2, "km") == pytest.approx(1200)
    assert cat.convert("hop_distance", 1.5, "m") == pytest.approx(150)
    assert cat.convert("ake", 70, "°") == 70


def test_unknown_unit_lists_the_accepted_ones(cat) -> None:
    with pytest.raises(UnknownUnitError) as err:
        cat.convert("max_velocity", 30, "furlongs/fortnight")
    message = str(err.value)
    assert "Max velocity cannot be given in 'furlongs/fortnight'" in message
    assert "m/s" in message and "km/h" in message


def test_implausible_value_message_reads_like_a_sentence(cat) -> None:
    with pytest.raises(ImplausibleValueError) as err:
        cat.validate("nordic_force", 5200)
    assert str(err.value) == "Nordic force 5200 N is outside the plausible range 0–1500 N"
    assert isinstance(err.value, ClinicalDataError)
    assert isinstance(err.value, ValueError)


def test_km_h_typed_as_m_s_is_refused(cat) -> None:
    with pytest.raises(ImplausibleValueError, match="Max velocity 32.4 m/s"):
        cat.validate("max_velocity", 32.4)
    assert cat.convert_and_validate("max_velocity", 32.4, "km/h") == pytest.approx(9.0)


def test_validate_accepts_the_range_edges_and_refuses_nan_and_text(cat) -> None:
    assert cat.validate("pain", 0) == 0.0
    assert cat.validate("pain", 10) == 10.0
    with pytest.raises(ImplausibleValueError):
        cat.validate("pain", 11)
    with pytest.raises(ImplausibleValueError):
        cat.validate("pain", float("nan"))
    with pytest.raises(ClinicalDataError, match="not a number"):
        cat.validate("pain", "3")  # type: ignore[arg-type]


def test_unknown_measure_suggests_close_matches(cat) -> None:
    with pytest.raises(UnknownMeasureError) as err:
        cat.get("nordik_force")
    assert str(err.value) == "Unknown measure 'nordik_force' (did you mean 'nordic_force'?)"
    assert err.value.suggestions == ("nordic_force",)
    with pytest.raises(UnknownMeasureError, match="^Unknown measure 'xyz'$"):
        cat.get("xyz")


def test_display_format_uses_decimals_and_symbols(cat) -> None:
    assert cat.format("max_velocity", 9.165) == "9.17 m/s"  # half-up, as a person rounds
    assert cat.format("pain", 3) == "3/10"
    assert cat.format("ake", 72.4) == "72°"
    assert cat.format("nordic_force", 312.6) == "313 N"
    assert cat.format("nordic_force", None) == "—"


def test_default_catalogue_is_found_relative_to_the_package(cat) -> None:
    path = resource_path("measures.toml")
    assert path.is_file()
    assert path == Path(__file__).resolve().parents[3] / "resources" / "measures.toml"
    assert load_catalogue(path).keys() == cat.keys()


def test_resource_path_uses_meipass_when_frozen(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert (
        resource_path("protocols", "calf.toml")
        == tmp_path / "resources" / "protocols" / "calf.toml"
    )


def test_broken_catalogue_file_names_file_and_line(tmp_path) -> None:
    bad = tmp_path / "measures.toml"
    bad.write_text('[measures.pain]\nlabel = "Pain"\nunit = \n', encoding="utf-8")
    with pytest.raises(ClinicalDataError, match=r"measures.toml: .*line 3"):
        load_catalogue(bad)


def test_catalogue_entry_with_bad_direction_is_refused(tmp_path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text(
        '[measures.x]\nlabel = "X"\nunit = "N"\nbetter = "up"\nrange = [0, 1]\n',
        encoding="utf-8",
    )
    with pytest.raises(ClinicalDataError, match="m.toml: measures.x: better must be one of"):
        load_catalogue(bad)


def test_published_reliability_figures_carry_their_source(cat) -> None:
    ake = cat.get("ake").reliability
    assert (ake.kind, ake.value, ake.source) == ("sem", 5.3, "Reurink et al. 2013")
    assert ake.amount(80.0) == 5.3 and ake.describe("deg") == "SEM 5.3 deg"
    nordic = cat.get("nordic_force").reliability
    assert (nordic.kind, nordic.value) == ("cv", 5.8) and nordic.source.startswith("Opar")
    assert nordic.amount(400.0) == pytest.approx(23.2) and nordic.describe() == "CV 5.8%"
    hop = cat.get("hop_distance").reliability
    assert (hop.kind, hop.value) == ("sem", 4.61) and hop.source.startswith("Ross")
    # No attributable figure: no floor, and no smallest worthwhile change on file yet.
    assert cat.get("max_velocity").reliability is None
    assert all(m.swc is None for m in cat)


def _one_measure(extra: str) -> str:
    return f'[measures.x]\nlabel = "X"\nunit = "N"\nrange = [0, 1000]\n{extra}\n'


def test_reliability_and_swc_tables_are_read(tmp_path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        _one_measure(
            'reliability = { sem = 20, source = "A 2020" }\n'
            'swc = { pct = 2.5, source = "clinical convention" }'
        ),
        encoding="utf-8",
    )
    x = load_catalogue(path).get("x")
    assert (x.reliability.kind, x.reliability.value, x.reliability.source) == ("sem", 20, "A 2020")
    assert x.swc.amount(400.0) == pytest.approx(10.0) and x.swc.describe() == "SWC 2.5%"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("reliability = 5", "reliability must be a table"),
        (
            'reliability = { cv = 5, sem = 2, source = "A" }',
            "reliability needs exactly one of cv or sem",
        ),
        ('reliability = { pct = 5, source = "A" }', "reliability needs exactly one of cv or sem"),
        ('swc = { cv = 5, source = "A" }', "swc needs exactly one of pct or value"),
        ('swc = { value = -1, source = "A" }', "swc.value must be a positive number"),
        ('swc = { value = "1", source = "A" }', "swc.value must be a number"),
        ("reliability = { cv = 5 }", "reliability needs a source"),
        ('reliability = { cv = 5, source = " " }', "reliability needs a source"),
    ],
)
def test_bad_reliability_or_swc_is_refused(tmp_path, extra, message) -> None:
    path = tmp_path / "m.toml"
    path.write_text(_one_measure(extra), encoding="utf-8")
    with pytest.raises(ClinicalDataError, match=f"m.toml: measures.x: {message}"):
        load_catalogue(path)
