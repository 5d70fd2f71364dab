from index.layout import Line, Segment
from index.tables import Row, grid_rows, is_number, line_rows, row_blocks, row_text


def test_numbers_and_placeholders_are_cells():
    assert all(is_number(x) for x in ("902.61", "-3.2", "45.31%", "1,223", "—", "…"))
    assert not any(is_number(x) for x in ("粮食", "万吨", "2.92亿吨"))


def test_row_text_names_every_figure_by_its_column():
    row = Row("粮食", (("产量（万吨）", "902.61"), ("比上年增长（%）", "-3.2"), ("指数（以上年为100）", "99.9")))
    assert row_text(row) == "粮食：产量902.61万吨，比上年增长-3.2%，指数（以上年为100）99.9"


def test_a_unit_column_goes_into_the_figures_whose_header_has_none():
    row = Row("钢材", (("单位", "吨"), ("产量", "1577693"), ("比上年增长（%）", "48.8")))
    assert row_text(row) == "钢材：产量1577693吨，比上年增长48.8%"


def test_word_table_header_rows_and_merged_cells():
    grid = [["", "提供输入", "提供输入"], ["", "SF1", "SF2"], ["SF1", "", "×"], ["SF2", "×", ""]]
    rows = grid_rows(grid)
    assert [row_text(r) for r in rows] == ["SF1：提供输入SF2×", "SF2：提供输入SF1×"]


def _line(top: float, *cells: tuple[str, float, float]) -> Line:
    segs = tuple(Segment(t, x0, x1) for t, x0, x1 in cells)
    return Line(1, " ".join(s.text for s in segs), segs[0].x0, top, segs[-1].x1, top + 8, 7.3, segs)


def test_pdf_table_cells_go_under_the_header_they_stand_below():
    lines = [_line(10, ("产品名称", 135, 175), ("产量（万吨）", 250, 310), ("比上年增长（%）", 380, 460)),
             _line(20, ("粮食", 105, 125), ("902.61", 270, 300), ("-3.2", 420, 432)),
             _line(30, ("全市常住人口", 105, 160), ("866.60", 270, 300))]  # a row with one figure only
    rows = line_rows(lines, lambda line: None)
    assert [row_text(r) for r in rows] == ["粮食：产量902.61万吨，比上年增长-3.2%", "全市常住人口：产量866.60万吨"]


def test_pdf_table_label_stops_at_the_second_column():
    lines = [_line(10, ("产品名称", 135, 175), ("单位", 210, 230), ("产量", 270, 300)),
             _line(20, ("鲜、冷藏肉", 105, 150), ("吨", 215, 225), ("242158", 270, 300))]
    assert row_text(line_rows(lines, lambda line: None)[0]) == "鲜、冷藏肉：产量242158吨"


def test_an_indented_row_is_a_part_of_the_row_above_it():
    lines = [_line(10, ("指标", 135, 160), ("绝对数", 300, 330)),
             _line(20, ("货物运输总量", 116, 176), ("2.92", 300, 320)),
             _line(30, ("水运", 139, 159), ("0.35", 300, 320)),
             _line(40, ("货物运输周转量", 116, 186), ("962.97", 300, 330)),
             _line(50, ("水运", 139, 159), ("175.26", 300, 330))]
    rows = line_rows(lines, lambda line: None)
    assert [r.name for r in rows] == ["货物运输总量", "货物运输总量 › 水运", "货物运输周转量", "货物运输周转量 › 水运"]


def test_a_word_row_marked_qizhong_is_a_part_of_the_row_before():
    rows = grid_rows([["", "产量（吨）"], ["粮食", "1223474"], ["其中：夏粮", "206624"], ["油料", "1"]])
    assert [r.name for r in rows] == ["粮食", "粮食 › 其中：夏粮", "油料"]


def test_a_row_of_marks_lists_the_columns_marked_under_their_merged_header():
    grid = [["", "提供输入", "提供输入", "提供输入", "备注"], ["", "SF1", "SF2", "SF3", ""],
            ["SF1", "", "×", "×", "无"], ["SF2", "√", "", "√", ""]]
    assert [row_text(r) for r in grid_rows(grid)] == ["SF1：提供输入：SF2、SF3，备注无", "SF2：提供输入：SF1、SF3"]


def test_a_first_column_merged_down_every_row_names_the_rows_with_the_second():
    grid = [["", "", "产量（万吨）"], ["粮食", "夏粮", "10.5"], ["粮食", "秋粮", "20.1"]]
    assert [r.name for r in grid_rows(grid)] == ["粮食 夏粮", "粮食 秋粮"]


def test_a_unit_the_table_title_gives_goes_into_figures_without_their_own():
    rows = [Row("粮食", (("产量2024年", "248700"), ("比上年增长（%）", "1.6"), ("完成情况（%）", "—")))]
    [block] = row_blocks("表2 2024年主要农产品产量（单位：吨）", rows)
    assert block.text == "粮食：产量2024年248700吨，比上年增长1.6%，完成情况（%）—"


