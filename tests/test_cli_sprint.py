"""``casemgr sprint-profile``: default start correction, checked input, warnings (issue 15)."""

from __future__ import annotations

import json

import pytest

from casemgr.cli import main

BODY = ["--mass", "75", "--height", "1.75"]
# MSS 8 m/s, MAC 8 m/s^2, started 0.5 m behind the first gate.
BEHIND = "5:1.078,10:1.826,15:2.506,20:3.158,30:4.429,40:5.684"
# MSS 8, MAC 8, alternately 40 ms late and early: fit RMSE ~39 ms.
POOR = "5:1.411,10:2.091,15:2.855,20:3.429,30:4.781,40:5.958"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["sprint-profile", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_corrects_a_start_behind_the_first_gate_and_says_so(capsys):
    code, out, _err = _run(capsys, "--splits", BEHIND, *BODY, "--json")
    assert code == 0
    profile = json.loads(out)
    assert profile["mac"] == pytest.approx(8.0, rel=0.10)
    assert profile["correction"] == "fd" and profile["correction_chosen"] == "auto"
    assert profile["correction_reason"].startswith("it fits as well as the time correction")
    assert profile["warnings"] == []

    code, out, _err = _run(capsys, "--splits", BEHIND, *BODY)
    assert code == 0
    assert "start correction         estimated flying distance 0.5" in out
    assert "chosen automatically" in out and "Warning" not in out

    code, out, _err = _run(capsys, "--splits", BEHIND, *BODY, "--correction", "none", "--json")
    assert code == 0
    none = json.loads(out)
    assert none["mac"] > 12 and none["correction"] == "none"
    assert none["correction_chosen"] == "given"


def test_three_splits_use_the_fixed_shift(capsys):
    code, out, _err = _run(capsys, "--splits", "5:1.5375,10:2.3554,20:3.7535", *BODY)
    assert code == 0
    assert "fixed time shift +0.30 s, chosen automatically: with 3 splits" in out


def test_a_poor_fit_is_shown_with_a_warning(capsys):
    code, out, _err = _run(capsys, "--splits", POOR, *BODY)
    assert code == 0
    assert "Warning: fit RMSE 39 ms is above 30 ms" in out
    code, out, err = _run(capsys, "--splits", POOR, *BODY, "--json")
    assert code == 0
    assert json.loads(out)["warnings"][0].startswith("fit RMSE 39 ms is above 30 ms")
    assert "warning: fit RMSE 39 ms" in err


@pytest.mark.parametrize(
    ("splits", "mass", "height", "message"),
    [
        ("5:1.5,10:2.3,20:3.7", "75", "1e-100", "height 1e-100 m is outside 1-2.3 m"),
        ("5:1.5,10:2.3,20:3.7", "7500", "1.75", "body mass 7500 kg is outside 20-200 kg"),
        ("5:1.5,10:2.3,20:3.7", "75", "175", "175 looks like centimetres"),
        ("5:1.5,10:2.3,20:3.7", "nan", "1.75", "mass_kg must be a positive number"),
        ("5:1.5,10:2.3,20:3.7", "75", "inf", "height_m must be a positive number"),
        ("5:1e20,10:2e20,20:3e20", "75", "1.75", "mean speed over the first 5 m"),
        ("5:nan,10:2.3,20:3.7", "75", "1.75", "finite numbers"),
        ("5:1.5,10:inf,20:3.7", "75", "1.75", "finite numbers"),
        ("5:1.5,10:1.4,20:3.7", "75", "1.75", "times must increase"),
        ("5:1.5,10:2.3", "75", "1.75", "at least 3 splits"),
        ("10:2,20:4,30:6,40:8", "75", "1.75", "could not be fitted"),
    ],
)
def test_bad_input_is_a_message_and_exit_1(capsys, splits, mass, height, message):
    code, out, err = _run(capsys, "--splits", splits, "--mass", mass, "--height", height)
    assert code == 1
    assert out == ""
    assert err.startswith("casemgr: ") and message in err
    assert "Traceback" not in err
