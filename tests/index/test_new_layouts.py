"""The readers on layouts they were not built on (tests/data/layouts, see its README): what gets indexed is what
the documents say, with their structure and metadata."""
from pathlib import Path

import pytest

from index.loaders import load_document

LAYOUTS = Path(__file__).parents[1] / "data" / "layouts"


@pytest.fixture(scope="module")
def notice():
    return load_document(LAYOUTS / "gov_notice_printout.pdf")


def test_a_printout_keeps_the_signature_and_attachment_after_its_last_sentence(notice):
    texts = [p.text for p in notice.paragraphs]
    assert ["国务院办公厅", "2024年8月12日"] in [texts[i:i + 2] for i in range(len(texts))]
    assert any(p.headings[-2:] == ["附件", "县域冷链物流重点任务分工"] for p in notice.paragraphs)
    assert not any("我要纠错" in t or "主办单位" in t for t in texts)


def test_a_ruled_table_s_wrapped_cells_are_read_whole_under_their_headers(notice):
    rows = [p for p in notice.paragraphs if p.kind == "table_row"]
    assert "3：重点任务修订冷藏车辆技术标准和温度监测要求，牵头单位工业和信息化部、交通运输部、市场监管总局，" \
           "完成时限2025年12月底前" in [p.text for p in rows]


def test_a_ruled_information_box_gives_a_field_per_cell_pair(notice):
    fields = [p.text for p in notice.paragraphs if p.kind == "table_row"][:7]
    assert fields[:3] == ["索引号：000014349/2024-00089", "主题分类：商贸、海关、旅游\\其他", "发文机关：国务院办公厅"]


def test_run_in_points_are_headings_and_their_paragraphs_keep_their_first_line(notice):
    [p] = [p for p in notice.paragraphs if "以产地为起点" in p.text]
    assert p.text.startswith("（一）指导思想。坚持以人民为中心")
    assert p.headings[-2:] == ["一、总体要求", "（一）指导思想"]


def test_a_printout_s_information_box_gives_its_metadata(notice):
    meta = notice.meta
    assert {k: meta[k] for k in ("issuer", "number", "issued", "published", "printed", "kind", "region")} == {
        "issuer": "国务院办公厅", "number": "国办发〔2024〕37号", "issued": "2024-08-12", "published": "2024-08-19",
        "printed": "2026-12-07", "kind": "规章与规范性文件", "region": "全国"}


def test_a_regulation_after_its_promulgation_notice_is_titled_and_kinded_by_it():
    doc = load_document(LAYOUTS / "regulation_with_promulgation.pdf")
    assert doc.meta["title"] == "青海省物业管理条例" and doc.meta["kind"] == "地方性法规"
    assert doc.meta["issuer"] == "青海省人民代表大会常务委员会" and doc.meta["issued"] == "2024-11-28"
    assert any(p.text == "（2024年11月28日青海省第十四届人民代表大会常务委员会第十一次会议通过）" for p in doc.paragraphs)


def test_a_table_s_unit_in_its_title_is_in_every_row():
    doc = load_document(LAYOUTS / "county_bulletin_table_units.docx")
    [row] = [p for p in doc.paragraphs if p.kind == "table_row" and p.text.startswith("粮食：")]
    assert "248700吨" in row.text


def test_a_word_list_that_restarts_is_numbered_from_its_start_and_its_points_head_their_items():
    doc = load_document(LAYOUTS / "work_report_list_restart.docx")
    labels = [p.label for p in doc.paragraphs if "二、2025年工作安排 › " in p.label]
    assert any(label.endswith("（一）全力扩大有效需求 › 第1段") for label in labels)
    assert not any("（五）" in label for label in labels)
    assert any(label.endswith("（二）加快建设现代化产业体系 › 1.") for label in labels)


