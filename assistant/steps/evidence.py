"""Sentence-level evidence: the sentences of the retrieved paragraphs that bear on each question part (pure).

Terms of a question are its content words (jieba) and the character bigrams inside longer words,
weighted by their inverse document frequency over the index's paragraphs, so that a rare name counts
more than a common word. A sentence scores the weighted share of the question's terms it contains, its
paragraph's heading path counting half. Each part of the question keeps its best sentences, so a
multi-part question never loses a part's evidence to another part's.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import zip_longest

from assistant.steps.cross_refs import ArticleRefs
from assistant.steps.list_context import ListContext
from assistant.steps.question_parts import Part, measure_of
from assistant.steps.support import figure_measures
from index.documents import Paragraph
from index.headings import FIGURE_TITLE_RE
from index.lexical import key_terms
from settings import AnswerConfig
from textutil import SENTENCE_END, sentence_spans, squash
from zh.dates import ANY_YEAR_RE, ASKS_YEAR_RE, DATE_RE
from zh.names import named_entities, names_something
from zh.numbers import PICKING, RELATIVE, digits_view, unit_forms
from zh.units import CLASSIFIERS, COUNTERS, MAGNITUDES, OBJECT_CLASSIFIERS

MAX_EVIDENCE = 9  # evidence sentences shown to the model: their numbers are one digit, so the grammar stays simple
NUMBER_RE = re.compile(rf"\d|[一二三四五六七八九十百千万亿两]+\s*[{COUNTERS}{MAGNITUDES}元]")


@dataclass(frozen=True)
class TermStats:
    """Document frequencies of terms over the index's paragraphs (text + heading path)."""

    df: Counter
    n_docs: int
    texts: tuple[str, ...] = field(repr=False, default=())

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[Paragraph]) -> "TermStats":
        """Count, for each bigram, how many paragraphs contain it (lowercased, whitespace removed)."""
        texts = tuple(squash(p.haystack).lower() for p in paragraphs)
        df: Counter = Counter()
        for t in texts:
            df.update({t[i:i + 2] for i in range(len(t) - 1)})
        return cls(df, len(texts), texts)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency of a term (its rarest bigram for longer terms)."""
        t = term.lower()
        grams = [t[i:i + 2] for i in range(len(t) - 1)] or [t]
        df = min(self.df.get(g, 0) for g in grams)
        if len(t) > 2 and df > 0 and self.texts:  # exact count for a longer term when it is rare enough
            df = sum(1 for text in self.texts if t in text) if df < 50 else df
        return math.log(1 + (self.n_docs + 1) / (df + 0.5))

    def in_corpus(self, term: str) -> bool:
        """True when some paragraph contains the term."""
        t = term.lower()
        if len(t) <= 2:
            return self.df.get(t, 0) > 0
        return any(t in text for text in self.texts)


def filler_present(text: str, part: Part) -> bool:
    """Does text contain the kind of answer the part asks for (a year, a number with its unit, a share for 比例…)?"""
    if part.slot == "time":  # 哪一年 wants a year: 三十日内 gives none
        return bool((ANY_YEAR_RE if ASKS_YEAR_RE.search(part.text) else DATE_RE).search(digits_view(text)))
    if part.slot == "number":
        t = digits_view(text)
        kind = measure_of(part.text)  # a share, money or a duration asked: a figure of that kind
        if kind and kind not in figure_measures(text, part.text):
            return False
        if part.unit:
            units = "|".join(re.escape(u) for u in unit_forms(part.unit))
            # a lone 一/两 with the asked classifier answers it too (几次托运 → 一次托运; not 每一次, 上一年); so does
            # a figure with another object classifier when the text uses the asked one for none (几部手机 → 299台),
            # as the support check accepts it (assistant.steps.support.missing_numbers), and any counted figure
            # for the all-purpose 个 (一共多少个 → 35项)
            others = CLASSIFIERS if part.unit == "个" else OBJECT_CLASSIFIERS if part.unit in OBJECT_CLASSIFIERS else ""
            return bool(re.search(rf"\d[\d.]*[万亿千百]?[余多近超约]?(?:{units})", t)
                        or re.search(rf"(?<![{PICKING}{RELATIVE}])[一两](?:{units})", t)
                        or (others and part.unit not in t and re.search(rf"\d[\d.]*[万亿]?[{others}]", t)))
        return bool(NUMBER_RE.search(t))
    if part.slot == "entity":
        return bool(named_entities(text, part.text))
    return True


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved paragraph."""

    paragraph: Paragraph
    start: int
    end: int
    rank: int  # retrieval rank of its paragraph (0 = best)

    @property
    def text(self) -> str:
        """The sentence's exact text."""
        return self.paragraph.text[self.start:self.end]


def states_nothing(text: str) -> bool:
    """A title-like line that states no fact: short without a mark, or a figure's title without an end mark
    (图1 2019—2023年粮食产量: its years and subject match questions about the chart's figures, which it does not
    give; 图1显示，……增长5%。 is a statement)."""
    if len(text) < 12 and not re.search(r"[。！？；!?;：:，,]", text):
        return True
    return bool(FIGURE_TITLE_RE.match(text.strip())) and not any(mark in text for mark in SENTENCE_END)


