"""Loading and validating gold question sets (eval.dataset)."""
import json

import pytest

from eval.dataset import (TRAPS, DatasetError, EvalItem, Part, check_against_corpus, contains, labelled,
                          load_dataset, parse_items, squash)
from tests.conftest import make_paragraph
from index.loaders import load_document
from settings import PROJECT_ROOT
from tests.conftest import REPORT


def row(**overrides) -> dict:
    base = {"id": "q1", "question": "问题？", "answer": "答案。", "evidence": ["甲乙丙"], "keywords": ["甲"],
            "type": "fact", "case": "案例"}
    return {**base, **overrides}


def lines(*rows) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]


def test_contains_ignores_whitespace_on_both_sides():
    assert squash(" 7 批\n35 项\t") == "7批35项"
    assert contains("截至目前已有 7 批 35 项经验", "已有7批 35项")
    assert not contains("已有 7 批", "已有 8 批")


def test_valid_set_is_parsed_into_items(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines(row(), "", row(id="q2", type="unanswerable", evidence=[], keywords=[]),
                                    row(id="q3", paragraph_ids=["d:p0001"]))) + "\n", encoding="utf-8")
    items = load_dataset(path)
    assert [it.id for it in items] == ["q1", "q2", "q3"]
    assert items[0] == EvalItem("q1", "问题？", "答案。", ("甲乙丙",), ("甲",), "fact", "案例")
    assert items[0].answerable and not items[1].answerable
    assert items[2].paragraph_ids == ("d:p0001",)


@pytest.mark.parametrize("bad, message", [
    ('{"id": "q1", "question": ', "malformed JSON"),
    ('["not", "an", "object"]', "not a JSON object"),
    (row(question=None), "'question' must be a string"),
    ({k: v for k, v in row().items() if k != "answer"}, "missing field 'answer'"),
    (row(case=3), "'case' must be a string"),
    (row(evidence="甲乙丙"), "'evidence' must be a list of non-empty strings"),
    (row(evidence=["  "]), "'evidence' must be a list of non-empty strings"),
    (row(keywords=[1]), "'keywords' must be a list"),
    (row(id=""), "'id' is empty"),
    (row(paragraph_ids="p1"), "'paragraph_ids' must be a list"),
    (row(type="opinion"), "unknown type 'opinion'"),
    (row(evidence=[]), "answerable item has no evidence"),
    (row(type="unanswerable", keywords=[], evidence=["甲"]), "must have empty evidence and keywords"),
    (row(type="unanswerable", evidence=[]), "must have empty evidence and keywords"),
])
def test_each_kind_of_bad_line_is_rejected(bad, message):
    with pytest.raises(DatasetError, match="line 1") as err:
        parse_items(lines(bad))
    assert message in str(err.value)


def test_duplicate_ids_are_rejected():
    with pytest.raises(DatasetError, match=r"line 2: duplicate id 'q1' \(first on line 1\)"):
        parse_items(lines(row(), row()))


def test_all_problems_are_reported_at_once():
    with pytest.raises(DatasetError) as err:
        parse_items(lines("{", row(), row(type="x", id="q2")), "set.jsonl")
    text = str(err.value)
    assert text.startswith("set.jsonl: 2 problem(s)") and "line 1" in text and "line 3" in text