def test_a_page_in_two_columns_is_read_column_by_column():
    doc = load_document(LAYOUTS / "two_column_bulletin.pdf")
    texts = [p.text for p in doc.paragraphs]
    assert any(t.startswith("初步核算，全年全省地区生产总值48615.3亿元，按不变价格计算，比上年增长5.4%。") for t in texts)
    assert any(p.label.endswith("一、综合 › 第1段（第1页）") for p in doc.paragraphs)


def test_a_ruled_table_keeps_its_unit_columns_and_long_labels():
    doc = load_document(LAYOUTS / "two_column_bulletin.pdf")
    rows = {p.row: p.text for p in doc.paragraphs if p.kind == "table_row"}
    assert rows["第三产业 › 交通运输、仓储和邮政业"] == "第三产业 › 交通运输、仓储和邮政业：绝对数1986.4亿元，比上年增长6.9%"


def test_a_table_of_contents_under_the_title_is_no_heading_of_the_text():
    doc = load_document(LAYOUTS / "regulation_heading_styles_contents.docx")
    labels = [p.label for p in doc.paragraphs]
    assert "青澜市电动自行车安全管理条例 › 第一章 总则 › 第一条" in labels
    assert not any("第六章 附则 › 第一章" in label for label in labels) and doc.dropped["toc"] >= 6


def test_a_side_column_beside_a_portal_page_is_left_out_and_the_title_is_whole():
    doc = load_document(LAYOUTS / "portal_notice_side_column.pdf")
    assert doc.meta["title"] == "福州市人民政府办公厅关于印发《福州市老旧小区加装电梯财政补助实施细则》的通知"
    assert doc.meta["number"] == "榕政办规〔2024〕9号"
    texts = [p.text for p in doc.paragraphs]
    assert "各县（市）区人民政府，高新区管委会，市直各委、办、局（公司）：" in texts
    assert not any("相关文件" in t or "政策问答" in t or "分享到" in t for t in texts)


@pytest.fixture(scope="module")
def energy_report():
    return load_document(LAYOUTS / "energy_report_tracked_changes_notes_textbox.docx")


def test_tracked_changes_are_read_accepted(energy_report):
    text = "\n".join(p.text for p in energy_report.paragraphs)
    assert "比上年下降3.6%" in text and "3.2%" not in text  # w:ins kept, w:del left out
    assert "五是开展公共机构节能示范创建" in text  # a paragraph inserted as a tracked change


def test_footnotes_follow_the_paragraph_that_cites_them(energy_report):
    texts = [p.text for p in energy_report.paragraphs]
    [i] = [i for i, t in enumerate(texts) if t.startswith("注1：单位地区生产总值能耗按2020年可比价计算")]
    assert "比上年下降3.6%" in texts[i - 1]
    assert energy_report.paragraphs[i].locator == "注1"  # labelled as the note it is


def test_a_text_box_is_read_once_as_a_box(energy_report):
    boxed = [p for p in energy_report.paragraphs if p.heading("box").startswith("专栏1")]
    assert any("淘汰改造燃煤锅炉45台" in p.text for p in boxed)
    assert sum("淘汰改造燃煤锅炉45台" in p.text for p in energy_report.paragraphs) == 1


def test_the_signature_that_opens_the_title_is_kept(energy_report):
    assert energy_report.meta["issuer"] == "临川市发展和改革委员会"


def test_articles_numbered_by_word_are_articles_with_their_clauses():
    doc = load_document(LAYOUTS / "city_order_auto_numbered_articles.docx")
    assert doc.meta["title"] == "临川市生活垃圾分类管理办法"  # not the order's masthead 临川市人民政府令
    labels = [p.label for p in doc.paragraphs]
    assert "临川市生活垃圾分类管理办法 › 第一章 总则 › 第三条 › 第2款" in labels
    assert "临川市生活垃圾分类管理办法 › 第一章 总则 › 第三条 › （一）" in labels


