"""Plans, goals and requirements: words that make a statement one, so an answer does not tell a plan as done (pure).

| source sentence | an answer that keeps it | an answer that drops it |
|---|---|---|
| 下一步，北京市将以建设数字经济标杆城市为目标… | 北京市下一步将以…为目标 | 北京市以建设数字经济标杆城市为目标 |
| 力争到2025年建成…平台 | 力争到2025年建成… | 到2025年建成了… |
| 计划新增3条航线 | 计划新增3条航线 | 新增3条航线 |

将 alone is not such a word (将企业开办时间压缩至0.8个工作日: 将 means 把); 将 before a verb of intent is
(将进一步, 将继续, 将加快…).
"""
from __future__ import annotations

import re

PLAN_RE = re.compile(r"下一步|今后|未来|将(?:要|会|进一步|继续|持续|加快|加大|深化|推动|推进|探索|重点|着力|围绕|全面|不断|逐步"
                     r"|积极|努力|力争|以)|计划|拟|力争|预计|争取|目标是|到20\d\d年")
# what an answer may say instead to keep it a plan
KEPT_RE = re.compile(PLAN_RE.pattern + r"|将|打算|准备|规划")


def states_plan(text: str) -> bool:
    """Does the sentence state a plan, a goal or a forecast (下一步, 将进一步, 计划, 力争…)?"""
    return bool(PLAN_RE.search(text))


def keeps_plan(text: str) -> bool:
    """Does an answer sentence still say it is a plan (any of the words above, or 将/打算/准备/规划)?"""
    return bool(KEPT_RE.search(text))
