"""Robust reading of device and spreadsheet exports: bytes -> text -> records.

What a clinic's files throw at us, and what this module does about it:

- **Encodings**: a byte-order mark (UTF-8, UTF-16 LE/BE) wins; otherwise UTF-16 without a
  BOM is recognised by its NUL bytes, then strict UTF-8 is tried, then Windows-1252. A
  chosen encoding is applied strictly, and choosing a single-byte encoding for a file that
  is valid UTF-8 with accents is refused (that is how ``Tomás`` becomes ``TomÃ¡s``). Text
  that already looks double-encoded is reported, never silently accepted.
- **Lines**: CRLF, LF and lone CR; blank lines are skipped; quoted fields may hold the
  separator, doubled quotes and line breaks; an unmatched quote costs one line (reported
  with its number), not the rest of the file.
- **Separators**: ``,`` ``;`` or tab, given by the preset or detected from the header.
- **Numbers** (:func:`parse_number`): the preset's decimal mark and thousands separator are
  applied exactly; a value that could be read two ways (``1,234`` with a ``.`` decimal mark
  and no thousands separator) is an error, never a guess.
- **Dates** (:func:`parse_date`): the preset's format, impossible dates (``2024-02-30``)
  refused with the reason, Excel serial day numbers (``46272``) accepted.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from casemgr.errors import ValidationError
from casemgr.text import fold

ENCODINGS = {
    "auto": "detect",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
MAX_QUOTED_LINES = 20  # a quoted field may span at most this many lines
HEADER_SEARCH_LINES = 50  # metadata lines above the header that we look past

_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€|Ã[\u00a0-\u00bf]")
_MISSING = {"", "-", "–", "—", "n/a", "na", "null", "none", "nan", "#n/a"}
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_EXCEL_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_EXCEL_EPOCH = datetime(1899, 12, 30)


class FileFormatError(ValidationError):
    """The file as a whole cannot be read (encoding, no header...); nothing is imported."""


class RowError(ValueError):
    """One value or row that cannot be imported; the message says why."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the name shown to the user, e.g. "UTF-8 (with BOM)"
    warnings: tuple[str, ...] = ()


def _excerpt(raw: bytes, pos: int) -> str:
    line = raw.count(b"\n", 0, pos) + 1
    return f"byte {pos} (line {line})"


def decode_bytes(raw: bytes, encoding: str = "auto") -> Decoded:
    """Decode a file's bytes as *encoding* (``auto`` detects), refusing garbled text."""
    enc = (encoding or "auto").strip().lower().replace("_", "-")
    enc = {"utf8": "utf-8", "utf16": "utf-16", "windows-1252": "cp1252", "latin-1": "cp1252"}.get(
        enc, enc
    )
    if enc not in ENCODINGS:
        raise FileFormatError(
            f"Unknown encoding '{encoding}'; choose one of {', '.join(ENCODINGS)}."
        )
    bom = None
    if raw.startswith(codecs.BOM_UTF8):
        bom = ("utf-8-sig", "UTF-8 (with BOM)")
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        bom = ("utf-16", "UTF-16 (with BOM)")
    if bom is not None:
        if enc == "cp1252":
            raise FileFormatError(
                f"The file starts with a {bom[1].split(' ')[0]} byte-order mark but Windows-1252 "
                "was chosen; reading it that way would garble accented names. Choose 'auto'."
            )
        return _finish(_strict(raw, bom[0], bom[1]), bom[1])
    if enc == "auto":
        head = raw[:4096]
        if head.count(b"\x00") > len(head) // 4 and head:
            even = head[0::2].count(b"\x00")
            odd = head[1::2].count(b"\x00")
            codec = "utf-16-be" if even > odd else "utf-16-le"
            return _finish(_strict(raw, codec, "UTF-16"), "UTF-16")
        try:
            return _finish(raw.decode("utf-8"), "UTF-8")
        except UnicodeDecodeError:
            pass
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                "Cannot tell this file's text encoding (it is neither UTF-8 nor Windows-1252 "
                f"at {_excerpt(raw, exc.start)}). Choose the encoding, or save the file as "
                "UTF-8 and try again."
            ) from None
        return _finish(text, "Windows-1252 (detected: not valid UTF-8)")
    if enc == "utf-16":
        head = raw[:4096]
        even = head[0::2].count(b"\x00")
        odd = head[1::2].count(b"\x00")
        codec = "utf-16-be" if even > odd else "utf-16-le"
        return _finish(_strict(raw, codec, "UTF-16"), "UTF-16")
    if enc == "cp1252":
        if any(b > 0x7F for b in raw[:1_000_000]):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise FileFormatError(
                    "This file is UTF-8, not Windows-1252: reading it as Windows-1252 would "
                    "garble accented names (Tomás would become TomÃ¡s). Choose UTF-8 or 'auto'."
                )
        return _finish(_strict(raw, "cp1252", "Windows-1252"), "Windows-1252")
    return _finish(_strict(raw, "utf-8", "UTF-8"), "UTF-8")