def test_a_red_header_notice_is_titled_by_its_title_and_its_points_head_their_items():
    doc = load_document(LAYOUTS / "red_header_notice.docx")
    assert doc.meta["title"] == "临川市人民政府办公室关于加快推进中小企业数字化转型的实施意见"
    [item] = [p for p in doc.paragraphs if p.text.startswith("1.聚焦重点行业")]
    assert item.headings[-2:] == ["（二）推进细分行业转型", "1.聚焦重点行业"]
    assert any(p.text == "附件：1.临川市中小企业数字化转型专项资金管理实施细则 2.临川市中小企业数字化转型项目申报表"
               for p in doc.paragraphs)


def test_a_wrapped_law_whose_paragraphs_open_indented_keeps_its_articles_apart():
    doc = load_document(LAYOUTS / "law_wrapped_indented.txt")
    assert doc.meta["title"] == "中华人民共和国外商投资法"
    assert {k: doc.meta[k] for k in ("issuer", "issued", "kind")} == {
        "issuer": "全国人民代表大会", "issued": "2019-03-15", "kind": "法律"}
    by_label = {p.label: p.text for p in doc.paragraphs}
    assert by_label["中华人民共和国外商投资法 › 第三章 投资保护 › 第一节 一般规定 › 第二十一条"].startswith("第二十一条")
    assert "第二十一条" not in by_label["中华人民共和国外商投资法 › 第三章 投资保护 › 第一节 一般规定 › 第二十条 › 第2款"]
    assert "中华人民共和国外商投资法 › 第一章 总则 › 第八条 › 第2款" not in by_label  # a wrapped line, no 款


@pytest.fixture(scope="module")
def long_table_bulletin():
    return load_document(LAYOUTS / "bulletin_long_table_repeated_header.pdf")


def test_the_header_a_table_repeats_on_its_next_pages_is_no_row(long_table_bulletin):
    rows = [p for p in long_table_bulletin.paragraphs if p.kind == "table_row" and p.heading("table").startswith("表2")]
    assert len(rows) > 40 and not any("产品名称" in p.text for p in rows)
    assert any(p.text.startswith("新能源汽车：产量21560辆") and p.pages == (4,) for p in rows)


def test_a_section_heading_right_under_a_table_heads_what_follows(long_table_bulletin):
    [p] = [p for p in long_table_bulletin.paragraphs if p.text.startswith("全年全部工业增加值1612.8亿元")]
    assert p.heading("section") == "三、工业和建筑业"
    assert not any(p.kind == "table_row" and p.row == "三、工业和建筑业" for p in long_table_bulletin.paragraphs)


@pytest.fixture(scope="module")
def policy_qa():
    return load_document(LAYOUTS / "policy_qa_printout.pdf")


def test_a_printout_set_in_one_size_is_titled_by_the_page_title_its_stamp_prints(policy_qa):
    assert policy_qa.meta["title"] == "《湖南省进一步优化营商环境降低经营主体制度性交易成本若干措施》政策问答"
    assert not any("长者模式" in p.text for p in policy_qa.paragraphs)  # the site's banner above the title


def test_a_question_heads_its_answer(policy_qa):
    [p] = [p for p in policy_qa.paragraphs if p.text.startswith("答：《若干措施》明确，政府采购工程项目预付款比例")]
    assert p.headings[-1] == "问：政府采购和招标投标方面有哪些措施？"
    assert not any(p.text.startswith("问：") for p in policy_qa.paragraphs)


@pytest.fixture(scope="module")
def gazette():
    return load_document(LAYOUTS / "gazette_issue_three_documents.pdf")


def test_each_document_of_a_gazette_issue_heads_its_own_paragraphs(gazette):
    [article] = [p for p in gazette.paragraphs if p.text.startswith("第十二条")]
    assert article.label.startswith("湖南省农村供水工程运行管理办法 › 第")
    [point] = [p for p in gazette.paragraphs if p.text.startswith("六、压实工作责任。")]
    assert point.headings == ["湖南省人民政府办公厅关于进一步做好2024年春季农业生产工作的通知", "六、压实工作责任"]
    assert not any("附则" in p.label for p in gazette.paragraphs if "任命" in p.text)


