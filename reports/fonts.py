"""The bundled fonts, registered once with reportlab, and per-character font fallback.

reportlab draws each run of text with one font and has no per-glyph fallback, so text is
split into runs: DejaVu Sans (Latin, Greek, Cyrillic and most symbols) where it has the
glyph, Droid Sans Fallback (Chinese, Japanese, Korean) where only that font has it. Both
are embedded as TrueType subsets with a ToUnicode map, so the text extracted from the PDF
is the text that was typed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import lru_cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from casemgr.resources import resource_path

BASE = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
CJK = "DroidSansFallback"

_FILES = {
    BASE: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    CJK: "DroidSansFallbackFull.ttf",
}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the bundled TTFs (idempotent, thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, file in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
        addMapping(BASE, 0, 0, BASE)
        addMapping(BASE, 1, 0, BOLD)
        addMapping(BASE, 0, 1, BASE)
        addMapping(BASE, 1, 1, BOLD)
        addMapping(CJK, 0, 0, CJK)
        addMapping(CJK, 1, 0, CJK)
        addMapping(CJK, 0, 1, CJK)
        addMapping(CJK, 1, 1, CJK)
        _registered = True


@lru_cache(maxsize=1)
def _coverage() -> tuple[frozenset[int], frozenset[int]]:
    register_fonts()
    base = pdfmetrics.getFont(BASE).face.charToGlyph
    cjk = pdfmetrics.getFont(CJK).face.charToGlyph
    return frozenset(base), frozenset(cjk)


def font_runs(text: str) -> Iterator[tuple[bool, str]]:
    """Split *text* into runs: ``(True, run)`` for runs that need the CJK font."""
    base, cjk = _coverage()
    start, current = 0, None
    for i, ch in enumerate(text):
        code = ord(ch)
        fallback = code not in base and code in cjk
        if current is None:
            current = fallback
        elif fallback != current:
            yield current, text[start:i]
            start, current = i, fallback
    if current is not None:
        yield current, text[start:]


def needs_fallback(text: str) -> bool:
    """True when some character of *text* is drawn with the CJK font."""
    base, cjk = _coverage()
    return any(ord(ch) not in base and ord(ch) in cjk for ch in text)