def candidates(paragraphs: list[Paragraph]) -> list[Candidate]:
    """Every sentence of the paragraphs (in retrieval order), lines that state nothing left out."""
    out = []
    for rank, p in enumerate(paragraphs):
        for s, e in sentence_spans(p.text):
            if states_nothing(p.text[s:e]):
                continue
            out.append(Candidate(p, s, e, rank))
    return out


@dataclass(frozen=True)
class Scored:
    """A candidate sentence with its match to one question part."""

    candidate: Candidate
    score: float  # weighted share of the part's terms found
    filler: bool  # the sentence holds a filler of the part's slot
    matched: tuple[str, ...]
    missing: tuple[str, ...]


def score_sentence(terms: list[str], weights: dict[str, float], cand: Candidate, part: Part,
                   context: str = "", heading_weight: float = AnswerConfig.heading_weight) -> Scored:
    """Weighted share of terms in the sentence (full weight), its heading path or given context
    (``heading_weight``)."""
    sent = squash(cand.text).lower()
    head = squash(cand.paragraph.heading_text + context).lower()
    total = sum(weights[t] for t in terms) or 1.0
    got, matched, missing = 0.0, [], []
    for t in terms:
        if t.lower() in sent:
            got += weights[t]
            matched.append(t)
        elif t.lower() in head:
            got += heading_weight * weights[t]
            matched.append(t)
        else:
            missing.append(t)
    return Scored(cand, got / total, filler_present(cand.text, part), tuple(matched), tuple(missing))


def rank_for_part(part: Part, question: str, cands: list[Candidate], stats: TermStats,
                  others: tuple[Part, ...] = (), refs: ArticleRefs | None = None,
                  pinned: frozenset[str] = frozenset(), cfg: AnswerConfig = AnswerConfig()) -> list[Scored]:
    """Candidates ranked for one part: its own terms count double, the question's terms that belong to no
    other part once; a sentence that names no place, organisation or year of its own may lean on the sentence
    before it (half weight, like its heading path). The retrieval rank of its paragraph adds a prior
    (``cfg.retrieval_prior`` / (1 + rank)): retrieval also matched meaning, which a paraphrase (抛锚 for 发生故障) leaves
    to it alone (on the dev sets, 3 of 329 questions more with every keyword in the evidence, none fewer).
    A sentence that refers to another article of its statute (违反本条例第十条规定…) leans on that article's text
    too (see assistant.steps.cross_refs). The sentences of ``pinned`` paragraphs (of a part the question names by
    number, 第九十一条 or 附录A: see retriever.references) come first."""
    own = key_terms(part.text)
    theirs = {t for p in others for t in key_terms(p.text)}
    shared = [t for t in key_terms(question) if t not in own and t not in theirs]
    weights = {t: 2 * stats.idf(t) for t in own}
    weights.update({t: stats.idf(t) for t in shared})
    if part.focus:
        for t in key_terms(part.focus) or [part.focus]:
            weights[t] = weights.get(t, stats.idf(t)) * 2
    terms = list(weights)
    refs = refs or ArticleRefs()
    scored = [score_sentence(terms, weights, c, part, leaning_context(c) + refs.context(c.paragraph),
                             cfg.heading_weight) for c in cands]
    # ties: the sentence with a slot filler, then the better-retrieved paragraph, then document order
    return sorted(scored, key=lambda s: (-(s.score + (0.05 if s.filler else 0.0)
                                           + cfg.retrieval_prior / (1 + s.candidate.rank)
                                           + (1.0 if s.candidate.paragraph.id in pinned else 0.0)),
                                         s.candidate.rank, s.candidate.start))


def previous_sentence(c: Candidate) -> str:
    """The sentence before c in its paragraph ('' for the first)."""
    prev = ""
    for s, e in sentence_spans(c.paragraph.text):
        if e <= c.start:
            prev = c.paragraph.text[s:e]
    return prev


def leaning_context(c: Candidate) -> str:
    """The previous sentence when c names nothing of its own (该平台…, 进口…时间), else ''."""
    return "" if names_something(c.text) else previous_sentence(c)


def _next_sentence(c: Candidate) -> Candidate | None:
    for s, e in sentence_spans(c.paragraph.text):
        if s >= c.end:
            return Candidate(c.paragraph, s, e, c.rank)
    return None


@dataclass(frozen=True)
class Evidence:
    """Selected sentences per part, and all of them in presentation order."""

    parts: list[Part]
    per_part: list[list[Scored]]  # best first, for each part
    sentences: list[Candidate]  # the union, grouped by paragraph in retrieval order, sentences in text order