def test_a_web_page_copied_as_text_has_its_aligned_tables_as_rows_and_no_breadcrumb():
    doc = load_document(LAYOUTS / "bulletin_copied_web_text_aligned_tables.txt")
    assert doc.meta["title"] == "2023年绵阳市国民经济和社会发展统计公报"
    [row] = [p for p in doc.paragraphs if p.kind == "table_row" and p.row == "水泥"]
    assert row.text == "水泥：产量823.5万吨，比上年增长-6.7%" and row.heading("table").startswith("表3")
    assert not any("首页" in p.text for p in doc.paragraphs)


def test_markdown_lists_are_items_and_its_marks_are_not_text():
    doc = load_document(LAYOUTS / "plan_markdown_lists_emphasis.md")
    assert doc.meta["issuer"] == "深圳市南山区教育局" and doc.meta["number"] == "深南教〔2024〕15号"
    texts = [p.text for p in doc.paragraphs]
    assert "居住类 › 在学区内租房居住（有租赁备案）：基础分 75分" in texts
    assert not any("**" in t or t.startswith("> ") or "](" in t for t in texts)
    [p] = [p for p in doc.paragraphs if p.text.startswith("（一）加强组织领导。")]
    assert p.headings[-1] == "（一）加强组织领导"


def test_a_task_table_s_group_rows_head_their_tasks_under_the_table_s_name():
    doc = load_document(LAYOUTS / "notice_task_table_group_rows.docx")
    rows = [p for p in doc.paragraphs if p.kind == "table_row"]
    [task] = [p for p in rows if "跨省通办" in p.text]
    assert task.heading("table") == "嘉兴市2024年优化营商环境重点任务分工表"
    assert task.row == "一、提升政务服务效能 › 2" and "牵头单位市政务服务管理办公室" in task.text
    assert not any(p.text.count("一、提升政务服务效能") > 1 for p in rows)


def test_a_table_nested_in_a_cell_is_read_and_an_annex_holds_its_own_articles():
    doc = load_document(LAYOUTS / "measures_nested_tables_contract_annex.docx")
    assert any("企业纳税信用等级，国家税务总局成都市税务局" in p.text for p in doc.paragraphs if p.kind == "table_row")
    [contract] = [p for p in doc.paragraphs if p.text.startswith("第七条 乙方违反本协议")]
    assert contract.headings[1] == "附件2"
    assert not any("………" in p.text or "………" in p.label for p in doc.paragraphs)


def test_a_header_over_three_lines_names_each_column(long_table_bulletin):
    [row] = [p for p in long_table_bulletin.paragraphs if p.kind == "table_row" and p.row == "种植业 粮食"]
    assert row.text == "种植业 粮食：产量2022年343.6万吨，产量2023年347.2万吨，比上年增长1.0%"


def test_a_budget_table_without_a_table_number_is_read_as_rows():
    doc = load_document(LAYOUTS / "budget_tables_without_numbers.pdf")
    [row] = [p for p in doc.paragraphs if p.kind == "table_row" and p.row == "2050204" and p.pages == (9,)]
    assert row.heading("table").startswith("部门") and "高中教育" in row.text
    assert "合计41,268.85万元" in row.text and "人员经费23,518.06万元" in row.text
    [year] = [p for p in doc.paragraphs if p.kind == "table_row" and p.row.endswith("2023年预算数")]
    assert "公务接待费8.25" in year.text  # two rows of figures under their header make a table too


def test_a_seal_over_the_signature_leaves_the_date_readable():
    doc = load_document(LAYOUTS / "penalty_decision_with_seal.pdf")
    assert doc.meta["issued"] == "2024-03-18" and doc.meta["number"] == "清市监处罚〔2024〕15号"
    assert not any("专用章" in p.text or "★" in p.text for p in doc.paragraphs)


@pytest.fixture(scope="module")
def transcript():
    return load_document(LAYOUTS / "press_conference_transcript_printout.pdf")


