"""Blocks shared by the documents: the case title, athlete and injury facts, notes."""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph, Spacer

from casemgr.services.dto import CaseInfo
from casemgr.services.report_data import CaseHeader, DecisionData, NoteItem
from casemgr.vocab import BAMIC_SITES, MECHANISMS, MUSCLE_LABELS
from reports.styles import (
    BODY,
    CELL,
    CELL_BOLD,
    FAIL,
    NOTE_HEAD,
    PASS,
    SMALL,
    SUBTITLE,
    TITLE,
    WARN,
    bold,
    coloured,
    fmt_date,
    fmt_dt,
    markup,
    p,
    table,
)
from reports.text import chunks, para_text

STATUS_LABELS = {"open": "Open", "surveillance": "Surveillance", "closed": "Closed"}
DECISION_COLOURS = {"cleared": PASS, "cleared_with_restrictions": WARN, "not_cleared": FAIL}


def injury_text(case: CaseInfo) -> str:
    muscle = MUSCLE_LABELS.get(case.muscle, case.muscle)
    return f"{case.side.title()} {case.region}: {muscle}"


def grade_text(case: CaseInfo) -> str:
    if case.classification == "bamic":
        site = BAMIC_SITES.get(case.site, "")
        return f"BAMIC {case.grade}{case.site}" + (f" ({site})" if site else "")
    return f"Munich {case.grade}"


def title_block(title: str, head: CaseHeader, extra: str = "") -> list[Flowable]:
    a, c = head.athlete, head.case
    line = f"{injury_text(c)} · {grade_text(c)} · case #{c.id}"
    out: list[Flowable] = [
        p(title, TITLE),
        markup(f"<b>{para_text(a.full_name)}</b>", SUBTITLE),
        p(line + (f" · {extra}" if extra else ""), BODY),
        Spacer(1, 4),
    ]
    return out


def facts_table(head: CaseHeader, width: float) -> Flowable:
    """Athlete and injury as two label/value columns."""
    a, c = head.athlete, head.case
    body = []
    if a.body_mass_kg or a.height_m:
        body.append(
            " / ".join(
                x
                for x in (
                    f"{a.body_mass_kg:g} kg" if a.body_mass_kg else "",
                    f"{a.height_m:.2f} m" if a.height_m else "",
                )
                if x
            )
        )
    left = [
        ("Athlete", a.full_name),
        ("External id", a.external_id or "—"),
        ("Date of birth", fmt_date(a.date_of_birth)),
        ("Sport / position", " / ".join(x for x in (a.sport, a.position) if x) or "—"),
        ("Dominant limb", (a.dominant_limb or "—").title()),
        ("Body mass / height", body[0] if body else "—"),
        ("Recurrence of", f"case #{c.recurrence_of_id}" if c.recurrence_of_id else "no"),
    ]
    right = [
        ("Injury date", f"{fmt_date(c.injury_date)} (day 0)"),
        ("Injury", injury_text(c)),
        ("Classification", grade_text(c)),
        ("Mechanism", MECHANISMS.get(c.mechanism, c.mechanism)),
        ("Protocol", f"{c.protocol_name} (v{c.protocol_version})"),
        (
            "Phase",
            f"{c.phase.ordinal} of {head.phase_count}: {c.phase.name} "
            f"({head.days_in_phase} days in phase)",
        ),
        ("Status", f"{STATUS_LABELS.get(c.status, c.status)}; {head.expected}"),
    ]
    rows = []
    for (k1, v1), (k2, v2) in zip(left, right, strict=True):
        rows.append([p(k1, CELL_BOLD), p(v1, CELL), p(k2, CELL_BOLD), p(v2, CELL)])
    w = width
    return table(rows, [w * 0.14, w * 0.30, w * 0.14, w * 0.42], header=False, zebra=False)


def long_text(label: str, text: str, style=BODY) -> list[Flowable]:
    """A labelled block of user text, split into paragraphs that lay out quickly."""
    if not text.strip():
        return []
    pieces = chunks(text)
    out: list[Flowable] = [markup(f"<b>{para_text(label)}:</b> {para_text(pieces[0])}", style)]
    out += [p(piece, style) for piece in pieces[1:]]
    return out


def note_flowables(note: NoteItem, tz: str, *, show_discipline: str = "") -> list[Flowable]:
    """A note with its time in the clinic's zone *tz*, its author and its text."""
    who = f"{note.author}" + (f" ({show_discipline})" if show_discipline else "")
    head = f"{fmt_dt(note.occurred_at, tz)} · {who}"
    if note.title and note.title not in ("Note",):
        head += f" · {note.title}"
    out: list[Flowable] = [p(head, NOTE_HEAD)]
    for piece in chunks(note.body) if note.body.strip() else []:
        out.append(p(piece, BODY))
    for part, text in note.soap:
        out += long_text(part, text)
    if note.omitted:
        out.append(
            p(
                f"[{note.omitted:,} further characters of this note are not printed; the "
                f"full text is on the case timeline, entry #{note.entry_id}.]",
                SMALL,
            )
        )
    return out


def decision_paragraphs(decision: DecisionData | None, tz: str) -> list[Flowable]:
    """The doctor's decision, recorded when (in the clinic's zone *tz*) and by whom."""
    if decision is None:
        return [p("No return-to-play decision has been recorded for this case.", BODY)]
    colour = DECISION_COLOURS.get(decision.decision, PASS)
    out: list[Flowable] = [
        Paragraph(
            f"<b>{coloured(decision.label, colour)}"
            f"{coloured(decision.text.removeprefix(decision.label), WARN)}</b>"
            f" — recorded {para_text(fmt_dt(decision.decided_at, tz))} "
            f"by {bold(decision.doctor_name)}",
            BODY,
        )
    ]
    # a clearance against unmet exit criteria is stated with the doctor's reason
    out += long_text("Override reason", decision.override_reason)
    out += long_text("Restrictions", decision.restrictions or "none")
    out += long_text("Monitoring plan", decision.monitoring_plan or "none recorded")
    out.append(p(f"Decision fingerprint: {decision.fingerprint}", SMALL))
    return out