def test_missing_and_empty_files_are_errors(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(tmp_path / "none.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no questions"):
        load_dataset(tmp_path / "empty.jsonl")


def test_quotes_must_occur_inside_one_paragraph():
    paragraphs = {"p1": "截至目前已有 7 批 35 项。", "p2": "共形成 8 项案例。"}
    ok = parse_items(lines(row(evidence=["已有7批35项"]), row(id="q2", evidence=["共形成 8 项"])))
    check_against_corpus(ok, paragraphs)  # whitespace differences do not matter
    bad = parse_items(lines(
        row(id="a", evidence=["已有7批35项", "不存在的引文"]),
        row(id="b", evidence=["35项。共形成"]),  # spans two paragraphs: not accepted
        row(id="c", evidence=["共形成8项"]),
        row(id="d", evidence=["已有7批"], paragraph_ids=["p9"])))
    with pytest.raises(DatasetError) as err:
        check_against_corpus(bad, paragraphs, "dev.jsonl")
    text = str(err.value)
    assert "id(s) a, b, d:" in text  # one message naming every offending id, c is fine
    assert "不存在的引文" in text and "35项。共形成" in text and "unknown paragraph id(s) p9" in text
    assert "'c'" not in text and "c:" not in text


# --- optional case, parts, overview, trap, heading evidence -------------------------------------------------

U = {"type": "unanswerable", "evidence": [], "keywords": []}


def part(ask="甲是什么", keywords=("甲",), **extra) -> dict:
    return {"ask": ask, "keywords": list(keywords), **extra}


def test_case_is_optional_and_defaults_to_empty():
    items = parse_items(lines({k: v for k, v in row(**U).items() if k != "case"},
                              {k: v for k, v in row(id="q2").items() if k != "case"}))
    assert [it.case for it in items] == ["", ""]
    assert EvalItem("x", "问", "答", (), (), "unanswerable").case == ""


def test_an_empty_question_is_accepted_but_an_empty_id_is_not():
    assert parse_items(lines(row(question="  ")))[0].question == ""
    with pytest.raises(DatasetError, match="'id' is empty"):
        parse_items(lines(row(id=" ")))


def test_parts_are_parsed_with_answerable_defaulting_to_true():
    item = parse_items(lines(row(type="multi", keywords=["甲", "乙", "丙"],
                                 parts=[part(keywords=["甲", "乙"]), part("丙呢", ["丙"], answerable=True),
                                        part("丁呢", [], answerable=False)])))[0]
    assert item.parts == (Part("甲是什么", ("甲", "乙"), True), Part("丙呢", ("丙",), True), Part("丁呢", (), False))
    assert item.answer_parts() == item.parts


def test_answer_parts_without_given_parts():
    answerable, unanswerable = parse_items(lines(row(keywords=["甲", "乙"]), row(id="q2", **U)))
    assert answerable.parts == () and answerable.answer_parts() == (Part("问题？", ("甲", "乙"), True),)
    assert unanswerable.answer_parts() == ()


@pytest.mark.parametrize("bad, message", [
    (row(parts=[]), "'parts' must be a non-empty list"),
    (row(parts="甲"), "'parts' must be a non-empty list"),
    (row(parts=["甲"]), "part 1 is not an object"),
    (row(parts=[part(ask=" ")]), "part 1: 'ask' must be a non-empty string"),
    (row(parts=[part(keywords=["甲", ""])]), "part 1: 'keywords' must be a list of non-empty strings"),
    (row(parts=[part(), {"ask": "乙", "keywords": "乙"}]), "part 2: 'keywords' must be a list"),
    (row(parts=[part(answerable="yes")]), "'answerable' must be true or false"),
    (row(parts=[part(extra=1)]), "part 1 has unknown field(s) extra"),
    (row(parts=[part(keywords=[])]), "part 1: an answerable part needs at least one keyword"),
    (row(parts=[part(), part("乙", ["乙"], answerable=False)]), "part 2: an unanswerable part must have empty keywords"),
    (row(keywords=["甲", "乙"], parts=[part(keywords=["甲"])]), "must equal the answerable parts' keywords"),
    (row(keywords=["乙", "甲"], parts=[part(keywords=["甲"]), part("乙", ["乙"])]), "must equal the answerable parts'"),
    (row(keywords=[], parts=[part(keywords=[], answerable=False)]), "needs at least one answerable part"),
    (row(**U, parts=[part()]), "unanswerable item cannot have answerable parts"),
    (row(type="overview"), "overview item needs 'parts'"),
])
def test_bad_parts_are_rejected(bad, message):
    with pytest.raises(DatasetError, match="line 1") as err:
        parse_items(lines(bad))
    assert message in str(err.value)


def test_overview_item_lists_one_part_per_heading():
    heads = ["（一）加快完善知识产权价值评估体系", "（二）推动知识产权转化运用服务模式创新", "（三）探索数据知识产权保护规则"]
    item = parse_items(lines(row(type="overview", evidence=heads, keywords=["价值评估", "转化运用", "数据知识产权"],
                                 parts=[part(h[3:], [k]) for h, k in zip(heads, ["价值评估", "转化运用", "数据知识产权"])])))[0]
    assert item.type == "overview" and item.answerable and len(item.answer_parts()) == 3


def test_trap_values():
    items = parse_items(lines(*(row(id=t, trap=t, **U) for t in TRAPS), row(id="plain", **U)))
    assert [it.trap for it in items] == [*TRAPS, ""]
    assert parse_items(lines(row(**U, trap="near_miss", parts=[part(keywords=[], answerable=False)])))[0].parts
    for bad, message in [(row(id="a", trap="tricky", **U), "unknown trap 'tricky'"),
                         (row(id="b", trap="near_miss"), "'trap' is only for unanswerable items"),
                         (row(id="c", trap=1, **U), "'trap' must be a string")]:
        with pytest.raises(DatasetError, match=message):
            parse_items(lines(bad))


def test_paragraph_haystack_puts_the_heading_path_before_the_text():
    p = make_paragraph("d:p1", "d", "针对数字经济快速发展态势。", title="报告", category="产业综合类案例",
                  case="突破堵点贯通知识产权服务业产业链体系", section="三、下一步开放创新发展方向",
                  subsection="（三）探索数据知识产权保护规则。")
    assert p.haystack == ("报告\n产业综合类案例\n突破堵点贯通知识产权服务业产业链体系\n三、下一步开放创新发展方向\n"
                                     "（三）探索数据知识产权保护规则。\n针对数字经济快速发展态势。")
    assert make_paragraph("d:p0", "d", "正文").haystack == "正文"
    assert labelled("正文", "甲 › 乙") == "甲 › 乙\n正文" and labelled("正文") == "正文"


def test_heading_evidence_is_accepted_against_the_haystack_not_the_bare_text():
    p = make_paragraph("d:p1", "d", "针对数字经济快速发展态势。", case="突破堵点贯通知识产权服务业产业链体系",
                  section="三、下一步开放创新发展方向", subsection="（三）探索数据知识产权保护规则。")
    items = parse_items(lines(row(evidence=["（三）探索数据知识产权保护规则", "突破堵点贯通知识产权服务业产业链体系"])))
    check_against_corpus(items, {p.id: p.haystack})
    check_against_corpus(items, {p.id: p})  # a paragraph object is turned into its haystack
    with pytest.raises(DatasetError, match="quote not in any paragraph"):
        check_against_corpus(items, {p.id: p.text})


def test_the_outside_cmrc_set_loads_as_it_is():
    path = PROJECT_ROOT.parent / "shared" / "corpora" / "cmrc2018-trial" / "questions.jsonl"
    if not path.is_file():
        pytest.skip("shared CMRC corpus not present")
    items = load_dataset(path)
    assert len(items) == 896 and sum(not it.answerable for it in items) == 120


# --- the bundled sets -----------------------------------------------------------------------------------------

SET_SIZES = {"dev.jsonl": 173, "test.jsonl": 81}  # counts per type and trap: eval/README_sets.md


@pytest.mark.parametrize("name, n", SET_SIZES.items())
def test_bundled_sets_are_valid_against_the_report(name, n):
    doc = load_document(REPORT)
    items = load_dataset(PROJECT_ROOT / "eval" / name)
    assert len(items) == n
    check_against_corpus(items, {p.id: p.haystack for p in doc.paragraphs}, name)


@pytest.mark.parametrize("name", SET_SIZES)
def test_bundled_sets_label_every_unanswerable_item_and_every_overview_heading(name):
    items = load_dataset(PROJECT_ROOT / "eval" / name)
    assert all(it.trap for it in items if not it.answerable)
    report = squash(REPORT.read_text(encoding="utf-8"))
    for it in items:
        for part in it.answer_parts():  # every keyword occurs in the report (whitespace removed)
            assert all(squash(k) in report for k in part.keywords), (it.id, part)
        if it.type == "overview":
            assert len(it.parts) >= 2 and len(it.evidence) == len(it.parts), it.id
