"""Names in Chinese text: the places, people, organisations, years and quoted names a question or a sentence is
about (pure; jieba's tags through :mod:`zh.tagging`, read once per text).

| text | what is found |
|---|---|
| 2021年天津口岸进口整体通关时间是多少小时？ | anchors: 2021年, 天津 |
| “乐城全球特药险”由谁兜底？ | anchors: 乐城全球特药险 (a quoted name) |
| 北京新建了多少家服务站？ | anchors: 北京 (新建 before 了 is a verb, not jieba's 'place') |
| 加密 / 上市 / 城市 | not a place (NOT_PLACES: jieba's dictionary tags them ns) |
| 国家金融科技认证中心 | a named organisation (an organisation word with the nouns before it) |
"""
from __future__ import annotations

import re

from textutil import squash
from zh.dates import YEAR_RE, YEARISH_RE
from zh.tagging import PROPER_FLAGS, is_library_place, tagged

QUOTED_RE = re.compile(r"[“\"「『《]([^”\"」』》]{2,20})[”\"」』》]")  # a quoted name a question asks about
QUOTED_NAME_RE = re.compile(r"[“\"「『《]([^”\"」』》]{2,30})[”\"」』》]")  # … a sentence names (longer ones too)
LATIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9+\-]{1,}")
ASPECT_MARKS = frozenset("了 着 过".split())  # after a word, they make it a verb whatever its tag
# common words that jieba's dictionary tags as places (ns): never the place a sentence is about (see
# place_or_org_names); anchors keep them, as the gate was calibrated with them (加密 does single out a passage)
NOT_PLACES = frozenset("""城市 东西 平原 外国 爱国 南北 英雄 朝廷 太阳 哥哥 海洋 湖泊 大桥 高原 上市 建国 美丽 山区 江湖 王国
开国 城镇 京城 阿哥 庆典 南路 深度 山脉 回国 治安 大国 新鲜 古城 海峡 冰川 长度 山水 长大 莫非 普及 商城 内河 古典 阴阳 江山
高山 大海 山坡 河谷 上马 太平 福利 日志 云集 青春 山河 神圣 中路 新建 中断 河水 都城 关联 海湾 广义 湖水 上山 江水 新港 新城
大洋 山峰 内城 下山 上台 山寨 契约 二哥 入口 入市 都市 中兴 广布 诸国 重镇 大山 千古 城堡 深山 江河 伦理 渡江 大河 大湖 大江
治国 中和 天黑 法典 池塘 天桥 加盟 登山 密封 上门 安宁 泉水 维度 加密 串联 巴士 塔顶 复国 疏港 开区""".split())
GENERIC_ANCHORS = frozenset("中国 我国 全国 国家 国内 国际 境外 境内 中央 地方 省市 试点 示范".split())


def anchors(text: str) -> list[str]:
    """Terms a passage must contain to be about what the question asks: years, quoted names, Latin words and
    proper nouns (jieba's place/person/organisation tags, unless a 了/着/过 after the word makes it a verb)."""
    found = [squash(m.group(0)) for m in YEARISH_RE.finditer(text)]
    found += [m.group(1) for m in QUOTED_RE.finditer(text)]
    found += [m.group(0) for m in LATIN_RE.finditer(text)]
    words = tagged(text)
    for (word, flag), after in zip(words, [*words[1:], None]):
        word = word.strip()
        verb = after is not None and after[0] in ASPECT_MARKS  # 新建了: jieba's 'place' 新建 is a verb here
        common = flag == "nr" and not personlike(word)  # 许可, 康复: words jieba also tags as persons
        if flag in PROPER_FLAGS and len(word) >= 2 and word not in GENERIC_ANCHORS and not verb and not common:
            found.append(word)
    return list(dict.fromkeys(a for a in found if a))


def own_wording(anchor: str, question: str) -> bool:
    """A phrase the question puts in quotation marks that jieba reads as several words: the user's wording of what
    the documents may say otherwise (“先收钱后服务” for 预付式消费, “最好做法” for 最佳实践), not a name they would have to
    contain — unlike a one-word coinage (“沪科贷”) or a document's title (《…》)."""
    quoted = any(m.group(1) == anchor and not m.group(0).startswith("《") for m in QUOTED_RE.finditer(question))
    return quoted and len(tagged(anchor)) > 1


def whole_of(name: str, text: str) -> str:
    """The whole of its area that text writes right after a name (河南全省 → 全省, 黔东南州全州 → 全州; '' if none):
    where a bulletin of that area says 全省, it speaks of that name (占全省的87.1% answers 占河南全省的比重)."""
    m = re.search(re.escape(name) + r"[省市州县区]?(全[省市州县区国])", text)
    return m.group(1) if m else ""


def is_person(word: str) -> bool:
    """jieba tags the word as a person's name (高英, 张三)."""
    return any(flag.startswith("nr") and personlike(w) for w, flag in tagged(word))


NAME_FLAGS = frozenset({"ns", "nt", "nrt", "nrfg", "j"})  # jieba's places, organisations, names and abbreviations


