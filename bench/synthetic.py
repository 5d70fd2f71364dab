"""Synthetic corpora for scale tests: the report's chunks repeated with varied numbers and entities.

Copy ``r`` of base chunk ``j`` gets every digit run replaced by a random number of the same length,
every city / organisation name swapped for another one from a fixed list and common policy words
swapped for synonyms, so vocabularies and posting
lists grow like a real collection of similar reports instead of repeating identical texts.
Embeddings are *simulated*: the base chunk's real vector plus Gaussian noise (or random unit vectors),
never computed by a model. Everything is deterministic for a given seed.
"""
from __future__ import annotations

import random
import re
from collections.abc import Sequence

import numpy as np

from index.chunking import Chunk
from index.documents import Heading, Paragraph

CITIES = ("北京 天津 上海 重庆 海南 成都 石家庄 昆明 南宁 贵阳 沈阳 南京 杭州 广州 武汉 西安 大连 青岛 厦门 宁波 "
          "深圳 苏州 长沙 郑州 合肥 福州 济南 兰州 银川 西宁 哈尔滨 长春 太原 南昌 海口 三亚 无锡 佛山 东莞 "
          "温州 烟台 洛阳 桂林 珠海 绍兴 扬州 泉州 唐山 徐州").split()
PROVINCES = ("河北 山西 吉林 江苏 湖南 广东 四川 宁夏 辽宁 浙江 安徽 福建 江西 山东 河南 湖北 广西 贵州 云南 "
             "陕西 甘肃 青海 黑龙江").split()
DISTRICTS = "朝阳 海淀 浦东 滨海 东城 西城 丰台 顺义 大兴 通州 南山 福田 黄浦 静安 和平 河西 渝中 江北".split()
ORGS = ("积水潭医院 广安门医院 博鳌超级医院 协和医院 华西医院 瑞金医院 湘雅医院 齐鲁医院 "
        "复旦大学 同济大学 交通大学 南开大学 理工大学 浙江大学 武汉大学 中山大学 四川大学 山东大学 厦门大学 "
        "工商银行 江苏银行 建设银行 招商银行 农业银行 浦发银行 兴业银行 宁波银行 "
        "通用技术集团 中信集团 华润集团 招商局集团 国药集团 欧康维视公司 海康威视公司 迈瑞医疗公司").split()
# interchangeable policy verbs/nouns: varies the texts that have no digits or names at all
SYNONYMS = [g.split() for g in ("推动 推进 促进 加快", "创新 改革", "提升 提高 增强", "完善 健全 优化",
                                "建立 构建 搭建", "支持 鼓励", "企业 机构 主体", "探索 试行", "机制 制度",
                                "发展 建设", "加强 强化", "开展 实施")]
_GROUPS = (CITIES, PROVINCES, DISTRICTS, ORGS, *SYNONYMS)
_GROUP_OF = {name: group for group in _GROUPS for name in group}
ENTITY_RE = re.compile("|".join(sorted(_GROUP_OF, key=len, reverse=True)))
DIGITS_RE = re.compile(r"\d+")


def vary(text: str, rng: random.Random) -> str:
    """The text with digit runs renumbered and entity names swapped (same category), per rng."""
    def number(m: re.Match) -> str:
        n = len(m.group())
        return str(rng.randint(10 ** (n - 1) if n > 1 else 0, 10 ** n - 1))

    text = DIGITS_RE.sub(number, text)
    return ENTITY_RE.sub(lambda m: rng.choice(_GROUP_OF[m.group()]), text)


def synthetic_chunks(base: Sequence[Chunk], n_chunks: int, seed: int = 0) -> tuple[list[Chunk], list[Paragraph], np.ndarray]:
    """n_chunks chunks cycling over base (copy 0 is the unchanged base), one paragraph per chunk.

    Returns (chunks, paragraphs, base_index) where base_index[i] is the base chunk chunk i derives from.
    """
    chunks, paragraphs, origin = [], [], np.empty(n_chunks, dtype=np.int64)
    rng = random.Random(seed)
    for i in range(n_chunks):
        copy, j = divmod(i, len(base))
        b = base[j]
        doc = b.doc_id if copy == 0 else f"syn{copy:05d}"
        if copy == 0:
            text, heading, case = b.text, b.heading, b.case
        else:
            # one rng state per chunk keeps heading and text entity swaps independent but reproducible
            text, heading, case = vary(b.text, rng), vary(b.heading, rng), vary(b.case, rng)
        pid = f"{doc}:p{j + 1:04d}"
        chunks.append(Chunk(id=f"{doc}:c{j + 1:04d}", doc_id=doc, text=text, paragraph_ids=(pid,),
                            label=b.label, heading=heading, case=case))
        paragraphs.append(Paragraph(id=pid, doc_id=doc, text=text, title=doc, path=(Heading("case", case),)))
        origin[i] = j
    return chunks, paragraphs, origin


def simulated_vectors(base_vectors: np.ndarray | None, origin: np.ndarray, dim: int = 384, noise: float = 0.35,
                      seed: int = 0, batch: int = 65536) -> np.ndarray:
    """Simulated embeddings, float32 and L2-normalised: base_vectors[origin] + N(0, noise²/dim) per component
    (the first len(base_vectors) rows, copy 0, keep the real vectors), or random unit vectors when
    base_vectors is None."""
    rng = np.random.default_rng(seed)
    d = base_vectors.shape[1] if base_vectors is not None else dim
    out = np.empty((len(origin), d), dtype=np.float32)
    for start in range(0, len(origin), batch):
        idx = origin[start:start + batch]
        noise_part = rng.standard_normal((len(idx), d), dtype=np.float32)
        if base_vectors is None:
            v = noise_part
        else:
            v = base_vectors[idx] + noise_part * np.float32(noise / np.sqrt(d))
            exact = np.arange(start, start + len(idx)) < len(base_vectors)  # copy 0: the real vectors
            v[exact] = base_vectors[idx[exact]]
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[start:start + batch] = v
    return out
