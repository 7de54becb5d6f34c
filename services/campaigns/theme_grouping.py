"""Grouping with the themes staff expect (a title and a line each, or last term's topics).

The unsupervised grouping runs first, unchanged (services/campaigns/topic_grouping.py). Then each
of its proposals of two problems or more is proposed for the named theme it is clearly about, and
the proposals of one theme become one: that theme's proposal, marked as coming from it. "Clearly
about": the proposal's mean similarity to the theme (the grouping's own similarity, each theme's
column standardised over the campaign's problems, since a theme's title is far shorter than any
problem) stands above every other theme's, and above the campaign's average, by MARGIN.

A problem the grouping left alone is never drawn into a named theme: that is how a one-off is
kept out (on the development sets, every way of letting single problems join a theme let one-offs
in). It stays a proposal of its own for staff to move if they know better."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from services.campaigns.topic_grouping import Group, Item, char_ngrams, describe, group_items, rank

# In standard deviations of the theme's similarity over the campaign. Chosen on the development
# sets (tests/data/grouping_dev*.json) with every labelled theme named by its title: the fewest
# staff operations among the margins that let no one-off into a theme (benchmarks/bench_grouping.py).
MARGIN = 0.75


@dataclass(frozen=True)
class Theme:
    id: int
    text: str  # its title and line
    vector: np.ndarray = field(compare=False, repr=False)


def theme_similarity(items: Sequence[Item], themes: Sequence[Theme]) -> np.ndarray:
    """Problems × themes, in the grouping's terms: the mean of the character n-gram cosine (fitted
    on the problems and the themes together, in a canonical order) and the sentence vectors' cosine."""
    ngrams = char_ngrams().fit(sorted({item.text for item in items} | {theme.text for theme in themes}))
    lexical = (ngrams.transform([item.text for item in items]) @ ngrams.transform([t.text for t in themes]).T).toarray()
    semantic = np.stack([item.vector for item in items]) @ np.stack([theme.vector for theme in themes]).T
    return 0.5 * (lexical + semantic)


def group_with_themes(items: Sequence[Item], themes: Sequence[Theme]) -> list[Group]:
    """The grouping's proposals, those clearly about a named theme gathered into it; ranked."""
    groups = group_items(items)
    if not themes or len(items) < 2:
        return groups
    similar = theme_similarity(items, themes)
    spread = similar.std(axis=0)
    standard = (similar - similar.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    row = {item.id: n for n, item in enumerate(items)}
    gathered: dict[int, list[Item]] = {}
    kept = []
    for group in groups:
        if len(group.members) < 2:
            kept.append(group)
            continue
        mean = standard[[row[m.id] for m in group.members]].mean(axis=0)
        best = int(mean.argmax())
        runner_up = max(np.delete(mean, best).max(initial=0.0), 0.0)
        if mean[best] - runner_up >= MARGIN:
            gathered.setdefault(best, []).extend(group.members)
        else:
            kept.append(group)
    return rank(kept + [describe(members, theme_id=themes[t].id) for t, members in gathered.items()])
