"""Check each generated sentence against the evidence it cites (pure).

A sentence survives only if it

* is an answer, not an echo: it does not end in a question mark, does not keep a question word, and states
  something the question did not already say;
* is supported by what it cites: its figures occur there with their units and enough of its own wording
  (not repeated from the question) does (see :mod:`assistant.steps.support`);
* puts figures in their slot: a figure it gives must not come only from cited sentences about something else
  (another year than the one asked, or only other places and organisations than the question names), and a
  sentence holding it must be about the names the question asks about, so a real figure of another entity is
  rejected; a part that says what kind of quantity it wants (a share, money, a duration) gets a figure of
  that kind, and a figure's clause speaks of the quantity asked (成本, not 效率; 进口, not 出口: see
  :mod:`assistant.steps.quantity`);
* says something new: duplicates are dropped.

A sentence that its own citation does not support but another evidence sentence does is re-pointed there; one
that cites several sources keeps only those that support it on their own, when some do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.steps.evidence import Candidate, filler_present
from assistant.steps.gate import conflicts, context_of
from assistant.steps.quantity import states_asked_quantity
from assistant.steps.question_parts import Part, measure_of, slot_of
from assistant.steps.support import (NUMBER_RE, SupportResult, check_sentence, claim_fragments, claim_support,
                                     figure_measures, holds_number, missing_numbers, number_of, stated_figures)
from index.headings import CN_DIGITS
from index.lexical import key_terms
from settings import AnswerConfig
from textutil import char_ngrams, sentence_spans, squash
from zh.dates import YEARISH_RE
from zh.direction import DOWN_WORDS, UNSAID, UP_WORDS, figure_direction
from zh.modality import keeps_plan, states_plan
from zh.names import anchors, place_or_org_names, whole_of
from zh.numbers import digits_view
from zh.terms import found, weighted_share
from zh.units import COUNTERS

VERDICT_RE = re.compile(r"^(?:是的?|不是|对|不对|否|有|没有|可以|不可以|能|不能|会|不会)[，,：:]")  # 是，… answers 是否…
AFFIRMING_RE = re.compile(r"^(?:是的?|对|有|可以|能|会)[，,：:]")  # the verdicts of VERDICT_RE that say yes
# a statute's article, paragraph or item named by number (第二十八条, 第九十一条第一款): a place, not a fact, unless
# the question asks which one (哪一条, 第几条)
PART_REF_RE = re.compile(rf"(?:第[{CN_DIGITS}\d]+[条款项])+")
ASKS_PART_RE = re.compile(r"哪一?[条款项]|第几[条款项]")
INTERROGATIVE_RE = re.compile(rf"多少|几[{COUNTERS}]|哪[个些里年家一]|什么|是否|吗|如何|怎样|怎么|为何|为什么|有何")


@dataclass(frozen=True)
class Claim:
    """A generated sentence and the evidence sentences it cites (by their evidence number)."""

    text: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Verdict:
    """What the checks said of one sentence."""

    claim: Claim
    ok: bool
    reason: str = ""
    support: SupportResult | None = None
    echo: bool = False
    wrong_figure: bool = False  # rejected for a figure the evidence lacks or gives for something else
    premise: tuple[str, ...] = ()  # the figures or words of the question it took for granted that the cited text lacks


def is_echo(sentence: str, question: str) -> bool:
    """True for a sentence that restates (part of) the question instead of answering it; the answer to a yes/no
    question that opens with its verdict (是，… / 不是，…) may restate it. An article's number adds nothing unless
    the question asks which article: 维修店加装车篷会受到第二十八条的处罚 restates 维修店加装车篷会受到什么处罚."""
    s = sentence.strip()
    if s.endswith(("？", "?")):
        return True
    if slot_of(question) == "yesno" and VERDICT_RE.match(s):
        return False
    if not ASKS_PART_RE.search(question):
        s = PART_REF_RE.sub("", s)
    own = "".join(claim_fragments(s, question))
    own_cjk = re.sub(r"[^\w\u4e00-\u9fff]", "", own)
    has_new_figure = any(n not in digits_view(question) for n, _ in NUMBER_RE.findall(digits_view(s)))
    if INTERROGATIVE_RE.search(s) and not has_new_figure:
        return True
    return len(own_cjk) < 2 and not has_new_figure


def figures(sentence: str, question: str) -> list[str]:
    """Figures the sentence states that the question does not (numbers with their unit character)."""
    q = digits_view(question)
    return [n + u for n, u in NUMBER_RE.findall(digits_view(sentence)) if n not in q]


def slot_aligned(sentence: str, question: str, cited: list[Candidate], asked: list[str], idf=None,
                 in_corpus=None, home_share: float = AnswerConfig.home_anchors) -> bool:
    """No new figure of the sentence comes only from cited sentences about something else: another year than
    the one asked, or other places/organisations than those the question names (see assistant.steps.gate.conflicts);
    with ``idf``, a sentence holding the figure must also hold ``home_share`` of the weight of a part's names (see
    home_coverage: a 北京 figure given to 京东方 is rejected even when the question names no other place). With
    ``in_corpus``, a name no paragraph contains is left out: no sentence can hold it, so it tells no home from
    another (新鲜蔬菜: jieba tags 新鲜 as a place; the bulletin says 鲜菜)."""
    parts = asked or [question]
    names = [[n for n in asked_names(a) if in_corpus is None or in_corpus(squash(n))] for a in parts] if idf else []
    for fig in figures(sentence, question):
        homes = figure_homes(number_of(fig), cited)
        if not homes:
            continue
        if all(conflicts(c, a) for c in homes for a in parts):
            return False
        if names and max(home_coverage(c, n, idf, question) for c in homes for n in names) < home_share:
            return False
    return True


def figure_homes(number: str, cited: list[Candidate]) -> list[Candidate]:
    """The cited sentences that give the number, else the sentences of their paragraphs that do (the model cited
    the paragraph, not the sentence)."""
    return [c for c in cited if holds_number(c.text, number)] or [
        c for c in paragraph_sentences(cited) if holds_number(c.text, number)]


def misplaced_names(sentence: str, question: str, cited: list[Candidate]) -> list[str]:
    """The places and organisations of the question that a sentence giving the answer's figure lacks while it
    holds another place or organisation of the question and names one of its own: the question got where or
    who wrong, a false premise (爱奇艺是在上海试点…融到了多少钱 when the source says 海南开展知识产权证券化试点，
    爱奇艺…融资4.7亿元 → 上海). A sentence holding none of them gives another one's figure instead (2021年广东PCT
    国际专利申请量… answered from 北京、上海…的PCT国际专利申请量: a near miss, refused)."""
    places = place_or_org_names(question)
    for fig in figures(sentence, question):
        for c in figure_homes(number_of(fig), cited):
            hay = squash(c.text + context_of(c)).lower()
            lacking = [n for n in places if not found(n, hay)]
            held = [n for n in places if found(n, hay)]
            own = [n for n in place_or_org_names(c.text) if squash(n) not in squash(question)]
            if lacking and held and own:
                return lacking
    return []


def measure_fits(sentence: str, question: str, asked: list[str]) -> bool:
    """When every part asked says what kind of quantity it wants (a share, an amount of money, a duration), the
    sentence's new figures must include one of that kind: a 30% risk share does not answer 资金总规模是多少."""
    kinds = {measure_of(a) for a in asked or [question]}
    if "" in kinds:
        return True
    given = figure_measures(sentence, question)
    return not given or bool(given & kinds)


