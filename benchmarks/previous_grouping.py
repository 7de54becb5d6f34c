"""The grouping the product used before issue 13 (commit fa2d117), kept unchanged as the baseline
bench_grouping.py measures the current one against in the same run (it shares only its tokenizer
with services/campaigns/proposal_explain.py). Not used by the product.

Grouping teachers' problems into proposed topics (分门别类): explainable Chinese short-text
similarity, no network, no downloaded model.

Each problem becomes a TF-IDF vector of jieba words (weight 1) and character bigrams (weight 0.5,
catching paraphrases that segment differently: 写作文/作文写作). Problems join the most similar
existing group when the cosine with the group's centroid reaches THRESHOLD, else start a new one;
a last pass merges groups whose centroids are that close. Linear in problems × groups, so 5,000
problems take seconds. The terms a group's members share are returned as the explanation."""

import math
from collections import Counter
from dataclasses import dataclass, field

from services.campaigns.proposal_explain import CJK_RUN, LATIN_WORD, STOPWORDS, jieba_tokenizer

THRESHOLD = 0.3
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.5
EXPLAIN_TERMS = 5


def terms(text: str) -> Counter[str]:
    """Weighted terms of one text: words and character bigrams, stopwords left out."""
    counts: Counter[str] = Counter()
    for word in jieba_tokenizer().lcut(text):
        word = word.strip().lower()
        if len(word) >= 2 and word not in STOPWORDS and (CJK_RUN.fullmatch(word) or LATIN_WORD.fullmatch(word)):
            counts[word] += WORD_WEIGHT
    for run in CJK_RUN.findall(text):
        for i in range(len(run) - 1):
            bigram = run[i : i + 2]
            if bigram not in STOPWORDS:
                counts["·" + bigram] += BIGRAM_WEIGHT  # marked, so a bigram never collides with a word
    return counts


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    votes: int = 0
    author: int = 0
    school: int = 0


@dataclass
class Group:
    members: list[Item]
    centroid: dict[str, float]
    shared_terms: list[str] = field(default_factory=list)
    unit: dict[str, float] = field(default_factory=dict)  # the normalised centroid, kept current

    def add(self, members: list[Item], vector: dict[str, float]) -> None:
        self.members.extend(members)
        for k, v in vector.items():
            self.centroid[k] = self.centroid.get(k, 0.0) + v
        self.unit = _normalised(self.centroid)

    @property
    def votes(self) -> int:
        return sum(m.votes for m in self.members)

    @property
    def teachers(self) -> int:
        return len({m.author for m in self.members})

    @property
    def schools(self) -> int:
        return len({m.school for m in self.members})


def _normalised(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {k: v / norm for k, v in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def _vectors(items: list[Item]) -> dict[int, dict[str, float]]:
    counted = {item.id: terms(item.text) for item in items}
    document_frequency: Counter[str] = Counter()
    for counts in counted.values():
        document_frequency.update(counts.keys())
    n = len(items)
    # Smoothed IDF; a term in one problem only cannot link two problems, so it is dropped.
    return {
        item_id: _normalised({t: w * math.log((1 + n) / (1 + document_frequency[t])) + w
                              for t, w in counts.items() if document_frequency[t] > 1})
        for item_id, counts in counted.items()
    }


def _explain(group: Group, vectors: dict[int, dict[str, float]]) -> list[str]:
    """The heaviest terms most members share, words before bigrams."""
    if len(group.members) < 2:
        return []
    presence: Counter[str] = Counter()
    for member in group.members:
        presence.update(vectors[member.id].keys())
    quorum = max(2, math.ceil(len(group.members) / 2))
    shared = [t for t, c in presence.items() if c >= quorum]
    shared.sort(key=lambda t: (t.startswith("·"), -group.centroid.get(t, 0.0), t))
    words = [t for t in shared if not t.startswith("·")]
    bigrams = [t[1:] for t in shared if t.startswith("·") and not any(t[1:] in w for w in words)]
    return (words + bigrams)[:EXPLAIN_TERMS]


def group_items(items: list[Item], *, threshold: float = THRESHOLD) -> list[Group]:
    """Groups ranked by votes, then distinct teachers, schools and size."""
    if not items:
        return []
    vectors = _vectors(items)
    # Most-voted first, so each group grows around the problem most teachers care about.
    ordered = sorted(items, key=lambda i: (-i.votes, i.id))
    groups: list[Group] = []
    for item in ordered:
        vector = vectors[item.id]
        scored = [(_cosine(vector, g.unit), -n) for n, g in enumerate(groups)]
        best = max(scored, default=(0.0, 0))
        if best[0] >= threshold:
            groups[-best[1]].add([item], vector)
        else:
            groups.append(Group(members=[item], centroid=dict(vector), unit=vector))
    groups = _merge_close(groups, threshold)
    for group in groups:
        group.members.sort(key=lambda i: (-i.votes, i.id))
        group.shared_terms = _explain(group, vectors)
    groups.sort(key=lambda g: (-g.votes, -g.teachers, -g.schools, -len(g.members), g.members[0].id))
    return groups


def _merge_close(groups: list[Group], threshold: float) -> list[Group]:
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if _cosine(groups[i].unit, groups[j].unit) >= threshold:
                    groups[i].add(groups[j].members, groups[j].centroid)
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    return groups
