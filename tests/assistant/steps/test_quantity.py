from assistant.steps.quantity import figure_clauses, quantity_head, states_asked_quantity

SETTLEMENT = ("该项创新做法推出后，大大节约了企业的时间和成本，也减轻了银行人工审查企业资料的负担，"
              "将银行办理时间从2天缩短至2分钟以内，贸易企业结算效率提升50%以上。")


def test_the_head_before_a_copula_is_the_asked_quantity():
    assert quantity_head("海南外籍人员联审联检一体化平台的审批通过率是多少？") == "通过率"


def test_a_general_word_after_the_quantity_leaves_it_the_head():
    assert quantity_head("2023年周口市地区生产总值总量是多少亿元？") == "生产总值"
    assert not states_asked_quantity("共造成全市693.61万人次受灾，直接经济损失23.33亿元。", ["23.33"],
                                     "2023年周口市地区生产总值总量是多少亿元？")


def test_a_target_or_value_added_is_the_quantity_it_follows():
    assert states_asked_quantity("临川市：粮食播种面积431万亩，粮食产量132.8亿斤", ["431"], "临川市粮食播种面积目标是多少万亩？")
    assert states_asked_quantity("地区生产总值 › 第二产业：2020年1792.10亿元", ["1792.10"], "2020年第二产业增加值是多少？")


def test_the_head_before_a_change_verb_is_the_asked_quantity():
    assert quantity_head("服务贸易单一窗口国际结算推出后，企业的结算成本下降了多少？") == "成本"


def test_the_noun_after_duoshao_is_the_asked_quantity():
    assert quantity_head("天津港“一单制”海铁联运能为单个集装箱节省多少成本和时间？") == "成本"


def test_a_subject_before_duoshao_and_a_unit_is_no_head():
    assert quantity_head("牛佬多少岁开始从事漫画行业？") == ""


def test_a_generic_word_is_stripped_from_the_head():
    assert quantity_head("在2006年，阿尔坎塔拉地区的人口数量是多少？") == "人口"
    assert quantity_head("天津城市地铁车辆租赁项目的融资金额是多少？") == ""  # a kind: checked as a kind


def test_a_figure_s_clause_comes_with_the_one_before():
    assert figure_clauses("医疗器械的审批时间，由原来的 6 个月缩短到 3 个月。共 3 项。", "3") == [
        "医疗器械的审批时间，由原来的6个月缩短到3个月", "共3项"]


def test_a_figure_of_another_quantity_of_the_right_paragraph_is_not_the_asked_one():
    asked = "服务贸易单一窗口国际结算推出后，企业的结算成本下降了多少？"
    assert not states_asked_quantity(SETTLEMENT, ["50", "2"], asked)


def test_the_head_may_sit_in_the_clause_before_the_figure():
    asked = "医疗器械的审批时间缩短了多少？"
    assert states_asked_quantity("医疗器械的审批时间，由原来的平均6个月缩短到3个月。", ["3"], asked)


def test_the_other_side_of_a_contrast_is_not_the_asked_one():
    text = "2021 年天津口岸出口整体通关时间仅 0.74 小时，比上一年压缩 48.6%。"
    assert not states_asked_quantity(text, ["0.74", "48.6"], "2021年天津口岸进口整体通关时间是多少小时？")
    assert states_asked_quantity(text, ["0.74"], "2021年天津口岸出口整体通关时间是多少小时？")


def test_a_head_of_a_count_may_be_said_by_its_unit():
    assert states_asked_quantity("该企业共有员工 3000 余人。", ["3000"], "该企业的员工人数是多少？")
    assert not states_asked_quantity("该企业营业收入 3000 万元。", ["3000"], "该企业的员工人数是多少？")


def test_a_head_that_is_people_is_counted_in_persons():
    row = "65周岁及以上：年末数146.80万人，比重16.94%"
    assert states_asked_quantity(row, ["146.80"], "65岁及以上的老人有多少万？")
    assert not states_asked_quantity("全市生产总值146.80亿元", ["146.80"], "65岁及以上的老人有多少万？")


def test_a_table_row_s_values_are_about_its_label():
    row = "移动电话：城镇287，农村299"
    assert states_asked_quantity(row, ["299"], "2016年末农村居民家庭平均每百户拥有多少部移动电话？")
    assert not states_asked_quantity("照相机：城镇19，农村3", ["3"], "农村居民家庭平均每百户拥有多少部移动电话？")


def test_ji_with_a_unit_asks_how_many_as_duoshao_does():
    assert quantity_head("居住证的有效期是几年？") == "有效期" == quantity_head("居住证的有效期是多少年？")
    assert quantity_head("黔东南农村家庭平均每一百户拥有几部手机？") == ""  # no noun before: nothing to check
    assert quantity_head("试点分为哪几级？") == quantity_head("京东方在全球排第几？") == ""


def test_a_figure_of_another_quantity_does_not_answer_a_ji_question():
    visa = "居住证持有人在居住地连续居住的，应当在居住每满1年之日前1个月内办理签注手续。"
    assert not states_asked_quantity(visa, ["1"], "居住证的有效期是几年？")