def quantity_fits(sentence: str, question: str, cited: list[Candidate], asked: list[str]) -> bool:
    """Some new figure of the sentence (dates aside) sits, in a sentence it cites (or their paragraphs), in a
    clause about the quantity a part asks for (see assistant.steps.quantity.states_asked_quantity)."""
    numbers = [number_of(f) for f in figures(sentence, question)
               if not YEARISH_RE.fullmatch(f)]
    homes = cited + paragraph_sentences(cited)
    numbers = [n for n in numbers if any(n in digits_view(c.text) for c in homes)]
    if not numbers:
        return True
    return any(states_asked_quantity(c.text, numbers, a) for c in homes for a in asked or [question])


def asked_names(asked: str) -> list[str]:
    """The names a part asks about: its anchors other than dates."""
    return [a for a in anchors(asked) if not YEARISH_RE.fullmatch(a)]


def home_coverage(c: Candidate, names: list[str], idf, question: str = "") -> float:
    """The weighted share of the asked names that the sentence holding a figure holds, with its heading path and,
    when it names no place or organisation itself, its paragraph from the nearest sentence before it that does
    (平台建立以来… leans on 北京市依托…支持朝阳区建立…平台; a paragraph that goes from 重庆市… to 北京市… gives
    北京's figure to 北京 only); a name the question writes before the whole of its area (河南全省) is held by
    that whole (占全省的87.1%, see zh.names.whole_of)."""
    hay = squash(c.text + c.paragraph.heading_text + subject_span(c)).lower()
    held = [n for n in names if (whole := whole_of(n, question)) and whole in hay]
    return weighted_share(names, hay + "".join(held).lower(), idf)


