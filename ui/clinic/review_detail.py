"""The detail pane of the case review: the selected case in HTML (each criterion, the
step-back suggestions, the open flags and the latest note of every discipline)."""

from __future__ import annotations

import html

from casemgr.permissions import ROLE_LABELS, Role
from ui.clinic.review_model import ReviewRow, _tr, injury_text, readiness_text
from ui.platform import clinic_time

_STATUS_MARKS = {"pass": "✓", "fail": "✗", "missing": "?", "stale": "⏱"}


def detail_html(r: ReviewRow, contrast: bool = False) -> str:
    """The selected case in HTML; every piece of user text escaped."""
    e = html.escape
    c = r.case
    good, bad, warn = (
        ("#7CFC00", "#FF6B6B", "#FFD700") if contrast else ("#2E7D32", "#C62828", "#B26A00")
    )
    parts = [
        f"<h2>{e(c.athlete_name)}</h2>",
        f"<p>{e(injury_text(c))}<br>"
        f"{e(_tr('Phase {0}/{1}: {2}').format(c.phase_ordinal, c.phase_count, c.phase_name))}"
        f" · {e(r.expected)}"
        + "".join(f"<br><small>{e(line)}</small>" for line in r.expected_detail.splitlines())
        + "</p>",
        f"<h3>{e(_tr('Readiness'))}: {e(readiness_text(r))}</h3>",
        f"<p>{e(r.summary)}</p>",
    ]
    if r.criteria:
        items = []
        for line in r.criteria:
            colour = {"pass": good, "fail": bad}.get(line.status, warn)
            mark = _STATUS_MARKS.get(line.status, "•")
            optional = "" if line.required else e(_tr(" (optional)"))
            items.append(
                f"<li><span style='color:{colour}'><b>{mark}</b></span> "
                f"<b>{e(line.label)}</b>{optional}: {e(line.explanation)}</li>"
            )
        parts.append("<ul>" + "".join(items) + "</ul>")
    if r.pause:
        parts.append(
            f"<p style='color:{warn}'><b>‖ {e(_tr('Progression paused'))}</b> {e(r.pause)}</p>"
        )
    if r.suggestions:
        parts.append(f"<h3 style='color:{warn}'>{e(_tr('Suggestions'))}</h3>")
        parts.append("<ul>" + "".join(f"<li>{e(s)}</li>" for s in r.suggestions) + "</ul>")
    if r.answered:
        parts.append(f"<h3>{e(_tr('Answered suggestions'))}</h3>")
        parts.append("<ul>" + "".join(f"<li>✓ {e(s)}</li>" for s in r.answered) + "</ul>")
    if r.overrides:
        parts.append(
            f"<h3 style='color:{warn}'>{e(_tr('Overrides: moved or cleared with criteria unmet'))}"
            "</h3>"
        )
        parts.append("<ul>" + "".join(f"<li>{e(s)}</li>" for s in r.overrides) + "</ul>")
    parts.append(f"<h3>{e(_tr('Open flags'))}</h3>")
    if r.flags:
        parts.append(
            "<ul>"
            + "".join(
                f"<li><span style='color:{bad}'>⚑</span> {e(f.title)} "
                f"({e(clinic_time.time_text(f.at, '%d %b %Y'))})</li>"
                for f in r.flags
            )
            + "</ul>"
        )
    else:
        parts.append(f"<p>{e(_tr('None.'))}</p>")
    parts.append(f"<h3>{e(_tr('Latest note per discipline'))}</h3>")
    if not r.notes:
        parts.append(f"<p>{e(_tr('No notes yet.'))}</p>")
    for note in r.notes:
        role = ROLE_LABELS.get(Role(note.discipline), note.discipline)
        body = note.body if len(note.body) <= 600 else note.body[:600] + "…"
        when = clinic_time.time_text(note.at, "%a %d %b %Y %H:%M")  # the clinic's time
        parts.append(
            f"<p><b>{e(role)}</b> — {e(note.author)}, {e(when)}<br>"
            f"<i>{e(note.title)}</i> {e(body)}</p>"
        )
    return "".join(parts)