def _strict(raw: bytes, codec: str, label: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        hint = (
            " It may be Windows-1252: choose that encoding or 'auto'." if "UTF-8" in label else ""
        )
        raise FileFormatError(
            f"The file is not valid {label} text (at {_excerpt(raw, exc.start)}).{hint}"
        ) from None


def _finish(text: str, label: str) -> Decoded:
    if "\x00" in text:
        raise FileFormatError(
            "The file contains NUL characters: it is not a text (CSV) file, or its encoding "
            "was chosen wrongly."
        )
    warnings = []
    match = _MOJIBAKE.search(text)
    if match:
        start = max(0, match.start() - 12)
        sample = text[start : match.end() + 12].replace("\n", " ").strip()
        warnings.append(
            f"The text looks garbled ('{sample}'): the file was probably saved with the wrong "
            "encoding, so names with accents will not match."
        )
    return Decoded(text, label, tuple(warnings))


# ------------------------------------------------------------------------------------------
# Lines and records


@dataclass(frozen=True)
class Record:
    """One logical row: its first physical line number (1-based) and its fields."""

    line: int
    fields: tuple[str, ...]
    raw: str
    error: str = ""

    @property
    def blank(self) -> bool:
        return not self.error and all(not f for f in self.fields)


def split_lines(text: str) -> list[str]:
    """Physical lines, for CRLF, LF and lone CR alike (a trailing newline adds no line)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The separator that splits the first non-blank lines most consistently."""
    sample = [ln for ln in lines[:HEADER_SEARCH_LINES] if ln.strip()][:20]
    if not sample:
        return ","
    best, best_score = ",", -1.0
    for delim in DELIMITERS:
        counts = [_count_outside_quotes(ln, delim) for ln in sample]
        top = max(counts)
        if top == 0:
            continue
        # lines sharing the most common count (the table body), weighted by that count
        common = max(set(counts), key=lambda c: (counts.count(c), c))
        score = counts.count(common) * (1 + min(common, 50) / 100)
        if common == 0:
            score = 0.5
        if score > best_score:
            best, best_score = delim, score
    return best


def _count_outside_quotes(line: str, delim: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            count += 1
    return count


def iter_records(lines: Sequence[str], delimiter: str, start: int = 0) -> Iterator[Record]:
    """Split *lines* (from index *start*) into records; bad quoting is a record error."""
    i, n = start, len(lines)
    while i < n:
        line = lines[i]
        if '"' not in line:
            fields = tuple(f.strip() for f in line.split(delimiter))
            yield Record(i + 1, fields, line)
            i += 1
            continue
        end = i
        joined = line
        while joined.count('"') % 2 and end + 1 < n and end - i < MAX_QUOTED_LINES:
            end += 1
            joined = joined + "\n" + lines[end]
        if joined.count('"') % 2:
            yield Record(
                i + 1,
                (),
                line,
                'unmatched quote: a field opened with " is never closed',
            )
            i += 1
            continue
        try:
            row = next(csv.reader(io.StringIO(joined), delimiter=delimiter, strict=True), [])
        except csv.Error:
            yield Record(
                i + 1,
                (),
                line,
                'badly quoted field: text follows a closing quote (write "" for a quote '
                "inside a quoted field)",
            )
            i += 1
            continue
        yield Record(i + 1, tuple(f.strip() for f in row), joined)
        i = end + 1


def header_key(text: str) -> str:
    """How column names are compared: case, accents, spacing and Unicode form ignored."""
    return fold(text)


def find_header(
    lines: Sequence[str], delimiter: str, required: Sequence[str], any_of: Sequence[str] = ()
) -> tuple[int, tuple[str, ...]]:
    """The index of the header line and its names: the first line with every *required*
    column and at least one of *any_of* (when given).

    Metadata lines above the header are looked past (up to ``HEADER_SEARCH_LINES``).
    """
    wanted = {header_key(c) for c in required if c}
    either = {header_key(c) for c in any_of if c}
    best: tuple[int, tuple[str, ...]] | None = None
    best_hits = -1
    for rec in iter_records(lines[:HEADER_SEARCH_LINES], delimiter):
        if rec.error or rec.blank:
            continue
        names = {header_key(f) for f in rec.fields}
        hits = len(wanted & names) + (1 if either & names else 0)
        if hits == len(wanted) + (1 if either else 0):
            return rec.line - 1, rec.fields
        if hits > best_hits:
            best, best_hits = (rec.line - 1, rec.fields), hits
    if best is None:
        raise FileFormatError("The file is empty: no header line and no rows.")
    found = {header_key(f) for f in best[1]}
    missing = [c for c in required if c and header_key(c) not in found]
    if either and not either & found:
        missing.append(" or ".join(c for c in any_of if c))
    shown = ", ".join(f"'{f}'" for f in best[1] if f)[:300]
    raise FileFormatError(
        f"No header line with the preset's columns: {', '.join(repr(m) for m in missing)} "
        f"not found (closest line {best[0] + 1} has {shown or 'no named columns'}). Check the "
        f"preset, the separator ({DELIMITERS.get(delimiter, repr(delimiter))}) and the file."
    )


# ------------------------------------------------------------------------------------------
# Values


def is_missing(text: str) -> bool:
    return text.strip().lower() in _MISSING


def parse_number(text: str, decimal: str = ".", thousands: str = "") -> float | None:
    """A number written with the preset's decimal mark and thousands separator.

    Empty cells and placeholders (``-``, ``n/a``) are ``None``. Anything that could be read
    two ways, or that does not follow the declared marks, raises :class:`RowError`.
    """
    raw = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if raw.lower() in _MISSING:
        return None
    body = raw
    sign = 1.0
    if body[:1] in "+-":
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:].strip()
    if thousands and thousands in body:
        integer, _, frac = body.partition(decimal) if decimal in body else (body, "", "")
        groups = integer.split(thousands)
        if not (
            1 <= len(groups[0]) <= 3
            and all(len(g) == 3 for g in groups[1:])
            and all(g.isdigit() for g in groups)
        ):
            raise RowError(f"'{raw}' does not group its digits in threes with '{thousands}'")
        body = "".join(groups) + (decimal + frac if decimal in body else "")
    other = "," if decimal == "." else "."
    if other in body and other != thousands:
        mark = "comma" if decimal == "," else "point"
        raise RowError(
            f"'{raw}' is ambiguous: this preset writes decimals with a {mark} and declares "
            "no such thousands separator"
        )
    if body.count(decimal) > 1:
        raise RowError(f"'{raw}' is not a number")
    body = body.replace(decimal, ".")
    if not _NUMBER.fullmatch(body):
        raise RowError(f"'{raw}' is not a number")
    return sign * float(body)


_FORMAT_WORDS = {
    "%d": "dd",
    "%m": "mm",
    "%Y": "yyyy",
    "%y": "yy",
    "%H": "HH",
    "%M": "MM",
    "%S": "SS",
    "%b": "Mon",
    "%f": "ffffff",
    "%I": "hh",
    "%p": "AM/PM",
}


def describe_format(fmt: str) -> str:
    """``%d/%m/%Y`` -> ``dd/mm/yyyy`` (for messages)."""
    out = fmt
    for code, word in _FORMAT_WORDS.items():
        out = out.replace(code, word)
    return out


def parse_date(text: str, fmt: str) -> tuple[date, time | None]:
    """A date (and a time when the format or an Excel serial carries one).

    Raises :class:`RowError` for text that does not match *fmt* or is not a real date.
    """
    raw = text.strip()
    if not raw:
        raise RowError("the date is missing")
    try:
        parsed = datetime.strptime(raw, fmt)
    except ValueError as exc:
        if _EXCEL_SERIAL.fullmatch(raw):
            serial = float(raw)
            if 20_000 <= serial < 80_000:
                moment = _EXCEL_EPOCH + timedelta(days=serial)
                moment = moment.replace(microsecond=0)
                has_time = "." in raw
                return moment.date(), moment.time() if has_time else None
        message = str(exc)
        if "out of range" in message or "must be in" in message:
            raise RowError(f"{raw} is not a real date") from None
        raise RowError(f"'{raw}' is not a date in the format {describe_format(fmt)}") from None
    has_time = any(code in fmt for code in ("%H", "%I", "%M", "%S"))
    return parsed.date(), parsed.time() if has_time else None


def parse_time(text: str, fmt: str) -> time:
    raw = text.strip()
    if not raw:
        raise RowError("the time is missing")
    for candidate in (fmt, "%H:%M:%S", "%H:%M"):
        try:
            return datetime.strptime(raw, candidate).time()
        except ValueError:
            continue
    raise RowError(f"'{raw}' is not a time in the format {describe_format(fmt)}")
