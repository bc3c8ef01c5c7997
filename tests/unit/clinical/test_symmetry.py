"""Limb symmetry index and asymmetry (DOMAIN.md section 2)."""

from __future__ import annotations

import math

import pytest

from casemgr.clinical.symmetry import asymmetry_pct, lsi


def test_lsi_higher_is_better() -> None:
    assert lsi(80, 100) == pytest.approx(80.0)  # injured 80 / uninjured 100 x 100
    assert lsi(110, 100) == pytest.approx(110.0)
    assert lsi(100, 100) == pytest.approx(100.0)


def test_lsi_lower_is_better() -> None:
    # Contact time: injured 220 ms, uninjured 200 ms -> 200/220 x 100 = 90.9 (worse < 100)
    assert lsi(220, 200, higher_is_better=False) == pytest.approx(200 / 220 * 100)
    assert lsi(180, 200, higher_is_better=False) == pytest.approx(200 / 180 * 100)


def test_lsi_zero_denominator_is_none() -> None:
    assert lsi(50, 0) is None
    assert lsi(0, 50, higher_is_better=False) is None
    assert lsi(0, 50) == 0.0


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_lsi_rejects_bad_values(bad: float) -> None:
    with pytest.raises(ValueError):
        lsi(bad, 100)
    with pytest.raises(ValueError):
        lsi(100, bad)


def test_lsi_rejects_non_numbers() -> None:
    with pytest.raises(TypeError):
        lsi(True, 100)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        lsi("80", 100)  # type: ignore[arg-type]


def test_asymmetry() -> None:
    # (stronger - weaker) / stronger x 100 = (300 - 270) / 300 x 100 = 10
    assert asymmetry_pct(270, 300) == pytest.approx(10.0)
    assert asymmetry_pct(300, 270) == pytest.approx(10.0)  # order does not matter
    assert asymmetry_pct(250, 250) == 0.0
    assert asymmetry_pct(0, 40) == pytest.approx(100.0)
    assert asymmetry_pct(0, 0) is None
    with pytest.raises(ValueError):
        asymmetry_pct(-1, 10)
