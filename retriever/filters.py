"""Which documents a search may use: a filter by document, metadata field and date range, over the manifest (pure).

``--doc 居住证`` keeps the documents whose ID or title contains the text; ``--where region=上海 --where
kind=地方性法规`` the documents whose metadata field (see index.metadata) contains the value; ``--after
2020-01-01 --before 2023-12-31`` the documents whose date (issued, else effective, else published) lies in the
range, bounds included; ``DocFilter(ids=…)`` (the app's choice of documents) the documents of exactly those IDs
(a part of an ID would also keep ``notes_2`` for ``notes``). Conditions of different kinds all hold; several
``--doc``, several IDs or several values of one field are alternatives. A filter that matches no document is
reported as such, never widened.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from errors import RagError
from index.metadata import FIELDS
from zh.places import short_region

DATE_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
DATE_FIELDS = ("issued", "effective", "published")


class FilterError(RagError, ValueError):
    """A filter that cannot be used (unknown field, malformed date)."""


class NoDocuments(RagError):
    """No document of the index matches the filter."""


@dataclass(frozen=True)
class DocFilter:
    """Conditions on the documents a question may be answered from (empty: every document)."""

    docs: tuple[str, ...] = ()  # parts of a document's ID or title
    where: tuple[tuple[str, str], ...] = ()
    after: str = ""
    before: str = ""
    ids: tuple[str, ...] = ()  # whole document IDs

    @classmethod
    def parse(cls, docs=(), where=(), after: str = "", before: str = "") -> "DocFilter":
        """From CLI or JSON values: ``where`` as 'field=value' strings or a {field: value | [values]} mapping."""
        pairs: list[tuple[str, str]] = []
        items = where.items() if isinstance(where, dict) else [_split(w) for w in where]
        for field, value in items:
            for v in value if isinstance(value, list) else [value]:
                if field not in FIELDS:
                    raise FilterError(f"unknown metadata field {field!r} (known: {', '.join(FIELDS)})")
                pairs.append((field, str(v).strip()))
        for name, date in (("after", after), ("before", before)):
            if date and not DATE_RE.match(date):
                raise FilterError(f"--{name} {date!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
        return cls(tuple(d.strip() for d in ([docs] if isinstance(docs, str) else docs) if d.strip()),
                   tuple(pairs), after or "", before or "")

    def __bool__(self) -> bool:
        return bool(self.docs or self.ids or self.where or self.after or self.before)

    def matches(self, doc_id: str, info: dict) -> bool:
        """Does the document (its manifest entry) meet every condition?"""
        meta = info.get("meta", {})
        title = doc_title(info)
        if self.docs and not any(d in doc_id or d in title for d in self.docs):
            return False
        if self.ids and doc_id not in self.ids:
            return False
        fields = {f for f, _ in self.where}
        if any(not any(v in meta.get(f, "") for g, v in self.where if g == f) for f in fields):
            return False
        date = next((meta[f] for f in DATE_FIELDS if meta.get(f)), "")
        if (self.after or self.before) and not date:
            return False
        if self.after and date < self.after:
            return False
        return not (self.before and date[:len(self.before)] > self.before)

    def doc_ids(self, manifest: dict) -> frozenset[str]:
        """The IDs of the documents the filter keeps; NoDocuments when there are none."""
        kept = frozenset(d for d, info in manifest.get("documents", {}).items() if self.matches(d, info))
        if not kept:
            raise NoDocuments(f"no document of the index matches the filter ({self.describe()}); "
                              "see `python -m index status` for the documents and their metadata")
        return kept

    def describe(self) -> str:
        """The filter in words, for messages and answer records."""
        parts = [f"doc~{d}" for d in self.docs] + [f"id={d}" for d in self.ids]
        parts += [f"{f}~{v}" for f, v in self.where]
        parts += [f"after {self.after}"] * bool(self.after) + [f"before {self.before}"] * bool(self.before)
        return ", ".join(parts) or "none"


def doc_title(info: dict) -> str:
    """A document's title from its manifest entry (its metadata's, which the user may have set, else the reader's)."""
    return info.get("meta", {}).get("title") or info.get("title", "")


def _split(condition: str) -> tuple[str, str]:
    field, sep, value = condition.partition("=")
    if not sep or not field.strip() or not value.strip():
        raise FilterError(f"--where {condition!r}: use FIELD=VALUE, e.g. region=上海")
    return field.strip(), value.strip()


MIN_TITLE_OVERLAP = 5  # characters of a document's title a question must repeat to be about that document
YEAR_RE = re.compile(r"\d{4}\s*年?")