def subject_span(c: Candidate) -> str:
    """When c names no place, organisation or person itself: its paragraph's text from the nearest sentence before
    it that does, up to c ('' otherwise)."""
    if place_or_org_names(c.text):
        return ""
    before = [(s, e) for s, e in sentence_spans(c.paragraph.text) if e <= c.start]
    for s, e in reversed(before):
        if place_or_org_names(c.paragraph.text[s:e]):
            return c.paragraph.text[s:c.start]
    return ""


def paragraph_sentences(cited: list[Candidate]) -> list[Candidate]:
    """Every sentence of the paragraphs the cited sentences belong to."""
    paragraphs = {c.paragraph.id: c.paragraph for c in cited}
    return [Candidate(p, s, e, 0) for p in paragraphs.values() for s, e in sentence_spans(p.text)]


def realigned(claim: Claim, evidence: dict[int, Candidate], question: str, asked: list[str], idf=None,
              in_corpus=None, cfg: AnswerConfig = AnswerConfig()) -> Claim | None:
    """The claim citing the one evidence sentence it did not cite that supports it and gives its figures where the
    question asks (see slot_aligned), or None: the model cited 自2020年应用试点开展以来…（9个药品品种、14个医疗器械
    品种） for 截至2022年6月…各有几个, while the evidence also holds 截至2022年6月，先后有9个药品品种和14个医疗器械品种
    进入试点 — the figures are right, the citation is not."""
    for n, c in evidence.items():
        if n not in claim.cites and check_sentence(claim.text, _texts([c]), question, cfg.min_support).supported \
                and slot_aligned(claim.text, question, [c], asked, idf, in_corpus, cfg.home_anchors):
            return Claim(claim.text, (n,))
    return None


def _texts(cited: list[Candidate]) -> list[str]:
    """What cited sentences say: the sentences, their paragraphs and their heading paths (a year or a unit in a
    table's title or a document's title belongs to every row under it)."""
    return [c.text for c in cited] + [c.paragraph.text for c in cited] + [c.paragraph.heading_text for c in cited]


def narrowed(claim: Claim, evidence: dict[int, Candidate], question: str,
             min_support: float = AnswerConfig.min_support) -> Claim:
    """The claim citing only the sources that support it on their own, when some do (the model often adds a
    second, unrelated [n]); a claim that needs several sources together keeps them all."""
    alone = tuple(n for n in claim.cites if n in evidence
                  and check_sentence(claim.text, _texts([evidence[n]]), question, min_support).supported)
    return Claim(claim.text, alone) if alone and len(alone) < len(claim.cites) else claim


