"""One entry point for the three documents: plain data in, PDF bytes out."""

from __future__ import annotations

from casemgr.services.report_data import ReviewData, ReviewPack, RtpData, WeeklyData
from reports.document import PAPERS, write_atomic

__all__ = ["PAPERS", "render_document", "write_atomic"]


def render_document(
    data: RtpData | ReviewData | ReviewPack | WeeklyData, paper: str = "a4"
) -> bytes:
    """The PDF of *data* (from :mod:`casemgr.services.report_data`) on A4 or US Letter."""
    if paper not in PAPERS:
        raise ValueError(f"Paper is a4 or letter, not {paper!r}.")
    if isinstance(data, RtpData):
        from reports.rtp import render_rtp

        return render_rtp(data, paper)
    if isinstance(data, ReviewPack):
        from reports.review import render_review_pack

        return render_review_pack(data, paper)
    if isinstance(data, ReviewData):
        from reports.review import render_review

        return render_review(data, paper)
    if isinstance(data, WeeklyData):
        from reports.weekly import render_weekly

        return render_weekly(data, paper)
    raise TypeError(f"No document for {type(data).__name__}.")
