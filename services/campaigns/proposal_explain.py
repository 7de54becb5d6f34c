"""Why problems were proposed together, in words staff can check: the terms most members share, and
for each member the members most similar to it."""

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

EXPLAIN_TERMS = 5
NEIGHBOURS = 3

# Words every teaching problem uses: they say nothing about why these problems belong together.
STOPWORDS = frozenset(
    "学生 老师 教师 孩子 同学 学校 课堂 上课 教学 课上 如何 怎样 怎么 什么 为什么 问题 方法 办法 比较 经常 总是 很多 一些 部分"
    " 不会 不能 没有 自己 我们 他们 现在 发现 情况 效果 感觉 出现 存在 需要 应该 可以 进行 导致 时候 时间 一个 这个 那个 这些"
    " 不够 不好 不太 不少 较差 很差 特别 非常 越来越 还是 但是 而且 因为 所以 如果 还有 已经 其中 有的 有些 年级 班级 班上 普遍"
    " 容易 无法 难以 开展 利用".split()
)
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=1)
def jieba_tokenizer():
    """jieba, initialised once and quietly (it logs its dictionary loading at INFO)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _words(text: str) -> set[str]:
    words = (w.strip().lower() for w in jieba_tokenizer().lcut(text))
    return {w for w in words if len(w) >= 2 and w not in STOPWORDS and (CJK_RUN.fullmatch(w) or LATIN_WORD.fullmatch(w))}


def _pairs(words: set[str]) -> set[str]:
    """Character pairs inside the words (never across two words: 学生不会 gives no 生不)."""
    return {w[i : i + 2] for w in words if CJK_RUN.fullmatch(w) for i in range(len(w) - 1)} - STOPWORDS


def shared_terms(texts: Sequence[str]) -> list[str]:
    """Words at least half the members use (in a looser group: those the most members share, two at
    least), most shared first; then character pairs inside their words that no listed word contains
    (paraphrases segment differently: 写作文 / 作文写作)."""
    if len(texts) < 2:
        return []
    split = [_words(t) for t in texts]
    words = Counter(w for ws in split for w in ws)
    pairs = Counter(p for ws in split for p in _pairs(ws))
    quorum = max(2, min(math.ceil(len(texts) / 2), max((words | pairs).values(), default=0)))

    def common(counts: Counter[str]) -> list[str]:
        return sorted((t for t, c in counts.items() if c >= quorum), key=lambda t: (-counts[t], -len(t), t))

    shared = common(words)
    return (shared + [p for p in common(pairs) if not any(p in w for w in shared)])[:EXPLAIN_TERMS]


def nearest_neighbours(ids: Sequence[int], similar: np.ndarray) -> dict[int, list[int]]:
    """For each member, the ids of the NEIGHBOURS members most similar to it (ties: listed order)."""
    neighbours = {}
    for n, member in enumerate(ids):
        row = similar[n].copy()
        row[n] = -np.inf
        order = np.argsort(-row, kind="stable")[: min(NEIGHBOURS, len(ids) - 1)]
        neighbours[member] = [ids[k] for k in order]
    return neighbours
