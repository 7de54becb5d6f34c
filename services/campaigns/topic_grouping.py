"""Grouping teachers' problems into proposed topics (分门别类): semantic, offline, explainable, and the
same whatever order the problems were submitted in.

Two similarities are averaged: the cosine of character 1–3-gram TF-IDF vectors (the words teachers
share, 作文/写作文/作文写作, with common characters discounted by IDF) and the cosine of the problems'
stored sentence vectors (meaning: 不敢开口 ~ 羞于用英语表达). HDBSCAN on that distance finds the
groups where problems are dense, so the data decides how many there are and no county tunes a
threshold. Teachers write one theme in loosely related ways, so HDBSCAN alone leaves many of a
theme's problems out as noise; its groups are therefore grown by average linkage as far as the
silhouette improves (the data decides again), and a problem HDBSCAN left out keeps its place only
if a member of its new group has it as its most similar problem. A problem nothing vouches for (a
one-off) stays a proposal of its own. A group too large to read as one topic is clustered again on
its own. Each group is explained by the terms its members share and each member's nearest
neighbours in it (services/campaigns/proposal_explain.py).

Problems are put in a canonical order (by text) before anything is computed, and identical texts
are one point, so neither submission order nor ids can change the result."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.sparse import csr_matrix
from scipy.spatial.distance import squareform
from sklearn.cluster import HDBSCAN
from sklearn.feature_extraction.text import TfidfVectorizer

from services.campaigns.proposal_explain import nearest_neighbours, shared_terms

# Two teachers raising one problem already make a topic worth proposing (a county's small campaign
# has pairs, not crowds). min_samples stays HDBSCAN's default (= MIN_GROUP): on the development
# sets (tests/data/grouping_dev*.json, tests/campaign_problems.py) nothing else did better for
# pairs; the evaluation set was never used to choose. The growth and the vouching (_grown,
# _vouched) have no parameter. The other similarities and clusterings measured for issue 13 are in
# the README (Topic grouping): none beat this one across the development sets.
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
    seconders: frozenset[int] = frozenset()  # teachers who seconded it (附议): concerned, as its author is


@dataclass
class Group:
    members: list[Item]
    shared_terms: list[str] = field(default_factory=list)
    neighbours: dict[int, list[int]] = field(default_factory=dict)  # member id → its nearest members' ids
    theme_id: int | None = None  # the named theme it was proposed for (services/campaigns/theme_grouping.py)

    @property
    def votes(self) -> int:
        return sum(m.votes for m in self.members)

    @property
    def teachers(self) -> int:
        return len({m.author for m in self.members}.union(*(m.seconders for m in self.members)))

    @property
    def schools(self) -> int:
        return len({m.school for m in self.members})


def char_ngrams() -> TfidfVectorizer:
    """The lexical half of the similarity: character 1–3-gram TF-IDF (rows of unit length)."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32)


