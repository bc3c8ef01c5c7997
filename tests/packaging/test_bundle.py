"""The desktop bundle builds and carries everything (``casemgr --self-test``).

Slow (a PyInstaller build): selected with ``-m packaging`` and run by ``.ci/run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.packaging


def test_bundle_builds_and_passes_its_self_test(tmp_path):
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    build = subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(tmp_path / "dist"),
            "--workpath",
            str(tmp_path / "build"),
            str(ROOT / "packaging" / "casemgr.spec"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    app = tmp_path / "dist" / "casemgr" / "casemgr"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CASEMGR_HOME": str(tmp_path / "h")}
    result = subprocess.run(
        [str(app), "--self-test"], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "self-test passed" in result.stdout
    version = subprocess.run(
        [str(app), "--version"], capture_output=True, text=True, timeout=120, env=env
    )
    from casemgr import __version__

    assert version.stdout.strip() == f"casemgr {__version__}"
    size_mb = (
        sum(f.lstat().st_size for f in app.parent.rglob("*") if not f.is_symlink() and f.is_file())
        / 1e6
    )
    print(f"bundle size: {size_mb:.0f} MB")
