"""Loading and validating gold question sets (eval.dataset)."""
import json

import pytest

from eval.dataset import DatasetError, EvalItem, check_against_corpus, contains, load_dataset, parse_items, squash
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
    ({k: v for k, v in row().items() if k != "case"}, "missing field 'case'"),
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


@pytest.mark.parametrize("name, n", [("dev.jsonl", 87), ("test.jsonl", 28)])
def test_bundled_sets_are_valid_against_the_report(name, n):
    doc = load_document(REPORT)
    items = load_dataset(PROJECT_ROOT / "eval" / name)
    assert len(items) == n
    check_against_corpus(items, {p.id: p.text for p in doc.paragraphs}, name)
