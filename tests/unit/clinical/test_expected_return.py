"""Expected return windows from DOMAIN.md section 1."""

from __future__ import annotations

from casemgr.clinical.expected_return import expected_return


def test_hamstring_intratendinous_injuries_return_later():
    r2c = expected_return("hamstring", "biceps_femoris_long_head", "2", "c")
    r3c = expected_return("hamstring", "biceps_femoris_long_head", "3", "c")
    assert (r2c.low_days, r2c.high_days) == (27, 41)
    assert (r3c.low_days, r3c.high_days) == (31, 65)
    other = expected_return("hamstring", "semitendinosus", "2", "b")
    assert other.mean_days == 18.6 and other.describe(12).startswith("day 12 of an expected ~19")


def test_calf_by_muscle_with_the_grade_noted():
    soleus = expected_return("calf", "soleus", "2", "b")
    assert (soleus.low_days, soleus.high_days) == (9, 42)
    assert "25 d (Prakash 2018)" in soleus.note
    gastroc = expected_return("calf", "medial_gastrocnemius", "1", "a")
    assert (gastroc.low_days, gastroc.high_days) == (5, 33)
    assert gastroc.describe() == "expected 5-33 days (Green 2020, gastrocnemius)"
