"""NumPy-only Lambert W0 and bounded Levenberg-Marquardt (casemgr.clinical.numeric)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from casemgr.clinical.numeric import LeastSquaresResult, lambert_w0, least_squares_bounded

MINUS_INV_E = -math.exp(-1.0)

# --- Lambert W0 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (1.0, 0.5671432904097838),  # the omega constant
        (math.e, 1.0),
        (-0.2, -0.2591711018190737),
        (10.0, 1.7455280027406994),
        (-0.3678, -0.9793607149578285),
        (1e-20, 1e-20),
        (1e100, 224.8431064451185),
    ],
)
def test_w0_known_values(x: float, expected: float) -> None:
    assert lambert_w0(x) == pytest.approx(expected, rel=1e-14)


def test_w0_exact_points() -> None:
    assert lambert_w0(MINUS_INV_E) == -1.0
    assert lambert_w0(0.0) == 0.0
    assert lambert_w0(math.inf) == math.inf
    # A -1/e that is off by rounding (e.g. -exp(-1 - 1e-17)) is the branch point.
    assert lambert_w0(np.nextafter(MINUS_INV_E, -1.0)) == -1.0


def test_w0_outside_the_domain_is_nan() -> None:
    assert math.isnan(lambert_w0(-0.5))
    assert math.isnan(lambert_w0(MINUS_INV_E - 1e-12))
    assert math.isnan(lambert_w0(math.nan))
    assert math.isnan(lambert_w0(-math.inf))


def _grid() -> np.ndarray:
    near_branch = MINUS_INV_E + np.logspace(-16, -1, 61)
    return np.concatenate(
        [
            near_branch,
            np.linspace(-0.36, 0.0, 73),
            -np.logspace(-300, -1, 31),
            np.logspace(-300, 4, 77),
            np.linspace(0.0, 25.0, 51),
        ]
    )


def test_w0_satisfies_its_definition() -> None:
    x = _grid()
    w = lambert_w0(x)
    assert isinstance(w, np.ndarray) and w.shape == x.shape
    assert np.all(w >= -1.0)
    assert w * np.exp(w) == pytest.approx(x, rel=1e-14, abs=1e-300)


def test_w0_large_arguments() -> None:
    # w e^w = x as w + ln w = ln x, which does not overflow.
    x = np.logspace(2, 308, 80)
    w = lambert_w0(x)
    assert w + np.log(w) == pytest.approx(np.log(x), rel=1e-14)


def test_w0_is_increasing() -> None:
    x = np.sort(_grid())
    assert np.all(np.diff(lambert_w0(x)) >= 0)


def test_w0_near_the_branch_point_matches_the_series() -> None:
    # W0(-1/e + eps) = -1 + p - p^2/3 + 11 p^3/72 - ..., p = sqrt(2 e eps) (Corless 1996, 4.22),
    # with eps the exact distance of the double x from -1/e.
    inv_e = sum(Fraction((-1) ** k, math.factorial(k)) for k in range(30))
    for x in MINUS_INV_E + np.array([1e-15, 1e-14, 1e-12, 1e-10, 1e-8]):
        eps = float(Fraction(float(x)) + inv_e)
        p = math.sqrt(2 * math.e * eps)
        series = p - p**2 / 3 + 11 * p**3 / 72 - 43 * p**4 / 540
        assert lambert_w0(x) + 1 == pytest.approx(series, rel=1e-13)


def test_w0_shapes_and_types() -> None:
    assert isinstance(lambert_w0(1), float)
    assert isinstance(lambert_w0(np.float64(1.0)), float)
    w = lambert_w0(np.array([[1.0, math.e], [0.0, MINUS_INV_E]]))
    assert w.shape == (2, 2)
    assert w == pytest.approx(np.array([[0.5671432904097838, 1.0], [0.0, -1.0]]), rel=1e-14)
    assert lambert_w0([1.0, -0.2]) == pytest.approx([0.5671432904097838, -0.2591711018190737])
    assert lambert_w0(np.array([])).shape == (0,)


# --- bounded Levenberg-Marquardt ------------------------------------------------------------

T = np.linspace(0.0, 3.0, 13)


def _exp_residuals(y: np.ndarray):
    def fn(p: np.ndarray) -> np.ndarray:
        a, b = p
        return a * np.exp(-b * T) - y

    def jac(p: np.ndarray) -> np.ndarray:
        a, b = p
        e = np.exp(-b * T)
        return np.column_stack([e, -a * T * e])

    return fn, jac


def _noisy_y() -> np.ndarray:
    noise = 0.02 * np.sin(7.0 * T)  # deterministic "noise"
    return 2.5 * np.exp(-1.3 * T) + noise


@pytest.mark.parametrize("analytic", [True, False], ids=["analytic", "finite-differences"])
def test_lm_recovers_an_exponential(analytic: bool) -> None:
    fn, jac = _exp_residuals(2.5 * np.exp(-1.3 * T))
    res = least_squares_bounded(
        fn, [1.0, 0.5], [0.0, 0.0], [10.0, 10.0], jac=jac if analytic else None
    )
    assert isinstance(res, LeastSquaresResult)
    assert res.converged
    assert res.x == pytest.approx([2.5, 1.3], rel=1e-8)
    assert res.cost < 1e-16
    assert res.cost == pytest.approx(0.5 * float(res.residuals @ res.residuals))
    assert list(res.active) == [0, 0]
    assert 0 < res.iterations < 100 and res.nfev >= res.iterations


def test_lm_noisy_fit_is_a_stationary_point() -> None:
    y = _noisy_y()
    fn, jac = _exp_residuals(y)
    res = least_squares_bounded(fn, [1.0, 0.5], [0.0, 0.0], [10.0, 10.0], jac=jac)
    assert res.converged
    assert res.x == pytest.approx([2.5, 1.3], rel=0.05)
    assert np.abs(jac(res.x).T @ res.residuals).max() < 1e-10
    # Finite differences and other start values reach the same minimum.
    fd = least_squares_bounded(fn, [5.0, 3.0], [0.0, 0.0], [10.0, 10.0])
    assert fd.converged
    assert fd.x == pytest.approx(res.x, rel=1e-7)
    assert fd.cost == pytest.approx(res.cost, rel=1e-10)


@pytest.mark.parametrize(
    ("lower_b", "upper_b", "bound", "side"), [(0.0, 1.0, 1.0, 1), (2.0, 9.0, 2.0, -1)]
)
def test_lm_active_bound(lower_b: float, upper_b: float, bound: float, side: int) -> None:
    # True rate 1.3 is outside [lower_b, upper_b]: the fit stops on the bound and, with the
    # rate fixed there, the amplitude is the linear least-squares one.
    y = _noisy_y()
    fn, jac = _exp_residuals(y)
    for j in (jac, None):
        res = least_squares_bounded(fn, [1.0, 1.5 * bound], [0.0, lower_b], [10.0, upper_b], jac=j)
        assert res.converged
        assert res.x[1] == bound
        assert list(res.active) == [0, side]
        e = np.exp(-bound * T)
        assert res.x[0] == pytest.approx(float(e @ y / (e @ e)), rel=1e-8)
    # An unbounded fit is lower in cost.
    free = least_squares_bounded(fn, [1.0, 1.0], [0.0, 0.0], [10.0, 10.0], jac=jac)
    assert free.cost < res.cost


def test_lm_bounded_rosenbrock() -> None:
    # Rosenbrock as least squares: minimum (1, 1); with x0 <= 0.5 it is (0.5, 0.25).
    def fn(p: np.ndarray) -> np.ndarray:
        return np.array([10.0 * (p[1] - p[0] ** 2), 1.0 - p[0]])

    free = least_squares_bounded(fn, [-1.2, 1.0], [-5.0, -5.0], [5.0, 5.0])
    assert free.converged and free.x == pytest.approx([1.0, 1.0], abs=1e-8)
    bounded = least_squares_bounded(fn, [-1.2, 1.0], [-5.0, -5.0], [0.5, 5.0])
    assert bounded.converged
    assert bounded.x == pytest.approx([0.5, 0.25], abs=1e-8)
    assert list(bounded.active) == [1, 0]


def test_lm_start_outside_the_box_is_clipped() -> None:
    fn, jac = _exp_residuals(2.5 * np.exp(-1.3 * T))
    res = least_squares_bounded(fn, [50.0, -3.0], [0.0, 0.0], [10.0, 10.0], jac=jac)
    assert res.converged
    assert res.x == pytest.approx([2.5, 1.3], rel=1e-8)


def test_lm_rejects_non_finite_trial_points() -> None:
    # The residuals are undefined for rates above 2; steps there are rejected.
    y = 2.5 * np.exp(-1.3 * T)

    def fn(p: np.ndarray) -> np.ndarray:
        a, b = p
        return a * np.exp(-b * T) - y + (np.nan if b > 2.0 else 0.0)

    res = least_squares_bounded(fn, [0.5, 1.9], [0.0, 0.0], [10.0, 10.0])
    assert res.converged
    assert res.x == pytest.approx([2.5, 1.3], rel=1e-7)


def test_lm_reports_no_convergence() -> None:
    fn, jac = _exp_residuals(_noisy_y())
    res = least_squares_bounded(fn, [1.0, 0.5], [0.0, 0.0], [10.0, 10.0], jac=jac, max_iter=2)
    assert not res.converged
    assert res.iterations == 2
    assert "maximum" in res.message
    res = least_squares_bounded(fn, [1.0, 0.5], [0.0, 0.0], [10.0, 10.0], max_nfev=5)
    assert not res.converged
    assert res.nfev <= 6


def test_lm_bad_arguments() -> None:
    fn, _ = _exp_residuals(_noisy_y())
    with pytest.raises(ValueError, match="same length"):
        least_squares_bounded(fn, [1.0, 0.5], [0.0], [10.0, 10.0])
    with pytest.raises(ValueError, match="lower"):
        least_squares_bounded(fn, [1.0, 0.5], [0.0, 5.0], [10.0, 1.0])
    with pytest.raises(ValueError, match="not finite"):
        least_squares_bounded(lambda p: np.array([np.nan, 1.0]), [1.0], [0.0], [2.0])
