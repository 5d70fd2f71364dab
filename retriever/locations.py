"""Where retrieved or cited text stands in its source: document, pages and boxes, as JSON fields (pure).

Boxes are ``[page, x0, top, x1, bottom]``: 1-based page, PDF points from the page's top-left corner (see
index.documents.Box). Documents other than PDFs have no pages: ``page`` is None, ``pages`` and ``bbox`` empty.
"""
from __future__ import annotations

from index.documents import Paragraph


def paragraph_location(paragraph: Paragraph) -> dict:
    """{"doc_id", "page" (the first, or None), "pages", "bbox" (every line's box)} of a paragraph; a paragraph
    that crosses a page break lists both pages."""
    pages = list(paragraph.pages)
    return {"doc_id": paragraph.doc_id, "page": pages[0] if pages else None, "pages": pages,
            "bbox": [b.to_list() for b in paragraph.boxes]}


def chunk_location(paragraph_ids, paragraphs: dict[str, Paragraph]) -> dict:
    """{"pages", "paragraphs": [{"paragraph_id", "page", "pages", "bbox"}]} of a chunk's paragraphs, pages in
    order of appearance."""
    located = [{"paragraph_id": pid, **{k: v for k, v in paragraph_location(paragraphs[pid]).items()
                                        if k != "doc_id"}}
               for pid in paragraph_ids if pid in paragraphs]
    return {"pages": list(dict.fromkeys(p for loc in located for p in loc["pages"])), "paragraphs": located}
