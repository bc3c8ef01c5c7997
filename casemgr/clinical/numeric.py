"""Small NumPy-only numerical routines: Lambert W and bounded non-linear least squares.

- :func:`lambert_w0`: principal branch W0 of the Lambert W function for real arguments
  (Corless RM, Gonnet GH, Hare DEG, Jeffrey DJ, Knuth DE. "On the Lambert W function",
  Adv Comput Math 1996;5:329-359, doi:10.1007/BF02124750).
- :func:`least_squares_bounded`: a Levenberg-Marquardt solver for a few parameters with box
  bounds (projected steps with an active set; Marquardt's diagonal scaling; the damping update
  of Nielsen 1999, see Madsen K, Nielsen HB, Tingleff O. "Methods for non-linear least squares
  problems", 2nd ed., IMM DTU 2004, section 3.2).

Written for the sprint model (:mod:`casemgr.clinical.sprint`), which needs W0 on
[-1/e, 0) and fits of 2-3 parameters to a handful of split times.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["LeastSquaresResult", "lambert_w0", "least_squares_bounded"]

# --------------------------------------------------------------------------------------------
# Lambert W, principal branch

# 1/e split into a double and the rounding rest, so that x + 1/e is accurate near -1/e.
_INV_E_HI = math.exp(-1.0)
_INV_E_LO = float(
    sum((Fraction((-1) ** k, math.factorial(k)) for k in range(30)), Fraction(0))
    - Fraction(_INV_E_HI)
)
# Arguments below -1/e by no more than this (rounding of a computed -1/e) give W = -1.
_BRANCH_SLACK = 4.0 * np.finfo(float).eps * _INV_E_HI


def _branch_series_coefficients(n: int) -> tuple[float, ...]:
    """Coefficients mu_k of W0 = sum mu_k p^k, p = sqrt(2 (e x + 1)) (Corless 1996, 4.22-4.24).

    mu_k = (k-1)/(k+1) (mu_{k-2}/2 + alpha_{k-2}/4) - alpha_k/2 - mu_{k-1}/(k+1),
    alpha_k = sum_{j=2}^{k-1} mu_j mu_{k+1-j}, mu_0 = -1, mu_1 = 1, alpha_0 = 2, alpha_1 = -1.
    """
    mu = [Fraction(-1), Fraction(1)]
    alpha = [Fraction(2), Fraction(-1)]
    for k in range(2, n):
        alpha.append(sum((mu[j] * mu[k + 1 - j] for j in range(2, k)), Fraction(0)))
        mu.append(
            Fraction(k - 1, k + 1) * (mu[k - 2] / 2 + alpha[k - 2] / 4)
            - alpha[k] / 2
            - mu[k - 1] / (k + 1)
        )
    return tuple(float(m) for m in mu)


# mu_k decrease like 2^(-k/2): 24 terms give full double precision for p < 0.15 and a start
# value good to ~3e-5 for p < 1 (x < -0.18).
_MU = np.array(_branch_series_coefficients(24))
_SERIES_ONLY_P = 0.15  # below this p the series alone is exact to rounding (no Halley)
_SERIES_GUESS_P = 1.0  # the series is the start value of the Halley iterations up to this p
_HALLEY_DONE = 1e-5  # a Halley step below this (relative) leaves an error ~1e-15 or less
_MAX_HALLEY = 10


def lambert_w0(x: ArrayLike) -> float | np.ndarray:
    """Principal branch W0 of the Lambert W function (w e^w = x, w >= -1) for real x >= -1/e.

    Vectorised over numpy arrays; returns a float for a scalar argument. Start values: the
    series at the branch point in p = sqrt(2 (e x + 1)) (Corless et al. 1996, eq. 4.22; 24
    terms, coefficients from their recurrence 4.23-4.24) for x < -0.18, elsewhere Winitzki's
    log-based approximation ln(1+x) (1 - ln(1 + ln(1+x)) / (2 + ln(1+x))) (within 2 % for
    all x > -0.18; compare Corless et al. 1996, eq. 4.19 for large x). Then Halley iterations
    (Corless et al. 1996, eq. 5.9) until the relative step is below 1e-5; as they converge
    cubically the error left is about 1e-15 relative (two steps suffice in practice). Within
    p < 0.15 of the branch point the series alone is exact to rounding (and more accurate than
    the iteration, which is ill-conditioned there). W0(-1/e) = -1, W0(0) = 0 and
    W0(inf) = inf exactly.

    Arguments below -1/e by more than the rounding of a computed -1/e (a few ulp), and NaN,
    give NaN (W0 is complex there); arguments within that rounding give -1.

    References: Corless RM, Gonnet GH, Hare DEG, Jeffrey DJ, Knuth DE. "On the Lambert W
    function", Adv Comput Math 1996;5:329-359, doi:10.1007/BF02124750. Winitzki S. "Uniform
    approximations for transcendental functions", ICCSA 2003, LNCS 2667:780-789.
    """
    xa = np.asarray(x, dtype=float)
    xv = xa.ravel()
    with np.errstate(all="ignore"):
        # x + 1/e in two parts (x + hi is exact near -1/e by Sterbenz's lemma).
        shifted = (xv + _INV_E_HI) + _INV_E_LO
        p = np.sqrt((2.0 * math.e) * np.maximum(shifted, 0.0))
        series = np.vander(p, _MU.size, increasing=True) @ _MU
        lg = np.log1p(xv)
        winitzki = lg * (1.0 - np.log1p(lg) / (2.0 + lg))
        w = np.where(p < _SERIES_GUESS_P, series, winitzki)
        iterate = p >= _SERIES_ONLY_P
        for k in range(_MAX_HALLEY):
            # Halley's step for f(w) = w e^w - x, with f and its derivatives divided by e^w
            # (no overflow for large x): t = w - x e^-w.
            t = w - xv * np.exp(-w)
            wp1 = w + 1.0
            step = t / (wp1 - (w + 2.0) * t / (2.0 * wp1)) * iterate
            w = w - step
            # Step 1 always runs (the start values are good to 2 %); NaN counts as done.
            if k > 0 and not (np.abs(step) > _HALLEY_DONE * np.abs(w)).any():
                break
        w = np.where(iterate, w, series)
        w = np.where(shifted >= -_BRANCH_SLACK, w, np.nan)
        w = np.where(xv == np.inf, np.inf, w)
    if xa.ndim == 0:
        return float(w[0])
    return w.reshape(xa.shape)


# --------------------------------------------------------------------------------------------
# Bounded Levenberg-Marquardt


@dataclass(frozen=True)
class LeastSquaresResult:
    """Result of :func:`least_squares_bounded`.

    ``x`` solution; ``residuals`` r(x); ``cost`` = 0.5 sum r^2;
    ``converged`` whether a convergence test was met (see ``message``); ``iterations``
    (Jacobian evaluations); ``nfev`` (residual evaluations, finite differences included);
    ``active`` per parameter -1 on the lower bound, +1 on the upper bound, 0 otherwise.
    """

    x: np.ndarray
    residuals: np.ndarray
    cost: float
    converged: bool
    iterations: int
    nfev: int
    message: str
    active: np.ndarray


ResidualFn = Callable[[np.ndarray], ArrayLike]
JacobianFn = Callable[[np.ndarray], ArrayLike]


def _fd_jacobian(
    fn: ResidualFn,
    x: np.ndarray,
    r: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    rel_step: float,
) -> np.ndarray:
    """Forward differences, stepping backwards where a forward step would leave the box."""
    jac = np.empty((r.size, x.size))
    for j in range(x.size):
        h = rel_step * max(1.0, abs(x[j]))
        if x[j] + h > upper[j]:
            h = -h
        xh = x.copy()
        xh[j] = x[j] + h
        h = xh[j] - x[j]  # the step actually representable
        jac[:, j] = (np.asarray(fn(xh), dtype=float) - r) / h
    return jac


def least_squares_bounded(
    residual_fn: ResidualFn,
    x0: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    jac: JacobianFn | None = None,
    xtol: float = 1e-12,
    ftol: float = 1e-12,
    gtol: float = 1e-12,
    max_iter: int = 500,
    max_nfev: int = 2000,
    diff_step: float = 1.49e-8,
    damping: float = 1e-3,
) -> LeastSquaresResult:
    """Minimise 0.5 sum r(x)^2 subject to lower <= x <= upper (Levenberg-Marquardt).

    For small problems (a few parameters). Each iteration solves the damped normal equations
    (J'J + lambda diag(J'J)) dx = -J'r (Marquardt's scaling) on the free parameters, where a
    parameter on a bound whose gradient points out of the box is held fixed (active set), and
    clips the trial point into the box (projected step). A trial point is taken when it lowers
    the cost; lambda starts at ``damping`` and follows the gain ratio (Nielsen 1999). ``x0`` is
    clipped into the box. ``jac(x)`` gives the Jacobian (m x n); without it forward differences
    with relative step ``diff_step`` are used (stepping backwards at an upper bound).

    Convergence (``converged=True``): the relative step is below ``xtol``
    (||dx|| <= xtol (xtol + ||x||)); or the actual and the predicted relative cost reduction are
    both below ``ftol``; or the largest projected gradient component is below ``gtol`` times
    (1 + cost); or the cost is zero. ``converged=False`` after ``max_iter`` iterations or
    ``max_nfev`` residual evaluations, or when no step lowers the cost although none of the
    tests is met. Non-finite residuals at a trial point count as a failed step; non-finite
    residuals at ``x0`` raise ``ValueError``.
    """
    lo = np.asarray(lower, dtype=float).ravel()
    hi = np.asarray(upper, dtype=float).ravel()
    x = np.asarray(x0, dtype=float).ravel().copy()
    if not (lo.shape == hi.shape == x.shape):
        raise ValueError("x0, lower and upper must have the same length")
    if not (lo <= hi).all():
        raise ValueError("lower must not exceed upper")
    x = np.minimum(np.maximum(x, lo), hi)

    def evaluate(p: np.ndarray) -> np.ndarray:
        return np.asarray(residual_fn(p), dtype=float).ravel()

    r = evaluate(x)
    nfev = 1
    if not np.isfinite(r).all():
        raise ValueError("the residuals are not finite at the start point")
    cost = 0.5 * float(r @ r)
    lam = float(damping)
    nu = 2.0
    converged = False
    message = "maximum number of iterations reached"
    iterations = 0

    while iterations < max_iter:
        iterations += 1
        if jac is None:
            jmat = _fd_jacobian(evaluate, x, r, lo, hi, diff_step)
            nfev += x.size
        else:
            jmat = np.asarray(jac(x), dtype=float).reshape(r.size, x.size)
        grad = jmat.T @ r
        if cost == 0.0:
            converged, message = True, "zero cost"
            break
        # Active set: parameters on a bound with the descent direction pointing outwards.
        free = ~(((x <= lo) & (grad > 0)) | ((x >= hi) & (grad < 0)))
        all_free = bool(free.all())
        jf = jmat if all_free else jmat[:, free]
        g = grad if all_free else grad[free]
        if g.size == 0 or float(np.abs(g).max()) <= gtol * (1.0 + cost):
            converged, message = True, "projected gradient below gtol"
            break
        a = jf.T @ jf
        scale = np.where(a.diagonal() > 0, a.diagonal(), 1.0)  # Marquardt's scaling
        x_norm = math.sqrt(float(x @ x))

        stepped = False
        while nfev < max_nfev:
            damped = a.copy()
            damped.flat[:: g.size + 1] += lam * scale
            try:
                dx = np.linalg.solve(damped, -g)
            except np.linalg.LinAlgError:
                dx = g * np.nan
            if not np.isfinite(dx).all():
                lam *= nu
                nu *= 2.0
                if lam > 1e16:
                    break
                continue
            if all_free:
                x_new = x + dx
            else:
                x_new = x.copy()
                x_new[free] += dx
            x_new = np.minimum(np.maximum(x_new, lo), hi)  # projection onto the box
            step = x_new - x
            r_new = evaluate(x_new)
            nfev += 1
            cost_new = 0.5 * float(r_new @ r_new)
            if not math.isfinite(cost_new):
                cost_new = math.inf
            # Reduction predicted by the linear model for the (projected) step.
            jr = jmat @ step
            predicted = -(float(step @ grad) + 0.5 * float(jr @ jr))
            actual = cost - cost_new
            small_step = math.sqrt(float(step @ step)) <= xtol * (xtol + x_norm)
            if actual > 0:
                rho = actual / predicted if predicted > 0 else 0.0
                lam = max(lam * max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3), 1e-15)
                nu = 2.0
                if small_step:
                    converged, message = True, "relative step below xtol"
                elif actual <= ftol * cost and 0 <= predicted <= ftol * cost:
                    converged, message = True, "relative cost reduction below ftol"
                x, r, cost = x_new, r_new, cost_new
                stepped = True
                break
            if small_step:
                # No decrease and no room to move: x is a minimum to xtol.
                converged, message = True, "relative step below xtol"
                break
            lam *= nu
            nu *= 2.0
            if lam > 1e16:
                break
        if converged:
            break
        if not stepped:
            message = (
                "maximum number of residual evaluations reached"
                if nfev >= max_nfev
                else "no step lowers the cost"
            )
            break
    if not converged and nfev >= max_nfev:
        message = "maximum number of residual evaluations reached"

    active = np.where(x <= lo, -1, np.where(x >= hi, 1, 0))
    return LeastSquaresResult(
        x=x,
        residuals=r,
        cost=cost,
        converged=converged,
        iterations=iterations,
        nfev=nfev,
        message=message,
        active=active,
    )
