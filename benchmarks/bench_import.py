"""Import of 100,000 GPS rows vs a raw ``sqlite3`` executemany of the same values.

    .venv/bin/python benchmarks/bench_import.py [--rows 100000]

Builds a fresh SQLite clinic (100 athletes, a quarter of them with an open case), writes a
GPS session export in the ``gps`` preset's shape (5 measures per row), then times:

1. ``casemgr`` import: read + check + match + idempotency lookup + write (measures,
   timeline entries, batch, audit) in one transaction, as ``casemgr import`` does;
2. raw: ``sqlite3`` ``executemany`` of the same measure rows (already converted) into the
   ``measures`` table of an identical, freshly migrated database, in one transaction.

Prints both times and the ratio (target: the import within 3x of the raw insert).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def build_clinic(url: str, athletes: int):
    from casemgr.db.models import User
    from casemgr.db.open import open_database
    from casemgr.passwords import hash_password
    from casemgr.permissions import SYSTEM, Actor
    from casemgr.services.athletes import AthleteInput, create_athlete
    from casemgr.services.cases import CaseInput, open_case
    from casemgr.services.protocols import install_default_protocols

    db = open_database(url, create=True)
    with db.session() as s:
        user = User(
            username="coach",
            display_name="Coach",
            role="coach",
            password_hash=hash_password("benchmark"),
            active=True,
            failed_logins=0,
        )
        physio = User(
            username="physio",
            display_name="Physio",
            role="physio",
            password_hash=user.password_hash,
            active=True,
            failed_logins=0,
        )
        s.add_all([user, physio])
        s.flush()
        coach = Actor(user.id, "coach", "coach")
        physio_actor = Actor(physio.id, "physio", "physio")
        install_default_protocols(s, SYSTEM)
    with db.session() as s:
        for i in range(athletes):
            a = create_athlete(
                s,
                physio_actor,
                AthleteInput(
                    f"Athlete {i:03d}",
                    body_mass_kg=70.0,
                    height_m=1.8,
                    external_id=f"BEN-{i:04d}",
                ),
            )
            if i % 4 == 0:
                open_case(
                    s,
                    physio_actor,
                    a.id,
                    CaseInput("hamstring", "right", "biceps_femoris_long_head", date(2026, 1, 1)),
                )
    return db, coach


def write_gps_file(path: Path, rows: int, athletes: int) -> None:
    rng = random.Random(6)
    start = date.today() - timedelta(days=rows // athletes + 2)
    header = (
        "Player Name,Player ID,Date,Session Title,Duration (min),Total Distance (m),"
        "Max Velocity (km/h),HSR Distance >19.8 km/h (m),Sprint Distance >25.2 km/h (m),"
        "Player Load\n"
    )
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        for n in range(rows):
            i, day = n % athletes, start + timedelta(days=n // athletes)
            fh.write(
                f"Athlete {i:03d},BEN-{i:04d},{day:%d/%m/%Y},Session,{rng.randint(30, 120)},"
                f"{rng.randint(2000, 9000)},{rng.uniform(18, 34):.1f},{rng.randint(0, 600)},"
                f"{rng.randint(0, 150)},{rng.uniform(20, 90):.1f}\n"
            )


def raw_insert(db_path: Path, rows: list[tuple]) -> float:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO measures (athlete_id, case_id, entry_id, key, limb, value, measured_at, "
        "is_baseline, source, status, created_by_id, created_at) "
        "VALUES (?, ?, NULL, ?, ?, ?, ?, 0, 'import:gps', 'active', 1, ?)",
        rows,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--athletes", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CASEMGR_HOME"] = str(Path(tmp) / "home")
        from casemgr.services.imports import import_file, preview_import

        csv_path = Path(tmp) / "gps_100k.csv"
        write_gps_file(csv_path, args.rows, args.athletes)
        db, coach = build_clinic(f"sqlite:///{Path(tmp) / 'clinic.sqlite3'}", args.athletes)
        raw_db, _ = build_clinic(f"sqlite:///{Path(tmp) / 'raw.sqlite3'}", args.athletes)
        raw_db.dispose()

        t0 = time.perf_counter()
        with db.session() as s:
            report = import_file(s, coach, csv_path, "gps")
        imported = time.perf_counter() - t0
        assert report.measures_new == args.rows * 5 and not report.rejected

        t0 = time.perf_counter()
        with db.session() as s:
            again = preview_import(s, coach, csv_path, "gps")
        reread = time.perf_counter() - t0
        assert again.measures_new == 0

        with sqlite3.connect(Path(tmp) / "clinic.sqlite3") as conn:
            rows = conn.execute(
                "SELECT athlete_id, case_id, key, limb, value, measured_at, created_at "
                "FROM measures ORDER BY id"
            ).fetchall()
        db.dispose()
        raw = raw_insert(Path(tmp) / "raw.sqlite3", rows)

    size = csv_path.name
    print(f"file: {size}, {args.rows:,} rows, {len(rows):,} values, {args.athletes} athletes")
    print(f"casemgr import (read, check, write, audit): {imported:6.2f} s")
    print(f"raw sqlite3 executemany of the same values: {raw:6.2f} s")
    print(f"ratio: {imported / raw:.2f}x   (re-import preview, all values found: {reread:.2f} s)")
    print(f"timeline entries written: {report.entries_written:,}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
