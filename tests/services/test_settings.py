"""Clinic settings: the time zone is the clinic's, set by an admin, audited, never guessed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casemgr.cli import main
from casemgr.db.models import AppMeta, AuditEvent
from casemgr.errors import PermissionDenied, ValidationError
from casemgr.services import settings


def test_admin_sets_the_zone_and_the_change_is_audited(clinic):
    with clinic.session() as s:
        assert settings.get_settings(s).timezone == "UTC"
        settings.set_setting(s, clinic.actors["admin"], "timezone", "Australia/Sydney")
    with clinic.session() as s:
        assert settings.clinic_zone_name(s) == "Australia/Sydney"
        assert str(settings.clinic_zone(s)) == "Australia/Sydney"
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "settings.set")).one()
        assert event.reason == "timezone: UTC -> Australia/Sydney"
        assert event.username == "admin"


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", "../../etc/passwd", "Europe/"])
def test_an_unknown_zone_is_refused_and_nothing_changes(clinic, bad):
    with clinic.session() as s, pytest.raises(ValidationError, match="Unknown time zone"):
        settings.set_setting(s, clinic.actors["admin"], "timezone", bad)
    with clinic.session() as s:
        assert settings.clinic_zone_name(s) == "UTC"


def test_only_an_admin_changes_the_zone(clinic):
    with clinic.session() as s, pytest.raises(PermissionDenied):
        settings.set_setting(s, clinic.actors["doctor"], "timezone", "Europe/London")
    with clinic.session() as s:
        assert settings.clinic_zone_name(s) == "UTC"


def test_a_stored_unknown_zone_is_an_error_not_a_silent_utc(clinic):
    with clinic.session() as s:
        s.merge(AppMeta(key=settings.TIMEZONE_KEY, value="Nowhere/Special"))
    with clinic.session() as s, pytest.raises(ValidationError, match="Nowhere/Special"):
        settings.clinic_zone(s)


def test_cli_shows_and_sets_the_zone(tmp_path, monkeypatch, capsys):
    db = tmp_path / "clinic.sqlite3"
    monkeypatch.setenv("TZ", "America/Adak")
    monkeypatch.setenv("CASEMGR_PASSWORD", "first admin pw")
    assert main(["--db", str(db), "init"]) == 0
    monkeypatch.setenv("CASEMGR_USER", "admin")
    capsys.readouterr()
    assert main(["--db", str(db), "settings", "show"]) == 0
    assert "timezone     America/Adak" in capsys.readouterr().out  # init takes the workstation's
    assert main(["--db", str(db), "settings", "set", "timezone", "Europe/Paris"]) == 0
    assert capsys.readouterr().out.strip() == "timezone = Europe/Paris"
    assert main(["--db", str(db), "settings", "set", "timezone", "Europe/Pariss"]) == 1
    err = capsys.readouterr().err
    assert "Unknown time zone 'Europe/Pariss'" in err and "Traceback" not in err
    assert main(["--db", str(db), "settings", "show", "--json"]) == 0
    assert '"timezone": "Europe/Paris"' in capsys.readouterr().out
