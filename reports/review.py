"""The case-review summary: one page per case for the interprofessional meeting pack."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepInFrame, PageBreak, Spacer

from casemgr.services.report_data import ReviewData, ReviewPack
from reports.charts import time_chart
from reports.common import decision_paragraphs, facts_table, note_flowables, title_block
from reports.document import DocInfo, SetAthlete, frame_height, frame_width, render
from reports.rtp import _charts_grid, criteria_flowables
from reports.styles import BODY, FAIL, H2, SMALL, WARN, coloured, fmt_dt, markup, p, table
from reports.text import para_text

TITLE = "Case-review summary"
SEVERITY_COLOURS = {"urgent": FAIL, "attention": WARN}
MAX_FLAGS = 5
MET_TEXT = {True: "met", False: "not met", None: "not marked yet"}


def page_flowables(data: ReviewData, paper: str) -> list[Flowable]:
    """One case on exactly one page (shrunk to fit if a case has unusually much to say)."""
    width = frame_width(paper)
    body: list[Flowable] = title_block(
        TITLE, data.head, f"review of {fmt_dt(data.ctx.generated_at, data.ctx.timezone)}"
    )
    body.append(facts_table(data.head, width))
    body.append(p("Readiness of the current phase", H2))
    body += criteria_flowables(data.readiness, width, compact=True)

    body.append(p("Suggestions and open flags", H2))
    if not data.signals and not data.flags:
        body.append(p("No step-back or pause suggestions and no open flags.", BODY))
    for text in data.signals:
        body.append(markup(f"<b>{coloured('Suggestion', WARN)}:</b> {para_text(text)}", BODY))
    for text in data.answered:
        body.append(markup(f"<b>Answered suggestion:</b> {para_text(text)}", BODY))
    for flag in data.flags[:MAX_FLAGS]:
        colour = SEVERITY_COLOURS.get(flag.severity, WARN)
        body.append(
            markup(
                f"<b>{coloured('Flag (' + flag.severity + ')', colour)}:</b> "
                f"{para_text(flag.title)} <font size=7>— {para_text(flag.author)}, "
                f"{para_text(fmt_dt(flag.occurred_at, data.ctx.timezone))}</font>",
                BODY,
            )
        )
    if len(data.flags) > MAX_FLAGS:
        body.append(p(f"… and {len(data.flags) - MAX_FLAGS} more open flags (see the app).", SMALL))

    body.append(p("Trends", H2))
    chart_w, chart_h = width / 2 - 4, 50 * mm
    cells = [[time_chart(ch, chart_w, chart_h), p(ch.caption, SMALL)] for ch in data.charts]
    body.append(_charts_grid(cells, width))

    body.append(p("This week's targets", H2))
    if data.targets:
        rows: list[list] = [["Target", "Discipline", "Status"]]
        for t in data.targets:
            rows.append([t.text, t.discipline, MET_TEXT[t.met]])
        body.append(table(rows, [width * 0.64, width * 0.18, width * 0.18]))
    else:
        body.append(p("No targets set for this week.", BODY))

    body.append(p("Recent notes", H2))
    if data.notes:
        for note in data.notes:
            body += note_flowables(note, data.ctx.timezone)
    else:
        body.append(p("No notes recorded.", BODY))
    body.append(p("Return-to-play decision", H2))
    body += decision_paragraphs(data.decision, data.ctx.timezone)
    body.append(Spacer(1, 3))
    body.append(p(f"Integrity fingerprint: {data.fingerprint}", SMALL))
    frame = KeepInFrame(width, frame_height(paper) - 2, body, mode="shrink")
    return [SetAthlete(data.head.athlete.full_name), frame]


def _info(ctx) -> DocInfo:
    return DocInfo(
        TITLE, ctx.clinic_name, ctx.generated_at, ctx.generated_by, ctx.generated_role, ctx.timezone
    )


def render_review(data: ReviewData, paper: str = "a4") -> bytes:
    return render(page_flowables(data, paper), _info(data.ctx), paper)


def render_review_pack(pack: ReviewPack, paper: str = "a4") -> bytes:
    story: list[Flowable] = []
    for i, page in enumerate(pack.pages):
        if i:
            story.append(PageBreak())
        story += page_flowables(page, paper)
    return render(story, _info(pack.ctx), paper)
