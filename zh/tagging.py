"""Words and their part-of-speech tags (jieba), computed once per text and shared by every rule that reads them.

| text | words (flag) |
|---|---|
| 天津港通过海铁联运 | 天津港 (ns), 通过 (p), 海铁 (nz), 联运 (v) |
| 北京新建了多少家 | 北京 (ns), 新建 (ns), 了 (ul), 多少 (m), 家 (q) |

The rules of the pipeline read the same question and the same evidence sentences many times (the gate, the
checks, the composition); jieba runs once for each distinct text.
"""
from __future__ import annotations

from functools import lru_cache

PROPER_FLAGS = frozenset("ns nr nt nz nrt nrfg".split())  # jieba's place, person, organisation and other names


@lru_cache(maxsize=8192)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """(word, flag) pairs of text, in order (jieba.posseg)."""
    import jieba.posseg as pseg

    return tuple((w.word, w.flag) for w in pseg.cut(text))
