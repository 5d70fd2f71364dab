import json

import pytest

from index.loaders import load_document
from index.metadata import extract, merged, reporting_year, sidecar, sidecar_problem
from tests.conftest import REAL


@pytest.mark.parametrize("title, texts, dropped, expected", [
    ("中华人民共和国道路交通安全法",
     ["（2003年10月28日第十届全国人民代表大会常务委员会第五次会议通过 根据2021年4月29日第十三届全国人民代表大会常务委员会"
      "第二十八次会议《关于修改〈中华人民共和国道路交通安全法〉等八部法律的决定》第三次修正）", "第一条 为了……制定本法。",
      "第一百二十四条 本法自2004年5月1日起施行。"], [],
     {"kind": "法律", "issuer": "全国人民代表大会常务委员会", "issued": "2003-10-28", "effective": "2004-05-01",
      "amended": "2021-04-29", "region": "全国"}),
    ("南宁市电动自行车管理条例",
     ["（2019年12月31日南宁市第十四届人民代表大会常务委员会第二十四次会议通过）", "第四十八条 本条例自二〇二〇年九月一日起施行。"],
     ["信息来源：南宁市人大常委会办公室 发布时间：2023-10-08 08:53", "2026/2/9 22:47 南宁市电动自行车管理条例"],
     {"kind": "地方性法规", "issuer": "南宁市人民代表大会常务委员会", "effective": "2020-09-01", "published": "2023-10-08",
      "printed": "2026-02-09", "region": "南宁市"}),
    ("2023年周口市国民经济和社会发展统计公报", ["周口市统计局", "2024年4月29日", "2023年，……"], [],
     {"kind": "统计公报", "issuer": "周口市统计局", "issued": "2024-04-29", "region": "周口市", "number": ""}),
    ("关于印发某某办法的通知", ["沪府规〔2022〕21号", "各区人民政府：", "本办法自发布之日起施行。"], [],
     {"number": "沪府规〔2022〕21号", "kind": "规章与规范性文件"}),
    ("国务院办公厅关于印发县域冷链物流高质量发展行动方案的通知",  # a gov.cn document-information box, kept as text
     ["发文机关：国务院办公厅 成文日期：2024年08月12日", "发文字号：国办发〔2024〕37号发布日期：2024年08月19日",
      "新增和更新的冷藏车辆应当符合国家标准。"], ["12/7/26, 1:57 PM 国务院办公厅关于印发…的通知"],
     {"issuer": "国务院办公厅", "number": "国办发〔2024〕37号", "issued": "2024-08-12", "published": "2024-08-19",
      "printed": "2026-12-07", "kind": "规章与规范性文件", "region": "全国"}),
])
def test_what_a_document_says_it_is(title, texts, dropped, expected):
    meta = extract(title, texts, dropped)
    assert {k: meta[k] for k in expected} == expected


@pytest.mark.parametrize("title, region", [
    ("关于印发某某市促进数字经济发展若干措施的通知", "某某市"),  # the place follows 关于印发
    ("周口市人民政府关于加强安全生产工作的通知", "周口市"),  # the place stands before 关于
    ("关于加强全市安全生产工作的通知", ""),  # 全市 names no place
])
def test_the_region_is_the_place_a_notice_title_names(title, region):
    assert extract(title, ["各区人民政府：", "现将有关事项通知如下。"])["region"] == region


def test_a_signature_under_the_text_gives_the_issuer_and_the_issue_date():
    meta = extract("关于推进工业园区数字化绿色化协同转型的指导意见",
                   ["各省、自治区主管部门：", "现提出如下意见。", "工业和信息化部 国家发展改革委 生态环境部", "2024年9月18日",
                    "附件1", "评价要点", "一、评价内容。评价采用百分制。"])
    assert meta["issuer"] == "工业和信息化部 国家发展改革委 生态环境部" and meta["issued"] == "2024-09-18"


def test_a_print_stamp_is_never_the_issue_date():
    meta = extract("某条例", ["第一条 ……。"], ["2026/2/9 22:33 某条例_中国政府网"])
    assert meta["printed"] == "2026-02-09" and meta["issued"] == ""


@pytest.mark.parametrize("stamp, issuer", [
    ("12/7/26, 11:05 PM 2-1主要经济指标（2019—2023年）- 温州统计年鉴2024 - 温州市统计局", "温州市统计局"),
    ("2026/2/9 22:47 关于印发某某的通知_湖北省人民政府", "湖北省人民政府"),
    ("2026/2/9 22:47 某某办法 - 政策文件 - 青澜市人民政府门户网站", "青澜市人民政府"),
    ("2026/2/9 22:33 某条例_中国政府网", ""),  # a site that names no body
])
def test_the_site_of_a_print_stamp_is_the_issuer_when_the_text_names_none(stamp, issuer):
    assert extract("某表", ["指标：2023年5386.41亿元"], [stamp])["issuer"] == issuer


