"""The return-to-play report (DOMAIN.md section 7; SPEC "Print")."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from casemgr.clinical.overrides import unmet_text
from casemgr.services.report_data import CriteriaBlock, PhaseStint, RtpData
from reports.charts import fv_chart, load_chart, time_chart
from reports.common import decision_paragraphs, facts_table, long_text, note_flowables, title_block
from reports.document import DocInfo, SetAthlete, frame_width, render
from reports.styles import (
    BODY,
    CELL,
    FAIL,
    H2,
    H3,
    PASS,
    RULE,
    SMALL,
    VERDICT_TEXT,
    WARN,
    bold,
    coloured,
    fmt_date,
    fmt_day,
    fmt_dt,
    fmt_num,
    markup,
    p,
    status_cell,
    table,
)
from reports.text import para_text

TITLE = "Return-to-play report"
VERDICT_COLOURS = {"ready": PASS, "not_ready": FAIL, "no_criteria": WARN}


def criteria_flowables(block: CriteriaBlock, width: float, *, compact: bool = False) -> list:
    head = f"Phase {block.phase_ordinal}: {block.phase_name}"
    verdict = VERDICT_TEXT.get(block.verdict, block.verdict)
    out: list[Flowable] = [
        p(head, H3),
        markup(
            f"<b>{coloured(verdict, VERDICT_COLOURS.get(block.verdict, WARN))}</b> · "
            f"{para_text(block.summary)} <font size=7>({para_text(block.when)})</font>",
            SMALL,
        ),
        Spacer(1, 2),
    ]
    if not block.rows:
        return out
    if compact:
        rows: list[list] = [["Criterion", "Value", "Target", "Result"]]
        widths = [0.38, 0.27, 0.22, 0.13]
    else:
        rows = [["Criterion", "Value", "Reference used", "Target", "Result", "Source"]]
        widths = [0.21, 0.18, 0.16, 0.17, 0.105, 0.175]
    for r in block.rows:
        flags = []
        if r.convention:
            flags.append("convention")
        if not r.required:
            flags.append("advisory")
        label = r.label + (f" ({', '.join(flags)})" if flags else "")
        if compact:
            rows.append(
                [p(label, CELL), p(r.value, CELL), p(r.target, CELL), status_cell(r.status)]
            )
        else:
            rows.append(
                [
                    p(label, CELL),
                    p(r.value, CELL),
                    p(r.reference, CELL),
                    p(r.target, CELL),
                    status_cell(r.status),
                    p(r.source, SMALL),
                ]
            )
    out.append(table(rows, [width * w for w in widths]))
    for text in block.conventions:
        out.append(p(text, SMALL))
    return out


def _charts_grid(drawings: list, width: float) -> Table:
    rows = [drawings[i : i + 2] for i in range(0, len(drawings), 2)]
    if len(rows[-1]) == 1:
        rows[-1].append("")
    t = Table(rows, colWidths=[width / 2] * 2, hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return t


def _chart_cell(chart, width: float, height: float) -> list:
    return [time_chart(chart, width, height), p(chart.caption, SMALL)]


def build_story(data: RtpData, paper: str) -> list[Flowable]:
    width = frame_width(paper)
    head = data.head
    story: list[Flowable] = [SetAthlete(head.athlete.full_name)]
    tz = data.ctx.timezone  # every date and time in the clinic's zone
    story += title_block(TITLE, head, f"generated {fmt_dt(data.ctx.generated_at, tz)}")

    story.append(p("Athlete and injury", H2))
    story.append(facts_table(head, width))
    story += long_text("Imaging", head.case.imaging_note)
    story += long_text("Injury history", head.history_note)

    story.append(p("Milestones", H2))
    rows: list[list] = [["Milestone", "Date", "Day", "Detail"]]
    for m in data.milestones:
        rows.append(
            [m.label, fmt_date(m.day), "—" if m.day_no is None else str(m.day_no), m.detail or ""]
        )
    story.append(table(rows, [width * w for w in (0.34, 0.16, 0.08, 0.42)]))

    story.append(p("Phase history", H2))
    if data.phases:
        rows = [["Phase", "Entered", "Left", "Days", "How", "Reason", "By"]]
        for s in data.phases:
            how = s.how
            how_cell = markup(
                (bold(how) if not s.step_back else f"<b>{coloured(how, FAIL)}</b>")
                + (f"<br/><b>{coloured('override', WARN)}</b>" if s.unmet else ""),
                CELL,
            )
            rows.append(
                [
                    p(f"{s.ordinal}. {s.name}", CELL),
                    fmt_day(s.entered, tz),
                    fmt_day(s.left, tz) if s.left else "current",
                    fmt_num(s.days, 1),
                    how_cell,
                    _reason_cell(s),
                    p(s.by, CELL),
                ]
            )
        story.append(table(rows, [width * w for w in (0.21, 0.11, 0.11, 0.06, 0.10, 0.28, 0.13)]))
        backs = sum(1 for s in data.phases if s.step_back)
        story.append(
            p(
                f"{backs} step-back{'s' if backs != 1 else ''} recorded."
                if backs
                else "No step-backs recorded.",
                SMALL,
            )
        )
    else:
        story.append(p("No phase changes recorded.", BODY))

    story.append(p("Exit criteria of the final phases", H2))
    story.append(
        p(
            "Each criterion against its reference (pre-injury baseline, uninjured limb or an "
            "absolute value), as evaluated by the protocol's rules. Thresholds marked "
            "'convention' are clinical convention, not validated cut-offs.",
            SMALL,
        )
    )
    if data.protocol_source:
        story.append(p(f"Protocol sources: {data.protocol_source}", SMALL))
    for block in data.criteria:
        story += criteria_flowables(block, width)

    story.append(p("Key measures over time", H2))
    chart_w, chart_h = width / 2 - 4, 58 * mm
    if data.charts:
        cells = [_chart_cell(ch, chart_w, chart_h) for ch in data.charts]
        story.append(_charts_grid(cells, width))
        story.append(
            p("P1, P2…: protocol phases (shaded alternately). x axis: days since injury.", SMALL)
        )
    else:
        story.append(p("No strength or range-of-motion results recorded since the injury.", BODY))

    story.append(p("Sprint performance vs baseline", H2))
    if data.sprint.rows:
        rows = [
            ["Measure", "Baseline", "Latest", "Latest on", "Best since injury", "Latest / baseline"]
        ]
        for r in data.sprint.rows:
            pct = "—" if r.pct_of_baseline is None else f"{r.pct_of_baseline:.1f}%"
            rows.append([r.label, r.baseline, r.latest, fmt_date(r.latest_day), r.best, pct])
        story.append(table(rows, [width * w for w in (0.22, 0.15, 0.15, 0.15, 0.16, 0.17)]))
        story.append(
            p(
                "For split times lower is better: a latest/baseline above 100% is slower than "
                "before the injury.",
                SMALL,
            )
        )
        cells = []
        if data.sprint.chart is not None:
            cells.append(_chart_cell(data.sprint.chart, chart_w, chart_h))
        fv_caption = (
            "; ".join(
                f"{pr.label} ({fmt_date(pr.day)}): F0 {pr.f0_rel:.2f} N/kg, V0 {pr.v0:.2f} m/s"
                + (f", Pmax {pr.pmax_rel:.1f} W/kg" if pr.pmax_rel is not None else "")
                + (f", start correction: {pr.correction}" if pr.correction else "")
                for pr in data.sprint.profiles
            )
            or "No force-velocity profile recorded."
        )
        if data.sprint.profiles:
            fv_caption += ". Profiles fitted from split times (Samozino et al. 2016)."
        cells.append([fv_chart(data.sprint.profiles, chart_w, chart_h), p(fv_caption, SMALL)])
        story.append(Spacer(1, 4))
        story.append(_charts_grid(cells, width))
    else:
        story.append(
            p("No sprint results recorded (no baseline and no tests since the injury).", BODY)
        )

    story += _load_section(data, width, chart_w, chart_h)

    story.append(p("Athlete confidence", H2))
    conf = data.confidence
    if conf.latest is None:
        story.append(p("No confidence ratings recorded.", BODY))
    else:
        story.append(
            p(
                f"Latest confidence {conf.latest:g}/10 ({fmt_date(conf.latest_day)}); first "
                f"rating after the injury {conf.first:g}/10 ({fmt_date(conf.first_day)}).",
                BODY,
            )
        )
        if conf.chart is not None:
            story.append(Spacer(1, 3))
            story.append(_charts_grid([_chart_cell(conf.chart, chart_w, chart_h * 0.8)], width))

    story.append(p("Notes from each discipline", H2))
    if data.notes:
        for group in data.notes:
            story.append(p(f"{group.label} ({len(group.notes)})", H3))
            for note in group.notes:
                story += note_flowables(note, tz)
    else:
        story.append(p("No notes recorded.", BODY))
    if data.hidden_entries:
        story.append(
            p(
                f"{data.hidden_entries} amended or voided timeline entr"
                f"{'y is' if data.hidden_entries == 1 else 'ies are'} not printed; their "
                "history is on the case timeline.",
                SMALL,
            )
        )

    story.append(p("Return-to-play decision", H2))
    story += decision_paragraphs(data.decision, tz)
    story.append(_signature(data, width))
    story += _references(data.references)
    return story


def _references(references: tuple[str, ...]) -> list[Flowable]:
    """The reference list that ends the report: every work cited above, once."""
    out: list[Flowable] = [p("References", H2)]
    if not references:
        return out + [p("No literature is cited in this report.", SMALL)]
    hanging = ParagraphStyle("reference", parent=SMALL, leftIndent=12, firstLineIndent=-12)
    return out + [p(f"{i}. {ref}", hanging) for i, ref in enumerate(references, 1)]


def _reason_cell(s: PhaseStint) -> Flowable:
    """The move's reason; an advance against unmet criteria states them (stored then)."""
    if not s.unmet:
        return p(s.reason, CELL)
    text = para_text(s.reason)
    if s.override_reason and s.override_reason != s.reason:
        text += f"<br/>Override reason: {para_text(s.override_reason)}"
    return markup(f"{text}<br/>{coloured(unmet_text(s.unmet), WARN)}", CELL)


