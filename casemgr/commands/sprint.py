"""``casemgr sprint-profile``: force-velocity profile from split times (no database)."""

from __future__ import annotations

import json
import sys

ORDER = 60


def register(sub) -> None:
    sp = sub.add_parser("sprint-profile", help="force-velocity profile from split times")
    sp.add_argument("--splits", required=True, help="distance:time pairs, e.g. 5:1.20,10:1.95")
    sp.add_argument("--mass", type=float, required=True, help="body mass in kg")
    sp.add_argument("--height", type=float, required=True, help="height in m")
    sp.add_argument(
        "--correction",
        default="auto",
        choices=["auto", "none", "time_shift", "tc", "fd", "fd_fixed"],
        help=(
            "start correction: auto (default: with 4 or more splits the estimated flying "
            "distance or time correction, whichever fits the splits; with 3 a fixed shift of "
            "--time-shift); none; time_shift (fixed shift added to every time); "
            "tc (estimated time correction); fd (estimated flying distance); "
            "fd_fixed (flying distance fixed at --flying-distance)"
        ),
    )
    sp.add_argument(
        "--time-shift", type=float, default=0.3, help="s added to every time (time_shift)"
    )
    sp.add_argument(
        "--flying-distance", type=float, default=0.5, help="fixed flying distance in m (fd_fixed)"
    )
    sp.add_argument("--json", action="store_true", help="print the profile as JSON")
    sp.set_defaults(handler=cmd_sprint_profile)


def cmd_sprint_profile(args) -> int:
    from casemgr.clinical.sprint import correction_text, fit_sprint_profile, parse_splits

    distances, times = parse_splits(args.splits)
    profile = fit_sprint_profile(
        distances,
        times,
        mass_kg=args.mass,
        height_m=args.height,
        correction=args.correction,
        time_shift=args.time_shift,
        flying_distance=args.flying_distance,
    )
    if args.json:
        print(json.dumps(profile.as_dict(), indent=2))
        for warning in profile.warnings:
            print(f"casemgr: warning: {warning}", file=sys.stderr)
        return 0
    rows = [
        ("MSS (max sprint speed)", f"{profile.mss:.3f} m/s"),
        ("MAC (max acceleration)", f"{profile.mac:.3f} m/s²"),
        ("tau", f"{profile.tau:.3f} s"),
        ("F0", f"{profile.f0:.1f} N ({profile.f0_rel:.2f} N/kg)"),
        ("V0", f"{profile.v0:.3f} m/s"),
        ("Pmax", f"{profile.pmax:.1f} W ({profile.pmax_rel:.2f} W/kg)"),
        ("FV slope", f"{profile.fv_slope:.3f}"),
        ("fit RMSE", f"{profile.rmse * 1000:.1f} ms"),
    ]
    if profile.time_shift is not None:
        rows.append(("time shift", f"{profile.time_shift:+.3f} s"))
    if profile.tc is not None:
        rows.append(("time correction (TC)", f"{profile.tc:+.3f} s (estimated)"))
    if profile.fd is not None:
        how = "fixed" if profile.correction == "fd_fixed" else "estimated"
        rows.append(("flying distance (FD)", f"{profile.fd:.3f} m ({how})"))
    rows.append(("start correction", correction_text(profile)))
    for label, value in rows:
        print(f"{label:<24} {value}")
    for warning in profile.warnings:
        print(f"Warning: {warning}.")
    return 0
