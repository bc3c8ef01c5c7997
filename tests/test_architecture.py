"""The house rules: imports flow ui -> reports -> casemgr; the core knows no Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken" in result.stdout


def test_no_module_a_reader_scrolls_through_twice():
    long = {
        str(path.relative_to(ROOT)): n
        for folder in ("casemgr", "ui", "reports")
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert long == {}


def test_ui_areas_are_packages_that_say_what_they_hold():
    areas = [p for p in (ROOT / "ui").iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert {p.name for p in areas} >= {"clinic", "case", "forms", "plots", "common", "platform"}
    for area in areas:
        init = (area / "__init__.py").read_text(encoding="utf-8")
        assert init.startswith('"""') and "May import" in init, area.name
    assert len(list((ROOT / "ui").glob("*.py"))) <= 12
