"""Paragraph and table styles, colours and the formatting of dates, times and numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

from casemgr.clinical.clinic_days import local_day, zone
from reports.fonts import BASE, BOLD, register_fonts
from reports.text import para_text

register_fonts()

INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6775")
ACCENT = colors.HexColor("#1f5f8b")
RULE = colors.HexColor("#c3ccd6")
SHADE = colors.HexColor("#eef2f6")
PASS = colors.HexColor("#1e7b45")
FAIL = colors.HexColor("#b3261e")
WARN = colors.HexColor("#8a5a00")

_base = ParagraphStyle(
    "body",
    fontName=BASE,
    fontSize=9,
    leading=11.8,
    textColor=INK,
    splitLongWords=1,
    allowWidows=0,
)
BODY = _base
SMALL = ParagraphStyle("small", parent=_base, fontSize=7.5, leading=9.5, textColor=MUTED)
SMALL_RIGHT = ParagraphStyle("small_right", parent=SMALL, alignment=TA_RIGHT)
CELL = ParagraphStyle("cell", parent=_base, fontSize=7.8, leading=9.8)
CELL_BOLD = ParagraphStyle("cell_bold", parent=CELL, fontName=BOLD)
CELL_RIGHT = ParagraphStyle("cell_right", parent=CELL, alignment=TA_RIGHT)
HEAD_CELL = ParagraphStyle("head_cell", parent=CELL, fontName=BOLD, textColor=INK)
TITLE = ParagraphStyle(
    "title", parent=_base, fontName=BOLD, fontSize=16, leading=20, textColor=ACCENT
)
SUBTITLE = ParagraphStyle("subtitle", parent=_base, fontSize=10.5, leading=14)
H2 = ParagraphStyle(
    "h2",
    parent=_base,
    fontName=BOLD,
    fontSize=11.5,
    leading=14,
    textColor=ACCENT,
    spaceBefore=10,
    spaceAfter=4,
    keepWithNext=1,
)
H3 = ParagraphStyle(
    "h3",
    parent=_base,
    fontName=BOLD,
    fontSize=9.2,
    leading=12,
    spaceBefore=6,
    spaceAfter=2,
    keepWithNext=1,
)
NOTE_HEAD = ParagraphStyle(
    "note_head", parent=SMALL, fontName=BOLD, textColor=INK, spaceBefore=5, keepWithNext=1
)

STATUS_TEXT = {"pass": "PASS", "fail": "FAIL", "missing": "MISSING", "stale": "OUT OF DATE"}
STATUS_COLOUR = {"pass": PASS, "fail": FAIL, "missing": WARN, "stale": WARN}
VERDICT_TEXT = {
    "ready": "Ready to advance",
    "not_ready": "Not ready",
    "no_criteria": "No exit criteria",
}


def p(text: object, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of user (or any plain) text, escaped."""
    return Paragraph(para_text(text), style)


def markup(fragments: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph from markup the caller built with :func:`reports.text.para_text`."""
    return Paragraph(fragments, style)


def bold(text: object) -> str:
    return f"<b>{para_text(text)}</b>"


def coloured(text: object, colour: colors.Color) -> str:
    return f'<font color="{colour.hexval()}">{para_text(text)}</font>'


def status_cell(status: str) -> Paragraph:
    colour = STATUS_COLOUR.get(status, INK)
    return markup(f"<b>{coloured(STATUS_TEXT.get(status, status), colour)}</b>", CELL)


def fmt_date(day: date | None) -> str:
    return day.isoformat() if day else "—"


def _tz(tz: tzinfo | str) -> tzinfo:
    return zone(tz) if isinstance(tz, str) else tz


def fmt_day(moment: datetime | None, tz: tzinfo | str) -> str:
    """The clinic's calendar day of a stored (UTC) moment, in the clinic's zone *tz*."""
    return fmt_date(local_day(moment, _tz(tz))) if moment else "—"


def fmt_dt(moment: datetime | None, tz: tzinfo | str) -> str:
    """A stored (UTC) moment in the clinic's zone *tz* (never the workstation's), with its
    UTC offset: ``2026-11-26 14:03 (UTC+01:00)``."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:  # stored moments are UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_tz(tz))
    offset = local.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{local:%Y-%m-%d %H:%M} ({zone})"


def fmt_num(value: float | None, decimals: int = 0, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return f"{text} {unit}".rstrip()


def table(
    rows: list[list[object]],
    widths: list[float],
    *,
    header: bool = True,
    zebra: bool = True,
    extra: list[tuple] | None = None,
) -> Table:
    """A table of Paragraph cells (strings are escaped); long rows split across pages."""
    data = []
    for r, row in enumerate(rows):
        cells = []
        for cell in row:
            if isinstance(cell, str):
                cells.append(p(cell, HEAD_CELL if header and r == 0 else CELL))
            else:
                cells.append(cell)
        data.append(cells)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    if zebra:
        start = 1 if header else 0
        for r in range(start + 1, len(data), 2):
            style.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f8fafb")))
    style += extra or []
    t = Table(
        data,
        colWidths=widths,
        repeatRows=1 if header else 0,
        splitInRow=1,
        hAlign="LEFT",
    )
    t.setStyle(TableStyle(style))
    return t