def test_a_figure_with_its_own_unit_gets_no_other():
    assert row_text(Row("一般公共预算收入", (("单位", "亿元"), ("完成率或增幅", "104.7%")))) == "一般公共预算收入：完成率或增幅104.7%"


def test_a_repeated_header_row_is_left_out_and_a_heading_under_the_table_is_a_heading():
    rows = [Row("汽油", (("产量", "268.4"),)), Row("产品名称", (("产量", "产量"),)), Row("柴油", (("产量", "231.5"),)),
            Row("三、工业和建筑业", ())]
    blocks = row_blocks("表2 主要产品产量", rows)
    assert [(b.text, b.level, b.kind) for b in blocks] == [
        ("汽油：产量268.4", None, "table_row"), ("柴油：产量231.5", None, "table_row"),
        ("三、工业和建筑业", "section", "paragraph")]


def test_a_row_across_the_whole_table_groups_the_rows_under_it():
    rows = grid_rows([["序号", "重点任务", "牵头单位"], ["一、提升效能", "一、提升效能", "一、提升效能"],
                      ["1", "推进跨省通办", "市政务办"]])
    assert [(r.name, r.cells) for r in rows] == [("一、提升效能", ()),
                                                 ("一、提升效能 › 1", (("重点任务", "推进跨省通办"), ("牵头单位", "市政务办")))]


def test_a_two_column_form_has_no_header_row():
    rows = grid_rows([["项目名称：", "港区三期工程"], ["建设单位：", "港务集团"], ["总投资：", "56.8亿元"]])
    assert [row_text(r) for r in rows] == ["项目名称：港区三期工程", "建设单位：港务集团", "总投资：56.8亿元"]


def test_a_form_of_two_label_value_pairs_per_row_gives_a_row_per_field():
    rows = grid_rows([["索引号：", "000014349/2024-00089", "主题分类：", "商贸"],
                      ["标题：", "关于…的通知", "关于…的通知", "关于…的通知"]])
    assert [row_text(r) for r in rows] == ["索引号：000014349/2024-00089", "主题分类：商贸", "标题：关于…的通知"]


def test_a_row_whose_first_cell_is_empty_is_labelled_by_its_first_text_cell():
    rows = grid_rows([["科目编码", "科目名称", "合计"], ["", "合计", "202,922.93"], ["205", "教育支出", "172,813.72"]])
    assert [row_text(r) for r in rows] == ["合计：合计202,922.93", "205：科目名称教育支出，合计172,813.72"]


def test_a_ruled_row_label_set_further_in_is_a_part_of_the_row_above():
    grid = [["产品名称", "产量"], ["发电量", "420.1"], ["其中：火力发电量", "291.0"], ["水力发电量", "98.4"], ["钢材", "15.2"]]
    rows = grid_rows(grid, indents=[0.0, 0.3, 1.3, 4.3, 0.3])
    assert [r.name for r in rows] == ["发电量", "发电量 › 其中：火力发电量", "发电量 › 水力发电量", "钢材"]


def test_a_category_merged_down_over_some_rows_names_them_with_the_second_column():
    grid = [["类别", "路段名称", "管制时段"], ["商圈周边", "中山路", "10:00至22:00"], ["商圈周边", "建设路", "全天"],
            ["其他", "火车站广场", "全天"]]
    assert [r.name for r in grid_rows(grid)] == ["商圈周边 中山路", "商圈周边 建设路", "其他 火车站广场"]


def test_a_table_of_document_information_fields_without_colons_is_a_form():
    rows = grid_rows([["索引号", "011043145/2024-15632", "主题分类", "城乡建设"], ["发布机构", "宜昌市人大常委会办公室", "有效性", "有效"]])
    assert [row_text(r) for r in rows] == ["索引号：011043145/2024-15632", "主题分类：城乡建设", "发布机构：宜昌市人大常委会办公室",
                                           "有效性：有效"]


def test_a_two_column_table_of_short_labels_and_worded_values_is_a_form():
    rows = grid_rows([["事项名称", "住房公积金提取"], ["实施主体", "临川市住房公积金管理中心"], ["收费标准", "不收费"],
                      ["咨询电话", "12329"]])
    assert [row_text(r) for r in rows] == ["事项名称：住房公积金提取", "实施主体：临川市住房公积金管理中心", "收费标准：不收费",
                                           "咨询电话：12329"]


def test_digits_grouped_by_a_space_are_one_figure_that_takes_the_unit_column():
    rows = grid_rows([["指标", "单位", "绝对数"], ["原煤", "万吨", "8 215.3"], ["发电量", "亿千瓦时", "3 406.7"]])
    assert [row_text(r) for r in rows] == ["原煤：绝对数8215.3万吨", "发电量：绝对数3406.7亿千瓦时"]
