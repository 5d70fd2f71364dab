from zh.direction import DOWN, UNSAID, UP, asked_direction, figure_direction


def test_a_growth_gives_its_figure_the_upward_direction():
    assert figure_direction("钢材：产量1577693吨，比上年增长48.8%", "48.8") == UP


def test_a_negative_growth_is_a_decline():
    assert figure_direction("生漆：产量150吨，比上年增长-91.6%", "91.6") == DOWN


def test_a_figure_without_a_change_word_in_its_clause_has_no_direction():
    assert figure_direction("钢材：产量1577693吨，比上年增长48.8%", "1577693") == UNSAID


def test_a_quantity_named_with_a_change_word_is_no_direction():
    assert figure_direction("全年规模以上工业增加值5.0%", "5.0") == UNSAID


def test_a_question_asserting_a_decline_asks_down():
    assert asked_direction("2023年周口规模以上工业的钢材产量同比下滑了，降了多少？") == DOWN


def test_a_question_offering_both_directions_asserts_none():
    assert asked_direction("2023年周口新鲜蔬菜的价格比前一年是涨了还是跌了？") == UNSAID
