import pytest

from index.furniture import clean_lines, is_chrome, is_page_number
from index.layout import Line, Segment

PAGE_HEIGHT = 842.0


@pytest.mark.parametrize("text", ["－3－", "- 3 -", "3", "2/7", "第3页", "第3页 共7页", "Page 3 of 7"])
def test_page_numbers_in_any_form(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["第三条", "2023年", "表3"])
def test_not_page_numbers(text):
    assert not is_page_number(text)


@pytest.mark.parametrize("text, printout, chrome", [
    ("首页> 政策> 法律法规> 行政法规", True, True),
    ("国务院 新闻 专题 政策 服务 问政 数据 国情", True, True),
    ("简体 | 繁体 | English", True, True),
    ("【字体：大中小】打印本页", False, True),
    ("字体：[大 中 小]　【打印本页】", False, True),  # the font switch in square brackets
    ("字号：大 中 小 打印本页", False, True),
    ("京ICP备05070218号", False, True),
    ("产品名称 单位 产量 比上年增长（%）", False, False),  # a table header in a bulletin
    ("第一章 总则", True, False),
    ("粮食 902.61 -3.2", True, False),
    ("居住证持有人在居住地享受下列便利：", True, False),
])
def test_chrome_by_its_shape(text, printout, chrome):
    assert is_chrome(text, printout) is chrome


def _line(page: int, text: str, top: float, size: float = 11.0, x0: float = 90.0, x1: float = 500.0) -> Line:
    return Line(page, text, x0, top, x1, top + size, size, (Segment(text, x0, x1),))


def test_repeated_lines_and_page_numbers_are_dropped_and_counted():
    pages = [[_line(n, "某某市人民政府公报", 30), _line(n, f"正文第{n}页的内容。", 300), _line(n, f"－{n}－", 800)]
             for n in (1, 2, 3)]
    cleaned = clean_lines(pages, [PAGE_HEIGHT] * 3)
    assert [l.text for l in cleaned.lines] == ["正文第1页的内容。", "正文第2页的内容。", "正文第3页的内容。"]
    assert cleaned.dropped == {"repeated": 3, "page_number": 3}
    assert not cleaned.printout


def test_a_browser_printout_loses_its_site_header_footer_and_side_bar():
    stamp = lambda n: _line(n, "2026/2/9 22:33 某条例_中国政府网", 10, 7)  # noqa: E731
    url = lambda n: _line(n, f"https://www.gov.cn/content_1.htm {n}/2", 830, 7)  # noqa: E731
    page1 = [stamp(1), _line(1, "社会主义核心价值观：富强、民主", 60), _line(1, "某某条例", 120, 22, 300, 400),
             _line(1, "第一条 为了规范管理，制定本条例。", 200), _line(1, "中国政府网", 210, 8, 1000, 1040), url(1)]
    page2 = [stamp(2), _line(2, "第二条 本条例自公布之日起施行。", 100), _line(2, "责任编辑：某某", 120, 8),
             _line(2, "全国人大 全国政协 最高法院 最高检察院", 140, 9), url(2)]
    cleaned = clean_lines([page1, page2], [PAGE_HEIGHT] * 2)
    assert cleaned.printout and cleaned.title == "某某条例"
    assert [l.text for l in cleaned.lines] == ["某某条例", "第一条 为了规范管理，制定本条例。", "第二条 本条例自公布之日起施行。"]
    assert cleaned.dropped["stamp"] == 4 and cleaned.dropped["chrome"] >= 4


def test_a_printout_keeps_its_information_box_signature_and_attachment():
    stamp = lambda n: _line(n, "12/7/26, 1:57 PM 某某通知_中国政府网", 10, 7)  # noqa: E731  (English locale)
    url = lambda n: _line(n, f"https://www.gov.cn/content_2.htm {n}/2", 830, 7)  # noqa: E731
    page1 = [stamp(1), _line(1, "首页 > 政策 > 国务院文件", 40), _line(1, "发文机关：国务院办公厅 成文日期：2024年08月12日", 60),
             _line(1, "某某通知", 120, 22, 300, 400), _line(1, "一、总体要求。到2026年基本建成体系。", 200), url(1)]
    page2 = [stamp(2), _line(2, "国务院办公厅", 100), _line(2, "2024年8月12日", 120), _line(2, "附件", 140),
             _line(2, "重点任务分工", 160), _line(2, "【我要纠错】责任编辑：王洋", 180, 8),
             _line(2, "主办单位：国务院办公厅 运行维护单位：中国政府网运行中心", 200, 8), url(2)]
    cleaned = clean_lines([page1, page2], [PAGE_HEIGHT] * 2)
    assert [l.text for l in cleaned.lines] == [
        "发文机关：国务院办公厅 成文日期：2024年08月12日", "某某通知", "一、总体要求。到2026年基本建成体系。",
        "国务院办公厅", "2024年8月12日", "附件", "重点任务分工"]
    assert any("1:57 PM" in d for d in cleaned.dated)


def test_numbered_headings_at_the_same_place_on_two_pages_are_no_running_header():
    pages = [[_line(n, "某某意见", 30), _line(n, f"附件{n}", 60), _line(n, f"附件{n}的内容。", 300)] for n in (1, 2)]
    cleaned = clean_lines(pages, [PAGE_HEIGHT] * 2)
    assert [l.text for l in cleaned.lines] == ["附件1", "附件1的内容。", "附件2", "附件2的内容。"]


def test_a_heading_listed_in_the_contents_at_the_same_place_is_no_running_header():
    pages = [[_line(1, "第五章 附则", 400), _line(1, "第一条 为了规范管理，制定本法。", 430)],
             [_line(2, "第五章 附则", 400), _line(2, "第二十二条 本法自2025年1月1日起施行。", 430)]]
    cleaned = clean_lines(pages, [PAGE_HEIGHT] * 2)
    assert [l.text for l in cleaned.lines].count("第五章 附则") == 2
