"""Answerability, part by part: can the selected evidence answer this part of the question?

Signals, all independent of the corpus's similarity scale:

* **anchors**: the names, places, years and quoted terms of the question. An anchor that is surely a name
  (:func:`zh.names.is_name`) and that no paragraph of the whole index contains (广州市 when the documents cover
  上海) means the documents cannot answer: the part is refused without asking the model; any absent anchor (上路,
  which jieba tags as a place, or a quoted phrase of the user's own wording, “先收钱后服务”: see
  :func:`zh.names.own_wording`) is a signal.
* **the model's choice**: the LLM is shown the numbered evidence and the question — the answer prompt up to the
  question, in the context the answer is generated in, so the answer reuses that prefill — and names the
  sentence that answers the part (0 for none). The *fit* of the sentence it chose: whether it holds a filler of
  the asked slot (a year for 哪一年, a number with the asked unit for 多少项), times its weighted share of the
  question's terms and of the anchors it holds (with its heading path, or the sentence it leans on).
* **the model's reading**: the best-matching sentence and the chosen one are each shown alone (with the heading
  path) and the LLM is asked whether it directly gives what the part asks for; the better P(是) counts, so the
  best-matching sentence is not checked when the chosen one's P(是) already lets the part through. (Asked
  yes/no about the whole evidence list, the 1.5B model says yes to nearly everything, and its P(0) for the
  choice separates poorly: both were measured, neither is an input.)

A logistic model over the absent anchors, the better P(是) and the chosen sentence's fit (fitted by
``python -m eval calibrate`` on labelled questions of several corpora, outside phrasing included) gives
P(answerable) per part. The term-share signals (coverage, alignment of the best-matching sentence) are
recorded but are no inputs: they reward a question for using the documents' own words.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from dataclasses import replace as dc_replace
from pathlib import Path

from assistant.steps.evidence import Candidate, Evidence, Scored, TermStats, filler_present, leaning_context
from assistant.steps.quantity import states_asked_quantity
from assistant.steps.question_parts import Part, asks_yes_no
from assistant.steps.support import NUMBER_RE
from index.metadata import reporting_year
from retriever.filters import TITLE_QUOTE_RE
from settings import AnswerConfig
from textutil import squash
from zh.dates import DAY_RE, SINCE_RE, YEAR_SPAN_RE, YEARISH_RE
from zh.names import QUOTED_RE, anchors, is_name, is_person, own_wording, place_or_org_names
from zh.numbers import digits_view
from zh.terms import contracted_in, found, weighted_share

CALIBRATION_FILE = Path(__file__).parent.parent / "calibration.json"


def context_of(c: Candidate) -> str:
    """What a sentence may lean on: its heading path, and the sentence before it when it names no place,
    organisation or year of its own (该平台…, 其中…)."""
    return c.paragraph.heading_text + leaning_context(c)


def anchor_coverage(c: Candidate, terms: list[str], idf) -> float:
    """The idf-weighted share of the anchors that a sentence holds, with what it leans on (1.0 without anchors)."""
    return weighted_share(terms, squash(c.text + context_of(c)).lower(), idf)


def conflicts(c: Candidate, asked: str) -> bool:
    """The sentence is about something else than the question (part) ``asked``: it names another year and not the
    asked one nor a period from before it on (a 2021 figure asked for 2022, not 自2020年…以来; a sentence of a
    statistical bulletin that names no year is of the year its nearest heading names, else of the bulletin's year:
    总产量902.61万吨 of the 2023 bulletin does not answer 2020年的粮食总产量, a row under 表2 2023年…执行情况 does not
    answer 2024年…预算), or the question's
    place/organisation is missing while the sentence names another one (a figure of 朝阳区 given to 博鳌超级医院;
    天津's 34.93 hours asked for 北京). A quoted name of the question found in the sentence settles it: no
    conflict."""
    hay = squash(c.text + context_of(c)).lower()
    said = c.text + leaning_context(c)  # what the sentence says, with the sentence it leans on (进口…34.93 小时)
    # a day the question names is an event's date it states (2003年10月28日通过…就施行的吧), not the period it asks
    asked_years = _years(DAY_RE.sub("", asked))
    said_years = _years(said) or heading_years(c) or _years(reporting_year(c.paragraph.title))
    since = [int(m.group(1)) for m in SINCE_RE.finditer(said)]  # 自2020年…以来: every year from 2020 on
    if asked_years and said_years and not asked_years & said_years \
            and not any(int(y[:4]) >= start for y in asked_years for start in since):
        return True
    if names_another_title(said, asked):
        return True
    if any(found(m.group(1), hay) for m in QUOTED_RE.finditer(asked)):
        return False
    asked_names = place_or_org_names(asked)
    said_names = [n for n in place_or_org_names(said) if squash(n) not in squash(asked)]
    return bool(said_names) and any(not found(n, hay) for n in asked_names)


def heading_years(c: Candidate) -> set[str]:
    """The years of the innermost heading of c's paragraph that names any (表2 2023年…支出执行情况, 一、2023年财政
    预算执行情况: a row or sentence without a year of its own is of that year; a span 2021—2025年 names each)."""
    for heading in reversed(c.paragraph.path):
        years = {f"{y}年" for m in YEAR_SPAN_RE.finditer(heading.text)
                 for y in range(int(m.group(1)), int(m.group(2)) + 1)} | _years(YEAR_SPAN_RE.sub("", heading.text))
        if years:
            return years
    return set()


def _years(text: str) -> set[str]:
    """The years a text names (2021年, of 2021年5月末 too)."""
    return {squash(m.group(0))[:5] for m in YEARISH_RE.finditer(text)}


def names_another_title(said: str, asked: str) -> bool:
    """The question names a document 《X》 that the sentence does not, while the sentence names another one 《Y》:
    its dates and figures are Y's (《核电厂定期安全评价 第1部分》将于哪一天发布 answered from 2004年发布的《核动力厂
    运行安全规定》)."""
    asked_titles = [squash(t) for t in TITLE_QUOTE_RE.findall(asked)]
    said_titles = [squash(t) for t in TITLE_QUOTE_RE.findall(said)]
    flat = squash(said)
    return bool(asked_titles) and not any(a in flat for a in asked_titles) and any(
        not any(t in a or a in t for a in asked_titles) for t in said_titles)


def holds(c: Candidate, terms: list[str], idf, min_share: float = AnswerConfig.min_anchors) -> bool:
    """The sentence holds (nearly) all the anchors: ``min_share`` of their weight."""
    return anchor_coverage(c, terms, idf) >= min_share


@dataclass(frozen=True)
class PartFeatures:
    """Answerability signals for one part."""

    coverage: float  # best weighted share of the part's terms in one sentence
    aligned: float  # best term share × anchor share over the sentences holding a slot filler (0 if none)
    absent_in_corpus: int  # anchors no paragraph of the index contains
    absent_in_context: int  # anchors none of the retrieved paragraphs contains
    p_yes: float = 0.5  # the model's P(是) that the best sentence gives what is asked (= p_yes_chosen when not asked)
    p_some: float = 0.5  # the model's P that some evidence sentence answers the part (1 − P(0) of its choice)
    chosen_fit: float = 0.0  # the alignment of the sentence the model chose (see alignment)
    p_yes_chosen: float = 0.5  # the model's P(是) for the sentence it chose (= p_yes when it is the checked one)
    absent_named: int = 0  # of the anchors no paragraph contains, those that are surely names (see zh.names.is_name)

    # the names of vector()'s entries, in order: what the model read, and whether a name of the part is missing;
    # the term-share signals (coverage, aligned) are recorded but not inputs: they reward a question for using the
    # documents' own words, which users asking in theirs do not (measured on eval/paraphrase)
    INPUTS = ("absent_in_corpus", "p_yes_best", "chosen_fit")

    @property
    def p_yes_best(self) -> float:
        """The model's P(是) for the better of the two sentences it checked (the best-matching one, its choice)."""
        return max(self.p_yes, self.p_yes_chosen)

    def vector(self) -> list[float]:
        """Model inputs (named by INPUTS)."""
        return [float(self.absent_in_corpus > 0), logit(self.p_yes_best), self.chosen_fit]


