from index.documents import assign_structure
from index.layout import Line, Segment
from index.pdf_blocks import pdf_blocks

LEFT, RIGHT, SIZE = 80.0, 520.0, 16.0


def _line(text: str, top: float, page: int = 1, x0: float = LEFT, x1: float = RIGHT, size: float = SIZE) -> Line:
    return Line(page, text, x0, top, x1, top + size, size, (Segment(text, x0, x1),))


def _labels(lines, title="某法"):
    blocks, _ = pdf_blocks(lines, title)
    return [(p.label, p.text) for p in assign_structure(blocks, "d")]


def test_wrapped_lines_join_and_a_short_line_ends_the_paragraph():
    lines = [_line("第一条 为了维护道路交通秩序，预防和减少交通事故，保", 100, x0=112),
             _line("护人身安全，制定本法。", 130, x1=300),
             _line("第二条 中华人民共和国境内的车辆驾驶人、行人、乘车人", 160, x0=112),
             _line("都应当遵守本法。", 190, x1=260),
             _line("第三条 道路交通安全工作，应当遵循依法管理的原则。", 220, x0=112, x1=500)]
    assert _labels(lines) == [
        ("某法 › 第一条（第1页）", "第一条 为了维护道路交通秩序，预防和减少交通事故，保护人身安全，制定本法。"),
        ("某法 › 第二条（第1页）", "第二条 中华人民共和国境内的车辆驾驶人、行人、乘车人都应当遵守本法。"),
        ("某法 › 第三条（第1页）", "第三条 道路交通安全工作，应当遵循依法管理的原则。")]


def test_a_paragraph_runs_across_a_page_break_with_boxes_on_both_pages():
    lines = [_line("第一条 甲。", 80, x0=112, x1=200), _line("第二条 乙。", 100, x0=112, x1=200),
             _line("第三条 机动车之间发生交通事故的，由有过错的一方承担赔", 780, x0=112),
             _line("偿责任。", 60, page=2, x1=150)]
    blocks, _ = pdf_blocks(lines, "某法")
    p = assign_structure(blocks, "d")[-1]
    assert p.text == "第三条 机动车之间发生交通事故的，由有过错的一方承担赔偿责任。"
    assert p.pages == (1, 2) and p.label == "某法 › 第三条（第1–2页）"


def test_chapters_articles_clauses_and_items_of_a_statute():
    lines = [_line("第一章 总则", 60, x0=240, x1=360),
             _line("第一条 甲。", 90, x0=112, x1=200), _line("第二条 乙。", 120, x0=112, x1=200),
             _line("第五章 法律责任", 150, x0=240, x1=380),
             _line("第九十一条 有下列行为之一的，处二百元以上二千元以下罚款：", 180, x0=112, x1=510),
             _line("（一）饮酒后驾驶机动车的；", 210, x0=112, x1=330),
             _line("（二）无证驾驶的。", 240, x0=112, x1=280),
             _line("情节严重的，吊销机动车驾驶证。", 270, x0=112, x1=360)]
    labels = [label for label, _ in _labels(lines)]
    assert labels == ["某法 › 第一章 总则 › 第一条（第1页）", "某法 › 第一章 总则 › 第二条（第1页）",
                      "某法 › 第五章 法律责任 › 第九十一条（第1页）", "某法 › 第五章 法律责任 › 第九十一条 › （一）（第1页）",
                      "某法 › 第五章 法律责任 › 第九十一条 › （二）（第1页）", "某法 › 第五章 法律责任 › 第九十一条 › 第2款（第1页）"]


def test_the_table_of_contents_is_not_content():
    lines = [_line("目 录", 60, x0=270, x1=330), _line("第一章 总则", 90, x1=200), _line("第二章 车辆", 120, x1=200),
             _line("第一章 总则", 160, x0=240, x1=360), _line("第一条 甲。", 190, x0=112, x1=200),
             _line("第二条 乙。", 220, x0=112, x1=200), _line("第三条 丙。", 250, x0=112, x1=200)]
    blocks, skipped = pdf_blocks(lines, "某法")
    assert skipped["toc"] == 3 and [b.text for b in blocks if b.level == "chapter"] == ["第一章 总则"]