def test_a_reporter_s_question_heads_the_answer_and_the_speaker_what_he_says(transcript):
    [p] = [p for p in transcript.paragraphs if p.text.startswith("在办理方式上")]
    assert p.path[-2].level == "question" and p.path[-2].text.startswith("湖北日报记者：")
    assert p.path[-1].level == "speaker" and p.path[-1].text.endswith("张明华")


def test_an_answer_opened_by_its_speaker_s_name_is_headed_by_him(transcript):
    [p] = [p for p in transcript.paragraphs if p.text.startswith("李卫东：")]
    assert p.path[-2].text.startswith("中国日报记者：") and p.path[-1].text == "李卫东"


def test_minutes_are_titled_by_their_title_not_their_masthead_over_two_lines():
    doc = load_document(LAYOUTS / "meeting_minutes_masthead.docx")
    assert doc.meta["title"] == "关于加快推进2025年老旧小区综合改造提升工作的会议纪要"


def test_a_pdf_table_drawn_with_borders_reads_wrapped_cells_whole_and_a_merged_category_for_each_row():
    doc = load_document(LAYOUTS / "traffic_notice_ruled_table.pdf")
    rows = [p for p in doc.paragraphs if p.kind == "table_row"]
    assert [p.row for p in rows] == ["商圈周边 中山路（解放路口至人民广场东侧出入口之间的全部路段）", "商圈周边 步行街北口至东门菜市场路段",
                                     "景区周边 青龙山景区入口道路（青龙山隧道北口至景区停车场）", "景区周边 湖滨大道", "其他 火车站广场落客区"]
    assert rows[2].text.endswith("管制措施小型客车单向通行，由北向南行驶；大型客车凭预约通行证通行，绕行线路返程车辆经环山南路驶离")
    assert rows[0].heading("table") == "临时交通管制路段一览表" and rows[0].pages == (1,)
    assert doc.paragraphs[-1].text == "2025年1月20日"


def test_under_a_masthead_over_two_lines_the_lines_naming_a_document_are_the_title_and_an_annex_keeps_its_own():
    doc = load_document(LAYOUTS / "red_header_two_line_masthead_annex_plan.pdf")
    assert doc.meta["title"] == "安徽省人民政府办公厅关于印发安徽省加快推进社区居家养老服务高质量发展实施方案的通知"
    [goal] = [p for p in doc.paragraphs if p.text.startswith("到2025年底，全省街道综合养老服务中心覆盖率")]
    assert goal.headings[-3:] == ["附件", "安徽省加快推进社区居家养老服务高质量发展实施方案", "二、主要目标"]


def test_a_portal_article_s_comments_and_links_after_the_signature_are_not_content():
    doc = load_document(LAYOUTS / "portal_article_comments_printout.pdf")
    texts = [p.text for p in doc.paragraphs]
    assert texts[-2:] == ["佛山市公安局", "2024年6月28日"]
    assert not any("阅读：" in t or "上一篇" in t or "网友评论" in t for t in texts)
    assert doc.meta["title"] == "2024佛山市公安局关于进一步优化户籍迁移政策的实施意见（全文）"


def test_a_government_rule_s_note_gives_its_order_number_issuer_and_date():
    meta = load_document(LAYOUTS / "city_rules_order_note.pdf").meta
    assert {k: meta[k] for k in ("issuer", "number", "issued", "effective")} == {
        "issuer": "镇江市人民政府", "number": "镇江市人民政府令第172号", "issued": "2024-05-10", "effective": "2024-07-01"}


def test_a_portal_s_ruled_information_table_gives_fields_and_its_stamped_title_wins_over_the_site_name():
    doc = load_document(LAYOUTS / "city_regulation_portal_info_table.pdf")
    assert doc.meta["title"] == "宜昌市长江岸线保护条例" and doc.meta["kind"] == "地方性法规"
    assert doc.meta["number"] == "宜昌市人民代表大会常务委员会公告第12号"
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["索引号：011043145/2024-15632", "主题分类：城乡建设、环境保护 / 水利"]
    assert texts[-1] == "第二十五条 本条例自2025年3月1日起施行。"