def logit(p: float) -> float:
    """log(p / (1 − p)), p kept inside [1e-4, 1 − 1e-4]."""
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def alignment(s: Scored, part: Part, part_anchors: list[str], idf) -> float:
    """Term share × anchor share of a sentence that holds the slot filler; 0 for one that does not."""
    if not filler_present(s.candidate.text, part):
        return 0.0
    return s.score * anchor_coverage(s.candidate, part_anchors, idf)


def aligned_best(ranking: list[Scored], part: Part, part_anchors: list[str], idf) -> tuple[Scored | None, float]:
    """The sentence with the best alignment, and its value."""
    best, value = None, 0.0
    for s in ranking:
        if s.score <= value:  # alignment ≤ score: nothing further down can win
            break
        v = alignment(s, part, part_anchors, idf)
        if v > value:
            best, value = s, v
    return best, value


def anchors_of_part(part: Part, question: str, others: tuple[Part, ...] = ()) -> list[str]:
    """The part's own anchors; a part that names none (审批步骤有何变化？) inherits the question's anchors written
    before it, except those that single out another part (its enumerated item): 海南 of 海南…精简了多少？审批步骤有何
    变化？ is the second part's too, 周口市 of 居住证由哪一级签发？周口市生产总值多少？ is not the first part's."""
    own = anchors(part.text)
    if own:
        return own
    start = question.find(part.text.rstrip("？?。"))  # -1 when the part was reworded: every anchor may be its
    return [a for a in anchors(question) if not any(o.focus and a in o.focus for o in others)
            and (start < 0 or question.find(a) < start)]


