"""Place names as people say them: the short form of an administrative region's full name (pure).

| full name | short form |
|---|---|
| 南宁市 | 南宁 |
| 黔东南苗族侗族自治州 | 黔东南 |
| 广西壮族自治区 | 广西 |
| 香港特别行政区 | 香港 |
| 恩施土家族苗族自治州 | 恩施 |

The autonomous regions' infixes are the names of China's 55 ethnic minorities (a fixed list, below).
"""
from __future__ import annotations

import re

ETHNIC_GROUPS = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
                 "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 "
                 "裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺").split()
_GROUP = "|".join(sorted(ETHNIC_GROUPS, key=len, reverse=True))
AUTONOMY_RE = re.compile(rf"(?:(?:{_GROUP})族)+自治(?:区|州|县|旗)$")
SUFFIX_RE = re.compile(r"(?:特别行政区|自治区|自治州|自治县|省|市|州|地区|盟|县|区|旗)$")


def short_region(name: str) -> str:
    """The short form of a region's name (see the table above); the name itself when it has no suffix."""
    short = AUTONOMY_RE.sub("", name)
    return short if short != name else SUFFIX_RE.sub("", name) or name
