"""Autosaved drafts: typing in the entry forms survives a crash or a killed app.

While a user types, the text fields of a workspace's entry forms are written (debounced)
to ``CASEMGR_HOME/drafts/<user>/case-<id>.json`` (readable by that OS user only). A saved
or cleared form removes its part; when a workspace opens and a draft is left over, the
entry panel offers to restore or discard it. Drafts are per user and per case.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from casemgr import paths
from casemgr.db.base import utcnow

log = logging.getLogger(__name__)

_TEXT_WIDGETS = (QLineEdit, QPlainTextEdit, QTextEdit)


def draft_path(username: str, case_id: int) -> Path:
    safe = "".join(ch for ch in username if ch.isalnum() or ch in "._-") or "user"
    return paths.home() / "drafts" / safe / f"case-{case_id}.json"


def _text_fields(form: QWidget) -> list[QWidget]:
    fields = [w for w in form.findChildren(QWidget) if isinstance(w, _TEXT_WIDGETS)]
    # the line edits inside spin boxes and combo boxes are not typing
    return [
        w
        for w in fields
        if not w.parent().inherits("QAbstractSpinBox") and not w.parent().inherits("QComboBox")
    ]


def _get(widget: QWidget) -> str:
    return widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()


def _set(widget: QWidget, text: str) -> None:
    if isinstance(widget, QLineEdit):
        widget.setText(text)
    else:
        widget.setPlainText(text)


def capture(forms: dict[str, QWidget]) -> dict[str, dict[str, str]]:
    """The non-empty text fields of every form, by form kind and field position."""
    out: dict[str, dict[str, str]] = {}
    for kind, form in forms.items():
        values = {str(i): _get(w) for i, w in enumerate(_text_fields(form)) if _get(w).strip()}
        if values:
            out[kind] = values
    return out


def restore(forms: dict[str, QWidget], fields: dict[str, dict[str, str]]) -> int:
    """Put captured text back; returns how many fields were filled."""
    filled = 0
    for kind, values in fields.items():
        form = forms.get(kind)
        if form is None:
            continue
        widgets = _text_fields(form)
        for index, text in values.items():
            if index.isdigit() and int(index) < len(widgets):
                _set(widgets[int(index)], text)
                filled += 1
    return filled


def save(path: Path, fields: dict[str, dict[str, str]]) -> None:
    """Write (or, when nothing is typed, remove) the draft file atomically."""
    if not fields:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    payload = {"saved_at": utcnow().isoformat(), "fields": fields}
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load(path: Path) -> tuple[datetime, dict[str, dict[str, str]]] | None:
    """A left-over draft, or None (an unreadable file is set aside, never fatal)."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        fields = payload["fields"]
        saved_at = datetime.fromisoformat(payload["saved_at"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("Draft %s unreadable (%s); set aside", path, exc)
        path.replace(path.with_suffix(".unreadable"))
        return None
    return (saved_at, fields) if fields else None
