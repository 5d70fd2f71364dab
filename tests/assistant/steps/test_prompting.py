"""Prompts share their prefix; the evidence block numbers sentences under their headings (assistant.steps.prompting)."""
import re

from assistant.steps.evidence import Candidate
from assistant.steps.prompting import PromptBuilder, Prompts, answer_sentences, citation_grammar, evidence_block
from tests.conftest import make_paragraph

P = make_paragraph("d:p1", "d", "甲句。乙句。", case="案例一", section="一、主要做法")
Q = make_paragraph("d:p2", "d", "丙句。", case="案例二")
SENTENCES = [Candidate(P, 0, 3, 0), Candidate(P, 3, 6, 0), Candidate(Q, 0, 3, 1)]


def test_evidence_block_numbers_sentences_under_their_case_and_innermost_heading():
    assert evidence_block(SENTENCES) == "〔案例一 › 一、主要做法〕\n[1] 甲句。\n[2] 乙句。\n〔案例二〕\n[3] 丙句。"
    deep = make_paragraph("d:p3", "d", "丁句。", case="一个非常非常长的案例标题占满了位置", section="一、主要做法", subsection="（二）创新海关监管模式")
    assert evidence_block([Candidate(deep, 0, 3, 0)]).splitlines()[0] == "〔一个非常非常长的案例标题… › （二）创新海关监管模式〕"


def test_answer_prompts_start_with_the_constant_prefix():
    b = PromptBuilder(Prompts.load())
    answer = b.answer(SENTENCES, "问题？", [])
    assert answer.startswith(b.constant_prefix) and "[3] 丙句。" in answer


def test_only_a_yes_no_question_is_shown_the_worked_yes_no_answer():
    b = PromptBuilder(Prompts.load())
    yes_no, plain = b.answer(SENTENCES, "甲是五项，对吗？", [], yes_no=True), b.answer(SENTENCES, "甲是多少？", [])
    example = Prompts.load().example_yesno_answer
    assert example in yes_no and example not in plain
    assert yes_no.startswith(b.constant_prefix)  # after the cached prefix
    assert b.choose(SENTENCES, "甲是五项，对吗？", yes_no=True).split("[3] 丙句。")[0] == yes_no.split("[3] 丙句。")[0]


def test_check_prompt_shows_one_sentence_with_its_headings_and_what_is_asked():
    b = PromptBuilder(Prompts.load())
    check = b.check(SENTENCES[1], "乙是多少？", "number")
    assert "案例一 › 一、主要做法" in check and "乙句。" in check and "甲句" not in check and "具体数字" in check


def test_multi_part_answer_lists_the_parts():
    b = PromptBuilder(Prompts.load())
    prompt = b.answer(SENTENCES, "甲和乙分别是什么？", ["甲是什么？", "乙是什么？"])
    assert "1. 甲是什么？" in prompt and "2. 乙是什么？" in prompt


def test_grammar_allows_only_existing_sentence_numbers_and_no_question_marks():
    g = citation_grammar(3, max_sentences=2)
    assert '"[" [1-3] "]"' in g and "sent?" in g and "？" in g
    assert re.search(r"body ::= \[\^.*？", g)


def test_a_yes_no_answer_opens_with_its_verdict_and_goes_on_to_the_fact():
    g = citation_grammar(3, max_sentences=2, verdict_first=True)
    assert g.startswith('root ::= verdict "，" sent sent?') and "verdict ::=" in g
    assert "verdict" not in citation_grammar(3, max_sentences=2)


def test_a_list_answer_may_give_each_item_a_sentence():
    assert answer_sentences(["number"]) == 3 and answer_sentences(["number", "time"]) == 4
    assert answer_sentences(["list"]) == 6  # 哪些基本公共服务: six items
