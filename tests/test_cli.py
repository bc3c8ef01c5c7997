"""The command-line contract of SPEC.md: commands, environment, error exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from casemgr.cli import main


@pytest.fixture
def demo_db(tmp_path, monkeypatch):
    path = tmp_path / "demo.sqlite3"
    assert main(["--db", str(path), "demo"]) == 0
    return path


def test_init_creates_an_empty_clinic_with_its_admin(tmp_path, monkeypatch, capsys):
    db = tmp_path / "new.sqlite3"
    monkeypatch.setenv("CASEMGR_PASSWORD", "first admin pw")
    assert main(["--db", str(db), "init", "--admin", "boss"]) == 0
    assert "admin 'boss'" in capsys.readouterr().out
    monkeypatch.setenv("CASEMGR_USER", "boss")
    assert main(["--db", str(db), "users", "list"]) == 0
    out = capsys.readouterr().out
    assert "boss" in out and "admin" in out
    assert main(["--db", str(db), "init"]) == 1
    assert "exists already" in capsys.readouterr().err


def test_demo_refuses_to_overwrite_without_force(demo_db, capsys):
    assert main(["--db", str(demo_db), "demo"]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "demo", "--if-missing"]) == 0
    assert main(["--db", str(demo_db), "demo", "--force"]) == 0


def test_demo_clinic_contents(demo_db):
    from sqlalchemy import func, select

    from casemgr.db.models import Athlete, InjuryCase, ProtocolPhase, RtpDecision, User
    from casemgr.db.open import is_demo, open_database

    db = open_database(str(demo_db))
    with db.session() as s:
        names = set(s.scalars(select(Athlete.full_name)))
        assert {"O'Brien <Jr> & Co", "李娜", "José Núñez"} <= names and len(names) >= 12
        assert set(s.scalars(select(User.username))) == {
            "admin",
            "doctor",
            "physio",
            "coach",
            "scientist",
        }
        phases = set(
            s.execute(
                select(InjuryCase.region, ProtocolPhase.ordinal)
                .join(ProtocolPhase, InjuryCase.current_phase_id == ProtocolPhase.id)
                .where(InjuryCase.status != "closed")
            )
        )
        assert phases == {(r, p) for r in ("hamstring", "calf") for p in range(1, 8)}
        assert s.scalar(select(func.count()).where(InjuryCase.recurrence_of_id.is_not(None)))
        assert s.scalar(select(func.count(RtpDecision.id))) >= 1
    assert is_demo(db)
    db.dispose()


def test_demo_is_deterministic(tmp_path):
    from sqlalchemy import select

    from casemgr.db.models import Measure
    from casemgr.db.open import open_database

    values = []
    for name in ("a.sqlite3", "b.sqlite3"):
        assert main(["--db", str(tmp_path / name), "demo"]) == 0
        db = open_database(str(tmp_path / name))
        with db.session() as s:
            values.append(
                list(
                    s.execute(
                        select(Measure.key, Measure.limb, Measure.value)
                        .order_by(Measure.id)
                        .limit(500)
                    )
                )
            )
        db.dispose()
    assert values[0] == values[1]


def test_verify_reports_an_intact_database(demo_db, capsys):
    assert main(["--db", str(demo_db), "verify"]) == 0
    out = capsys.readouterr().out
    assert "ok    SQLite integrity check" in out and "audit trail intact" in out


def test_users_add_and_reset_password_by_admin(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "admin")
    monkeypatch.setenv("CASEMGR_PASSWORD", "demo")
    monkeypatch.setenv("CASEMGR_NEW_PASSWORD", "a new long one")
    assert (
        main(
            [
                "--db",
                str(demo_db),
                "users",
                "add",
                "nina",
                "--role",
                "physio",
                "--name",
                "Nina Physio",
            ]
        )
        == 0
    )
    assert main(["--db", str(demo_db), "users", "reset-password", "coach"]) == 0
    monkeypatch.setenv("CASEMGR_USER", "nina")
    monkeypatch.setenv("CASEMGR_PASSWORD", "a new long one")
    assert main(["--db", str(demo_db), "users", "list"]) == 1
    assert "does not allow you to manage users" in capsys.readouterr().err


def test_wrong_password_and_missing_user_exit_non_zero(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_PASSWORD", "demo")
    assert main(["--db", str(demo_db), "users", "list"]) == 1
    assert "--user" in capsys.readouterr().err
    monkeypatch.setenv("CASEMGR_USER", "admin")
    monkeypatch.setenv("CASEMGR_PASSWORD", "wrong")
    assert main(["--db", str(demo_db), "users", "list"]) == 1
    assert "Wrong user name or password." in capsys.readouterr().err


def test_readiness_json(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_USER", "physio")
    monkeypatch.setenv("CASEMGR_PASSWORD", "demo")
    assert main(["--db", str(demo_db), "readiness", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["case_id"] == 1 and payload["verdict"] in ("ready", "not_ready")
    assert payload["results"] and all("status" in r for r in payload["results"])
    assert main(["--db", str(demo_db), "readiness", "999"]) == 1
    assert "Case 999 does not exist" in capsys.readouterr().err


def test_readiness_json_lists_each_suggestion_with_its_key_and_answer(demo_db, monkeypatch, capsys):
    """The demo's step-back case: the pain suggestion the physio answered by stepping back
    is listed answered (who, when, how, why), not as an open suggestion."""
    from sqlalchemy import select

    from casemgr.db.models import InjuryCase
    from casemgr.db.open import open_database

    database = open_database(str(demo_db))
    with database.session() as s:
        case_id = s.scalar(select(InjuryCase.id).where(InjuryCase.muscle == "semimembranosus"))
    database.dispose()
    monkeypatch.setenv("CASEMGR_USER", "physio")
    monkeypatch.setenv("CASEMGR_PASSWORD", "demo")
    assert main(["--db", str(demo_db), "readiness", str(case_id), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    signals = payload["signals"]
    assert signals and all(g["key"].startswith(g["kind"] + ":") for g in signals)
    assert all("answered" in g for g in signals) and "pause" in payload
    (pain,) = [g for g in signals if g["measure"] == "pain"]
    assert pain["key"] == f"step_back:pain:{pain['entries'][0]}"
    answered = pain["answered"]
    assert answered["answer"] == "step_back" and answered["by"] == "Tom Becker"
    assert answered["reason"].startswith("Pain 4/10 after near-maximal block")
    assert answered["at"] and answered["pause_until"] is None
    assert "DOMAIN" not in json.dumps(payload)
    # the plain text says the same
    assert main(["--db", str(demo_db), "readiness", str(case_id)]) == 0
    out = capsys.readouterr().out
    assert "answered (step back): Pain 4/10" in out
    assert "Answered by Tom Becker (Physiotherapist) on " in out


def test_sprint_profile_matches_the_published_test_vector(capsys):
    assert (
        main(
            [
                "sprint-profile",
                "--splits",
                "5:1.5375,10:2.3554,20:3.7535,30:5.0532,40:6.3217",
                "--mass",
                "75",
                "--height",
                "1.75",
                "--json",
            ]
        )
        == 0
    )
    profile = json.loads(capsys.readouterr().out)
    assert profile["mss"] == pytest.approx(8.0, rel=1e-3)
    assert profile["f0"] == pytest.approx(450, rel=1e-3)
    assert main(["sprint-profile", "--splits", "5:abc", "--mass", "75", "--height", "1.75"]) == 1
    assert "casemgr:" in capsys.readouterr().err


def test_unusable_database_files_give_a_message_not_a_traceback(tmp_path, capsys):
    bogus = tmp_path / "report.docx"
    bogus.write_bytes(b"PK\x03\x04 not a database")
    assert main(["--db", str(bogus), "verify"]) == 1
    err = capsys.readouterr().err
    assert "not a casemgr database" in err and "Traceback" not in err
    assert bogus.read_bytes() == b"PK\x03\x04 not a database"


def test_casemgr_db_environment_variable_is_used(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("CASEMGR_DB", str(demo_db))
    assert main(["verify"]) == 0
    assert str(demo_db) in capsys.readouterr().out


def test_console_script_runs_headless_commands_without_qt(demo_db):
    code = (
        "import sys; from ui.launcher import main; rc = main(sys.argv[1:]); "
        "assert 'PySide6' not in sys.modules, 'Qt was imported'; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--db", str(demo_db), "verify"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CASEMGR_HOME": str(demo_db.parent / "h")},
    )
    assert result.returncode == 0, result.stderr
    assert "audit trail intact" in result.stdout


def test_demo_has_nothing_dated_in_the_future(demo_db):
    from sqlalchemy import func, select

    from casemgr.db.base import utcnow
    from casemgr.db.models import Measure, TimelineEntry
    from casemgr.db.open import open_database

    db = open_database(str(demo_db))
    with db.session() as s:
        latest = max(
            s.scalar(select(func.max(TimelineEntry.occurred_at))),
            s.scalar(select(func.max(Measure.measured_at))),
        )
    db.dispose()
    assert latest.replace(tzinfo=None) <= utcnow().replace(tzinfo=None)
