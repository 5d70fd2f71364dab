"""HTML of the citation viewer (pure): the PDF page of a cited paragraph with its boxes highlighted, or for other
documents the paragraph in its section between its neighbours; the answer's other citations one click away.

Citations are the answer record's (``Answer.to_record``: ``n``, ``label``, ``text``, ``bbox``…); boxes are
``[page, x0, top, x1, bottom]`` in PDF points from the page's top-left corner, drawn as rectangles in percent
of the page, so they sit on the page image at any size it is shown.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.documents import Paragraph
from webapp.render import anchor_id, esc

HIGHLIGHT_PAD = 2.0  # PDF points added around each line's box
NEIGHBOURS = 2  # paragraphs shown before and after a cited one under the same heading


@dataclass(frozen=True)
class ShownPage:
    """One page to show: its number, the image's URL and the page's size in PDF points."""

    number: int
    url: str
    width: float
    height: float


def highlight_rects(boxes: Iterable[Sequence[float]], page: int, width: float, height: float,
                    pad: float = HIGHLIGHT_PAD) -> list[tuple[float, float, float, float]]:
    """(left, top, width, height) in percent of the page of the boxes that stand on ``page``, each padded by
    ``pad`` points and clipped to the page."""
    rects = []
    for number, x0, top, x1, bottom in boxes:
        if number != page:
            continue
        left, right = max(0.0, x0 - pad), min(width, x1 + pad)
        upper, lower = max(0.0, top - pad), min(height, bottom + pad)
        if right > left and lower > upper:
            rects.append(tuple(round(v, 3) for v in (100 * left / width, 100 * upper / height,
                                                      100 * (right - left) / width, 100 * (lower - upper) / height)))
    return rects


def neighbours(paragraph: Paragraph, paragraphs: Iterable[Paragraph],
               n: int = NEIGHBOURS) -> tuple[list[Paragraph], list[Paragraph]]:
    """The up to n paragraphs before and after ``paragraph`` under the same heading path of its document
    (``paragraphs`` in document order)."""
    section = [p for p in paragraphs if p.doc_id == paragraph.doc_id and p.path == paragraph.path]
    i = next((k for k, p in enumerate(section) if p.id == paragraph.id), None)
    if i is None:
        return [], []
    return section[max(0, i - n):i], section[i + 1:i + 1 + n]


def _nav(citations: Sequence[dict], turn: int, current: int) -> str:
    links = "".join(f'<a class="cite pv-nav{" active" if c["n"] == current else ""}" '
                    f'href="#{anchor_id(turn, c["n"])}" data-n="{c["n"]}" title="{esc(c["label"])}">[{c["n"]}]</a>'
                    for c in citations)
    return f'<span class="pv-navs">本回答的引用：{links}</span>' if len(citations) > 1 else ""


def _frame(citation: dict, turn: int, citations: Sequence[dict], body: str, nonce: str) -> str:
    head = (f'<div class="pv-head"><span class="pv-title"><b>[{citation["n"]}]</b> {esc(citation["label"])}</span>'
            f'{_nav(citations, turn, citation["n"])}'
            '<button type="button" class="pv-close" title="关闭（Esc）">×</button></div>')
    return (f'<div class="pv-overlay" data-v="{esc(nonce)}"><div class="pv-panel">{head}'
            f'<div class="pv-frame">{body}</div></div></div>')


def render_page_view(citation: dict, pages: Sequence[ShownPage], turn: int, citations: Sequence[dict],
                     nonce: str = "") -> str:
    """The pages a cited PDF paragraph stands on, each with its boxes highlighted (the first highlight is where
    the viewer scrolls to)."""
    shown = []
    for page in pages:
        marks = "".join(f'<div class="pv-hl" style="left:{x}%;top:{y}%;width:{w}%;height:{h}%"></div>'
                        for x, y, w, h in highlight_rects(citation["bbox"], page.number, page.width, page.height))
        shown.append(f'<div class="pv-page" data-page="{page.number}" '
                     f'style="aspect-ratio:{page.width:.2f} / {page.height:.2f}">'
                     f'<img class="pv-img" src="{esc(page.url)}" alt="第{page.number}页">{marks}</div>'
                     f'<div class="pv-page-no">第 {page.number} 页</div>')
    return _frame(citation, turn, citations, "".join(shown), nonce)


def render_section_view(citation: dict, paragraph: Paragraph, before: Sequence[Paragraph], after: Sequence[Paragraph],
                        turn: int, citations: Sequence[dict], nonce: str = "") -> str:
    """A cited paragraph of a document without pages, in its section: its heading path, then the paragraphs
    before it, the paragraph itself (marked) and those after it."""
    path = " › ".join(esc(h) for h in paragraph.headings)
    paras = [f'<p class="pv-para">{esc(p.text)}</p>' for p in before]
    paras.append(f'<p class="pv-para cited">{esc(paragraph.text)}</p>')
    paras += [f'<p class="pv-para">{esc(p.text)}</p>' for p in after]
    body = f'<div class="pv-section"><div class="pv-path">{path}</div>{"".join(paras)}</div>'
    return _frame(citation, turn, citations, body, nonce)


def render_unavailable(citation: dict, reason: str, turn: int, citations: Sequence[dict], nonce: str = "") -> str:
    """The viewer when the cited place cannot be shown: why, and the paragraph's text as the answer quoted it."""
    body = (f'<div class="pv-missing">{esc(reason)}</div>'
            f'<div class="pv-section"><p class="pv-para cited">{esc(citation["text"])}</p></div>')
    return _frame(citation, turn, citations, body, nonce)
