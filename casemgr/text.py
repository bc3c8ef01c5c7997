"""Text helpers: folding names for search and matching, cleaning user input."""

from __future__ import annotations

import unicodedata

from casemgr.errors import ValidationError


def fold(text: str) -> str:
    """Case-, accent- and Unicode-form-insensitive key: ``"José"`` and ``"JOSE\u0301"`` -> ``"jose"``.

    Non-Latin scripts keep their letters (``"李娜"`` stays ``"李娜"``).
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def like_contains(text: str) -> str:
    """A ``LIKE`` pattern (escape character ``\\``) matching *text* anywhere, literally:
    ``%``, ``_`` and ``\\`` typed in a search box are characters, not wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clean_line(value: str, field: str, *, max_len: int = 200, required: bool = True) -> str:
    """A single line of user text in NFC, trimmed; refuses control characters."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if required and not text:
        raise ValidationError(f"{field} is required.")
    if len(text) > max_len:
        raise ValidationError(f"{field} is too long ({len(text)} characters; at most {max_len}).")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValidationError(f"{field} contains control characters.")
    return text


def clean_text(value: str, field: str, *, max_len: int = 2_000_000) -> str:
    """Free text (notes) in NFC; keeps line breaks and tabs, refuses other control chars."""
    text = unicodedata.normalize("NFC", value or "")
    if len(text) > max_len:
        raise ValidationError(f"{field} is too long ({len(text)} characters; at most {max_len}).")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise ValidationError(f"{field} contains control characters.")
    return text.replace("\r\n", "\n")