def is_name(anchor: str) -> bool:
    """An anchor that is surely a name, not a word jieba happens to tag as one: a year, a Latin term or a number,
    a place suffix, a term of several words, or one word of three characters or more that jieba tags as a place,
    an organisation or a person's name of at most three characters (广州市, 浦东新区, 2023年, PCT, 乐城全球特药险; not
    上路 or 加密, which jieba's dictionary tags as places, nor 遮阳伞 or 广告语, tagged nz, nor 无人驾驶, tagged nr, nor
    出租车 — a user's own words for 伞架, 宣传口号 or 自动驾驶 — nor a bare 广州, which only the evidence can tell from
    such a word)."""
    if re.search(r"[\dA-Za-z]", anchor) or anchor.endswith(PLACE_SUFFIXES):
        return True
    if len(anchor) < 3:
        return False
    words = tagged(anchor)
    if len(words) > 1:
        return True
    flag = words[0][1]
    return flag in NAME_FLAGS or flag == "nr" and personlike(anchor)


def place_or_org_names(text: str) -> list[str]:
    """jieba's place, person and organisation words of text (2+ characters, not the generic ones). A two-character
    'place' must look like one (a place suffix, or a common name such as 北京): jieba's dictionary also tags words
    like 加密 as places."""
    return list(dict.fromkeys(word for word, flag in tagged(text) if len(word) >= 2 and word not in GENERIC_ANCHORS
                              and word not in NOT_PLACES
                              and (flag == "nt" or (flag == "nr" and personlike(word))
                                   or (flag == "ns" and placelike(word)))))


def placelike(word: str) -> bool:
    """A word that looks like a place name: longer than two characters, a place suffix, a common place name
    (北京) or a place of the loaded library (周口); jieba's dictionary tags two-character words such as 加密 or
    上路 as places too."""
    import jieba

    jieba.dt.check_initialized()
    return (len(word) > 2 or word.endswith(PLACE_SUFFIXES) or jieba.dt.FREQ.get(word, 0) >= COMMON_FREQ
            or is_library_place(word))


def personlike(word: str) -> bool:
    """A word jieba tags as a person's name that may be one: three characters, or two the dictionary does not know
    as a common word (高英, 蔡敏; not 许可, 康复, 玉米 or 智慧, nor 无人驾驶, which it also tags as persons)."""
    import jieba

    jieba.dt.check_initialized()
    return len(word) == 3 or len(word) == 2 and jieba.dt.FREQ.get(word, 0) < COMMON_FREQ


PLACE_SUFFIXES = ("省", "市", "区", "县", "镇", "乡", "村", "港", "岛", "州", "湾")
COMMON_FREQ = 500  # jieba dictionary frequency of a word it knows well: a place that is surely one (北京 34488), a
# 'person' that is a common word (许可 623)


def names_something(text: str) -> bool:
    """Does the text name a place, person, organisation or year of its own?"""
    if YEAR_RE.search(text):
        return True
    return any(flag in ("ns", "nr", "nt", "nz") and len(word) >= 2 for word, flag in tagged(text))


def named_entities(text: str, question: str = "") -> list[str]:
    """Names in text of the kind the question asks for (a place for 哪里, else a person, an organisation or a
    quoted name) that the question does not already contain (国家金融科技认证中心, not 专业医疗管理集团)."""
    q = squash(question)
    words = list(tagged(text))
    if PLACE_Q_RE.search(question):
        names = [w for w, f in words if f == "ns" and len(w) >= 2]
    else:  # a person or an organisation (谁 is often a body: 由谁兜底 → 保险机构)
        # a quoted name; a quoted phrase with punctuation inside is a slogan or a model (“一个共享医院（平台）+…”)
        names = [m.group(1) for m in QUOTED_NAME_RE.finditer(text)
                 if not re.search(r"[^\w·・\-]", m.group(1))]
        names += [w for w, f in words if f in ("nt", "nz", "nr", "nrt", "nrfg") and len(w) >= 2]
        for i, (w, f) in enumerate(words):
            head = ORG_HEAD_RE.search(w)
            if head:  # an organisation word with the nouns before it: 国家 金融科技 认证中心 / 保险机构
                j = i
                while j > 0 and words[j - 1][1].startswith("n") and i - j < 5:
                    j -= 1
                if (j < i or head.start() >= 2) and words[j][0] not in GENERIC_WORDS:
                    names.append("".join(x for x, _ in words[j:i + 1]))
    return [n for n in dict.fromkeys(names) if squash(n) not in q]


PLACE_Q_RE = re.compile(r"哪里|哪儿|在哪|哪个(?:城市|省|国家|地区|区|县|市|港口)|哪些(?:城市|省|国家|地区)")
ORG_HEAD_RE = re.compile(r"(?:公司|集团|银行|大学|学院|医院|中心|研究院|研究所|协会|委员会|交易所|基金会|局|厅|机构|部门|政府)$")
GENERIC_WORDS = frozenset("专业 相关 有关 多家 一家 各类 若干 其他 部分 各地 当地 国内外 境内外".split())