def verify(claims: list[Claim], question: str, evidence: dict[int, Candidate], asked: list[str],
           idf=None, in_corpus=None, cfg: AnswerConfig = AnswerConfig(), names_docs=None) -> list[Verdict]:
    """A verdict for each claim, in order (duplicates of an accepted sentence are rejected); ``asked``: the text of
    each part of the question (a figure must suit one of them); ``idf`` weighs their anchors and ``in_corpus``
    tells the names some paragraph holds (see slot_aligned); ``names_docs`` tells the documents of a library a
    sentence names (see cites_named_doc)."""
    out: list[Verdict] = []
    seen: list[set[str]] = []
    for claim in claims:
        cited = [evidence[n] for n in claim.cites if n in evidence]
        if is_echo(claim.text, question):
            out.append(Verdict(claim, False, "restates the question", echo=True))
            continue
        grams = char_ngrams(claim.text)
        if any(len(grams & g) >= 0.8 * max(1, min(len(grams), len(g))) for g in seen):
            out.append(Verdict(claim, False, "repeats an earlier sentence"))
            continue
        if bare_verdict(claim.text, question, _texts(cited), cfg.verdict_support):
            out.append(Verdict(claim, False, "a verdict that only restates the question, about another matter than "
                                             "what it cites",
                               premise=tuple(unstated_words(claim.text, question, cited, in_corpus))))
            continue
        # support against the cited sentences, with their paragraphs as the wider context
        support = check_sentence(claim.text, _texts(cited), question, cfg.min_support)
        if not support.supported:  # a small model often cites the wrong number: re-point to the one that holds it
            best = max(evidence, key=lambda n: check_sentence(claim.text, _texts([evidence[n]]), question).score,
                       default=None)
            repaired = check_sentence(claim.text, _texts([evidence[best]]), question, cfg.min_support) if best \
                else support
            if not repaired.supported:
                stated = stated_figures(question)
                # a figure no evidence sentence holds is invented; a year the source lacks is a mislabelled
                # sentence, and a figure of another evidence sentence a wrong citation (two parts' figures in one
                # sentence), neither an invented quantity
                nowhere = set(missing_numbers(claim.text, "\n".join(_texts(list(evidence.values())))))
                invented = any(not YEARISH_RE.fullmatch(m) and m in nowhere for m in support.missing_numbers)
                lacking = {number_of(m) for m in support.missing_numbers}  # 5000 of 只奖励了5000多万元 (8000多万元)
                out.append(Verdict(claim, False, support.reason, support, wrong_figure=invented,
                                   premise=tuple(f for f in stated if number_of(f) in lacking)))
                continue
            claim, cited, support = Claim(claim.text, (best,)), [evidence[best]], repaired
        claim = narrowed(claim, evidence, question, cfg.min_support)
        cited, moved = [evidence[n] for n in claim.cites if n in evidence], None
        if not cites_named_doc(claim.text, cited, names_docs):
            out.append(Verdict(claim, False, "names one document of the library and cites another", support))
            continue
        unstated = affirmed_unstated(claim.text, question, cited, in_corpus)
        if unstated:
            out.append(Verdict(claim, False, "says yes to words of the question the cited text does not hold", support,
                               premise=tuple(unstated)))
            continue
        if reverses_direction(claim.text, cited):
            out.append(Verdict(claim, False, "the source gives a figure the other way (增长 for 下降)", support))
            continue
        if not slot_aligned(claim.text, question, cited, asked, idf, in_corpus, cfg.home_anchors) and not (
                moved := realigned(claim, evidence, question, asked, idf, in_corpus, cfg)):
            out.append(Verdict(claim, False, "a figure is not next to what the question asks about", support,
                               wrong_figure=True, premise=tuple(misplaced_names(claim.text, question, cited))))
            continue
        if moved:
            claim, cited = moved, [evidence[n] for n in moved.cites]
        if not measure_fits(claim.text, question, asked):
            out.append(Verdict(claim, False, "its figures are not the kind of quantity asked", support,
                               wrong_figure=True))
            continue
        if not quantity_fits(claim.text, question, cited, asked):
            out.append(Verdict(claim, False, "its figures are about another quantity than the one asked", support,
                               wrong_figure=True))
            continue
        if torn_pairs(claim.text, cited):
            out.append(Verdict(claim, False, "joins a figure and a change that the sources give for different things",
                               support, wrong_figure=True))
            continue
        if told_as_done(claim.text, cited):
            out.append(Verdict(claim, False, "the source states a plan or goal, the sentence tells it as done", support))
            continue
        seen.append(grams)
        out.append(Verdict(claim, True, "", support))
    return out


def bare_verdict(sentence: str, question: str, cited_texts: list[str],
                 share: float = AnswerConfig.verdict_support) -> bool:
    """A yes/no answer that says nothing but its verdict and the question's own words (the question's wording is
    no claim for the support check, so nothing else would read it) while its citation holds less than ``share``
    of its wording: 不是，规定内容不是以沸水堆核电厂为例编写的 citing a sentence on the standard's 15 parts. 是，
    全国前20的融资租赁企业有一半落户在上海 citing …前20家融资租赁企业有一半在上海 holds enough."""
    if slot_of(question) != "yesno" or not VERDICT_RE.match(sentence.strip()) or claim_fragments(sentence, question):
        return False
    return claim_support(sentence, "\n".join(cited_texts)) < share


def affirmed_unstated(sentence: str, question: str, cited: list[Candidate], in_corpus=None) -> list[str]:
    """The words of the question that a yes to a yes/no question restates while no paragraph of the index holds
    them (``in_corpus``) and the cited ones lack: the question's premise agreed with, not found (是，以沸水堆核电厂为例
    citing 以压水堆核电厂为例 → 沸水堆). The question's own wording is no claim for the support check, so a premise
    agreed with passes it (a figure of the question restated does not: every figure must be in the cited text)."""
    if slot_of(question) != "yesno" or not AFFIRMING_RE.match(sentence.strip()):
        return []
    return unstated_words(sentence, question, cited, in_corpus)


