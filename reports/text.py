"""The one gate for user text entering a reportlab ``Paragraph``.

reportlab parses a mini-markup in paragraphs: every piece of user text must be escaped
so that names like ``O'Brien <Jr> & Co`` or notes containing ``<b>`` print exactly as
typed and never inject markup (or make reportlab fetch an ``<img src=...>``). Runs of
characters that only the CJK font has (``李娜``) are wrapped in a ``<font>`` tag after
escaping, so that every script prints (see :mod:`reports.fonts`).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reports.fonts import CJK, font_runs


def _runs(text: str) -> str:
    parts = []
    for fallback, run in font_runs(text):
        safe = escape(run)
        parts.append(f'<font name="{CJK}">{safe}</font>' if fallback else safe)
    return "".join(parts)


def para_text(value: object) -> str:
    """Escape *value* for a Paragraph; line breaks become ``<br/>``."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "<br/>".join(_runs(line) for line in text.split("\n"))


def clip(value: object, limit: int) -> tuple[str, int]:
    """*value* cut to at most *limit* characters (at a space when one is near) and how
    many characters were left out (0 when nothing was)."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text, 0
    cut = text.rfind(" ", int(limit * 0.8), limit)
    cut = cut if cut > 0 else limit
    return text[:cut].rstrip(), len(text) - cut


def chunks(value: object, size: int = 3000) -> list[str]:
    """Long text split into pieces of about *size* characters, at line breaks or spaces
    where possible, so that each becomes a Paragraph that lays out quickly."""
    text = "" if value is None else str(value)
    out: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        while len(block) > size:
            cut = max(block.rfind("\n", size // 2, size), block.rfind(" ", size // 2, size))
            cut = cut if cut > 0 else size
            out.append(block[:cut])
            block = block[cut:].lstrip(" \n")
        out.append(block)
    return out