def test_a_table_after_its_title_becomes_rows():
    def row(top, *cells):
        segs = tuple(Segment(t, x0, x1) for t, x0, x1 in cells)
        return Line(1, " ".join(s.text for s in segs), segs[0].x0, top, segs[-1].x1, top + 8, 9.0, segs)

    lines = [_line("一、综合", 40, x0=260, x1=330),
             _line("表1 2023年末常住人口", 60, x0=180, x1=400),
             row(80, ("指标", 150, 180), ("年末数（万人）", 260, 330), ("比重（%）", 380, 440)),
             row(95, ("其中：城镇", 110, 160), ("392.66", 280, 310), ("45.31", 400, 425)),
             _line("全年全市实现新增城镇就业7.52万人，失业人员实现再就业1.71万人，就业困难人员实现就业", 130, x0=112)]
    labels = _labels(lines, "统计公报")
    assert labels[0] == ("统计公报 › 一、综合 › 表1 2023年末常住人口 › 其中：城镇（第1页）",
                         "其中：城镇：年末数392.66万人，比重45.31%")
    assert labels[1][0] == "统计公报 › 一、综合 › 第1段（第1页）"


def test_a_numbered_line_running_to_the_edge_opens_a_paragraph_under_its_run_in_head():
    lines = [_line("一、总体要求", 60, x1=200),
             _line("（一）指导思想。坚持以人民为中心的发展思想，以县域为重点、以产地为起", 100, x0=112),
             _line("点，加快构建冷链物流网络。", 130, x1=320),
             _line("（二）主要目标。到2026年基本建成体系。", 160, x0=112, x1=420)]
    assert _labels(lines, "某通知") == [
        ("某通知 › 一、总体要求 › （一）指导思想 › 第1段（第1页）",
         "（一）指导思想。坚持以人民为中心的发展思想，以县域为重点、以产地为起点，加快构建冷链物流网络。"),
        ("某通知 › 一、总体要求 › （二）主要目标 › 第1段（第1页）", "（二）主要目标。到2026年基本建成体系。")]


def test_a_note_in_brackets_set_as_two_centred_lines_is_one_paragraph():
    lines = [_line("（2024年11月28日青海省第十四届人民代表大会常务委员会", 100, x0=140, x1=460),
             _line("第十一次会议通过）", 130, x0=240, x1=360),
             _line("第一条 为了规范物业管理活动，制定本条例。", 160, x0=112, x1=500)]
    blocks, _ = pdf_blocks(lines, "某条例")
    assert blocks[1].text == "（2024年11月28日青海省第十四届人民代表大会常务委员会第十一次会议通过）"


def test_a_line_that_stopped_short_of_a_long_figure_runs_on_into_it():
    lines = [_line("年末全市金融机构本外币各项存款余额3264.18亿元，比年初增长6.5%；各项贷款余额", 100, x0=112, x1=470),
             _line("3087.92亿元，比年初增长8.3%。", 130, x1=300),
             _line("邮政业务总量18.74亿元，增长", 160, x0=112, x1=480),
             _line("14.2%；快递业务量1.35亿件。", 190, x1=300)]
    blocks, _ = pdf_blocks(lines, "某公报")
    assert [b.text for b in blocks[1:]] == [
        "年末全市金融机构本外币各项存款余额3264.18亿元，比年初增长6.5%；各项贷款余额3087.92亿元，比年初增长8.3%。",
        "邮政业务总量18.74亿元，增长14.2%；快递业务量1.35亿件。"]


def test_a_continued_table_s_rows_belong_to_the_table():
    lines = [_line("表2 2024年规模以上工业主要产品产量", 100, x0=200, x1=420),
             Line(1, "产品 产量 比上年增长（%）", LEFT, 130, RIGHT, 130 + SIZE, SIZE,
                  (Segment("产品", LEFT, 120), Segment("产量", 300, 340), Segment("比上年增长（%）", 420, RIGHT))),
             Line(1, "人造板 512.36 3.4", LEFT, 160, RIGHT, 160 + SIZE, SIZE,
                  (Segment("人造板", LEFT, 130), Segment("512.36", 300, 340), Segment("3.4", 440, 460))),
             _line("续表2", 60, page=2, x0=260, x1=300),
             Line(2, "产品 产量 比上年增长（%）", LEFT, 90, RIGHT, 90 + SIZE, SIZE,
                  (Segment("产品", LEFT, 120), Segment("产量", 300, 340), Segment("比上年增长（%）", 420, RIGHT))),
             Line(2, "锂离子电池 4.63 21.8", LEFT, 120, RIGHT, 120 + SIZE, SIZE,
                  (Segment("锂离子电池", LEFT, 160), Segment("4.63", 300, 340), Segment("21.8", 440, 470)))]
    blocks, _ = pdf_blocks(lines, "某公报")
    assert {b.table for b in blocks if b.kind == "table_row"} == {"表2 2024年规模以上工业主要产品产量"}