def unstated_words(sentence: str, question: str, cited: list[Candidate], in_corpus=None) -> list[str]:
    """The words of the question the sentence restates that no paragraph of the index holds (``in_corpus``) and
    the cited ones lack (沸水堆 of 以沸水堆核电厂为例; [] without ``in_corpus``)."""
    if in_corpus is None:
        return []
    hay = squash(digits_view("".join(c.paragraph.haystack for c in cited))).lower()
    asked = set(key_terms(question))
    return [t for t in key_terms(sentence) if t in asked and not found(t, hay) and not in_corpus(t)]


def cites_named_doc(sentence: str, cited: list[Candidate], names_docs=None) -> bool:
    """A sentence that names documents of the library in particular (南宁的电动自行车条例…, 按道路交通安全法…:
    ``names_docs`` gives them, None for none) cites at least one of them: a fact of the 道路交通安全法 told as
    南宁's is another document's fact. True without ``names_docs`` or when the sentence names none."""
    named = names_docs(sentence) if names_docs else None
    return not named or not cited or any(c.paragraph.doc_id in named for c in cited)


def reverses_direction(sentence: str, cited: list[Candidate]) -> bool:
    """A figure of the sentence goes the other way than the cited sentence holding it says (同比下滑了48.8% citing
    比上年增长48.8%; 增长91.6% citing 增长-91.6%): see zh.direction."""
    sources = [digits_view(c.text) for c in cited]
    said = digits_view(sentence)
    for number, _ in NUMBER_RE.findall(said):
        claimed = figure_direction(said, number)
        if claimed != UNSAID and any(figure_direction(t, number) == -claimed for t in sources):
            return True
    return False


# a figure followed by its change, in the change words of zh.direction (516.2万人次，比上年增长132.9%; 34.93小时，压缩了
# 48.6%): the change is the figure's
CHANGE_PAIR_RE = re.compile(r"(\d+(?:\.\d+)?)[万亿千百]?[\u4e00-\u9fff]{0,3}[，,、]?\s*(?:比上年末|比上年|同比|较上年)?"
                            rf"(?:{UP_WORDS}|{DOWN_WORDS})了?\s*(-?\d+(?:\.\d+)?)\s*(?:%|％|个百分点|倍)")


def torn_pairs(sentence: str, cited: list[Candidate]) -> list[tuple[str, str]]:
    """The (figure, change) pairs of the sentence that no cited paragraph gives together, though each is cited: two
    rows joined (高铁发送旅客516.2万人次 with the 132.9% growth of 铁路旅客运输总量's 148.62万人)."""
    texts = [digits_view(c.paragraph.text) for c in cited]
    torn = []
    for m in CHANGE_PAIR_RE.finditer(digits_view(sentence)):
        value, change = m.group(1), m.group(2).lstrip("-")
        holders = [t for t in texts if holds_number(t, value)]
        if holders and any(holds_number(t, change) for t in texts) and \
                not any(holds_number(t, change) for t in holders):
            torn.append((value, change))
    return torn


def told_as_done(sentence: str, cited: list[Candidate]) -> bool:
    """The sentence rests on cited sentences that state a plan or goal (下一步…将…, 力争, 计划) but says nothing
    that keeps it one: a plan told as done. The sentences it rests on are those sharing half of its wording."""
    grams = char_ngrams(sentence)
    resting = [c for c in cited if len(grams & char_ngrams(c.text)) >= 0.5 * max(1, len(grams))]
    return bool(resting) and all(states_plan(c.text) for c in resting) and not keeps_plan(sentence)


def covers(text: str, part: Part, others: tuple[Part, ...] = (), share: float = AnswerConfig.cover_share) -> bool:
    """Does a sentence answer this part: a number or date when it asks for one, and its focus (the enumerated
    item) or, for a part without one, enough of the key terms that no other part has?"""
    if part.slot in ("number", "time") and not filler_present(text, part):
        return False
    if not others:  # the only part: any checked sentence with a filler answers it
        return True
    if part.focus and not part.focus.startswith(("多少", "几")):
        return found(part.focus, squash(text).lower())
    own = [t for t in key_terms(part.text) if not any(t in key_terms(o.text) for o in others)]
    hits = sum(found(t, squash(text).lower()) for t in own)
    return not own or hits >= max(1, round(share * len(own)))
