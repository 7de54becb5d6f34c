"""Topic grouping: quality on the labelled evaluation set (adjusted Rand index, proposals against
themes, one-offs kept on their own) and time to group 500 and 5,000 problems from their stored
vectors, against the previous algorithm (benchmarks/previous_grouping.py) in the same run.

    .venv/bin/python -m benchmarks.bench_grouping [--sizes 500 5000] [--no-baseline-at 5000]
"""

import argparse
import random
import time

from benchmarks import previous_grouping
from services import sentence_vectors
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
    for label, path in [("evaluation set", grouping_eval.DATA), ("development set", grouping_eval.DEV),
                        ("second development set", grouping_eval.DEV2),
                        ("third development set", grouping_eval.DEV3)]:
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
    for n in args.sizes:
        timing(n, baseline=n not in args.no_baseline_at)
