"""The weekly progress sheet: the week's sessions, targets, pain and soreness, next week."""

from __future__ import annotations

from datetime import timedelta

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from casemgr.clinical.clinic_days import local_day, zone
from casemgr.services.report_data import PlanItem, WeeklyData
from reports.charts import time_chart
from reports.common import title_block
from reports.document import DocInfo, SetAthlete, frame_width, render
from reports.rtp import _charts_grid
from reports.styles import (
    BODY,
    CELL,
    FAIL,
    H2,
    PASS,
    SMALL,
    WARN,
    coloured,
    fmt_date,
    fmt_num,
    markup,
    p,
    table,
)

TITLE = "Weekly progress sheet"
MET = {True: ("met", PASS), False: ("not met", FAIL), None: ("not marked", WARN)}
PLAN_STATUS = {"planned": "planned", "done": "done", "skipped": "skipped", "modified": "modified"}


def _plan_table(plans: tuple[PlanItem, ...], width: float):
    rows: list[list] = [["Day", "Session", "Surface", "Intensity", "Description", "Status"]]
    for plan in plans:
        rows.append(
            [
                f"{plan.day:%a} {fmt_date(plan.day)}",
                plan.session_type,
                plan.surface or "—",
                "—" if plan.intensity_pct is None else f"{plan.intensity_pct:g}%",
                p(plan.description or "", CELL),
                PLAN_STATUS.get(plan.status, plan.status),
            ]
        )
    return table(rows, [width * w for w in (0.17, 0.17, 0.12, 0.1, 0.32, 0.12)])


def _targets_table(targets, width: float):
    rows: list[list] = [["Target", "Set by", "Status"]]
    for t in targets:
        text, colour = MET[t.met]
        rows.append(
            [p(t.text, CELL), t.discipline, markup(f"<b>{coloured(text, colour)}</b>", CELL)]
        )
    return table(rows, [width * 0.66, width * 0.16, width * 0.18])


def build_story(data: WeeklyData, paper: str) -> list[Flowable]:
    width = frame_width(paper)
    end = data.week_start + timedelta(days=6)
    c = data.head.case
    story: list[Flowable] = [SetAthlete(data.head.athlete.full_name)]
    story += title_block(
        TITLE,
        data.head,
        f"week {fmt_date(data.week_start)} to {fmt_date(end)}",
    )
    story.append(
        p(
            f"Phase {c.phase.ordinal} of {data.head.phase_count}: {c.phase.name} "
            f"({data.head.days_in_phase} days in phase); {data.head.expected}.",
            BODY,
        )
    )

    story.append(p("Sessions this week", H2))
    if data.sessions:
        rows: list[list] = [
            [
                "Date",
                "Session",
                "Min",
                "sRPE",
                "Load (AU)",
                "Surface",
                "Intensity",
                "Volume (m)",
                "By",
            ]
        ]
        for s in data.sessions:
            day = local_day(s.occurred_at, zone(data.ctx.timezone))  # the clinic's day
            rows.append(
                [
                    f"{day:%a} {fmt_date(day)}",
                    s.session_type,
                    fmt_num(s.minutes),
                    "—" if s.srpe is None else f"{s.srpe:g}",
                    fmt_num(s.load),
                    s.surface or "—",
                    "—" if s.intensity_pct is None else f"{s.intensity_pct:g}%",
                    fmt_num(s.volume_m),
                    p(s.author, CELL),
                ]
            )
            if s.notes:
                rows.append(["", p(s.notes, SMALL), "", "", "", "", "", "", ""])
        story.append(
            table(rows, [width * w for w in (0.14, 0.17, 0.06, 0.06, 0.1, 0.1, 0.1, 0.11, 0.16)])
        )
    else:
        story.append(p("No sessions logged this week.", BODY))
    change = ""
    if data.previous_week_load:
        change = f" ({(data.week_load / data.previous_week_load - 1) * 100:+.0f}% on the week before, {data.previous_week_load:,.0f} AU)"
    story.append(
        p(
            f"{len(data.sessions)} session(s), total load {data.week_load:,.0f} AU (sRPE x minutes){change}.",
            SMALL,
        )
    )
    if data.planned:
        story.append(p("Planned for this week", H2))
        story.append(_plan_table(data.planned, width))

    story.append(p("Targets this week", H2))
    if data.targets:
        story.append(_targets_table(data.targets, width))
        met = sum(1 for t in data.targets if t.met)
        story.append(p(f"{met} of {len(data.targets)} targets met.", SMALL))
    else:
        story.append(p("No targets were set for this week.", BODY))

    story.append(p("Pain and soreness", H2))
    rows = [["", *[f"{d.day:%a} {d.day:%d %b}" for d in data.feedback]]]
    for label, attr in (("Pain (0-10)", "pain"), ("Soreness (0-10)", "soreness")):
        rows.append(
            [
                label,
                *[
                    "—" if getattr(d, attr) is None else f"{getattr(d, attr):g}"
                    for d in data.feedback
                ],
            ]
        )
    story.append(table(rows, [width * 0.16] + [width * 0.12] * 7))
    story.append(p("Highest report of each day; — no report.", SMALL))
    story.append(Spacer(1, 4))
    chart_w = width / 2 - 4
    story.append(
        _charts_grid(
            [[time_chart(data.chart, chart_w, 42 * mm), p(data.chart.caption, SMALL)]], width
        )
    )

    story.append(p("Next week", H2))
    if data.next_planned:
        story.append(_plan_table(data.next_planned, width))
    else:
        story.append(p("No sessions planned for next week yet.", BODY))
    if data.next_targets:
        story.append(Spacer(1, 4))
        story.append(_targets_table(data.next_targets, width))
    if data.phase_targets or data.guidance:
        story.append(Spacer(1, 4))
        rows = [
            ["The protocol's weekly targets for this phase", "Guidance"],
            [
                [p(f"• {text}", CELL) for text in data.phase_targets] or p("—", CELL),
                [p(f"• {text}", CELL) for text in data.guidance] or p("—", CELL),
            ],
        ]
        story.append(table(rows, [width / 2, width / 2], zebra=False))
    story.append(Spacer(1, 6))
    story.append(p(f"Integrity fingerprint: {data.fingerprint}", SMALL))
    return story


def render_weekly(data: WeeklyData, paper: str = "a4") -> bytes:
    ctx = data.ctx
    info = DocInfo(
        TITLE, ctx.clinic_name, ctx.generated_at, ctx.generated_by, ctx.generated_role, ctx.timezone
    )
    return render(build_story(data, paper), info, paper)
