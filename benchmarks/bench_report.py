"""Time the return-to-play report for the biggest case of the demo clinic.

Run: ``.venv/bin/python benchmarks/bench_report.py [--runs N]``. Builds the demo clinic in
a temporary folder, then measures gathering the data (``report_data.rtp_data``) and laying
out the PDF (``reports.build.render_document``) separately, and, as a floor, reportlab
building a document of plain paragraphs with the same number of pages. Target: well under
1 s for the whole report.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select


def _median_time(func_, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func_()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def plain_document(pages: int) -> tuple[bytes, int]:
    """Plain paragraphs in the same fonts, grown until they fill *pages* pages."""
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from reports.styles import BODY

    text = "Plain paragraph of report text to fill the page, " * 12

    def build(n: int) -> tuple[bytes, int]:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer)
        doc.build([Paragraph(text, BODY) for _ in range(n)])
        return buffer.getvalue(), doc.page

    n = 8
    while build(n)[1] < pages:
        n += 8
    return build(n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CASEMGR_HOME"] = tmp
        from casemgr.db.models import TimelineEntry
        from casemgr.db.open import open_database
        from casemgr.demo import create_demo_database
        from casemgr.services import report_data
        from casemgr.services.users import authenticate
        from reports.build import render_document

        path = Path(tmp) / "demo.sqlite3"
        create_demo_database(str(path))
        database = open_database(str(path))
        with database.session() as s:
            doctor = authenticate(s, "doctor", "demo")
            case_id, entries = s.execute(
                select(TimelineEntry.case_id, func.count(TimelineEntry.id))
                .group_by(TimelineEntry.case_id)
                .order_by(func.count(TimelineEntry.id).desc())
                .limit(1)
            ).one()

        def gather():
            with database.session() as s:
                return report_data.rtp_data(s, doctor, case_id)

        gather()  # warm up: fonts, catalogue, imports
        render_document(gather())
        t_data, data = _median_time(gather, args.runs)
        t_pdf, pdf = _median_time(lambda: render_document(data), args.runs)
        t_total, _ = _median_time(lambda: render_document(gather()), args.runs)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        t_plain, (_, plain_pages) = _median_time(lambda: plain_document(pages), 1)
        t_plain, _ = _median_time(lambda: plain_document(pages), args.runs)
        database.dispose()
    print(f"case {case_id}: {entries} timeline entries, {pages} pages, {len(pdf) // 1024} KB")
    print(f"gather data      {t_data * 1000:7.1f} ms (median of {args.runs})")
    print(f"lay out PDF      {t_pdf * 1000:7.1f} ms")
    print(f"whole report     {t_total * 1000:7.1f} ms")
    print(f"plain paragraphs {t_plain * 1000:7.1f} ms for {plain_pages} pages (floor)")
    print(f"ratio report / plain floor: {t_total / t_plain:.1f}x")
    return 0 if t_total < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