def lexical_features(part: Part, question: str, ranking: list[Scored], context_text: str,
                     stats: TermStats, others: tuple[Part, ...] = ()) -> tuple[PartFeatures, Scored | None, list[str]]:
    """The signals that need no model: coverage, alignment, absent anchors."""
    part_anchors = anchors_of_part(part, question, others)
    ctx = squash(context_text).lower()
    absent_ctx = [a for a in part_anchors if not held(a, ctx)]
    absent_corpus = [a for a in absent_ctx if not stats.in_corpus(squash(a))
                     and not (contractible(a) and any(contracted_in(a, t) for t in stats.texts))]
    best, value = aligned_best(ranking, part, part_anchors, stats.idf)
    coverage = ranking[0].score if ranking else 0.0
    named = sum(1 for a in absent_corpus if is_name(a) and not own_wording(a, question))
    return PartFeatures(coverage, value, len(absent_corpus), len(absent_ctx), absent_named=named), best, absent_ctx


def held(anchor: str, hay: str) -> bool:
    """An anchor is in hay (squashed, lower-cased): found, or a word that is no name (上路, not 高英 or 广州市)
    contracted from a longer one of hay (上路 in 上道路行驶)."""
    return found(anchor, hay) or (contractible(anchor) and contracted_in(anchor, hay))


def contractible(anchor: str) -> bool:
    """An anchor a user may have contracted from the documents' longer word: a word, not a name (上路; not 高英,
    a person, nor 广州市)."""
    return not is_name(anchor) and not is_person(anchor)