def test_a_standard_s_cover_line_is_no_title_and_its_typed_contents_list_is_not_content():
    doc = load_document(LAYOUTS / "standard_draft_typed_contents.docx")
    assert doc.meta["title"] == "电动自行车集中充电场所安全技术要求" and doc.meta["kind"] == "标准"
    assert doc.dropped["toc"] >= 10
    [scope] = [p for p in doc.paragraphs if p.text.startswith("本文件规定了")]
    assert scope.headings == ["电动自行车集中充电场所安全技术要求", "1 范围"]


def test_text_copied_from_a_pdf_cut_by_character_count_keeps_its_sections_and_single_spaced_tables():
    doc = load_document(LAYOUTS / "bulletin_copied_from_pdf_single_space_tables.txt")
    assert doc.meta["title"] == "十堰市2024年国民经济和社会发展统计公报"
    [tea] = [p for p in doc.paragraphs if p.kind == "table_row" and p.row == "茶叶"]
    assert tea.text == "茶叶：产量21846吨，比上年增长8.7%" and tea.headings[-2:] == ["二、农业", "表1 2024年主要农产品产量及其增长速度"]
    assert any(p.headings[-1:] == ["八、生态环境"] for p in doc.paragraphs)


def test_a_bulletin_s_bracketed_release_date_is_its_date_and_notes_after_a_table_are_not_a_row():
    doc = load_document(LAYOUTS / "bulletin_release_date_notes_after_table.pdf")
    assert doc.meta["issued"] == "2025-04-08"
    assert not any(p.kind == "table_row" and p.row == "注释" for p in doc.paragraphs)
    [note] = [p for p in doc.paragraphs if p.text.startswith("1. 本公报中数据均为初步统计数")]
    assert note.headings[-1] == "注释"


def test_a_standard_s_tables_keep_their_captions_and_units_and_its_appendix_clauses_and_references_are_headings():
    doc = load_document(LAYOUTS / "standard_draft_typed_contents.docx")
    [row] = [p for p in doc.paragraphs if p.kind == "table_row" and p.row == "高层民用建筑"]
    assert row.heading("table") == "表1 集中充电场所与建筑物的防火间距（单位为米）" and "三级耐火等级11米" in row.text
    [check] = [p for p in doc.paragraphs if p.kind == "table_row" and "漏电保护动作电流" in p.text]
    assert check.headings[-2:] == ["A.1 检查项目和周期", "表A.1 检查项目、方法和周期"]
    [ref] = [p for p in doc.paragraphs if p.text.startswith("[1] GB 55037")]
    assert ref.headings[-1] == "参考文献"


def test_a_signature_closes_the_last_point_it_follows():
    doc = load_document(LAYOUTS / "red_header_notice.docx")
    [signer] = [p for p in doc.paragraphs if p.text == "临川市人民政府办公室"]
    assert signer.headings == [doc.meta["title"]]


def test_a_guide_s_form_gives_its_fields_and_a_cell_s_numbered_items_keep_their_numbers():
    doc = load_document(LAYOUTS / "application_guide_form_numbered_cells.docx")
    rows = {p.row: p.text for p in doc.paragraphs if p.kind == "table_row"}
    assert rows["咨询电话"] == "咨询电话：12329" and rows["实施主体"] == "实施主体：临川市住房公积金管理中心"
    assert "申请材料1.申请人有效身份证件原件；2.不动产权证书（登记日期在2年内）；3.契税完税凭证" in rows["购买二手住房"]


