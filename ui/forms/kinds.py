"""The kinds of entry the panel offers, the form that writes each kind and the form that
corrects a given entry.
"""

from __future__ import annotations

from casemgr.services.dto import EntryInfo
from ui.forms.base import EntryForm, FormContext
from ui.forms.check import CheckForm
from ui.forms.feedback import FeedbackForm
from ui.forms.flag import FlagForm
from ui.forms.measures import MeasuresForm
from ui.forms.note import NoteForm
from ui.forms.plan import PlanForm
from ui.forms.session import SessionForm
from ui.forms.sign_off import SignOffForm
from ui.forms.target import TargetForm
from ui.forms.timing_gates import SprintTestForm

FORM_KINDS = (
    "note",
    "feedback",
    "session",
    "measure",
    "sprint",
    "baseline",
    "target",
    "plan",
    "check",
    "flag",
    "sign_off",
)


def make_form(kind: str, context: FormContext) -> EntryForm:
    if kind == "baseline":
        return MeasuresForm(context, baseline=True)
    classes: dict[str, type[EntryForm]] = {
        "note": NoteForm,
        "feedback": FeedbackForm,
        "session": SessionForm,
        "measure": MeasuresForm,
        "sprint": SprintTestForm,
        "target": TargetForm,
        "plan": PlanForm,
        "check": CheckForm,
        "flag": FlagForm,
        "sign_off": SignOffForm,
    }
    return classes[kind](context)


def form_kind_for(entry: EntryInfo) -> str | None:
    """Which form corrects *entry* (None: not amendable through a form)."""
    if entry.kind == "measure":
        return "sprint" if entry.data.get("test") == "timing_gate" else "measure"
    return (
        entry.kind
        if entry.kind in ("note", "feedback", "session", "check", "flag", "sign_off")
        else None
    )