def quotable(c: Candidate, part: Part) -> bool:
    """For a number part: some figure of the sentence (dates aside) is about the quantity asked (see
    assistant.steps.quantity), so quoting the sentence answers the part."""
    if part.slot != "number":
        return True
    text = YEARISH_RE.sub("", digits_view(c.text))
    numbers = [n for n, _ in NUMBER_RE.findall(text)]
    return not numbers or states_asked_quantity(c.text, numbers, part.text)


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over PartFeatures.vector() and the decision threshold."""

    weights: tuple[float, ...] = (-0.5, 1.0, 3.0)
    bias: float = -1.0
    threshold: float = 0.5

    @classmethod
    def of(cls, bias: float, threshold: float = 0.5, **weights: float) -> "Calibration":
        """A calibration with the named inputs' weights (see PartFeatures.INPUTS), the others 0."""
        unknown = set(weights) - set(PartFeatures.INPUTS)
        if unknown:
            raise ValueError(f"unknown gate inputs {sorted(unknown)}: choose from {PartFeatures.INPUTS}")
        return cls(tuple(float(weights.get(name, 0.0)) for name in PartFeatures.INPUTS), bias, threshold)

    def probability(self, f: PartFeatures) -> float:
        """P(the part is answerable from the evidence)."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, f.vector()))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50), -50)))

    def settled_by_lower_bound(self, f: PartFeatures) -> bool:
        """The part passes with ``f``, and would with any higher p_yes_best (its weight is not negative): a second
        P(是), which can only raise the better one, cannot change the decision."""
        weight = self.weights[PartFeatures.INPUTS.index("p_yes_best")]
        return weight >= 0 and self.probability(f) >= self.threshold

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        """Write as JSON."""
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> "Calibration":
        """Read the JSON written by :meth:`save`; defaults when absent or of an older shape."""
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            cal = cls(tuple(d["weights"]), d["bias"], d["threshold"])
        except (OSError, ValueError, KeyError, TypeError):
            return cls()
        return cal if len(cal.weights) == len(PartFeatures.INPUTS) else cls()


@dataclass(frozen=True)
class PartVerdict:
    """The gate's decision for one part."""

    part: Part
    answerable: bool
    p_answerable: float
    features: PartFeatures
    best: Candidate | None  # the aligned evidence sentence (else the best-matching one): what the model checked
    absent: tuple[str, ...]  # anchors missing from the retrieved paragraphs
    grounded: bool = False  # best holds a slot filler and (nearly) all anchors: fit to be quoted as the answer
    chosen: Candidate | None = None  # the sentence the model chose as answering the part, when it is fit to be quoted

    @property
    def quotable_answer(self) -> Candidate | None:
        """The sentence to quote when no model sentence answers the part: the model's choice when it is fit to be
        quoted (it read the question, and sees through paraphrase), else the grounded best-matching one."""
        return self.chosen or (self.best if self.grounded else None)


# the share of the labelled answerable parts the fitted gate may refuse: the gate is a cheap first filter, and the
# checks after generation refuse most unanswerable questions it lets through (at 5% it refused 6 of 54 answerable
# parts of eval/paraphrase/realdocs_dev.jsonl; at 2%, 1 of 54, the extra unanswerable ones refused by the checks)
MAX_FALSE_REFUSAL = 0.02


def fit(features: list[PartFeatures], labels: list[bool], steps: int = 5000, lr: float = 0.1,
        l2: float = 0.01, max_false_refusal: float = MAX_FALSE_REFUSAL) -> Calibration:
    """Logistic regression by gradient descent, then the highest threshold that refuses at most
    ``max_false_refusal`` of the answerable parts (a wrong refusal costs users too)."""
    import numpy as np

    x = np.array([f.vector() for f in features], dtype=float)
    y = np.array(labels, dtype=float)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    xs = (x - mu) / sd
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xs @ w + b)))
        w -= lr * (xs.T @ (p - y) / len(y) + l2 * w)
        b -= lr * float(np.mean(p - y))
    weights = w / sd
    bias = b - float(np.sum(w * mu / sd))
    probs = 1 / (1 + np.exp(-(x @ weights + bias)))
    answerable = probs[y > 0.5]
    # thresholds are the observed probabilities themselves (rounding them could put one just above every
    # answerable part it was meant to keep)
    allowed = [t for t in np.unique(probs) if np.mean(answerable < t) <= max_false_refusal]
    return Calibration(tuple(float(v) for v in weights), float(bias), float(max(allowed, default=0.0)))