def select(parts: list[Part], question: str, paragraphs: list[Paragraph], stats: TermStats,
           lists: ListContext | None = None, refs: ArticleRefs | None = None,
           pinned: frozenset[str] = frozenset(), cfg: AnswerConfig = AnswerConfig(),
           scopes: tuple[frozenset[str] | None, ...] = ()) -> Evidence:
    """The best sentences for each part, round-robin over the parts (at most ``cfg.evidence_per_part`` each, by
    default as many as fit) until ``cfg.evidence_chars``, with their neighbours when a chosen sentence is too short
    to stand alone, a list item's lead-in or a lead-in's items (see assistant.steps.list_context), and the sentences
    that say an article is violated with that article (see assistant.steps.cross_refs); the sentences of ``pinned``
    paragraphs first; a part with a scope in ``scopes`` (the documents it names, by part) ranks only their
    sentences (北京和南宁…有什么不同: 南宁's side is not filled with 北京's rules). Filling the budget matters for
    real documents, whose table rows and list items are short: with 5 sentences a part, a fifth of the gold quotes
    of eval/paraphrase/realdocs_dev.jsonl that retrieval had found were left out."""
    lists, refs = lists or ListContext(), refs or ArticleRefs()
    cands = candidates(paragraphs)
    ranked = []
    for p, scope in zip_longest(parts, scopes[:len(parts)]):  # a part without a scope (or none in it) ranks all
        own = [c for c in cands if c.paragraph.doc_id in scope] if scope else []
        ranked.append(rank_for_part(p, question, own or cands, stats, tuple(o for o in parts if o is not p), refs,
                                    pinned, cfg))
    per_part, max_chars = cfg.evidence_per_part or MAX_EVIDENCE, cfg.evidence_chars
    chosen: dict[tuple[str, int], Candidate] = {}
    follows: dict[str, str] = {}  # a paragraph brought for referring to an article → that article's paragraph
    used = 0
    for depth in range(per_part):
        for ranking in ranked:
            if depth >= len(ranking) or (depth > 0 and ranking[depth].score <= 0
                                         and ranking[depth].candidate.paragraph.id not in pinned):
                continue
            c = ranking[depth].candidate
            key = (c.paragraph.id, c.start)
            if key in chosen:
                continue
            if used + (c.end - c.start) > max_chars and chosen:
                continue
            chosen[key] = c
            used += c.end - c.start
            nxt = _next_sentence(c)
            if c.end - c.start < cfg.short_sentence and nxt and (c.paragraph.id, nxt.start) not in chosen:
                chosen[(c.paragraph.id, nxt.start)] = nxt  # a lead-in (五是…。) needs what follows it
                used += nxt.end - nxt.start
            for para, s, e in lists.companions(c.paragraph, c.start):
                if (para.id, s) not in chosen:
                    chosen[(para.id, s)] = Candidate(para, s, e, c.rank)
                    used += e - s
            for para, s, e in refs.companions(c.paragraph):
                if (para.id, s) not in chosen:
                    chosen[(para.id, s)] = Candidate(para, s, e, c.rank)
                    used += e - s
                    follows.setdefault(para.id, c.paragraph.id)
    # a list's lead-in and items stay together, where the best-retrieved of them stands; a sentence that refers
    # to an article follows the article
    unit_order: dict[str, int] = {}
    for i, p in enumerate(paragraphs):
        unit_order.setdefault(lists.anchor(p.id)[0], i)

    def position(c: Candidate) -> tuple[int, int, int]:
        if c.paragraph.id in follows and c.paragraph.id not in unit_order:
            unit, n = lists.anchor(follows[c.paragraph.id])[0], lists.max_items + 1
        else:
            unit, n = lists.anchor(c.paragraph.id)
        return unit_order.get(unit, len(paragraphs)), n, c.start

    return Evidence(parts, ranked, sorted(chosen.values(), key=position))


class SelectEvidence:
    """Pipeline step: the sentences of the retrieved paragraphs that bear on each part."""

    def __init__(self, paragraphs: Iterable[Paragraph], cfg: AnswerConfig = AnswerConfig()):
        paragraphs = list(paragraphs)
        self.stats = TermStats.from_paragraphs(paragraphs)
        self.lists = ListContext.from_paragraphs(paragraphs, cfg.list_items)
        self.refs = ArticleRefs.from_paragraphs(paragraphs, cfg.referrers)
        self.cfg = cfg

    def run(self, question: str, parts: list[Part], paragraphs: list[Paragraph],
            pinned: frozenset[str] = frozenset(), scopes: tuple[frozenset[str] | None, ...] = ()) -> Evidence:
        """Evidence for the question's parts, at most MAX_EVIDENCE sentences (those of ``pinned`` paragraphs
        first; each part's from the documents it names, when ``scopes`` gives them)."""
        ev = select(parts, question, paragraphs, self.stats, self.lists, self.refs, pinned, self.cfg, scopes)
        if len(ev.sentences) > MAX_EVIDENCE:
            keep = {id(s.candidate) for ranking in ev.per_part for s in ranking[:2]}
            kept = [c for c in ev.sentences if id(c) in keep][:MAX_EVIDENCE]
            rest = [c for c in ev.sentences if id(c) not in keep]
            chosen = {id(c) for c in kept + rest[:MAX_EVIDENCE - len(kept)]}
            ev = Evidence(ev.parts, ev.per_part, [c for c in ev.sentences if id(c) in chosen])
        return ev
