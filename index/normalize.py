"""Text as the document means it: code points folded to the ideographs, letter-spacing and layout spaces undone (pure).

PDF text layers often carry look-alike code points instead of the ideographs a reader sees (`⽉` U+2F49
KANGXI RADICAL MOON for 月, `⻚` U+2EDA CJK RADICAL C-SIMPLIFIED LEAF for 页, compatibility ideographs
U+F900–FAFF); a question typed with 月 never matches them. :func:`fold_code_points` maps them to the unified
ideographs: NFKC covers the Kangxi block and the compatibility ideographs, the CJK Radicals Supplement needs
the table below (NFKC maps only ⺟ and ⻳). Full-width digits and Latin letters become ASCII (２０２３ → 2023),
odd spaces (no-break, en/em, ideographic) become plain spaces, zero-width characters go.

Spaces inside a line of PDF text come from the layout, not from the author: :func:`join_letter_spaced`
closes letter-spaced runs (`2 0 0 3 年` → `2003 年`, `周 口 市 统 计 局` → `周口市统计局`) and
:func:`tidy_spaces` drops the spaces a Chinese text does not have (`2003 年 10 月` → `2003年10月`,
`增长 4.8%` → `增长4.8%`), keeping those between two Latin words or numbers (`GB/T 1.1`, `866.60 392.66`)
and between two multi-character Chinese words (`第一章 总则`).
"""
from __future__ import annotations

import re
import unicodedata

# CJK Radicals Supplement → the ideograph it stands for (Unicode's EquivalentUnifiedIdeograph.txt)
RADICAL_SUPPLEMENT = dict(zip(
    "⺁⺂⺃⺅⺆⺇⺈⺉⺊⺋⺌⺍⺎⺏⺐⺒⺓⺔⺖⺗⺘⺙⺛⺜⺝⺞⺟⺠⺡⺢⺣⺤⺥⺦⺧⺨⺩⺪⺫⺬⺭⺮⺯⺰⺱⺲⺶⺷⺹⺺⺻⺼⺽⺾⺿⻀⻁⻂⻃⻄⻅⻆⻈⻉⻊⻋⻌⻍⻎⻏⻐⻑⻒⻓⻔⻖⻗⻘⻙⻚⻛⻜⻝⻟⻠⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻱⻲⻳",
    "厂乛乚亻冂几刀刂卜㔾小小兀尣尢巳幺彑忄㣺扌攵旡日月歺母民氵氺灬爫爫丬牛犭王疋目示礻竹糸纟罒罒羊羊耂肀聿月臼艹艹艹虎衤覀西见角讠贝足车辶辶辶阝钅長镸长门阝雨青韦页风飞食飠饣首马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙龜亀龟",
))
FOLD_RANGES = ((0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
ODD_SPACES_RE = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
# a run of single characters (CJK or digit) separated by single spaces: letter-spacing
LETTER_SPACED_RE = re.compile(rf"(?<![^\s])[{CJK}\d](?: [{CJK}\d])+(?![^\s])")
# a space with a Chinese character or Chinese punctuation on one side
CJK_SPACE_RE = re.compile(rf"(?<=[{CJK}\u3000-\u303f\uff00-\uffef])\s+(?=[\w{CJK}\u3000-\u303f\uff00-\uffef])"
                          rf"|(?<=[\w{CJK}\u3000-\u303f\uff00-\uffef])\s+(?=[{CJK}\u3000-\u303f\uff00-\uffef])")
CJK_WORD_RE = re.compile(rf"[{CJK}]{{2,}}")
# a division or article number: the space after it separates it from its title or text (第一章 总则, 第四条 市、县…)
HEAD_NUMBER_RE = re.compile(r"第[一二三四五六七八九十百千零〇两\d]+[编章节条]$")


def _fold_char(ch: str) -> str:
    code = ord(ch)
    if any(a <= code <= b for a, b in FOLD_RANGES):
        return unicodedata.normalize("NFKC", ch)
    return RADICAL_SUPPLEMENT.get(ch, ch)


SEAL_STAR_RE = re.compile(r"(?<=[\d年月])\s*[★☆]\s*(?=[\d年月日])")  # a round seal's star over a signature's date


def fold_code_points(text: str) -> str:
    """Radicals, compatibility ideographs and full-width ASCII folded; odd spaces → ' '; zero-width removed.

    '2026年2⽉9⽇ 星期⼀' → '2026年2月9日 星期一'; '⻚' → '页'; '２０２３' → '2023'.
    """
    text = ZERO_WIDTH_RE.sub("", ODD_SPACES_RE.sub(" ", text))
    if text.isascii():
        return text
    return "".join(_fold_char(c) if ord(c) > 0x2E7F else c for c in text)


def join_letter_spaced(text: str) -> str:
    """Close runs of single characters set apart by single spaces: '2 0 0 3 年' → '2003年', '总 则' → '总则'."""
    return LETTER_SPACED_RE.sub(lambda m: m.group(0).replace(" ", ""), text)


def tidy_spaces(text: str) -> str:
    """Drop layout spaces next to Chinese text, keep those between Latin words/numbers and between two Chinese
    words: '2003 年 10 月' → '2003年10月'; '第一章 总则' and '第四条 市、县' stay; 'GB/T 1.1' stays."""
    text = re.sub(r"\s+", " ", text).strip()

    def keep_or_drop(m: re.Match) -> str:
        before, after = text[:m.start()], text[m.end():]
        if HEAD_NUMBER_RE.search(before):
            return " "
        left = CJK_WORD_RE.search(before[-2:]) if len(before) >= 2 else None
        right = CJK_WORD_RE.match(after[:2]) if len(after) >= 2 else None
        return " " if left and right else ""

    return CJK_SPACE_RE.sub(keep_or_drop, text)


def normalize_line(text: str) -> str:
    """A line of layout text (PDF) as the document means it: folded, letter-spacing closed, spaces tidied, a seal's
    star printed over a date left out (2★024年3月18日 → 2024年3月18日)."""
    return SEAL_STAR_RE.sub("", tidy_spaces(join_letter_spaced(fold_code_points(text))))


def normalize_authored(text: str) -> str:
    """Authored text (.txt, .md, .docx): code points folded; its spaces are the author's and stay."""
    return fold_code_points(text)
