import pytest

from zh.modality import keeps_plan, states_plan


@pytest.mark.parametrize("text, plan", [
    ("下一步，北京市将以建设数字经济标杆城市为目标，加快建设…", True),
    ("力争到2025年建成国际数据交易平台。", True),
    ("计划新增3条国际航线。", True),
    ("将企业开办时间压缩至0.8个工作日。", False),  # 将 = 把
    ("2021年新增3条国际航线。", False),
])
def test_states_plan(text, plan):
    assert states_plan(text) is plan


def test_an_answer_keeps_a_plan_with_any_word_of_intent():
    assert keeps_plan("北京市将以建设数字经济标杆城市为目标。") and not keeps_plan("北京市以建设数字经济标杆城市为目标。")