def _load_section(data: RtpData, width: float, chart_w: float, chart_h: float) -> list:
    load = data.load
    out: list[Flowable] = [p("Load vs pre-injury", H2)]
    pre = load.pre_injury_hsr_week
    if pre is None:
        out.append(
            p(
                "No pre-injury high-speed running recorded: there is no pre-injury weekly "
                "reference for the comparison.",
                BODY,
            )
        )
    else:
        target = (
            f" The protocol's target is {load.hsr_target_pct:g}% of it "
            f"({pre * load.hsr_target_pct / 100:,.0f} m)."
            if load.hsr_target_pct
            else ""
        )
        out.append(
            p(
                f"Pre-injury weekly high-speed running: {pre:,.0f} m (mean of the 4 weeks before the injury).{target}",
                BODY,
            )
        )
    if load.acwr_ewma is not None:
        spikes = (
            f" The acute:chronic ratio was above {load.spike_threshold:g} on {load.spikes_last_7} "
            "of the last 7 days: "
            "a change to look at, not a risk score."
            if load.spikes_last_7
            else ""
        )
        out.append(
            p(
                f"Acute:chronic workload ratio (EWMA 7/28 days, Williams et al. 2017; sRPE "
                f"load, Foster et al. 2001) on "
                f"{fmt_date(load.acwr_day)}: {load.acwr_ewma:.2f}.{spikes}",
                BODY,
            )
        )
    elif load.acwr_days_of_data:
        out.append(
            p(
                f"Acute:chronic workload ratio (EWMA 7/28 days, Williams et al. 2017) on "
                f"{fmt_date(load.acwr_day)}: building ({load.acwr_days_of_data} of "
                f"{load.acwr_days_needed} days of load data since the first session). No "
                f"ratio is shown until {load.acwr_days_needed} days of data support it.",
                BODY,
            )
        )
    rows: list[list] = [
        [
            "Week",
            "From",
            "Sessions",
            "sRPE load (AU)",
            "HSR (m)",
            "HSR vs pre-injury",
            "Total distance (m)",
        ]
    ]
    for w in load.weeks:
        pct = "—" if (w.hsr_m is None or not pre) else f"{w.hsr_m / pre * 100:.0f}%"
        partial = "" if w.days == 7 else f" ({w.days} d so far)"
        rows.append(
            [
                f"{w.week_no}{partial}",
                fmt_date(w.start),
                str(w.sessions),
                fmt_num(w.srpe_load),
                fmt_num(w.hsr_m),
                pct,
                fmt_num(w.total_m),
            ]
        )
    out.append(Spacer(1, 3))
    out.append(table(rows, [width * x for x in (0.14, 0.13, 0.1, 0.15, 0.13, 0.17, 0.18)]))
    out.append(Spacer(1, 4))
    out.append(
        _charts_grid(
            [
                [
                    load_chart(load, chart_w, chart_h * 0.85),
                    p(
                        "Bars: weekly HSR since the injury. Dashed: pre-injury weekly mean; dotted: protocol target.",
                        SMALL,
                    ),
                ]
            ],
            width,
        )
    )
    return out