def test_a_printout_records_its_order_number_signing_date_and_date_in_force():
    meta = load_document(REAL / "residence_permit_printout.pdf").meta
    assert {k: meta[k] for k in ("number", "issuer", "issued", "effective", "published", "printed", "kind")} == {
        "number": "国务院令第663号", "issuer": "国务院", "issued": "2015-11-26", "effective": "2016-01-01",
        "published": "2015-12-12", "printed": "2026-02-09", "kind": "行政法规"}


def test_the_users_metadata_file_wins(tmp_path):
    doc = tmp_path / "notice.txt"
    doc.write_text("x", encoding="utf-8")
    sidecar(doc).write_text(json.dumps({"region": "上海市", "number": "沪府规〔2022〕21号"}, ensure_ascii=False),
                            encoding="utf-8")
    assert merged({"region": "", "number": "", "kind": "报告"}, doc) == {"region": "上海市",
                                                                       "number": "沪府规〔2022〕21号", "kind": "报告"}
    assert sidecar_problem(doc) == ""


def test_a_broken_metadata_file_is_reported_and_ignored(tmp_path):
    doc = tmp_path / "notice.txt"
    sidecar(doc).write_text('{"regoin": "上海市"}', encoding="utf-8")
    assert "unknown field(s) regoin" in sidecar_problem(doc) and merged({"region": ""}, doc) == {"region": ""}


def test_a_speech_is_dated_and_placed_by_the_meeting_it_was_delivered_at():
    meta = extract("政府工作报告", ["——2024年1月15日在清源市第十七届人民代表大会第四次会议上", "市长 周立新", "各位代表："])
    assert (meta["issued"], meta["region"]) == ("2024-01-15", "清源市")


def test_a_draft_for_comment_takes_effect_on_no_date():
    meta = extract("清源市生活垃圾分类管理条例（征求意见稿）", ["第一条 为了……", "第二十三条 本条例自2025年1月1日起施行。"])
    assert meta["effective"] == ""


def test_in_force_from_publication_means_from_the_date_it_was_published():
    meta = extract("某某区招生工作实施方案", ["发布日期：2024年4月10日", "本方案自发布之日起施行。"])
    assert meta["effective"] == "2024-04-10"


@pytest.mark.parametrize("line, issuer", [
    ("发布时间：2025-03-14 16:20来源：湖北省人民政府新闻办公室 字号：大中小", "湖北省人民政府新闻办公室"),
    ("来源：新华社 2025-03-14", ""),  # a news outlet is no issuing body
])
def test_a_web_page_s_source_is_its_issuer_when_nothing_else_names_one(line, issuer):
    assert extract("某某新闻发布会实录", [line, "各位媒体朋友，大家上午好！"])["issuer"] == issuer


def test_a_notice_to_the_public_is_a_normative_document():
    assert extract("成都市公安局关于2025成都马拉松比赛期间实施交通管制的通告", ["特此通告。"])["kind"] == "规章与规范性文件"


def test_a_bulletins_figures_are_of_its_titles_year():
    assert reporting_year("黔东南州2016年国民经济和社会发展统计公报") == "2016年"
    assert reporting_year("2025年政府工作报告") == ""  # looks back on 2024


def test_a_cited_document_s_number_is_not_the_document_s_own():
    head = ["为进一步规范物业管理活动，起草了本征求意见稿。",
            "现行《云川市住宅小区物业管理办法》（云川市人民政府令第38号，以下简称《办法》）自2016年起施行。"]
    assert extract("《云川市住宅小区物业管理办法（修订征求意见稿）》起草说明", head)["number"] == ""
    own = ["国务院办公厅关于印发《某某行动方案》的通知（国办发〔2024〕12号）"]
    assert extract("关于印发《某某行动方案》的通知", own)["number"] == "国办发〔2024〕12号"


def test_a_speech_s_deliverer_line_names_the_body_it_is_delivered_for():
    meta = extract("政府工作报告", ["——2024年1月9日在云溪区第三届人民代表大会第四次会议上", "云溪区人民政府区长　王海涛", "各位代表："])
    assert (meta["issuer"], meta["issued"], meta["region"]) == ("云溪区人民政府", "2024-01-09", "云溪区")


def test_the_place_of_the_site_a_page_was_printed_from_is_its_region_when_nothing_else_names_one():
    meta = extract("食品经营许可（新办）办事指南", ["一、事项名称"], ["12/8/26, 1:41 AM食品经营许可（新办）办事指南_滨江市政务服务网"])
    assert (meta["region"], meta["issuer"]) == ("滨江市", "")
