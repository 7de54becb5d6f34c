"""Topic proposals: paraphrases of one teaching problem end up together, unrelated ones apart."""

from services.topic_grouping import Item, group_items
from tests.campaign_problems import ALL_TEXTS, EXPECTED_GROUPS, SINGLETONS


def _items() -> list[Item]:
    return [Item(id=n, text=text, votes=n % 3, author=n, school=n % 5) for n, text in enumerate(ALL_TEXTS)]


def test_fixture_is_big_enough():
    assert len(ALL_TEXTS) >= 40
    assert len({t for t in ALL_TEXTS}) == len(ALL_TEXTS)


def test_paraphrases_grouped_unrelated_kept_apart():
    items = _items()
    groups = group_items(items)
    text_of = {i.id: i.text for i in items}
    proposed = sorted(sorted(text_of[m.id] for m in g.members) for g in groups)
    expected = sorted([sorted(texts) for texts in EXPECTED_GROUPS.values()] + [[s] for s in SINGLETONS])
    assert proposed == expected


def test_groups_are_explained_and_ranked():
    groups = group_items(_items())
    for group in groups:
        if len(group.members) > 1:
            assert group.shared_terms, [m.text for m in group.members]
    keys = [(g.votes, g.teachers, g.schools) for g in groups]
    assert keys == sorted(keys, reverse=True)
    by_text = {m.text: g for g in groups for m in g.members}
    assert "作文" in by_text[EXPECTED_GROUPS["作文"][0]].shared_terms


def test_empty_and_single():
    assert group_items([]) == []
    [only] = group_items([Item(id=1, text="学生上课注意力不集中")])
    assert [m.id for m in only.members] == [1] and only.shared_terms == []
