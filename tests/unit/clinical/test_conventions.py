"""How a measure is measured is stated, and a value typed another way is converted."""

from __future__ import annotations

import pytest

from casemgr.clinical.catalogue import load_catalogue
from casemgr.clinical.symmetry import lsi


def test_knee_extension_is_the_angle_reached_and_a_deficit_converts():
    catalogue = load_catalogue()
    ake = catalogue.get("ake")
    assert "90/90" in ake.convention and "deficit" in ake.convention
    assert catalogue.convert("ake", 12, "° deficit") == pytest.approx(78)
    assert catalogue.convert("ake", 0, "° deficit") == pytest.approx(90)
    # typed as deficits (injured 30° short, uninjured 12° short) the LSI is not inverted
    injured = catalogue.convert("ake", 30, "° deficit")
    uninjured = catalogue.convert("ake", 12, "° deficit")
    assert lsi(injured, uninjured, True) == pytest.approx(60 / 78 * 100)
    assert lsi(injured, uninjured, True) < 100