def similarity(texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """Pairwise similarity in [-0.5, 1]: the mean of the lexical and the semantic cosine."""
    tfidf = char_ngrams().fit_transform(texts)
    lexical = (tfidf @ tfidf.T).toarray()
    lexical += vectors @ vectors.T
    lexical *= 0.5
    return lexical


def _distance(similar: np.ndarray) -> np.ndarray:
    distance = np.clip(1.0 - similar, 0.0, None, dtype=np.float64)
    np.fill_diagonal(distance, 0.0)
    return distance


def _labels(similar: np.ndarray) -> np.ndarray:
    """HDBSCAN cluster of each point (NOISE for none)."""
    if len(similar) <= MIN_GROUP:
        return np.full(len(similar), NOISE)
    # copy=False: HDBSCAN may overwrite the matrix, which is this call's own.
    return HDBSCAN(min_cluster_size=MIN_GROUP, metric="precomputed", copy=False).fit_predict(_distance(similar))


def _grown(similar: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """HDBSCAN's groups grown by average linkage, as far as the mean silhouette says: the group
    number of each point. HDBSCAN finds the dense cores of the themes but leaves their looser
    members as noise; joining groups from HDBSCAN's partition, the closest on average first (each
    noise point a group of its own), and keeping the level where the silhouette (how much closer
    each problem is to its own group than to the next) is highest, lets the data decide how far to
    go. The silhouette scores a problem alone 0, so it also favours one-offs joining the group they
    are nearest to: those are taken out again unless the group vouches for them (_vouched).

    The silhouette is kept current merge by merge (each point's distance sums to every group, its
    nearest other group), so 5,000 problems take seconds, not the hours of recomputing it."""
    n = len(similar)
    start = labels.copy()
    noise = start == NOISE
    start[noise] = start.max(initial=NOISE) + 1 + np.arange(noise.sum())
    start = np.unique(start, return_inverse=True)[1].reshape(-1)
    groups = int(start.max()) + 1
    if groups < 3:
        return start
    distance = _distance(similar)
    # The merge order: UPGMA with the starting groups' inner distances set to 0, so each is whole
    # before any two groups merge (distances across groups, which decide the order, are kept).
    condensed = squareform(distance, checks=False)
    for g in np.flatnonzero(np.bincount(start) > 1):
        i, j = (pair := np.flatnonzero(start == g))[np.array(np.triu_indices(len(pair), 1))]
        condensed[n * i - i * (i + 1) // 2 + j - i - 1] = 0.0
    merges = linkage(condensed, method="average")
    del condensed
    sums = np.ascontiguousarray(distance @ csr_matrix((np.ones(n), (np.arange(n), start)), shape=(n, groups)))
    del distance
    size = np.bincount(start).astype(np.float64)
    alive = np.ones(groups, dtype=bool)
    own = start.copy()
    own_sum = sums[np.arange(n), own]

    def nearest_other(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        means = sums[points] / size
        means[:, ~alive] = np.inf
        means[np.arange(len(points)), own[points]] = np.inf
        nearest = means.argmin(1)
        return means[np.arange(len(points)), nearest], nearest

    b, nearest = nearest_other(np.arange(n))

    def silhouette() -> float:
        together = size[own] > 1  # a problem alone scores 0, as in sklearn's silhouette
        a = own_sum / np.maximum(size[own] - 1, 1)
        return float(np.where(together, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0).mean())

    group_of_node = list(start) + [0] * (n - 1)  # a starting group in each linkage node
    current = np.arange(groups)  # the group each starting group is now part of
    best, best_at, done = silhouette(), 0, []
    for k, (x, y) in enumerate(merges[:, :2].astype(int)):
        keep, gone = sorted((current[group_of_node[x]], current[group_of_node[y]]))
        group_of_node[n + k] = keep
        if keep == gone:
            continue
        current[current == gone] = keep
        moving, staying = own == gone, own == keep
        own_sum[moving] += sums[moving, keep]
        own_sum[staying] += sums[staying, gone]
        sums[:, keep] += sums[:, gone]
        size[keep] += size[gone]
        alive[gone] = False
        own[moving] = keep
        done.append((keep, gone))
        if alive.sum() < 2:
            break
        # A point's nearest other group changes if it was one of the two, or if the merged group
        # is now nearer (never for its own members: it is theirs).
        mean_keep = sums[:, keep] / size[keep]
        redo = np.flatnonzero((nearest == gone) | (nearest == keep))
        closer = (own != keep) & (mean_keep < b)
        closer[redo] = False
        b[closer], nearest[closer] = mean_keep[closer], keep
        if len(redo):
            b[redo], nearest[redo] = nearest_other(redo)
        if (score := silhouette()) > best:
            best, best_at = score, len(done)
    root = np.arange(groups)
    for keep, gone in done[:best_at]:
        root[root == gone] = keep
    return _vouched(similar, root[start], np.flatnonzero(noise))


def _vouched(similar: np.ndarray, groups: np.ndarray, strays: np.ndarray) -> np.ndarray:
    """A problem HDBSCAN left alone stays in the group it grew into only if some member of that
    group has it as its most similar problem: the group vouches for it. A one-off is nearer to one
    group than to the others, but never the nearest problem of a member, who has closer fellows."""
    diagonal = similar.diagonal().copy()
    np.fill_diagonal(similar, -np.inf)
    nearest = similar.argmax(1)
    np.fill_diagonal(similar, diagonal)
    groups = groups.copy()
    alone = groups.max(initial=0) + 1
    for i in strays:
        fellows = np.flatnonzero(groups == groups[i])
        if len(fellows) > 1 and not (nearest[fellows] == i).any():
            groups[i], alone = alone, alone + 1
    return groups


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
    """Groups of point indices: HDBSCAN's clusters grown while the silhouette improves, the points
    no group took each alone, large groups split again."""
    labels = _grown(similar, _labels(similar))
    found = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    pending = [points for points in found if len(points) > 1]
    done = [points for points in found if len(points) == 1]
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


def describe(items: Sequence[Item], theme_id: int | None = None) -> Group:
    """One group as staff shaped it (merged, moved, split) or a named theme gathered it, explained
    the same way."""
    members = sorted(items, key=lambda m: (-m.votes, m.text, m.id))
    texts = [m.text for m in members]
    similar = similarity(texts, np.stack([m.vector for m in members])) if len(members) > 1 else np.ones((1, 1))
    return Group(members=members, shared_terms=shared_terms(texts),
                 neighbours=nearest_neighbours([m.id for m in members], similar), theme_id=theme_id)
