"""Sprint acceleration profile from timing-gate split times.

Mono-exponential model of sprint velocity (Samozino et al. 2016, Scand J Med Sci Sports
26:648-658, doi:10.1111/sms.12490), fitted as in Jovanovic & Vescovi's R package ``shorts``
(Jovanovic M, Vescovi JD. "shorts: an R package for modeling short sprints", Int J Strength
Cond 2022; preprint SportRxiv doi:10.31236/osf.io/4jw62):

- MSS: maximal sprint speed (m/s); MAC: maximal acceleration (m/s^2); tau = MSS / MAC (s).
- v(t) = MSS (1 - e^(-t/tau)); a(t) = MAC e^(-t/tau);
  x(t) = MSS (t + tau e^(-t/tau)) - MSS tau.
- t(d) = tau W0(-e^(-d/(MSS tau) - 1)) + d/MSS + tau (W0: Lambert W, principal branch;
  :func:`casemgr.clinical.numeric.lambert_w0`).

The force-velocity profile with air resistance uses the analytic V0 of Samozino et al. 2022
(Scand J Med Sci Sports 32:559-575, doi:10.1111/sms.14097) and the air-resistance model of
Arsac & Locatelli 2002 (J Appl Physiol 92:1781-1788) and van Ingen Schenau et al. 1991, as
implemented in ``shorts`` (``get_air_resistance``, ``create_FVP``; Jovanovic M. shorts:
Short Sprints, R package, CRAN).

Start corrections (``correction=``, :data:`CORRECTIONS`): ``"none"``; ``"time_shift"`` (a
fixed shift added to every observed time, default +0.3 s); ``"tc"`` (estimated time
correction, t = t(d) + TC); ``"fd"`` (estimated flying distance, t = t(d + FD) - t(FD));
``"fd_fixed"`` (the same with FD fixed, default 0.5 m). The default ``"auto"`` chooses one
(:func:`fit_sprint_profile`) and says which and why.

Pure functions, no I/O. Bad split input raises ``ClinicalDataError`` (a ``ValueError``) with a
message for the clinician; bad model arguments to ``predict_*`` raise plain ``ValueError``.
Plausibility limits for a fitted profile are sanity checks of the fit,
not clinical thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from casemgr.clinical.errors import ClinicalDataError
from casemgr.clinical.numeric import lambert_w0, least_squares_bounded

__all__ = [
    "CORRECTIONS",
    "CORRECTION_ALIASES",
    "DEFAULT_CORRECTION",
    "Correction",
    "SprintFitError",
    "SprintProfile",
    "air_resistance_k",
    "correction_text",
    "stored_correction_text",
    "fit_sprint_profile",
    "parse_splits",
    "predict_acceleration",
    "predict_distance",
    "predict_time",
    "predict_velocity",
]

Correction = Literal["none", "time_shift", "tc", "fd", "fd_fixed"]

#: Start corrections of the public contract (canonical names).
CORRECTIONS: tuple[str, ...] = ("none", "time_shift", "tc", "fd", "fd_fixed")

#: Older long names still accepted by :func:`fit_sprint_profile` and mapped to the canonical
#: ones (the profile always reports the canonical name). ``"flying_distance"`` means the
#: *estimated* flying distance (``"fd"``); use ``"fd_fixed"`` for a fixed one.
CORRECTION_ALIASES: dict[str, str] = {"time_correction": "tc", "flying_distance": "fd"}

#: The default correction: chosen from the splits (:func:`fit_sprint_profile`).
DEFAULT_CORRECTION = "auto"

#: Fewest splits for which ``"auto"`` estimates a start correction (3 parameters + 1).
AUTO_MIN_SPLITS = 4

#: Fixed time shift (s) of ``"time_shift"``, and of ``"auto"`` below AUTO_MIN_SPLITS splits.
DEFAULT_TIME_SHIFT = 0.3

#: ``"auto"`` prefers the flying distance unless the time correction fits better by more than
#: this (s): the resolution of timing gates (1 ms).
AUTO_RMSE_MARGIN = 0.001

#: A fit RMSE above this (s) is reported as a warning with the result (clinical convention).
RMSE_WARNING_S = 0.030

# Plausible input (checked before fitting; bad input is a ClinicalDataError).
MASS_RANGE_KG = (20.0, 200.0)
HEIGHT_RANGE_M = (1.0, 2.3)
DISTANCE_RANGE_M = (1.0, 100.0)
SPLIT_SPEED_RANGE = (1.0, 12.5)  # mean speed over each split (m/s)

#: Default fixed flying distance (m) for ``correction="fd_fixed"``.
DEFAULT_FLYING_DISTANCE = 0.5

#: Drag coefficient of a sprinter (Arsac & Locatelli 2002; ``shorts``).
DRAG_COEFFICIENT = 0.9

#: Start values of the non-linear least squares (as in ``shorts``): MSS 7 m/s, MAC 7 m/s^2.
#: The extra parameter (TC or FD) starts at 0, as in ``shorts``.
START_MSS = 7.0
START_MAC = 7.0

# Box of the optimizer (keeps the Lambert W argument real). A fit ending on this box is
# reported as a failed fit.
_BOUNDS_LOW = {"mss": 0.1, "mac": 0.1, "tc": -2.0, "fd": 0.0}
_BOUNDS_HIGH = {"mss": 30.0, "mac": 50.0, "tc": 2.0, "fd": 10.0}

_PARAM_NAMES = {
    "mss": "maximal sprint speed (MSS, m/s)",
    "mac": "maximal acceleration (MAC, m/s^2)",
    "tc": "time correction (TC, s)",
    "fd": "flying distance (FD, m)",
}

_MINUS_INV_E = -math.exp(-1.0)

# Plausibility of a human sprint profile (sanity checks of the fit, not clinical limits).
_MAX_TAU = 5.0
_MAX_MSS = 15.0
_MAX_MAC = 20.0


class SprintFitError(ClinicalDataError):
    """The split times could not be fitted, or the fit is physically implausible.

    A ``ValueError`` (via ``ClinicalDataError``), worded for the clinician.
    """


# --------------------------------------------------------------------------------------------
# Model (Samozino 2016; shorts ``predict_*`` functions)


def _check_model_params(mss: float, tau: float) -> None:
    if not (math.isfinite(mss) and mss > 0):
        raise ValueError(f"mss must be a positive number, got {mss!r}")
    if not (math.isfinite(tau) and tau > 0):
        raise ValueError(f"tau must be a positive number, got {tau!r}")


def _out(values: np.ndarray) -> float | np.ndarray:
    return float(values) if values.ndim == 0 else values


def _time_at(d: np.ndarray, mss: float, tau: float) -> np.ndarray:
    """t(d) without argument checks (used inside the optimizer)."""
    # The argument is >= -1/e for d >= 0; the clip guards against rounding (W0(-1/e) = -1).
    arg = np.maximum(-np.exp(-d / (mss * tau) - 1.0), _MINUS_INV_E)
    return tau * np.asarray(lambert_w0(arg)) + d / mss + tau


def predict_time(distance: ArrayLike, mss: float, tau: float) -> float | np.ndarray:
    """Time (s) to cover ``distance`` (m) from a standing start.

    t(d) = tau W0(-e^(-d/(MSS tau) - 1)) + d/MSS + tau, with W0 the principal branch of the
    Lambert W function (real part taken). Samozino 2016; ``shorts::predict_time_at_distance``.
    Returns a float for a scalar distance, an array otherwise.
    """
    _check_model_params(mss, tau)
    d = np.asarray(distance, dtype=float)
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ValueError("distance must be finite and >= 0")
    return _out(_time_at(d, mss, tau))


def predict_velocity(t: ArrayLike, mss: float, tau: float) -> float | np.ndarray:
    """Velocity (m/s) at time ``t`` (s): v(t) = MSS (1 - e^(-t/tau)) (Samozino 2016)."""
    _check_model_params(mss, tau)
    tt = np.asarray(t, dtype=float)
    return _out(mss * (1.0 - np.exp(-tt / tau)))


def predict_acceleration(t: ArrayLike, mss: float, tau: float) -> float | np.ndarray:
    """Acceleration (m/s^2) at time ``t`` (s): a(t) = MAC e^(-t/tau), MAC = MSS/tau."""
    _check_model_params(mss, tau)
    tt = np.asarray(t, dtype=float)
    return _out((mss / tau) * np.exp(-tt / tau))


def predict_distance(t: ArrayLike, mss: float, tau: float) -> float | np.ndarray:
    """Distance (m) covered at time ``t`` (s): x(t) = MSS (t + tau e^(-t/tau)) - MSS tau."""
    _check_model_params(mss, tau)
    tt = np.asarray(t, dtype=float)
    return _out(mss * (tt + tau * np.exp(-tt / tau)) - mss * tau)


def air_resistance_k(
    mass_kg: float, height_m: float, temperature_c: float = 25.0, pressure_torr: float = 760.0
) -> float:
    """Air-resistance coefficient k (kg/m), drag force = k v^2.

    rho = 1.293 (P/760) (273/(273 + T)); Af = 0.2025 h^0.725 m^0.425 x 0.266; Cd = 0.9;
    k = 0.5 rho Af Cd (Arsac & Locatelli 2002; van Ingen Schenau 1991; Samozino 2016;
    ``shorts::get_air_resistance``).
    """
    for name, value in (("body mass mass_kg", mass_kg), ("body height height_m", height_m)):
        if not (math.isfinite(value) and value > 0):
            raise ClinicalDataError(f"{name} must be a positive number, got {value!r}")
    if not (math.isfinite(pressure_torr) and pressure_torr > 0):
        raise ClinicalDataError(f"pressure_torr must be a positive number, got {pressure_torr!r}")
    if not (math.isfinite(temperature_c) and temperature_c > -273.0):
        raise ClinicalDataError(f"temperature_c must be above absolute zero, got {temperature_c!r}")
    rho = 1.293 * (pressure_torr / 760.0) * (273.0 / (273.0 + temperature_c))
    frontal_area = 0.2025 * height_m**0.725 * mass_kg**0.425 * 0.266
    return 0.5 * rho * frontal_area * DRAG_COEFFICIENT


# --------------------------------------------------------------------------------------------
# Input


def _validate_splits(distances: Sequence[float], times: Sequence[float], min_splits: int) -> None:
    if len(distances) != len(times):
        raise ClinicalDataError(
            f"got {len(distances)} distances but {len(times)} times: they must pair up"
        )
    if len(distances) < min_splits:
        raise ClinicalDataError(f"need at least {min_splits} splits, got {len(distances)}")
    for d, t in zip(distances, times, strict=True):
        if not math.isfinite(d) or d <= 0:
            raise ClinicalDataError(f"distance {d:g} m is not a positive number")
        if not math.isfinite(t) or t <= 0:
            raise ClinicalDataError(f"time {t:g} s at {d:g} m is not a positive number")
    lo_d, hi_d = DISTANCE_RANGE_M
    for d in distances:
        if not lo_d <= d <= hi_d:
            raise ClinicalDataError(
                f"distance {d:g} m is outside {lo_d:g}-{hi_d:g} m: give gate distances in metres"
            )
    for i in range(1, len(distances)):
        d0, t0, d1, t1 = distances[i - 1], times[i - 1], distances[i], times[i]
        if d1 <= d0:
            raise ClinicalDataError(f"distances must increase: {d1:g} m comes after {d0:g} m")
        if t1 <= t0:
            raise ClinicalDataError(
                f"times must increase with distance: {t1:g} s at {d1:g} m is not after "
                f"{t0:g} s at {d0:g} m"
            )
    lo_v, hi_v = SPLIT_SPEED_RANGE
    d_prev = t_prev = 0.0
    for d, t in zip(distances, times, strict=True):
        speed = (d - d_prev) / (t - t_prev)
        if not lo_v * (1 - 1e-9) <= speed <= hi_v * (1 + 1e-9):  # rounding of e.g. 10/0.8
            where = f"{d_prev:g}-{d:g} m" if d_prev else f"the first {d:g} m"
            raise ClinicalDataError(
                f"the mean speed over {where} would be {speed:.3g} m/s, outside "
                f"{lo_v:g}-{hi_v:g} m/s: check the time {t:g} s at {d:g} m (seconds from the start)"
            )
        d_prev, t_prev = d, t


def _validate_body(mass_kg: float, height_m: float) -> None:
    """Body mass (kg) and height (m) within :data:`MASS_RANGE_KG` and :data:`HEIGHT_RANGE_M`."""
    lo_m, hi_m = MASS_RANGE_KG
    lo_h, hi_h = HEIGHT_RANGE_M
    for name, value in (("body mass mass_kg", mass_kg), ("body height height_m", height_m)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise ClinicalDataError(f"{name} must be a positive number, got {value!r}")
    if not lo_m <= mass_kg <= hi_m:
        raise ClinicalDataError(
            f"body mass {mass_kg:g} kg is outside {lo_m:g}-{hi_m:g} kg: give the mass in kilograms"
        )
    if 100.0 <= height_m <= 230.0:
        raise ClinicalDataError(
            f"height {height_m:g} looks like centimetres: give the height in metres "
            f"(e.g. {height_m / 100:.2f})"
        )
    if not lo_h <= height_m <= hi_h:
        raise ClinicalDataError(
            f"height {height_m:g} m is outside {lo_h:g}-{hi_h:g} m: give the height in metres"
        )


def parse_splits(text: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Parse ``"5:1.20,10:1.95,20:3.10"`` (distance m : time s) into (distances, times).

    Separators: comma, semicolon or newline between splits; spaces are ignored. At least three
    splits, distances and times strictly increasing and positive. Raises ``ClinicalDataError``
    (a ``ValueError``) with a message naming the offending split.
    """
    if not isinstance(text, str) or not text.strip():
        raise ClinicalDataError(
            "no splits given: expected distance:time pairs such as '5:1.20,10:1.95'"
        )
    items = [s.strip() for s in text.replace(";", ",").replace("\n", ",").split(",")]
    distances: list[float] = []
    times: list[float] = []
    for item in items:
        if not item:
            continue
        parts = item.split(":")
        if len(parts) != 2:
            raise ClinicalDataError(f"split '{item}' is not distance:time")
        try:
            d = float(parts[0])
            t = float(parts[1])
        except ValueError:
            raise ClinicalDataError(f"split '{item}' is not distance:time") from None
        if not (math.isfinite(d) and math.isfinite(t)):
            raise ClinicalDataError(
                f"split '{item}' is not distance:time (distance and time must be finite numbers)"
            )
        if d <= 0 or t <= 0:
            raise ClinicalDataError(f"split '{item}': distance and time must be positive")
        distances.append(d)
        times.append(t)
    _validate_splits(distances, times, min_splits=3)
    return tuple(distances), tuple(times)


