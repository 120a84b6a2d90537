"""Every work the book cites in its text is in the bibliography, and every entry is cited.

The chapters cite in plain text ("Burda et al. (2016)", "(Kingma & Welling, 2014)") so that they
read the same in Colab; this test matches those citations to `book/references.bib` by the first
author's surname and the year.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIB = REPO / "book" / "references.bib"
PAGES = sorted((REPO / "notebooks").glob("*.md")) + sorted((REPO / "book").glob("*.md"))

SURNAME = r"(?:(?:van|de|den|der|von)\s+)*[A-Z][a-zA-Z\u00c0-\u017f\-]+"
CITATION = re.compile(
    rf"\b({SURNAME})(?:\s+et\s+al\.|(?:,?\s+(?:&|and)\s+{SURNAME})+"
    rf"|,\s+{SURNAME}(?:,?\s+(?:&|and)\s+{SURNAME})+)?"
    r",?\s+\(?((?:18|19|20)\d\d)[a-z]?\b"
)
NOT_AUTHORS = {
    "Table",
    "Figure",
    "Section",
    "Chapter",
    "Appendix",
    "Eq",
    "November",
    "December",
    "January",
    "MNIST",
    "Python",
    "PyTorch",
    "In",
    "Since",
    "By",
    "From",
    "As",
    "Of",
}


def bib_entries() -> dict[str, tuple[str, str]]:
    """key -> (first author's surname, year)."""
    text = BIB.read_text()
    entries = {}
    for match in re.finditer(r"@\w+\{([^,]+),(.*?)\n\}", text, re.S):
        key, body = match.groups()
        author = re.search(r"author\s*=\s*[{\"](.+?)[}\"],?\n", body, re.S).group(1)
        first = author.split(" and ")[0].strip()
        surname = first.split(",")[0].strip() if "," in first else first.split()[-1]
        year = re.search(r"year\s*=\s*[{\"]?(\d{4})", body).group(1)
        entries[key] = (surname.strip("{}"), year)
    return entries


def citations() -> set[tuple[str, str, str]]:
    """(surname, year, page) for every plain-text citation in the book's pages."""
    found = set()
    for page in PAGES:
        for surname, year in CITATION.findall(page.read_text()):
            if surname not in NOT_AUTHORS:
                found.add((surname, year, page.name))
    return found


def test_the_bibliography_parses():
    entries = bib_entries()
    assert len(entries) >= 10
    assert entries["burda2016importance"] == ("Burda", "2016")


def test_every_cited_work_is_in_the_bibliography():
    known = set(bib_entries().values())
    missing = sorted(c for c in citations() if c[:2] not in known)
    assert missing == [], "cited in the text but not in book/references.bib"


def test_every_bibliography_entry_is_cited():
    cited = {c[:2] for c in citations()}
    uncited = sorted(k for k, v in bib_entries().items() if v not in cited)
    assert uncited == [], "in book/references.bib but cited nowhere"
