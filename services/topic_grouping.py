"""Grouping teachers' problems into proposed topics (分门别类): semantic, offline, explainable, and the
same whatever order the problems were submitted in.

Two similarities are averaged: the cosine of character 1–3-gram TF-IDF vectors (the words teachers
share, 作文/写作文/作文写作, with common characters discounted by IDF) and the cosine of the problems'
stored sentence vectors (meaning: 不敢开口 ~ 羞于用英语表达). HDBSCAN on that distance finds the
groups where problems are dense, so the data decides how many there are and no county tunes a
threshold; a problem in no dense region (a one-off) stays a proposal of its own. A group too large
to read as one topic is clustered again on its own. Each group is explained by the terms its
members share and each member's nearest neighbours in it (services/proposal_explain.py).

Problems are put in a canonical order (by text) before anything is computed, and identical texts
are one point, so neither submission order nor ids can change the result."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import HDBSCAN
from sklearn.feature_extraction.text import TfidfVectorizer

from services.proposal_explain import nearest_neighbours, shared_terms

# Two teachers raising one problem already make a topic worth proposing (a county's small campaign
# has pairs, not crowds). min_samples stays HDBSCAN's default (= MIN_GROUP): on the development
# sets (tests/data/grouping_dev.json, tests/campaign_problems.py) nothing else did better for
# pairs; the evaluation set was never used to choose.
MIN_GROUP = 2
SPLIT_FLOOR = 12  # a proposal staff read at a glance is never split, however many problems there are
NOISE = -1


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    vector: np.ndarray = field(compare=False, repr=False)
    title: str = ""  # what a proposal led by this problem is called
    votes: int = 0
    author: int = 0
    school: int = 0


@dataclass
class Group:
    members: list[Item]
    shared_terms: list[str] = field(default_factory=list)
    neighbours: dict[int, list[int]] = field(default_factory=dict)  # member id → its nearest members' ids

    @property
    def votes(self) -> int:
        return sum(m.votes for m in self.members)

    @property
    def teachers(self) -> int:
        return len({m.author for m in self.members})

    @property
    def schools(self) -> int:
        return len({m.school for m in self.members})


def similarity(texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """Pairwise similarity in [-0.5, 1]: the mean of the lexical and the semantic cosine."""
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                            dtype=np.float32).fit_transform(texts)
    lexical = (tfidf @ tfidf.T).toarray()
    lexical += vectors @ vectors.T
    lexical *= 0.5
    return lexical


def _labels(similar: np.ndarray) -> np.ndarray:
    """HDBSCAN cluster of each point (NOISE for none)."""
    if len(similar) <= MIN_GROUP:
        return np.full(len(similar), NOISE)
    distance = np.clip(1.0 - similar, 0.0, None, dtype=np.float64)
    np.fill_diagonal(distance, 0.0)
    return HDBSCAN(min_cluster_size=MIN_GROUP, metric="precomputed", copy=False).fit_predict(distance)


def _split(points: np.ndarray, similar: np.ndarray) -> list[np.ndarray]:
    """Cluster one large group again on its own; its stray points join the sub-group they are most
    similar to on average (they belong to the group, just to no tighter part of it)."""
    local = similar[np.ix_(points, points)]
    labels = _labels(local)
    found = sorted(set(labels) - {NOISE})
    if len(found) < 2:
        return [points]
    joined = labels.copy()
    for i in np.flatnonzero(labels == NOISE):
        joined[i] = max(found, key=lambda c: local[i, labels == c].mean())
    return [points[joined == c] for c in found]


def _clusters(similar: np.ndarray) -> list[np.ndarray]:
    """Groups of point indices: dense clusters, each noise point alone, large clusters split again."""
    labels = _labels(similar)
    pending = [np.flatnonzero(labels == c) for c in sorted(set(labels) - {NOISE})]
    done = [np.array([i]) for i in np.flatnonzero(labels == NOISE)]
    largest = max(SPLIT_FLOOR, math.sqrt(len(similar)))
    while pending:
        points = pending.pop()
        pieces = _split(points, similar) if len(points) > largest else [points]
        if len(pieces) == 1:
            done.append(points)
        else:
            pending.extend(pieces)
    return done


def group_items(items: Sequence[Item]) -> list[Group]:
    """The proposed groups, ranked; members by votes."""
    if not items:
        return []
    texts = sorted({item.text for item in items})
    index = {text: n for n, text in enumerate(texts)}
    vectors = np.empty((len(texts), items[0].vector.shape[0]), dtype=np.float32)
    for item in items:
        vectors[index[item.text]] = item.vector
    similar = similarity(texts, vectors)
    members_of: dict[int, list[Item]] = {}
    for item in items:
        members_of.setdefault(index[item.text], []).append(item)
    groups = []
    for points in _clusters(similar):
        members = sorted((m for p in points for m in members_of[p]), key=lambda m: (-m.votes, m.text, m.id))
        at = [index[m.text] for m in members]
        groups.append(Group(members=members, shared_terms=shared_terms([m.text for m in members]),
                            neighbours=nearest_neighbours([m.id for m in members], similar[np.ix_(at, at)])))
    return rank(groups)


def rank(groups: list[Group]) -> list[Group]:
    """Most votes first, then distinct teachers, schools and size; ties by text, never by id."""
    return sorted(groups, key=lambda g: (-g.votes, -g.teachers, -g.schools, -len(g.members), g.members[0].text))


def describe(items: Sequence[Item]) -> Group:
    """One group as staff shaped it (merged, moved, split), explained the same way."""
    members = sorted(items, key=lambda m: (-m.votes, m.text, m.id))
    texts = [m.text for m in members]
    similar = similarity(texts, np.stack([m.vector for m in members])) if len(members) > 1 else np.ones((1, 1))
    return Group(members=members, shared_terms=shared_terms(texts),
                 neighbours=nearest_neighbours([m.id for m in members], similar))
