"""Passwords never reach a log file, an audit event or the command line's output."""

from __future__ import annotations

from sqlalchemy import select

from casemgr import paths
from casemgr.cli import main
from casemgr.db.models import AuditEvent, User
from casemgr.db.open import open_database


def test_no_password_reaches_logs_or_audit(tmp_path, monkeypatch, capsys):
    db = tmp_path / "clinic.sqlite3"
    monkeypatch.setenv("CASEMGR_PASSWORD", "Adm1n-Secret-xyz")
    assert main(["--db", str(db), "init"]) == 0
    monkeypatch.setenv("CASEMGR_USER", "admin")
    monkeypatch.setenv("CASEMGR_NEW_PASSWORD", "N3w-User-Secret-abc")
    assert main(["--db", str(db), "users", "add", "nina", "--role", "physio"]) == 0
    monkeypatch.setenv("CASEMGR_PASSWORD", "Wr0ng-Guess-qrs")
    assert main(["--db", str(db), "users", "list"]) == 1
    secrets = ("Adm1n-Secret-xyz", "N3w-User-Secret-abc", "Wr0ng-Guess-qrs")
    captured = capsys.readouterr()
    logs = "".join(p.read_text(encoding="utf-8") for p in paths.log_dir().glob("casemgr.log*"))
    database = open_database(str(db))
    with database.session() as s:
        audit_text = " ".join(
            f"{e.action} {e.reason} {e.entity_id}" for e in s.scalars(select(AuditEvent))
        )
        hashes = list(s.scalars(select(User.password_hash)))
    database.dispose()
    assert all(h.startswith("$argon2id$") for h in hashes)
    for secret in secrets:
        for where, text in (
            ("log", logs),
            ("audit", audit_text),
            ("stdout", captured.out),
            ("stderr", captured.err),
            ("hashes", " ".join(hashes)),
        ):
            assert secret not in text, f"password found in {where}"
    assert "login" in audit_text and "failed" not in captured.out