def library_places(manifest: dict) -> set[str]:
    """The regions the library's documents state, in full and short (南宁市, 南宁; 黔东南苗族侗族自治州, 黔东南),
    the whole country aside."""
    places = set()
    for info in manifest.get("documents", {}).values():
        for region in re.split(r"[\s、，,；;]+", info.get("meta", {}).get("region", "")):
            if region and region != "全国":
                places |= {region, short_region(region)}
    return places


def named_scope(question: str, manifest: dict) -> DocFilter | None:
    """The documents a question names, in a library of several: a region of the library's metadata (南宁 for
    南宁市, 黔东南 for 黔东南苗族侗族自治州) or MIN_TITLE_OVERLAP+ characters of a title, years aside
    (道路交通安全法, 《居住证暂行条例》). None when it names none, or every document (nothing is narrowed)."""
    docs = manifest.get("documents", {})
    if len(docs) < 2:
        return None
    q = YEAR_RE.sub("|", re.sub(r"\s+", "", question))  # a year is not a title's words
    written = _bracketed(question)
    named = set()
    for doc_id, info in docs.items():
        meta = info.get("meta", {})
        region = short_region(meta.get("region", ""))  # 黔东南苗族侗族自治州 → 黔东南, 南宁市 → 南宁
        title = _bare(doc_title(info))
        number = _bracketed(meta.get("number", ""))
        if (len(region) >= 2 and region != "全国" and region in q) or _shares(title, q, MIN_TITLE_OVERLAP) \
                or (len(number) >= 6 and number in written):  # 皖政办〔2024〕21号, typed with any brackets
            named.add(doc_id)
    return _narrowing(named, docs)


def _bracketed(text: str) -> str:
    """Text without spaces, its brackets made one kind (a 文号's 〔2024〕 is typed [2024], （2024）…)."""
    return re.sub(r"[〔\[［（(]", "〔", re.sub(r"[〕\]］）)]", "〕", re.sub(r"\s+", "", text)))


TITLE_QUOTE_RE = re.compile(r"《([^》]{2,60})》")


def named_docs(text: str, manifest: dict) -> frozenset[str] | None:
    """The ids of the documents a text names in particular (see named_scope), None when it names none."""
    scope = named_scope(text, manifest)
    return frozenset(scope.docs) if scope else None


def quoted_scope(question: str, manifest: dict) -> DocFilter | None:
    """The documents whose title the question quotes in 《》, in a library of several: the question asks what *they*
    say (按《道路交通安全法》，骑电动自行车最低要满多少周岁？ is not answered by 南宁's 条例, which says it). A quote
    names a title when one holds the other, or they share a run of half the quote (MIN_TITLE_OVERLAP at least),
    years and spaces aside. None when the question quotes no title of the library, or every document's."""
    docs = manifest.get("documents", {})
    quotes = [_bare(m.group(1)) for m in TITLE_QUOTE_RE.finditer(question)]
    if len(docs) < 2 or not quotes:
        return None
    named = set()
    for doc_id, info in docs.items():
        title = _bare(doc_title(info))
        if title and any(q in title or title in q or _shares(q, title, max(MIN_TITLE_OVERLAP, len(q) // 2))
                         for q in quotes if q):
            named.add(doc_id)
    return _narrowing(named, docs)


def _bare(title: str) -> str:
    """A title as questions are matched against it: no whitespace, no years."""
    return YEAR_RE.sub("", re.sub(r"\s+", "", title))


def _narrowing(named: set[str], docs: dict) -> DocFilter | None:
    """A filter to the named documents, or None when it would narrow nothing (none named, or all)."""
    if not named or len(named) == len(docs):
        return None
    return DocFilter(docs=tuple(sorted(named)))


def _shares(a: str, b: str, n: int) -> bool:
    """Do a and b have a common substring of n characters?"""
    return any(a[i:i + n] in b for i in range(len(a) - n + 1))


def title_overlap(info: dict, question: str) -> int:
    """The length of the longest run of a document's title (years and spaces aside) that the question writes."""
    title, q = _bare(doc_title(info)), YEAR_RE.sub("|", re.sub(r"\s+", "", question))
    return next((n for n in range(len(title), 0, -1) if _shares(title, q, n)), 0)  # longest first


def best_named(question: str, manifest: dict, docs: frozenset[str]) -> str | None:
    """Of several documents a question names, the one whose title it writes clearly the most of (江西省推进数字经济
    高质量发展实施方案 over 全省服务业高质量发展工作推进会, which shares 高质量发展 only); None when no one does."""
    infos = manifest.get("documents", {})
    ranked = sorted(((title_overlap(infos.get(d, {}), question), d) for d in docs), reverse=True)
    if not ranked or ranked[0][0] < 2 * MIN_TITLE_OVERLAP or len(ranked) > 1 and ranked[1][0] * 2 > ranked[0][0]:
        return None
    return ranked[0][1]
