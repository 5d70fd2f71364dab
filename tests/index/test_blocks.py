import re

import pytest

from index.blocks import heading_level, join_lines, looks_wrapped, plain_blocks, text_blocks, wrapped_blocks

CASE_TITLES = [
    "突破堵点贯通知识产权服务业产业链体系",
    "聚焦关键环节探索创新 促进医疗产业高质量发展",
    "推动融资租赁创新发展 提升服务实体经济能力",
    "多点推动现代物流业创新发展",
    "探索数字化手段在公共管理服务中的多场景应用",
    "完善配套服务支持高新技术产业高质量发展",
    "优化服务体系提升跨境贸易便利化水平",
    "强化人才保障优化营商环境",
]


@pytest.fixture(scope="module")
def report_blocks(report_text):
    return text_blocks(report_text)


def test_report_is_detected_as_hard_wrapped(report_text):
    assert looks_wrapped(report_text.splitlines())


def test_no_page_numbers_or_url_left(report_blocks):
    for b in report_blocks:
        assert "http" not in b.text and "baidu" not in b.text
        assert not re.fullmatch(r"\d{1,3}", b.text)
    joined = "".join(b.text for b in report_blocks)
    assert "服务。23" not in joined and "提44" not in joined


def test_all_case_titles_and_preface_found(report_blocks):
    cases = [b.text for b in report_blocks if b.level == "case"]
    assert cases == ["前言", *CASE_TITLES]


def test_document_title_and_categories(report_blocks):
    assert report_blocks[0].text == "国家服务业扩大开放综合试点示范最佳实践案例"
    assert report_blocks[0].level == "title"
    assert [b.text for b in report_blocks if b.level == "category"] == ["产业综合类案例", "特色探索类案例"]


def test_boxes_detected(report_blocks):
    boxes = [b.text for b in report_blocks if b.level == "box"]
    assert len(boxes) == 5
    assert boxes[0] == "专栏 1 试点示范省市科技成果转化赋权案例"


def test_wrapped_heading_is_joined(report_blocks):
    subs = [b.text for b in report_blocks if b.level == "subsection"]
    assert "（一）研发：聚焦医学前沿领域，加快培育创新链和服务体系。" in subs


def test_numbered_items_detected(report_blocks):
    items = [b.text for b in report_blocks if b.level == "item"]
    assert "2. 参与构建国际铁路运邮新规则。" in items and len(items) == 9


def test_paragraphs_rejoin_broken_sentences(report_blocks):
    texts = [b.text for b in report_blocks if b.level is None]
    # this sentence is broken over two lines and a page break in the PDF text
    assert any("规范操作流程，强化赋权全过程管理和服务。" in t for t in texts)
    # the box paragraph ends where the line is short
    assert any(t.endswith("由科技成果完成人获得相应股权。") for t in texts)


def test_text_is_kept_exactly(report_text, report_blocks):
    """Every non-artifact character of the source survives, in order (whitespace aside)."""
    src = "".join(l for l in report_text.splitlines()
                  if not re.fullmatch(r"\s*\d{1,4}\s*", l) and not l.strip().startswith("http"))
    src = re.sub(r"\s+", "", src)
    out = re.sub(r"\s+", "", "".join(b.text for b in report_blocks))
    assert out == src


def test_join_lines_keeps_space_between_latin_words():
    assert join_lines(["截至 2021", "年"]) == "截至 2021年"
    assert join_lines(["OAG and", "more"]) == "OAG and more"
    assert join_lines(["中文", "续行"]) == "中文续行"


@pytest.mark.parametrize("text,level", [
    ("一、主要做法", "section"), ("（二）创新海关监管模式。", "subsection"), ("2.推进西部陆海新通道建设。", "item"),
    ("专栏 3 北京探索", "box"), ("特色探索类案例", "category"), ("前 言", "case"),
    ("1.05 亿元的作价投资", None), ("一是创新赋权方式。", None),
])
def test_heading_level(text, level):
    assert heading_level(text) == level


def test_plain_text_uses_blank_lines():
    blocks = plain_blocks("一、总体情况\n\n第一段第一行\n第一段第二行\n\n第二段。")
    assert [(b.text, b.level) for b in blocks] == [("一、总体情况", "section"), ("第一段第一行第一段第二行", None),
                                                    ("第二段。", None)]


def test_plain_text_point_that_ends_a_sentence_is_a_paragraph_not_a_heading():
    [b] = plain_blocks("一、总体要求\n\n（一）推进5G网络建设。到2025年，全市建成5G基站1.2万个。")[1:]
    assert b.level is None


def test_plain_text_signature_lines_stay_apart_and_an_attachment_list_keeps_its_items_apart():
    blocks = plain_blocks("正文。\n\n附件：1.某某措施\n2.重点任务分工表\n\n某某市人民政府\n2024年3月5日")
    assert [b.text for b in blocks] == ["正文。", "附件：1.某某措施 2.重点任务分工表", "某某市人民政府", "2024年3月5日"]


def test_plain_text_without_blank_lines_is_one_paragraph_per_line():
    assert [b.text for b in plain_blocks("甲。\n乙。\n")] == ["甲。", "乙。"]


def test_short_text_is_not_treated_as_wrapped():
    assert not looks_wrapped(["短句。"] * 5)


def test_wrapped_blocks_on_synthetic_page():
    line = "这是一个很长的句子用来模拟固定宽度的排版效果，继续写"
    text = "\n".join(["一、背景", line, line, "结束了。", "12", " " + line, "最后。"])
    blocks = wrapped_blocks(text)
    assert blocks[0].level == "section"
    assert [b.text for b in blocks[1:]] == [line * 2 + "结束了。", line + "最后。"]


NOTICE = """关于做好2025年度城乡居民基本医疗保险集中参保缴费工作的通知
澄医保发〔2024〕31号

各街道办事处、镇人民政府，区级有关部门，各定点医药机构：

为做好我区2025年度城乡居民基本医疗保险集中参保缴费工作，进一步扩大参保覆盖面
，切实保障参保群众待遇，现将有关事项通知如下。

一、参保范围。除职工基本医疗保险应参保人员以外的本区户籍居民、持有本区居住证
的非本区户籍居民，均可参加居民医保。

二、集中缴费期。2025年度居民医保集中参保缴费期为2024年9月1日至2024年12月31
日。在集中缴费期内参保缴费的，待遇享受期为2025年1月1日至2025年12月31日。

三、缴费标准。2025年度居民医保个人缴费标准为每人每年400元，各级财政补助标准为
每人每年不低于670元。

青澜市澄溪区医疗保障局
2024年8月26日
"""


def test_a_hard_wrapped_notice_breaks_paragraphs_at_blank_lines_and_keeps_its_marks_apart():
    blocks = wrapped_blocks(NOTICE)
    assert (blocks[0].level, blocks[0].text) == ("title", "关于做好2025年度城乡居民基本医疗保险集中参保缴费工作的通知")
    texts = [b.text for b in blocks]
    assert texts[1] == "澄医保发〔2024〕31号" and texts[-2:] == ["青澜市澄溪区医疗保障局", "2024年8月26日"]
    assert "各街道办事处、镇人民政府，区级有关部门，各定点医药机构：" in texts


def test_a_numbered_line_with_a_sentence_inside_opens_a_paragraph_not_a_heading():
    blocks = wrapped_blocks(NOTICE)
    [b] = [b for b in blocks if b.text.startswith("一、参保范围。")]
    assert b.level is None and b.text.endswith("均可参加居民医保。")
