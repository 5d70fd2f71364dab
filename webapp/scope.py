"""The 范围 (scope) panel's data: its choices from the manifest, its values as a DocFilter, that filter in words (pure)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from retriever.filters import DATE_RE, DocFilter, FilterError, doc_title

FIELD_NAMES = {"kind": "类别", "region": "地区"}  # the metadata fields the panel offers, and their names


@dataclass(frozen=True)
class ScopeChoices:
    """What the panel offers: documents as (title, doc_id), and the kinds and regions the documents have."""

    docs: list[tuple[str, str]]
    kinds: list[str]
    regions: list[str]


def scope_choices(manifest: dict | None) -> ScopeChoices:
    """The panel's choices for the documents of a manifest (none without an index), by title; a title that
    several documents share is followed by their IDs."""
    documents = (manifest or {}).get("documents", {})
    titles = {doc_id: doc_title(info) or doc_id for doc_id, info in documents.items()}
    shared = Counter(titles.values())
    docs = [(t if shared[t] == 1 else f"{t}（{doc_id}）", doc_id)
            for doc_id, t in sorted(titles.items(), key=lambda item: (item[1], item[0]))]
    values = {f: sorted({info.get("meta", {}).get(f, "") for info in documents.values()} - {""})
              for f in FIELD_NAMES}
    return ScopeChoices(docs, values["kind"], values["region"])


def scope_filter(docs: Sequence[str] | None, kinds: Sequence[str] | None, regions: Sequence[str] | None,
                 after: str | None, before: str | None) -> DocFilter:
    """The panel's values as a filter (empty: the whole library); FilterError, in words for the user, for a
    malformed date."""
    after, before = (after or "").strip(), (before or "").strip()
    for name, date in (("起始日期", after), ("截止日期", before)):
        if date and not DATE_RE.match(date):
            raise FilterError(f"{name}“{date}”无法识别：请写成 YYYY、YYYY-MM 或 YYYY-MM-DD（例如 2020-06）。")
    where = DocFilter.parse(where={"kind": list(kinds or []), "region": list(regions or [])}, after=after,
                            before=before)
    return replace(where, ids=tuple(docs or ()))


def scope_text(where: DocFilter, manifest: dict) -> str:
    """The panel's filter in words: '文档：《…》、《…》 · 类别：行政法规 · 地区：全国 · 日期：2015 至 2020-06'
    ('' for none)."""
    documents = manifest.get("documents", {})
    titles = [f"《{doc_title(documents.get(d, {})) or d}》" for d in where.ids]
    parts = [f"文档：{'、'.join(titles)}"] if titles else []
    for field, name in FIELD_NAMES.items():
        values = [v for f, v in where.where if f == field]
        if values:
            parts.append(f"{name}：{'、'.join(values)}")
    if where.after or where.before:
        dates = (f"{where.after} 至 {where.before}" if where.after and where.before
                 else f"{where.after} 起" if where.after else f"至 {where.before}")
        parts.append(f"日期：{dates}")
    return " · ".join(parts)