def test_a_table_ruled_between_its_rows_only_is_read_by_its_text_columns():
    doc = load_document(LAYOUTS / "work_report_row_ruled_table_boxes.pdf")
    rows = {p.row: p.text for p in doc.paragraphs if p.kind == "table_row"}
    assert rows["城镇新增就业"] == "城镇新增就业：目标6.5万人以上" and rows["地区生产总值增长"] == "地区生产总值增长：目标5.5%左右"
    assert len(rows) == 8


def test_a_comparison_table_of_articles_names_every_column_and_takes_no_article_for_a_label():
    doc = load_document(LAYOUTS / "draft_explanation_comparison_table.docx")
    rows = [p for p in doc.paragraphs if p.kind == "table_row"]
    moved = next(p for p in rows if "业主委员会由5至11名委员组成" in p.text)
    assert moved.row == "第二章 业主及业主大会"
    assert moved.text.startswith("第二章 业主及业主大会：原条文：第十五条")
    assert "修改后条文：第十六条 业主委员会由5至9人单数组成" in moved.text
    new = next(p for p in rows if "第四条 街道办事处" in p.text)
    assert "原条文" not in new.text and "修改后条文：第四条" in new.text and "修改理由：新增" in new.text


def test_a_sentence_that_gives_a_web_address_is_no_browser_stamp():
    doc = load_document(LAYOUTS / "info_disclosure_annual_report.pdf")
    text = "".join(p.text for p in doc.paragraphs)
    assert "门户网站（www.tongxi.gov.cn）“政府信息公开年报”栏目查阅。如对本报告有疑问" in text


def test_a_short_point_head_alone_over_its_text_is_a_heading():
    doc = load_document(LAYOUTS / "info_disclosure_annual_report.pdf")
    under = next(p for p in doc.paragraphs if p.text.startswith("全年新收政府信息公开申请"))
    assert under.headings[-1] == "（二）依申请公开"
    assert not any(p.text == "（二）依申请公开。" for p in doc.paragraphs)


@pytest.fixture(scope="module")
def procurement():
    return load_document(LAYOUTS / "procurement_notice_printout.pdf")


def test_a_printout_s_buttons_are_no_content_and_a_named_address_is(procurement):
    texts = [p.text for p in procurement.paragraphs]
    assert "【打印】【关闭】" not in texts
    assert "地点：云川市公共资源交易网（https://ggzy.yunchuan.gov.cn）" in texts


def test_the_next_section_written_as_a_sentence_is_a_heading(procurement):
    agency = next(p for p in procurement.paragraphs if p.text.startswith("名称：桐溪县教育局"))
    assert agency.headings[1] == "七、对本次招标提出询问，请按以下方式联系"


def test_a_group_of_rows_under_a_row_across_the_table_takes_its_own_column_names():
    doc = load_document(LAYOUTS / "info_disclosure_annual_report.pdf")
    rows = {p.row: p.text for p in doc.paragraphs if p.kind == "table_row"}
    assert rows["第二十条第（一）项 › 行政规范性文件"].endswith("：本年制发件数12，本年废止件数5，现行有效件数86")
    assert rows["第二十条第（五）项 › 行政许可"].endswith("：本年处理决定数量2846")


def test_a_law_copied_from_a_legal_database_keeps_its_articles_and_reads_its_labelled_fields():
    doc = load_document(LAYOUTS / "law_copied_from_legal_database.txt")
    assert {k: doc.meta[k] for k in ("number", "effective", "kind")} == {
        "number": "温州市人民代表大会常务委员会公告第18号", "effective": "2024-05-01", "kind": "地方性法规"}
    article = next(p for p in doc.paragraphs if p.text.startswith("第五条 "))
    assert article.headings[-2:] == ["第二章 销售与登记", "第五条"] and article.text.endswith("方可上道路行驶。")


