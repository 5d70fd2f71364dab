"""Words and their part-of-speech tags (jieba), computed once per text and shared by every rule that reads them.

| text | words (flag) |
|---|---|
| 天津港通过海铁联运 | 天津港 (ns), 通过 (p), 海铁 (nz), 联运 (v) |
| 北京新建了多少家 | 北京 (ns), 新建 (ns), 了 (ul), 多少 (m), 家 (q) |
| 周口的统计公报 (a library with 周口市's bulletin) | 周口 (ns: jieba's dictionary says n), 的 (uj), 统计 (v), 公报 (n) |

The rules of the pipeline read the same question and the same evidence sentences many times (the gate, the
checks, the composition); jieba runs once for each distinct text.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

PROPER_FLAGS = frozenset("ns nr nt nz nrt nrfg".split())  # jieba's place, person, organisation and other names
# places a loaded library's documents state as their region (see add_places): jieba's dictionary tags 周口 as a
# common noun (n), 开封 as a verb
_LIBRARY_PLACES: set[str] = set()


def add_places(names: Iterable[str]) -> None:
    """From now on, tag these words as places (ns) wherever jieba cuts them as one word: the regions the documents
    of a library state (周口市, 周口), which every rule reading names must see as places."""
    new = {n for n in names if len(n) >= 2} - _LIBRARY_PLACES
    if new:
        _LIBRARY_PLACES.update(new)
        tagged.cache_clear()


def is_library_place(word: str) -> bool:
    """A place a loaded library's documents state as their region (see add_places)."""
    return word in _LIBRARY_PLACES


@lru_cache(maxsize=8192)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """(word, flag) pairs of text, in order (jieba.posseg; a library's own places tagged ns)."""
    import jieba.posseg as pseg

    return tuple((w.word, "ns" if w.word in _LIBRARY_PLACES else w.flag) for w in pseg.cut(text))
