from assistant.steps.question_parts import enumeration, measure_of, question_sentences, slot_of, split_parts


def test_plain_question_is_one_part_without_focus():
    parts = split_parts("2021年天津口岸的出口整体通关时间是多少？")
    assert len(parts) == 1 and parts[0].focus == "" and parts[0].slot == "number"


def test_two_question_sentences_are_two_parts():
    parts = split_parts("天津“细胞谷”试验区是哪一年设立的？规划面积有多大？")
    assert [p.slot for p in parts] == ["time", "number"]


def test_fenbie_enumeration_splits_by_item():
    parts = split_parts("专栏列举的赋权案例中，北京积水潭医院和重庆理工大学分别向成果完成人赋予了多大比例的所有权？")
    assert [p.focus for p in parts] == ["北京积水潭医院", "重庆理工大学"]
    assert parts[1].text == "专栏列举的赋权案例中，重庆理工大学向成果完成人赋予了多大比例的所有权？"


def test_ge_you_enumeration_splits_by_item():
    parts = split_parts("进入试点的药品品种和医疗器械品种各有几个？")
    assert [p.text for p in parts] == ["进入试点的药品品种有几个？", "进入试点的医疗器械品种有几个？"]


def test_two_short_things_asked_together_are_two_parts():
    parts = split_parts("该采购项目的项目编号和预算金额是多少？")
    assert [p.text for p in parts] == ["该采购项目的项目编号是多少？", "该采购项目的预算金额是多少？"]
    assert len(split_parts("北京和上海的合作项目是什么？")) == 1  # one thing of both
    assert len(split_parts("2023年规模以上工业企业利润总额和增速是多少？")) == 1  # a long item carries its own context


def test_a_place_before_the_first_item_is_shared_by_every_item():
    parts = split_parts("2023年乐清市地区生产总值和增速分别是多少？")
    assert [p.text for p in parts] == ["2023年乐清市地区生产总值是多少？", "2023年乐清市增速是多少？"]
    assert [p.focus for p in split_parts("北京和上海的合作项目分别是什么？")] == ["北京", "上海"]


def test_coordinated_modifiers_keep_the_shared_noun():
    parts = split_parts("2021年天津口岸进口和出口整体通关时间分别是多少？")
    assert [p.text for p in parts] == ["2021年天津口岸进口整体通关时间是多少？", "2021年天津口岸出口整体通关时间是多少？"]


def test_two_aspects_instruction_splits_the_previous_question():
    parts = split_parts("海南在知识产权领域有哪些突出的数据表现？请从国际专利申请和知识产权证券化两方面说明。")
    assert [p.focus for p in parts] == ["国际专利申请", "知识产权证券化"]


def test_two_question_words_with_units_are_two_number_parts():
    parts = split_parts("截至本报告编写时，试点示范已累计向全国推广了几批、共多少项经验和案例？")
    assert [(p.slot, p.unit) for p in parts] == [("number", "批"), ("number", "项")]


def test_three_items():
    assert enumeration("北京、天津和上海分别有多少家企业？") == ["北京", "天津", "上海"]


def test_an_alternative_question_is_a_part_of_its_own():
    parts = split_parts("2023年周口鲜菜的价格比前一年是涨了还是跌了？价格指数是多少？")
    assert [p.text for p in parts] == ["2023年周口鲜菜的价格比前一年是涨了还是跌了？", "价格指数是多少？"]


def test_haishi_meaning_still_asks_nothing():
    assert question_sentences("他还是去了北京。北京的GDP是多少？") == ["他还是去了北京。北京的GDP是多少？"]


def test_context_sentence_is_glued_to_the_question():
    assert question_sentences("背景如下。天津做了什么？") == ["背景如下。天津做了什么？"]


def test_slots():
    assert slot_of("是哪一年成立的") == "time"
    assert slot_of("有多少家企业") == "number"
    assert slot_of("乙酰胺的分子式是什么？") == "other"
    assert slot_of("是否涵盖头部企业") == "yesno"
    assert slot_of("包括哪些环节") == "list"


def test_a_statement_put_up_for_confirmation_asks_yes_or_no():
    assert slot_of("中等城市把参加城镇社保的年限要求定到5年，是吧？") == "yesno"
    assert slot_of("该法是通过当天就开始施行的吧？") == "yesno"


def test_year_before_the_enumeration_is_not_an_item():
    assert enumeration("2021年北京和上海分别实际利用外资多少？") == ["北京", "上海"]


def test_measure_is_read_from_the_wording():
    assert measure_of("基金承担多大比例的坏账风险？") == "share"
    assert measure_of("该基金的资金总规模是多少？") == "money"
    assert measure_of("政府信息公开工作的经费预算是多少？") == "money"  # not 213条
    assert measure_of("租赁期限是多久？") == "duration"
    assert measure_of("鲜菜的价格指数是多少？") == ""  # an index (91.9), not an amount of money
    assert measure_of("增长了多少？") == ""  # a share or an amount: the wording does not say


def test_items_that_each_have_a_year_keep_it():
    parts = split_parts("2023年周口和2016年黔东南的粮食产量分别是多少？")
    assert [p.text for p in parts] == ["2023年周口的粮食产量是多少？", "2016年黔东南的粮食产量是多少？"]


def test_a_year_before_the_first_item_only_is_shared():
    parts = split_parts("2021年北京和上海的出口分别是多少？")
    assert [p.focus for p in parts] == ["北京", "上海"]
