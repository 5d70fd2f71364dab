"""Overview questions answered from the heading tree: every item in the scope, cited (assistant.steps.overview)."""
import pytest

from assistant.steps.evidence import TermStats
from assistant.steps.overview import OverviewStep
from index.loaders import load_document
from retriever.outline import items_of
from zh.names import anchors
from tests.conftest import REPORT

SHORT_NAMES = ["知识产权服务业", "医疗产业", "融资租赁", "现代物流业", "数字化手段在公共管理服务", "高新技术产业",
               "跨境贸易便利化", "人才保障"]


def _step(paragraphs):
    return OverviewStep(paragraphs, TermStats.from_paragraphs(paragraphs))


@pytest.fixture(scope="module")
def step():
    return _step(load_document(REPORT).paragraphs)


def _answer(step, question):
    scope = step.scope(question, anchors(question))
    assert scope is not None, question
    return step.run(scope)


@pytest.mark.parametrize("name", SHORT_NAMES)
def test_case_overview_lists_every_practice_heading(step, name):
    ov = _answer(step, f"{name}案例的主要做法有哪些？")
    case = ov.scope.node if ov.scope.node.level == "case" else ov.scope.node.path[2]
    assert name[:2] in case.title
    expected = [n.name for n in items_of(case)]
    assert [h for h, _ in ov.outline] == expected and len(expected) >= 2
    text = "".join(line.text for line in ov.lines)
    assert all(h in text for h in expected)


def test_every_item_cites_its_first_paragraph(step):
    ov = _answer(step, "融资租赁案例的主要做法有哪些？")
    by_n = {s.n: s.paragraph for s in ov.sources}
    for line in ov.lines[1:]:
        [n] = line.cites
        assert by_n[n].heading("subsection").rstrip("。").endswith(line.text.split("：")[0].split(". ", 1)[1])


def test_report_overview_lists_all_cases_with_their_category(step):
    ov = _answer(step, "报告介绍了哪些案例？")
    names = [h for h, _ in ov.outline]
    assert len(names) == 8 and "前言" not in names
    text = "\n".join(line.text for line in ov.lines)
    assert "产业综合类案例：" in text and "特色探索类案例：" in text


def test_region_filter_keeps_only_items_that_mention_it(step):
    ov = _answer(step, "重庆在强化人才保障方面做了哪几件事？")
    assert ov.scope.within == "重庆"
    assert all("重庆" in "".join(p.text for p in [s.paragraph]) for s in ov.sources)


def test_fact_questions_are_not_overviews(step):
    for q in ("2021年天津口岸的出口整体通关时间是多少？", "天津在城市地铁车辆融资租赁上有何创新？租赁服务向哪些环节做了延伸？",
              "上海在知识产权质押融资中推动形成了哪几种“银行+”合作模式？"):
        assert step.scope(q, anchors(q)) is None, q


MARKDOWN = """# 绿色金融试点工作总结

## 一、主要做法

### （一）建立碳排放权质押制度

某市出台碳排放权质押贷款指引，明确质押登记流程。

### （二）发展绿色债券

某市支持企业发行绿色债券，募集资金用于节能改造。

### （三）完善环境信息披露

某市要求金融机构按年度披露环境信息。

## 二、下一步工作

### （一）扩大试点范围

将试点范围扩大到全省。
"""


def test_markdown_document_with_headings(tmp_path):
    path = tmp_path / "green.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    ov = _answer(_step(load_document(path).paragraphs), "绿色金融试点的主要做法有哪些？")
    assert [h for h, _ in ov.outline] == ["建立碳排放权质押制度", "发展绿色债券", "完善环境信息披露"]
    assert ov.lines[1].text.endswith("明确质押登记流程")


def test_docx_document_with_heading_styles(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("绿色金融试点工作总结", level=1)
    d.add_heading("一、主要做法", level=2)
    for title, body in (("（一）建立碳排放权质押制度", "某市出台碳排放权质押贷款指引。"),
                        ("（二）发展绿色债券", "某市支持企业发行绿色债券。")):
        d.add_heading(title, level=3)
        d.add_paragraph(body)
    d.add_heading("二、下一步工作", level=2)
    d.add_paragraph("将试点范围扩大到全省。")
    path = tmp_path / "green.docx"
    d.save(path)
    ov = _answer(_step(load_document(path).paragraphs), "绿色金融试点的主要做法有哪些？")
    assert [h for h, _ in ov.outline] == ["建立碳排放权质押制度", "发展绿色债券"]


def test_an_overview_kept_to_one_document_of_a_library_lists_that_document_s_own_headings():
    from tests.conftest import RESIDENCE_PDF

    permit = load_document(RESIDENCE_PDF).paragraphs
    step = _step(load_document(REPORT).paragraphs + permit)
    question = "这份文件的主要内容有哪些？"
    assert step.scope(question, anchors(question)) is None  # a library: which document is meant?
    scope = step.scope(question, anchors(question), docs=frozenset({permit[0].doc_id}))
    ov = step.run(scope)
    assert {s.paragraph.doc_id for s in ov.sources} == {permit[0].doc_id}
    assert [h for h, _ in ov.outline][:3] == ["第一条", "第二条", "第三条"]