def _signature(data: RtpData, width: float) -> Flowable:
    decided = fmt_day(data.decision.decided_at, data.ctx.timezone) if data.decision else None
    rows = [
        ["Printed name", "Role", "Date", "Signature"],
        [
            p(data.signer_name or " ", CELL),
            p(data.signer_role, CELL),
            p(decided or " ", CELL),
            p(" ", CELL),
        ],
    ]
    sig = table(
        rows,
        [width * w for w in (0.3, 0.17, 0.17, 0.36)],
        zebra=False,
        extra=[
            ("BOX", (0, 0), (-1, -1), 0.6, RULE),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE),
            ("ROWHEIGHT", (0, 1), (-1, 1), 30),
            ("TOPPADDING", (0, 1), (-1, 1), 6),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 18),
        ],
    )
    ctx = data.ctx
    fingerprint = markup(
        f"<b>Integrity fingerprint</b> (SHA-256 of this report's data and the audit-chain head, "
        f"event #{ctx.audit_head_id} {para_text(ctx.audit_head[:16])}…, when it was made):<br/>"
        f'<font size="7.5">{para_text(data.fingerprint)}</font>',
        SMALL,
    )
    return KeepTogether(
        [
            p("Signature", H2),
            p(
                "I have reviewed the evidence in this report and the decision above.",
                BODY,
            ),
            Spacer(1, 4),
            sig,
            Spacer(1, 5),
            fingerprint,
        ]
    )


def render_rtp(data: RtpData, paper: str = "a4") -> bytes:
    info = DocInfo(
        TITLE,
        data.ctx.clinic_name,
        data.ctx.generated_at,
        data.ctx.generated_by,
        data.ctx.generated_role,
        data.ctx.timezone,
    )
    return render(build_story(data, paper), info, paper)
