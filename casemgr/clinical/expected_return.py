"""Expected time to return, for "day N of an expected M-K" (DOMAIN.md section 1).

Sources:
- Hamstring, elite track and field: mean 18.6 days overall (Pollock et al. 2022);
  intratendinous injuries return later: BAMIC 2c 34 +/- 7 d, 3c 48 +/- 17 d (Pollock 2016,
  2022).
- Calf, Australian football (Green et al. 2020): soleus 25.4 +/- 16.2 d, gastrocnemius
  19.1 +/- 14.1 d; by connective-tissue grade (Prakash et al. 2018): grade 0 = 8 d,
  1 = 17 d, 2 = 25 d, 3 = 48 d.

A range is mean +/- 1 SD (never below 1 day); where a source gives only a mean, the
range is that mean alone. These are group figures to orient a conversation, not a
prognosis for one athlete.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExpectedReturn:
    mean_days: float
    low_days: int
    high_days: int
    source: str
    note: str = ""

    def describe(self, day: int | None = None) -> str:
        """ "day 12 of an expected 9-42 (Green 2020)" or "expected ~19 days (...)"."""
        span = (
            f"{self.low_days}-{self.high_days}"
            if self.low_days != self.high_days
            else f"~{self.low_days}"
        )
        prefix = f"day {day} of an expected {span}" if day is not None else f"expected {span}"
        return f"{prefix} days ({self.source})"


def _range(mean: float, sd: float, source: str, note: str = "") -> ExpectedReturn:
    return ExpectedReturn(mean, max(1, round(mean - sd)), round(mean + sd), source, note)


_PRAKASH = {"0": 8, "0a": 8, "0b": 8, "1": 17, "2": 25, "3": 48}


def expected_return(
    region: str, muscle: str, grade: str = "", site: str = "", classification: str = "bamic"
) -> ExpectedReturn | None:
    """The published return time that fits the injury best, or None if none applies."""
    grade = (grade or "").lower()
    site = (site or "").lower()
    if region == "hamstring":
        if classification == "bamic" and site == "c" and grade == "2":
            return _range(34, 7, "Pollock 2016/2022, BAMIC 2c")
        if classification == "bamic" and site == "c" and grade == "3":
            return _range(48, 17, "Pollock 2016/2022, BAMIC 3c")
        return _range(18.6, 0, "Pollock 2022, elite track and field, all grades")
    if region == "calf":
        note = ""
        if classification == "bamic" and grade in _PRAKASH:
            note = f"by connective-tissue grade {grade}: {_PRAKASH[grade]} d (Prakash 2018)"
        if muscle == "soleus":
            return _range(25.4, 16.2, "Green 2020, soleus", note)
        if muscle in ("medial_gastrocnemius", "lateral_gastrocnemius"):
            return _range(19.1, 14.1, "Green 2020, gastrocnemius", note)
    return None