# --------------------------------------------------------------------------------------------
# Fit


@dataclass(frozen=True)
class SprintProfile:
    """Fitted sprint acceleration and force-velocity profile (frozen).

    Contract attributes (public names relied on by scripts and checks):

    - ``mss`` (m/s), ``mac`` (m/s^2), ``tau`` = MSS/MAC (s) (Samozino 2016).
    - ``pmax_rel_no_air`` = MSS x MAC / 4 (W/kg): relative maximal power without air
      resistance (``shorts`` ``PMAX``).
    - ``f0`` (N), ``f0_rel`` (N/kg), ``v0`` (m/s), ``pmax`` (W), ``pmax_rel`` (W/kg),
      ``fv_slope`` (N/kg per m/s): the profile with air resistance (Samozino 2022).
    - ``rmse`` (s) and ``fitted_times`` (s): model times on the scale of the observed times
      (for ``"time_shift"`` the shift is taken off again).
    - ``tc``: the time correction TC (s) of ``correction="tc"`` (t = t(d) + TC; note that
      ``shorts`` writes t = t(d) - TC, so its TC has the opposite sign); ``None`` otherwise.
    - ``fd``: the flying distance FD (m) used by ``"fd"`` (estimated) or ``"fd_fixed"``
      (given); ``None`` otherwise.

    ``None`` (JSON ``null``) thus means "this correction was not part of the model", which is
    distinct from an estimated value of 0. Further attributes: ``time_shift`` (the fixed shift
    of ``"time_shift"``, else ``None``), ``correction`` (canonical name of the correction the
    model used), ``correction_chosen`` (``"auto"`` when :data:`DEFAULT_CORRECTION` chose it,
    ``"given"`` otherwise), ``correction_reason`` (why it was chosen; :func:`correction_text`),
    ``warnings`` (texts to show with the result, e.g. a fit RMSE over 30 ms), ``residuals``
    (observed - fitted), the input ``distances``/``times``, ``n_splits``, ``mass_kg``,
    ``height_m`` and ``k_rel`` (air-resistance coefficient per kg, 1/m).
    """

    mss: float
    mac: float
    tau: float
    pmax_rel_no_air: float
    f0: float
    f0_rel: float
    v0: float
    pmax: float
    pmax_rel: float
    fv_slope: float
    rmse: float
    fitted_times: tuple[float, ...]
    tc: float | None
    fd: float | None
    time_shift: float | None
    correction: str
    residuals: tuple[float, ...]
    distances: tuple[float, ...]
    times: tuple[float, ...]
    n_splits: int
    mass_kg: float
    height_m: float
    k_rel: float
    correction_chosen: str = "given"
    correction_reason: str = ""
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict keyed by the attribute names (contract names included).

        Floats, ints, strings, ``None`` and lists (tuples become lists of floats).
        """
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if key == "warnings":
                out[key] = [str(v) for v in value]
            elif isinstance(value, tuple):
                out[key] = [float(v) for v in value]
            elif isinstance(value, bool | str | int) or value is None:
                out[key] = value
            else:
                out[key] = float(value)
        return out


def _model_times(
    d: np.ndarray, mss: float, mac: float, tc: float = 0.0, fd: float = 0.0
) -> np.ndarray:
    """Model times on the observed scale: t(d + FD) - t(FD) + TC (shorts timing-gates models)."""
    tau = mss / mac
    if fd:
        return _time_at(d + fd, mss, tau) - _time_at(np.asarray(fd), mss, tau) + tc
    return _time_at(d, mss, tau) + tc


def _times_and_partials(
    s: np.ndarray, mss: float, mac: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """t(s), the velocity v(t(s)) and the partial derivatives dt/dMSS (MAC fixed), dt/dMAC.

    Same t(s) as :func:`_time_at`. From x(t) = s (Samozino 2016) by implicit differentiation,
    with e^(-t/tau) = -W (W = W0 of the t(d) formula): v = MSS (1 + W), dt/ds = 1/v,
    dt/dMSS|tau = -(s/MSS)/v and dt/dtau = ((1 + W)^2 + W u) / (1 + W), u = s/(MSS tau),
    tau = MSS/MAC. At s = 0 (v = 0) both partials are 0.
    """
    tau = mss / mac
    u = s / (mss * tau)
    w = np.asarray(lambert_w0(np.maximum(-np.exp(-u - 1.0), _MINUS_INV_E)))
    t = tau * w + s / mss + tau
    wp1 = 1.0 + w
    safe = np.where(wp1 > 0, wp1, np.inf)
    dt_dtau = (wp1 * wp1 + w * u) / safe
    dt_dmss = -s / (mss * mss * safe) + dt_dtau / mac
    dt_dmac = -dt_dtau * tau / mac
    return t, mss * wp1, dt_dmss, dt_dmac


def _flying_slope(q: float, v_fd: float, mss: float, mac: float) -> float:
    """d t(q^2) / dq = 2 q / v(t(q^2)), the slope of t(FD) in q = sqrt(FD).

    Finite at q = 0: t(s) = sqrt(2 s/MAC) + s/(3 MSS) + ... gives sqrt(2/MAC) + 2 q/(3 MSS),
    used where v(t(q^2)) is lost in rounding (q^2 MAC/MSS^2 < 1e-12).
    """
    if q * q * mac < 1e-12 * mss * mss or not v_fd > 0:
        return math.sqrt(2.0 / mac) + 2.0 * q / (3.0 * mss)
    return 2.0 * q / v_fd


def _fit_one(
    d_list: list[float],
    t_list: list[float],
    mass_kg: float,
    height_m: float,
    canonical: str,
    time_shift: float,
    flying_distance: float,
    temperature_c: float,
    pressure_torr: float,
) -> SprintProfile:
    """Fit one model (a canonical correction of :data:`CORRECTIONS`); see fit_sprint_profile."""
    k = air_resistance_k(mass_kg, height_m, temperature_c, pressure_torr)
    k_rel = k / mass_kg

    names = ["mss", "mac"]
    fixed_fd = 0.0
    if canonical == "tc":
        names.append("tc")
    elif canonical == "fd":
        names.append("fd")
    elif canonical == "fd_fixed":
        if not (
            isinstance(flying_distance, int | float)
            and math.isfinite(flying_distance)
            and flying_distance >= 0
        ):
            raise ClinicalDataError(f"flying_distance must be >= 0 m, got {flying_distance!r}")
        fixed_fd = float(flying_distance)
    elif canonical == "time_shift" and not math.isfinite(time_shift):
        raise ClinicalDataError(f"time_shift must be a finite number, got {time_shift!r}")
    _validate_splits(d_list, t_list, min_splits=max(3, len(names) + 1))

    d = np.asarray(d_list)
    t_obs = np.asarray(t_list)
    shift = float(time_shift) if canonical == "time_shift" else 0.0
    target = t_obs + shift
    if np.any(target <= 0):
        raise ClinicalDataError(f"time_shift {shift:g} s makes a split time zero or negative")

    def unpack(p: np.ndarray) -> tuple[float, float, float, float]:
        values = dict(zip(names, p, strict=True))
        return (
            float(values["mss"]),
            float(values["mac"]),
            float(values.get("tc", 0.0)),
            float(values.get("fd", fixed_fd)),
        )

    # The estimated flying distance is fitted as q = sqrt(FD), FD = q^2: t(FD) ~ sqrt(2 FD/MAC)
    # has an infinite slope at FD = 0 (where the fit starts), t(q^2) is smooth in q. The bounds
    # and the minimum are the same; the result is reported (and checked) as FD.
    i_fd = names.index("fd") if "fd" in names else -1

    def to_model(p: np.ndarray) -> np.ndarray:
        if i_fd < 0:
            return p
        m = p.copy()
        m[i_fd] = p[i_fd] ** 2
        return m

    n_d = d.size
    i_mss, i_mac = names.index("mss"), names.index("mac")
    i_tc = names.index("tc") if "tc" in names else -1
    ones = np.ones(n_d)
    last: dict[str, np.ndarray] = {}

    def residual_fn(p: np.ndarray) -> np.ndarray:
        # Model times t(d + FD) - t(FD) + TC (t(0) = 0 exactly, so FD = 0 gives t(d) + TC as in
        # _model_times), with the Jacobian kept for jacobian_fn at the same point.
        mss, mac = float(p[i_mss]), float(p[i_mac])
        tc = float(p[i_tc]) if i_tc >= 0 else 0.0
        q = float(p[i_fd]) if i_fd >= 0 else 0.0
        fd = q * q if i_fd >= 0 else fixed_fd
        t, v, dt_dmss, dt_dmac = _times_and_partials(np.append(d + fd, fd), mss, mac)
        jac = np.empty((n_d, len(names)))
        jac[:, i_mss] = dt_dmss[:n_d] - dt_dmss[n_d]
        jac[:, i_mac] = dt_dmac[:n_d] - dt_dmac[n_d]
        if i_tc >= 0:
            jac[:, i_tc] = ones
        if i_fd >= 0:
            jac[:, i_fd] = 2.0 * q / v[:n_d] - _flying_slope(q, float(v[n_d]), mss, mac)
        last["x"] = p.copy()
        last["jac"] = jac
        return t[:n_d] - t[n_d] + tc - target

    def jacobian_fn(p: np.ndarray) -> np.ndarray:
        if "x" not in last or not np.array_equal(last["x"], p):
            residual_fn(p)
        return last["jac"]

    start = {"mss": START_MSS, "mac": START_MAC, "tc": 0.0, "fd": 0.0}
    x0 = np.array([start[n] for n in names])
    low = np.array([_BOUNDS_LOW[n] for n in names])
    high = np.array([_BOUNDS_HIGH[n] for n in names])
    low_fit, high_fit = low.copy(), high.copy()
    if i_fd >= 0:
        low_fit[i_fd], high_fit[i_fd] = math.sqrt(low[i_fd]), math.sqrt(high[i_fd])
    try:
        with np.errstate(all="ignore"):
            result = least_squares_bounded(
                residual_fn,
                x0,
                low_fit,
                high_fit,
                jac=jacobian_fn,
                ftol=1e-12,
                xtol=1e-12,
                gtol=1e-12,
                max_nfev=2000,
            )
    except (ValueError, FloatingPointError) as exc:  # pragma: no cover - defensive
        raise SprintFitError(
            f"the sprint model could not be fitted to these splits ({exc})"
        ) from exc
    if not result.converged or not np.all(np.isfinite(result.x)):
        raise SprintFitError(
            "the sprint model could not be fitted to these splits (no convergence); "
            "check the distances and times"
        )

    x_fit = to_model(result.x)
    mss, mac, tc, fd = unpack(x_fit)
    for i, name in enumerate(names):
        # "fd" may legitimately be 0 (a start exactly on the first timing line).
        span = high[i] - low[i]
        at_low = x_fit[i] - low[i] <= 1e-6 * span and name != "fd"
        at_high = high[i] - x_fit[i] <= 1e-6 * span
        if at_low or at_high:
            raise SprintFitError(
                f"the sprint fit ran to the limit of the {_PARAM_NAMES[name]} "
                f"({x_fit[i]:.3g}); the splits do not look like a sprint from a standing start"
            )
    tau = mss / mac
    if not (0 < mss <= _MAX_MSS):
        raise SprintFitError(f"implausible maximal sprint speed {mss:.3g} m/s")
    if not (0 < mac <= _MAX_MAC):
        raise SprintFitError(f"implausible maximal acceleration {mac:.3g} m/s^2")
    if not (0 < tau < _MAX_TAU):
        raise SprintFitError(f"implausible tau {tau:.3g} s (expected between 0 and {_MAX_TAU:g} s)")

    disc = 1.0 - 4.0 * k_rel * tau * mss
    if disc < 0:
        raise SprintFitError("the profile has no V0 with this air resistance (MSS x tau too large)")
    v0 = (1.0 - math.sqrt(disc)) / (2.0 * k_rel * tau)
    f0 = mac * mass_kg
    pmax = f0 * v0 / 4.0

    fitted = _model_times(d, mss, mac, tc, fd) - shift
    residuals = t_obs - fitted
    rmse = float(np.sqrt(np.mean(residuals**2)))

    return SprintProfile(
        mss=mss,
        mac=mac,
        tau=tau,
        pmax_rel_no_air=mss * mac / 4.0,
        f0=f0,
        f0_rel=f0 / mass_kg,
        v0=v0,
        pmax=pmax,
        pmax_rel=pmax / mass_kg,
        fv_slope=-(f0 / mass_kg) / v0,
        rmse=rmse,
        fitted_times=tuple(float(x) for x in fitted),
        tc=tc if canonical == "tc" else None,
        fd=fd if canonical in ("fd", "fd_fixed") else None,
        time_shift=shift if canonical == "time_shift" else None,
        correction=canonical,
        residuals=tuple(float(r) for r in residuals),
        distances=tuple(d_list),
        times=tuple(t_list),
        n_splits=len(d_list),
        mass_kg=float(mass_kg),
        height_m=float(height_m),
        k_rel=k_rel,
    )


def fit_sprint_profile(
    distances: Sequence[float],
    times: Sequence[float],
    mass_kg: float,
    height_m: float,
    *,
    correction: Correction | str = DEFAULT_CORRECTION,
    time_shift: float = DEFAULT_TIME_SHIFT,
    flying_distance: float = DEFAULT_FLYING_DISTANCE,
    temperature_c: float = 25.0,
    pressure_torr: float = 760.0,
) -> SprintProfile:
    """Fit MSS and MAC to split times by non-linear least squares of time on distance.

    Model: mono-exponential velocity, t(d) via the Lambert W function (Samozino et al. 2016);
    fitting and start corrections as the timing-gate models of Jovanovic's R package
    ``shorts`` (Jovanovic & Vescovi 2022). ``mass_kg`` and ``height_m`` may be given
    positionally or by keyword. Corrections:

    - ``"none"``: t = t(d).
    - ``"time_shift"``: ``time_shift`` (s, default 0.3) is added to every observed time before
      fitting t = t(d) (e.g. +0.3 s when the first gate starts the clock; Haugen et al. 2012,
      J Strength Cond Res 26:473-479).
    - ``"tc"``: estimated time correction, t = t(d) + TC.
    - ``"fd"``: estimated flying distance, t = t(d + FD) - t(FD).
    - ``"fd_fixed"``: the same model with FD fixed at ``flying_distance`` (m, default 0.5).
    - ``"auto"`` (default): with :data:`AUTO_MIN_SPLITS` (4) or more splits both estimated
      corrections are fitted, ``"fd"`` and ``"tc"``; a fit that fails (no convergence, an
      estimate on its bound, an implausible profile) is dropped, and of the rest the lower
      RMSE wins, ``"fd"`` unless ``"tc"`` is better by more than 1 ms (the gates' resolution).
      Why: uncorrected splits from a start behind the first gate (the clock starts late)
      inflate MAC badly (0.5 m behind: MAC 14 for a true 8); both corrections are in
      Samozino et al. 2016's method as implemented in ``shorts`` (Jovanovic & Vescovi 2022),
      and FD is preferred on a tie because it is the physical model of that start (the
      athlete's position when the clock starts) while TC is an empirical offset; the
      residual error says which the data support. If both fail, ``SprintFitError``. With
      fewer splits there is no spare degree of freedom to estimate a third parameter, so a
      fixed time shift ``time_shift`` (+0.3 s, clinical convention for a start behind the
      first gate; cf. Haugen et al. 2012) is used. The profile says which correction was
      used (``correction``, ``correction_chosen = "auto"``) and why (``correction_reason``).

    The old names ``"time_correction"`` and ``"flying_distance"`` are accepted as aliases of
    ``"tc"`` and ``"fd"`` (:data:`CORRECTION_ALIASES`). ``time_shift`` and ``flying_distance``
    are ignored by the corrections that do not use them.

    Fitted by bounded Levenberg-Marquardt (:func:`casemgr.clinical.numeric.least_squares_bounded`,
    analytic Jacobian; an estimated FD is fitted as sqrt(FD), smooth at FD = 0) from MSS = 7,
    MAC = 7 (extra parameter from 0). Needs at least max(3, number of fitted parameters + 1) splits. The profile with air
    resistance (Samozino et al. 2022; air resistance of Arsac & Locatelli 2002):
    F0 = MAC m; V0 = (1 - sqrt(1 - 4 k_rel tau MSS)) / (2 k_rel tau); Pmax = F0 V0 / 4;
    FV slope = -(F0/m)/V0; relative power without air ``pmax_rel_no_air`` = MSS MAC / 4.

    Input: at least 3 splits, distances increasing within 1-100 m, times increasing, each
    split's mean speed 1-12.5 m/s, body mass 20-200 kg, height 1.0-2.3 m. Raises
    ``ClinicalDataError`` (a ``ValueError``) for bad input and ``SprintFitError`` when the fit
    fails or is implausible (no convergence, MSS or MAC above human limits, tau outside
    (0, 5) s, a parameter on the optimizer's bound): never the start values. A fit RMSE over
    30 ms is returned with a warning in ``warnings``.
    """
    canonical = CORRECTION_ALIASES.get(correction, correction)
    if canonical not in CORRECTIONS and canonical != "auto":
        raise ClinicalDataError(
            f"correction must be one of {', '.join(CORRECTIONS)}, or auto; got {correction!r}"
        )
    d_list = [float(x) for x in distances]
    t_list = [float(x) for x in times]
    _validate_body(mass_kg, height_m)
    _validate_splits(d_list, t_list, min_splits=3)
    args = (time_shift, flying_distance, temperature_c, pressure_torr)
    if canonical != "auto":
        profile = _fit_one(d_list, t_list, mass_kg, height_m, canonical, *args)
        return _finish(profile, "given", "as requested")
    n = len(d_list)
    if n < AUTO_MIN_SPLITS:
        profile = _fit_one(d_list, t_list, mass_kg, height_m, "time_shift", *args)
        reason = (
            f"with {n} splits a start correction cannot be estimated (needs {AUTO_MIN_SPLITS}), "
            "so a fixed shift is used"
        )
        return _finish(profile, "auto", reason)
    fits: dict[str, SprintProfile] = {}
    failures: list[str] = []
    for name in ("fd", "tc"):
        try:
            fits[name] = _fit_one(d_list, t_list, mass_kg, height_m, name, *args)
        except SprintFitError as exc:
            failures.append(f"{_CORRECTION_LABELS[name]}: {exc}")
    if not fits:
        raise SprintFitError(
            "the sprint model could not be fitted with an estimated start correction ("
            + "; ".join(failures)
            + ")"
        )
    if len(fits) == 2:
        fd_ms, tc_ms = fits["fd"].rmse * 1000, fits["tc"].rmse * 1000
        if fits["tc"].rmse < fits["fd"].rmse - AUTO_RMSE_MARGIN:
            chosen = fits["tc"]
            why = f"it fits better than the flying distance (RMSE {tc_ms:.1f} vs {fd_ms:.1f} ms)"
        else:
            chosen = fits["fd"]
            why = f"it fits as well as the time correction or better (RMSE {fd_ms:.1f} vs {tc_ms:.1f} ms)"
    else:
        (chosen,) = fits.values()
        why = f"the other correction could not be fitted ({failures[0]})"
    return _finish(chosen, "auto", why)


_CORRECTION_LABELS = {
    "none": "none",
    "time_shift": "fixed time shift",
    "tc": "estimated time correction",
    "fd": "estimated flying distance",
    "fd_fixed": "fixed flying distance",
}


def correction_text(profile: SprintProfile) -> str:
    """One line for a screen or report: the start correction used, how and why it was chosen.

    E.g. ``"estimated flying distance 0.50 m, chosen automatically: it fits as well as the
    time correction or better (RMSE 0.4 vs 1.9 ms)"`` or ``"none (as requested)"``.
    """
    return stored_correction_text(profile.as_dict())


def stored_correction_text(profile: Mapping[str, object], *, brief: bool = False) -> str:
    """:func:`correction_text` for a profile stored as :meth:`SprintProfile.as_dict` (a test
    saved before the default was chosen automatically says only the correction), or ``""``
    when the dict names no known correction. *brief* leaves out why (for a report caption)."""
    name = profile.get("correction")
    if name not in _CORRECTION_LABELS:
        return ""

    def number(key: str) -> float:
        value = profile.get(key)
        return float(value) if isinstance(value, int | float) else 0.0

    label = _CORRECTION_LABELS[str(name)]
    if name == "time_shift":
        label = f"{label} {number('time_shift'):+.2f} s"
    elif name == "tc":
        label = f"{label} {number('tc'):+.3f} s"
    elif name in ("fd", "fd_fixed"):
        label = f"{label} {number('fd'):.2f} m"
    reason = profile.get("correction_reason")
    if profile.get("correction_chosen") == "auto" and (brief or not reason):
        return f"{label} (chosen automatically)"
    if profile.get("correction_chosen") == "auto":
        return f"{label}, chosen automatically: {reason}"
    if profile.get("correction_chosen") == "given":
        return f"{label} (as requested)"
    return label


def _finish(profile: SprintProfile, chosen: str, reason: str) -> SprintProfile:
    warnings: list[str] = []
    if profile.rmse > RMSE_WARNING_S:
        warnings.append(
            f"fit RMSE {profile.rmse * 1000:.0f} ms is above {RMSE_WARNING_S * 1000:.0f} ms: "
            "the model does not follow these splits well (a missed or misread gate, or a "
            "poor start); check the times before relying on the profile"
        )
    return replace(
        profile, correction_chosen=chosen, correction_reason=reason, warnings=tuple(warnings)
    )
