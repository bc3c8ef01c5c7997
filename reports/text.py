"""The one gate for user text entering a reportlab ``Paragraph``.

reportlab parses a mini-markup in paragraphs: every piece of user text must be escaped
so that names like ``O'Brien <Jr> & Co`` or notes containing ``<b>`` print exactly as
typed and never inject markup (or make reportlab fetch an ``<img src=...>``).
"""

from __future__ import annotations

from xml.sax.saxutils import escape


def para_text(value: object) -> str:
    """Escape *value* for a Paragraph; line breaks become ``<br/>``."""
    text = "" if value is None else str(value)
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")
