"""An article that another article of the same statute refers to is read with it (pure).

Statutes name the conduct in one article and its consequence in another that refers back to it by number:

    第十条 ……电动自行车维修者不得从事下列行为：（一）改装电动机……
    第三十九条 违反本条例第十条规定，由市场监督管理部门责令改正，没收违法所得，并可以按照每辆车处一千元罚款。

A question about 加装车篷 retrieves 第十条, whose penalty is only in 第三十九条, which shares no word with the
question (处罚 is not 罚款). So a sentence of an article chosen as evidence brings the sentences that say it is
violated (``违反本条例第十条``, ``违反本法第九十条``, ``违反本办法第八条、第九条``; from at most ``[answer] referrers``
paragraphs; not 依照本法第九十条的规定处罚, which only borrows that article's penalty), and when a
sentence that refers is scored, the text of the article it refers to is its context (weighed like its heading path,
``[answer] heading_weight``): 违反本条例第十条规定 then matches 改装 and 电动机 through 第十条.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from index.documents import Paragraph
from index.headings import ARTICLE_NO, ARTICLE_NO_RE, CN_DIGITS
from settings import AnswerConfig
from textutil import sentence_spans

# 本法第九十条 / 本条例第二十一条第二款 / 本办法第八条、第九条: the statute's own articles, by number
REFERENCE_RE = re.compile(
    rf"本(?:法|条例|办法|规定|细则|规则|决定)((?:{ARTICLE_NO}(?:第[{CN_DIGITS}]+款)?(?:第[（(][{CN_DIGITS}]+[)）]项)?"
    rf"[、，,和及或至]?)+)")
CONTEXT_CHARS = 400  # of the referred articles' text, as a referring sentence's context


def references(text: str, violated: bool = False) -> list[str]:
    """The article numbers a text refers to as its statute's own ('违反本条例第八条、第九条规定' → ['第八条',
    '第九条']), in order, each once; ``violated``: only those it says are violated (违反本法第九十条, not 依照本法第九十
    条的规定处罚, which borrows that article's penalty for conduct of its own)."""
    found = [a for m in REFERENCE_RE.finditer(text) if not violated or text[:m.start()].endswith("违反")
             for a in ARTICLE_NO_RE.findall(m.group(1))]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class ArticleRefs:
    """The articles of each statute and the paragraphs that refer to each, over the whole index."""

    articles: dict[tuple[str, str], tuple[Paragraph, ...]] = field(default_factory=dict)
    referrers: dict[tuple[str, str], tuple[Paragraph, ...]] = field(default_factory=dict)
    max_referrers: int = AnswerConfig.referrers  # paragraphs whose violation sentences come along with an article

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[Paragraph],
                        max_referrers: int = AnswerConfig.referrers) -> "ArticleRefs":
        """Group paragraphs by (document, article) and record which paragraphs refer to which article."""
        articles: dict[tuple[str, str], list[Paragraph]] = {}
        referrers: dict[tuple[str, str], list[Paragraph]] = {}
        for p in paragraphs:
            own = p.heading("article")
            if own:
                articles.setdefault((p.doc_id, own), []).append(p)
            for ref in references(p.text):
                if ref != own:
                    referrers.setdefault((p.doc_id, ref), []).append(p)
        return cls({k: tuple(v) for k, v in articles.items()}, {k: tuple(v) for k, v in referrers.items()},
                   max_referrers)

    def companions(self, paragraph: Paragraph) -> list[tuple[Paragraph, int, int]]:
        """The (paragraph, start, end) spans of the sentences that say the paragraph's article is violated, from at
        most ``max_referrers`` paragraphs (none for a paragraph outside an article)."""
        article = paragraph.heading("article")
        out: list[tuple[Paragraph, int, int]] = []
        taken = 0
        for q in self.referrers.get((paragraph.doc_id, article), ()) if article else ():
            spans = [(q, s, e) for s, e in sentence_spans(q.text) if article in references(q.text[s:e], True)]
            if spans and taken < self.max_referrers:
                out += spans
                taken += 1
        return out

    def context(self, paragraph: Paragraph) -> str:
        """The text of the articles the paragraph refers to (at most CONTEXT_CHARS), '' when it refers to none."""
        texts = [q.text for ref in references(paragraph.text)
                 for q in self.articles.get((paragraph.doc_id, ref), ())]
        return "".join(texts)[:CONTEXT_CHARS]
