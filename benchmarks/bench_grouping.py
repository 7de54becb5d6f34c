"""Topic grouping: quality on the labelled evaluation set (adjusted Rand index, proposals against
themes, one-offs kept on their own) and time to group 500 and 5,000 problems from their stored
vectors, against the previous algorithm (benchmarks/previous_grouping.py) in the same run. For the
people who use it (issue 25), on every labelled set: the merge / move / split operations a staff
member needs to reach the labelled grouping, with every labelled theme named by its title and
without (the current grouping), and recall at 3 of the similar-problems list.

    .venv/bin/python -m benchmarks.bench_grouping [--sizes 500 5000] [--no-baseline-at 5000]
"""

import argparse
import random
import time

import numpy as np

from benchmarks import previous_grouping
from services import sentence_vectors
from services.campaigns.similar import Index
from services.campaigns.theme_grouping import group_with_themes
from services.campaigns.topic_grouping import Group, Item, group_items
from tests import grouping_eval

GRADES = ["三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "高一", "高二"]
CONTEXTS = ["（{grade}）", "，{grade}尤其明显", "，在{grade}普遍存在", "。{grade}教学中经常遇到"]


def county(size: int) -> list[str]:
    """`size` distinct problems, as varied as a county's: titles, descriptions and tags of the
    labelled problems recombined at random, each placed in a grade."""
    problems = grouping_eval.load() + grouping_eval.load(grouping_eval.DEV)
    pick = random.Random(size).choice
    texts: set[str] = set()
    while len(texts) < size:
        title, description, tags = pick(problems).title, pick(problems).description, pick(problems).tags
        texts.add(sentence_vectors.problem_text(title + pick(CONTEXTS).format(grade=pick(GRADES)), description, tags))
    return sorted(texts)


def quality() -> None:
    for label, path in SETS:
        problems = grouping_eval.load(path)
        scores = grouping_eval.score(problems, group_items(grouping_eval.items(problems)))
        old = previous_grouping.group_items([previous_grouping.Item(id=n, text=p.text, votes=n % 3, author=n,
                                                                    school=n % 5) for n, p in enumerate(problems)])
        old_scores = grouping_eval.score(problems, [Group(members=g.members) for g in old])
        print(f"{label}: {len(problems)} problems, {scores.themes} themes, {scores.one_offs} one-offs")
        print(f"  ARI {scores.ari:.3f} (previous algorithm, problems in listed order: {old_scores.ari:.3f}); "
              f"{scores.proposals} proposals, {scores.theme_proposals} of them with two problems or more "
              f"(previous: {old_scores.proposals}, {old_scores.theme_proposals}); one-offs on their own: "
              f"{scores.one_offs_alone}/{scores.one_offs} ({scores.one_offs_kept_apart:.0%}; previous "
              f"{old_scores.one_offs_alone}/{old_scores.one_offs}); one-offs in no theme's proposal: "
              f"{scores.one_offs_out_of_themes}/{scores.one_offs} (previous {old_scores.one_offs_out_of_themes})",
              flush=True)


SETS = [("evaluation set", grouping_eval.DATA), ("development set", grouping_eval.DEV),
        ("second development set", grouping_eval.DEV2), ("third development set", grouping_eval.DEV3)]


def recall_at_3(problems: list[grouping_eval.Labelled], items: list[Item]) -> float:
    """How often the similar list, asked with a themed problem's text, shows a problem of its theme
    among its first three (the problem itself left out; the list's floor applies)."""
    index = Index.build([i.id for i in items], [i.text for i in items], np.stack([i.vector for i in items]))
    themed = [i for i in items if problems[i.id].theme != grouping_eval.ONE_OFF]
    return sum(any(problems[p].theme == problems[i.id].theme for p, _ in index.nearest(i.text, i.vector, shown=3,
                                                                                     leave_out=i.id))
               for i in themed) / len(themed)


def for_staff() -> None:
    for label, path in SETS:
        problems = grouping_eval.load(path)
        items = grouping_eval.items(problems)
        themes = grouping_eval.named_themes(problems)
        current, named = group_items(items), group_with_themes(items, themes)
        now, seeded = grouping_eval.score(problems, current), grouping_eval.score(problems, named)
        operations = grouping_eval.staff_operations(problems, named)
        print(f"{label}: staff operations to the labelled grouping {operations} with its {len(themes)} themes named "
              f"(current grouping: {grouping_eval.staff_operations(problems, current)}); "
              f"ARI {seeded.ari:.3f} (current {now.ari:.3f}); one-offs in no theme's proposal "
              f"{seeded.one_offs_out_of_themes}/{seeded.one_offs} (current {now.one_offs_out_of_themes}); "
              f"{sum(g.theme_id is not None for g in named)} proposals from a named theme; "
              f"similar list recall@3 {recall_at_3(problems, items):.3f}", flush=True)


def timing(size: int, baseline: bool) -> None:
    texts = county(size)
    start = time.perf_counter()
    vectors = sentence_vectors.encode(texts)
    encoded = time.perf_counter() - start
    items = [Item(id=n, text=t, vector=vectors[n], votes=n % 3, author=n, school=n % 40) for n, t in enumerate(texts)]
    start = time.perf_counter()
    groups = group_items(items)
    grouped = time.perf_counter() - start
    line = (f"{size:5d} problems: grouped in {grouped:6.1f} s ({len(groups)} proposals); "
            f"encoding them at submission took {encoded / size * 1000:.1f} ms each")
    if baseline:
        start = time.perf_counter()
        previous_grouping.group_items([previous_grouping.Item(id=i.id, text=i.text, votes=i.votes, author=i.author,
                                                              school=i.school) for i in items])
        before = time.perf_counter() - start
        line += f"; previous algorithm {before:6.1f} s: new / previous = {grouped / before:.2f}x"
    print(line, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--no-baseline-at", type=int, nargs="*", default=[], help="sizes to time without the baseline")
    args = parser.parse_args()
    quality()
    for_staff()
    for n in args.sizes:
        timing(n, baseline=n not in args.no_baseline_at)
