"""The literature behind the rules: short citations found in source texts, turned into a
reference list (author year and topic; journal only where it is certain).

A source text ("Hickey et al. 2020; Mendiguchia et al. 2017 (...)", "Pollock 2016/2022,
BAMIC 2c", "Clinical convention") is scanned for "Author [et al.] year" citations;
:func:`reference_list` gives each cited work once, sorted by author and year. A work not in
:data:`REFERENCES` (a clinic's own protocol may cite anything) is listed as cited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Citations that name no author and year but are cited by name -> (topic, journal).
NAMED_SOURCES: dict[str, tuple[str, str]] = {
    "Aspetar hamstring protocol": ("six-stage, criteria-based hamstring rehabilitation", ""),
    "London Delphi consensus 2023": ("hamstring injury rehabilitation and return to sport", ""),
}

#: (first author, year) -> (topic, journal); the journal only where it is certain.
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("Ardern", "2016"): (
        "consensus on return to sport (Bern), from return to participation to return "
        "to performance; a shared decision",
        "",
    ),
    ("Askling", "2010"): (
        "the H-test, insecurity before return to sport after hamstring injury",
        "",
    ),
    ("Ekstrand", "2012"): (
        "MRI grade and lay-off of hamstring injuries in professional football",
        "",
    ),
    ("Foster", "2001"): ("session RPE, training load = session RPE x duration", ""),
    ("Gabbett", "2016"): ("training load and injury, the acute:chronic workload ratio", ""),
    ("Green", "2020"): (
        "calf muscle strain injuries in Australian football, return time by muscle",
        "",
    ),
    ("Green", "2022"): (
        "calf muscle strain injury, six-phase rehabilitation and return-to-play checklist",
        "Sports Medicine - Open",
    ),
    ("Hickey", "2020"): (
        "pain-free versus pain-threshold rehabilitation after hamstring strain injury",
        "",
    ),
    ("Hopkins", "2000"): ("reliability of measures, the typical error", ""),
    ("Mendiguchia", "2017"): (
        "criteria-based progression of hamstring injury rehabilitation to sprinting",
        "",
    ),
    ("Mueller-Wohlfahrt", "2013"): ("the Munich muscle injury classification", ""),
    ("Opar", "2015"): (
        "eccentric (Nordic) hamstring strength and injury risk; between-limb imbalance did "
        "not predict injury",
        "",
    ),
    ("Pedret", "2015"): ("calf muscle injury site and return to play", ""),
    ("Pollock", "2014"): (
        "the British Athletics Muscle Injury Classification (BAMIC)",
        "British Journal of Sports Medicine",
    ),
    ("Pollock", "2016"): (
        "BAMIC grade and site and return to training after hamstring injury in elite track "
        "and field",
        "",
    ),
    ("Pollock", "2022"): (
        "return to training after hamstring injury in elite track and field by BAMIC grade "
        "and site",
        "",
    ),
    ("Prakash", "2018"): ("connective-tissue grade of calf muscle injuries and return time", ""),
    ("Reurink", "2013"): (
        "reliability of the active knee extension test (SEM 5.3°, minimal detectable "
        "difference 15°)",
        "",
    ),
    ("Samozino", "2016"): ("sprint acceleration force-velocity profile from split times", ""),
    ("Samozino", "2022"): ("sprint force-velocity profile with air resistance", ""),
    ("Shrier", "2015"): ("the StARRT framework for return-to-play decisions", ""),
    ("Taberner", "2019"): ("the control-chaos continuum in return to sport", ""),
    ("Williams", "2017"): (
        "exponentially weighted moving averages for the acute:chronic workload ratio",
        "",
    ),
}

#: Sources with one author, cited without "et al.".
_SINGLE_AUTHOR = frozenset({"Gabbett", "Hopkins", "Shrier"})

_YEAR = r"(?:19|20)\d\d"
_CITATION = re.compile(
    rf"\b(?P<author>[A-Z][A-Za-z'-]+)(?P<etal> et al\.?)?,? (?P<years>{_YEAR}(?:/{_YEAR})*)\b"
)
#: "Author [et al.] year" or "Clinical convention": what every source must say.
SOURCE_RE = re.compile(rf"[A-Z][A-Za-z'-]+(?: et al\.?)?,? {_YEAR}\b|\bClinical convention\b")


def citations(text: str) -> list[tuple[str, str]]:
    """The (author, year) pairs cited in *text*, in order; "Pollock 2016/2022" gives two."""
    out = []
    for m in _CITATION.finditer(text or ""):
        for year in m["years"].split("/"):
            out.append((m["author"], year))
    return out


def cites_literature(text: str) -> bool:
    """True when *text* names an author and a year, a named source, or says clinical
    convention."""
    return bool(SOURCE_RE.search(text or "")) or any(n in (text or "") for n in NAMED_SOURCES)


def _entry(cited: str, known: tuple[str, str] | None) -> str:
    """ "Hickey et al. 2020: pain-free versus ... ." with the journal when known."""
    if known is None:
        return f"{cited}."
    topic, journal = known
    return f"{cited}: {topic}." + (f" {journal}." if journal else "")


def _full_key(reference: str) -> tuple[str, str]:
    """(first author's surname, year) of a full reference ("Green B, et al. ... 2020;30...")."""
    author = re.match(r"[^\s,.]+", reference.strip())
    year = re.search(rf"\b{_YEAR}\b", reference)
    return (author[0] if author else reference, year[0] if year else "")


def reference_list(texts: Iterable[str], full: Iterable[str] = ()) -> tuple[str, ...]:
    """Each work cited in *texts* once, sorted by author and year, as printed. *full* are
    complete references (authors, title, journal) of works cited: each replaces the short
    entry of the same first author and year."""
    found: dict[tuple[str, str], str] = {_full_key(ref): ref for ref in full}
    for text in texts:
        text = text or ""
        for name, entry in NAMED_SOURCES.items():
            if name in text:
                found[(name, "")] = _entry(name, entry)
        for m in _CITATION.finditer(text):
            author = m["author"]
            for year in m["years"].split("/"):
                if (author, year) in found:
                    continue
                et_al = bool(m["etal"]) or (
                    author not in _SINGLE_AUTHOR and (author, year) in REFERENCES
                )
                cited = f"{author}{' et al.' if et_al else ''} {year}"
                found[(author, year)] = _entry(cited, REFERENCES.get((author, year)))
    return tuple(found[k] for k in sorted(found, key=lambda k: (k[0].lower(), k[1])))
