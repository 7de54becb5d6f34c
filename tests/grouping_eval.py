"""The labelled evaluation set for topic grouping (tests/data/grouping_eval.json) and what is
measured on it: adjusted Rand index against the themes, proposals against themes, and how often a
one-off problem is kept out of every theme's proposal."""

import json
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from services import sentence_vectors
from services.campaigns.theme_grouping import Theme
from services.campaigns.topic_grouping import Group, Item

DATA = Path(__file__).parent / "data" / "grouping_eval.json"
DEV = DATA.with_name("grouping_dev.json")  # where methods and parameters were chosen
DEV2 = DATA.with_name("grouping_dev2.json")  # the same, with more one-offs sharing the themes' words
DEV3 = DATA.with_name("grouping_dev3.json")  # the same, other subjects and stages (written for issue 13)
ONE_OFF = ""  # the label of a problem that belongs to no theme


@dataclass(frozen=True)
class Labelled:
    title: str
    description: str
    tags: list[str]
    theme: str  # ONE_OFF for a one-off

    @property
    def text(self) -> str:
        return sentence_vectors.problem_text(self.title, self.description, self.tags)


def load(path: Path = DATA) -> list[Labelled]:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [(p, t["theme"]) for t in data["themes"] for p in t["problems"]] + [(p, ONE_OFF) for p in data["one_offs"]]
    return [Labelled(p["title"], p["description"], p["tags"], theme) for p, theme in rows]


def items(problems: list[Labelled]) -> list[Item]:
    """Items as the activity builds them: ids in the listed order, votes and authors varied."""
    vectors = sentence_vectors.encode([p.text for p in problems])
    return [Item(id=n, text=p.text, vector=vectors[n], votes=n % 3, author=n, school=n % 5)
            for n, p in enumerate(problems)]


def named_themes(problems: list[Labelled]) -> list[Theme]:
    """Every labelled theme named by its title, as staff who expect it would name it."""
    names = sorted({p.theme for p in problems} - {ONE_OFF})
    return [Theme(id=n, text=name, vector=vector) for n, (name, vector) in enumerate(
        zip(names, sentence_vectors.encode(names)))]


@dataclass(frozen=True)
class Scores:
    ari: float
    themes: int
    proposals: int
    theme_proposals: int  # proposals holding at least two problems
    one_offs: int
    one_offs_alone: int  # one-offs proposed on their own
    one_offs_out_of_themes: int = 0  # one-offs in no proposal holding a theme's problem (the measure)

    @property
    def one_offs_kept_apart(self) -> float:
        return self.one_offs_alone / self.one_offs


def score(problems: list[Labelled], groups: list[Group]) -> Scores:
    # Each one-off is a theme of its own: grouping it with anything costs, keeping it alone counts.
    truth = [p.theme or f"one-off {n}" for n, p in enumerate(problems)]
    proposal_of = {m.id: k for k, g in enumerate(groups) for m in g.members}
    alone = sum(1 for g in groups if len(g.members) == 1 and problems[g.members[0].id].theme == ONE_OFF)
    merged = sum(1 for g in groups if any(problems[m.id].theme != ONE_OFF for m in g.members)
                 for m in g.members if problems[m.id].theme == ONE_OFF)
    return Scores(ari=adjusted_rand_score(truth, [proposal_of[n] for n in range(len(problems))]),
                  themes=len({p.theme for p in problems} - {ONE_OFF}), proposals=len(groups),
                  theme_proposals=sum(1 for g in groups if len(g.members) > 1),
                  one_offs=(one_offs := sum(1 for p in problems if p.theme == ONE_OFF)), one_offs_alone=alone,
                  one_offs_out_of_themes=one_offs - merged)




def staff_operations(problems: list[Labelled], groups: list[Group]) -> int:
    """How many merge / move / split operations turn the proposals into the labelled grouping (each
    theme one proposal, each one-off alone), counted as the console offers them (合并两组: a merge
    joins two proposals).

    Each proposal belongs to the theme most of its members share (a one-off is a theme of its own;
    ties: the larger theme, then its name); a theme's home is its largest part in a proposal that
    belongs to it, else its largest part anywhere, split out (or moved out, one problem): one
    operation. Each other proposal of the theme merges into the home, once its strays have left:
    one operation. Each part of the theme inside another theme's proposal joins the home by a move
    per problem, or a split and a merge, whichever is fewer. An upper bound on the fewest
    operations, the same for the same proposals."""
    truth = [p.theme or f"one-off {n}" for n, p in enumerate(problems)]
    size = {t: truth.count(t) for t in set(truth)}
    owned: dict[str, list[int]] = {t: [] for t in size}  # sizes of the theme's parts in proposals it owns
    strays: dict[str, list[int]] = {t: [] for t in size}  # sizes of its parts in other themes' proposals
    for g in groups:
        counts = {t: sum(1 for m in g.members if truth[m.id] == t) for t in {truth[m.id] for m in g.members}}
        owner = min(counts, key=lambda t: (-counts[t], -size[t], t))
        for t, c in counts.items():
            (owned if t == owner else strays)[t].append(c)
    operations = 0
    for t in size:
        parts, stray = sorted(owned[t]), sorted(strays[t])
        if parts:
            parts.pop()  # the home
        else:
            stray.pop()  # leaves its proposal to be the theme's own
            operations += 1
        operations += len(parts) + sum(min(c, 2) for c in stray)
    return operations