def test_a_printout_titled_by_its_stamp_keeps_the_table_before_a_larger_guess_and_reads_year_columns():
    doc = load_document(LAYOUTS / "yearbook_table_printout.pdf")
    assert doc.meta["title"] == "2-1主要经济指标（2019—2023年）"
    assert (doc.meta["issuer"], doc.meta["region"]) == ("温州市统计局", "温州市")  # the site of its print stamp
    rows = {p.row: p.text for p in doc.paragraphs if p.kind == "table_row"}
    assert rows["地区生产总值"] == ("地区生产总值：2019年4206.87亿元，2020年4323.16亿元，2021年4857.32亿元，"
                                "2022年5012.68亿元，2023年5386.41亿元")
    assert "增速7.0%" in rows["乐清市"]  # a header wrapped under a narrower name reads 增速（%）, not （%）增速


def test_a_body_s_name_set_largest_over_a_letter_is_no_title():
    doc = load_document(LAYOUTS / "meeting_notice_office_name_over_title.docx")
    assert doc.meta["title"] == "关于召开全省服务业高质量发展工作推进会的通知"
    assert doc.meta["issuer"] == "浙江省发展和改革委员会办公室"


def test_a_plan_s_title_over_two_lines_under_its_covering_notice_is_whole():
    doc = load_document(LAYOUTS / "plan_title_two_lines_task_table.pdf")
    goal = next(p for p in doc.paragraphs if p.text.startswith("到2026年，全省数字经济核心产业"))
    assert goal.headings[0] == "江西省推进数字经济高质量发展实施方案（2024—2026年）"
    assert not any(p.text == "江西省推进数字经济高质量发展" for p in doc.paragraphs)


def test_a_law_s_notes_from_a_legal_database_stand_under_the_article_that_cites_them():
    doc = load_document(LAYOUTS / "law_copied_from_legal_database.txt")
    note = next(p for p in doc.paragraphs if p.text.startswith("注2："))
    assert note.headings[-2:] == ["第三章 通行管理", "第八条"] and note.label.endswith("第八条 › 注2")
    assert "佩戴安全头盔。" in [p.text[-7:] for p in doc.paragraphs if p.text.startswith("第八条")]


def test_a_title_under_a_one_line_masthead_set_hardly_larger_than_the_text_is_found():
    doc = load_document(LAYOUTS / "red_header_notice_masthead_line_title_three_lines.pdf")
    assert doc.meta["title"] == "江南省人民政府办公厅关于进一步做好2024年春季农业生产工作的通知"
    colophon = next(p for p in doc.paragraphs if p.text.startswith("抄送："))
    assert colophon.headings == [doc.meta["title"]]  # the document's own line, not the attachment's


@pytest.fixture(scope="module")
def work_report():
    return load_document(LAYOUTS / "work_report_cover_contents_page_footnotes.pdf")


def test_a_wrapped_line_opening_with_a_figure_is_no_clause_heading(work_report):
    renewal = next(p for p in work_report.paragraphs if p.text.startswith("1.城市更新有序推进"))
    assert "1.36万户" in renewal.text and "停车泊位5200个" in renewal.text
    assert not any("1.36万户" in h for p in work_report.paragraphs for h in p.headings)


def test_page_foot_notes_follow_the_point_whose_mark_cites_them_and_rejoin_what_they_cut(work_report):
    notes = {p.locator: p.headings[-1] for p in work_report.paragraphs if p.kind == "note"}
    assert notes["注②"] == "3.营商环境持续优化" and notes["注⑤"] == "1.做强先进制造业"
    fund = next(p for p in work_report.paragraphs if "区产业引导" in p.text)
    assert "区产业引导基金，年内新招引" in fund.text and len(fund.pages) == 2  # across the page break
    assert (work_report.meta["issuer"], work_report.meta["issued"]) == ("青林区人民政府", "2024-01-09")
    assert "I" not in [p.text for p in work_report.paragraphs]  # the contents page's roman page number


def test_a_serial_number_column_leaves_the_row_label_to_the_name_beside_it(work_report):
    rows = {p.row: p.text for p in work_report.paragraphs if p.kind == "table_row"}
    assert rows["4 社区养老"].startswith("4 社区养老：主要内容新建社区嵌入式养老服务中心12个")