class Gate:
    """Pipeline step: a verdict for each part of the question.

    An anchor that the whole index lacks refuses the part at once (no model call); otherwise the model checks
    the part's best sentence, and the calibrated logistic model combines its P(是) with the lexical signals.
    """

    def __init__(self, llm, prompts, stats: TermStats, calibration: Calibration | None = None,
                 cfg: AnswerConfig = AnswerConfig()):
        self.llm = llm
        self.min_anchors = cfg.min_anchors
        self.prompts = prompts  # assistant.steps.prompting.PromptBuilder
        self.stats = stats
        self.calibration = calibration or Calibration.load()

    def run(self, question: str, evidence: Evidence, context_text: str, answer_all: bool = False) -> list[PartVerdict]:
        """Verdicts in part order; ``answer_all`` (calibration runs) keeps every part but records the signals."""
        verdicts = []
        for i, part in enumerate(evidence.parts):
            others = tuple(p for p in evidence.parts if p is not part)
            feats, best, absent = lexical_features(part, question, evidence.per_part[i], context_text, self.stats,
                                                   others)
            checked = best.candidate if best else (evidence.per_part[i][0].candidate if evidence.per_part[i] else None)
            part_anchors = anchors_of_part(part, question, others)
            chosen = None
            if checked is not None and (answer_all or not feats.absent_named):
                multi = len(evidence.parts) > 1
                asked = part.text if multi else question
                p_some, chosen, chosen_fit = self._choice(question, part if multi else None, evidence, i, part_anchors)
                p_yes_chosen = self._p_yes(chosen, asked, part)
                feats = dc_replace(feats, p_yes=p_yes_chosen, p_some=p_some, chosen_fit=chosen_fit,
                                   p_yes_chosen=p_yes_chosen)
                same = (chosen.paragraph.id, chosen.start) == (checked.paragraph.id, checked.start)
                # the better P(是) counts: once the chosen sentence's alone lets the part through, the best-matching
                # sentence's cannot refuse it, and its check (a prefill) is skipped
                if not same and (answer_all or not self.calibration.settled_by_lower_bound(feats)):
                    feats = dc_replace(feats, p_yes=self._p_yes(checked, asked, part))
            p = self.calibration.probability(feats) if evidence.sentences else 0.0
            # a name no paragraph of the index contains: the documents cannot say it, whatever the signals (an
            # absent word that may be no name, such as 上路, only counts among the signals)
            ok = answer_all or (bool(evidence.sentences) and not feats.absent_named
                                and p >= self.calibration.threshold)
            grounded = best is not None and self._grounded(best.candidate, part, part_anchors)
            fit_chosen = chosen if chosen is not None and self._grounded(chosen, part, part_anchors) else None
            verdicts.append(PartVerdict(part, ok, p, feats, checked, tuple(absent), grounded, fit_chosen))
        return verdicts

    def _grounded(self, c: Candidate, part: Part, part_anchors: list[str]) -> bool:
        """The sentence holds a filler of the asked slot and (nearly) all anchors, and for a number part a figure of
        the quantity asked: quoted alone, it answers the part."""
        return (filler_present(c.text, part) and holds(c, part_anchors, self.stats.idf, self.min_anchors)
                and quotable(c, part))

    def _p_yes(self, sentence: Candidate, asked: str, part: Part) -> float:
        """The model's P(是) that this one sentence directly gives what the part asks for."""
        return self.llm.option_probabilities(self.prompts.check(sentence, asked, part.slot), ["是", "否"])[0]

    def _choice(self, question: str, part: Part | None, evidence: Evidence, i: int,
                part_anchors: list[str]) -> tuple[float, Candidate, float]:
        """The model's reading of the numbered evidence: P(some sentence answers), the sentence it chose, and
        that sentence's alignment."""
        numbered = evidence.sentences
        probs = self.llm.choose(self.prompts.choose(numbered, question, part.text if part else "",
                                                    asks_yes_no(evidence.parts)),
                                [str(k) for k in range(len(numbered) + 1)])
        k = max(range(1, len(probs)), key=lambda j: probs[j])
        chosen = numbered[k - 1]
        key = (chosen.paragraph.id, chosen.start)
        scored = next((s for s in evidence.per_part[i] if (s.candidate.paragraph.id, s.candidate.start) == key), None)
        fit = alignment(scored, evidence.parts[i], part_anchors, self.stats.idf) if scored else 0.0
        return 1.0 - probs[0], chosen, fit
