"""Limb symmetry index and asymmetry (DOMAIN.md section 2).

- LSI = injured / uninjured x 100 for higher-is-better measures and uninjured / injured x 100
  for lower-is-better ones, so that 100 means symmetric and < 100 means the injured limb is
  worse in both cases.
- Asymmetry % = (stronger - weaker) / stronger x 100 (DOMAIN.md; Opar 2015 found a > 10%
  Nordic imbalance did not predict hamstring injury, so asymmetry limits are *convention*).
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["asymmetry_pct", "lsi"]


def _check(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def lsi(injured: float, uninjured: float, higher_is_better: bool = True) -> float | None:
    """Limb symmetry index (%): injured/uninjured x 100 (higher is better), else
    uninjured/injured x 100. None when the denominator is 0. Values must be >= 0.
    """
    inj = _check("injured", injured)
    uninj = _check("uninjured", uninjured)
    numerator, denominator = (inj, uninj) if higher_is_better else (uninj, inj)
    if denominator == 0:
        return None
    return numerator / denominator * 100.0


def asymmetry_pct(a: float, b: float) -> float | None:
    """Between-limb asymmetry (%) = (larger - smaller) / larger x 100.

    The larger value is the "stronger" limb of DOMAIN.md; for lower-is-better measures (e.g.
    contact time) the formula is applied to the magnitudes in the same way, so the result is
    always in [0, 100]. None when both values are 0.
    """
    x = _check("a", a)
    y = _check("b", b)
    stronger, weaker = max(x, y), min(x, y)
    if stronger == 0:
        return None
    return (stronger - weaker) / stronger * 100.0
