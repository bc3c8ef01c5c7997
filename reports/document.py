"""The page frame shared by every document: header, footer, page X of Y, paper sizes.

Header: clinic name and document title on the left, the athlete on the right. Footer:
"Confidential health information", when and by whom the document was generated, and
"Page X of Y". The total is known only at the end, so the canvas keeps every page and
draws the frame on all of them when the document is saved (the usual reportlab
"numbered canvas" technique).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph
from reportlab.platypus.flowables import Flowable as _Flowable

from casemgr import __version__
from reports.styles import ACCENT, RULE, SMALL, SMALL_RIGHT, fmt_dt
from reports.text import para_text

PAPERS = {"a4": A4, "letter": letter}
MARGIN_X = 16 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 17 * mm
CONFIDENTIAL = "Confidential health information"


@dataclass(frozen=True)
class DocInfo:
    title: str
    clinic: str
    generated_at: datetime
    generated_by: str
    generated_role: str
    timezone: str  # the clinic's zone: the footer's time is printed in it


class SetAthlete(Flowable):
    """Invisible: names the athlete shown in the header from this page on."""

    width = height = 0

    def __init__(self, athlete: str) -> None:
        super().__init__()
        self.athlete = athlete

    def wrap(self, avail_width, avail_height):  # noqa: D102 - reportlab API
        return 0, 0

    def draw(self) -> None:
        self.canv._casemgr_athlete = self.athlete


def _paragraph(canvas: Canvas, markup: str, style, x: float, y_top: float, width: float) -> None:
    para = Paragraph(markup, style)
    _, h = para.wrap(width, 40)
    para.drawOn(canvas, x, y_top - h)


def _frame_page(canvas: Canvas, info: DocInfo, page: int, total: int) -> None:
    width, height = canvas._pagesize
    inner = width - 2 * MARGIN_X
    top = height - 9 * mm
    canvas.saveState()
    head = (
        f'<font color="{ACCENT.hexval()}"><b>{para_text(info.clinic)}</b></font>'
        f"  ·  {para_text(info.title)}"
    )
    _paragraph(canvas, head, SMALL, MARGIN_X, top, inner * 0.55)
    athlete = getattr(canvas, "_casemgr_athlete", "")
    if athlete:
        _paragraph(
            canvas,
            f"<b>{para_text(athlete)}</b>",
            SMALL_RIGHT,
            MARGIN_X + inner * 0.55,
            top,
            inner * 0.45,
        )
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN_X, height - 14.5 * mm, width - MARGIN_X, height - 14.5 * mm)
    canvas.line(MARGIN_X, 12.5 * mm, width - MARGIN_X, 12.5 * mm)
    foot_top = 11 * mm
    _paragraph(canvas, f"<b>{para_text(CONFIDENTIAL)}</b>", SMALL, MARGIN_X, foot_top, inner * 0.3)
    generated = (
        f"Generated {para_text(fmt_dt(info.generated_at, info.timezone))} by "
        f"{para_text(info.generated_by)} ({para_text(info.generated_role)}) · casemgr&nbsp;"
        f"{para_text(__version__)}"
    )
    _paragraph(canvas, generated, SMALL, MARGIN_X + inner * 0.3, foot_top, inner * 0.52)
    _paragraph(
        canvas,
        f"Page {page} of {total}",
        SMALL_RIGHT,
        MARGIN_X + inner * 0.82,
        foot_top,
        inner * 0.18,
    )
    canvas.restoreState()


def _numbered_canvas(info: DocInfo):
    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab API
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                _frame_page(self, info, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def render(story: list[_Flowable], info: DocInfo, paper: str = "a4") -> bytes:
    """Lay out *story* on *paper* ("a4" or "letter") and return the PDF bytes."""
    if paper not in PAPERS:
        raise ValueError(f"Paper is a4 or letter, not {paper!r}.")
    size = PAPERS[paper]
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=info.title,
        author=info.clinic,
        subject=CONFIDENTIAL,
        creator="casemgr",
        invariant=0,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        size[0] - 2 * MARGIN_X,
        size[1] - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=_numbered_canvas(info))
    return buffer.getvalue()


def frame_width(paper: str = "a4") -> float:
    return PAPERS[paper][0] - 2 * MARGIN_X


def frame_height(paper: str = "a4") -> float:
    return PAPERS[paper][1] - MARGIN_TOP - MARGIN_BOTTOM


def _file_mode(target: Path) -> int:
    """The mode of the file being replaced, else the usual mode for a new file (0666 less
    the umask): temporary files are created private (0600)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* through a temporary file in the same folder and a rename,
    so a failure never leaves a half-written PDF (and an existing file stays intact)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(2, "No such folder", str(folder))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        os.chmod(tmp, _file_mode(target))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
