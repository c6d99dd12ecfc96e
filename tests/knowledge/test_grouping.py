"""Grouping unanswered questions: plain text similarity, no database."""

from __future__ import annotations

from knowledge.grouping import MAX_VARIANTS, UnansweredGroup, group_questions


def test_similar_phrasings_form_one_group_counted_together_most_asked_first() -> None:
    questions = [
        "how do I bake bread",
        "is TSUBAME dead?",
        "how do i bake bread?",
        "is tsubame dead",
        "is tsubame dead",
        "what is the weather",
    ]
    groups = group_questions(questions, limit=10)
    assert groups[0] == UnansweredGroup("is tsubame dead", 3, [], ("is tsubame dead",))
    assert UnansweredGroup("how do I bake bread", 2, [], ("how do I bake bread",)) in groups
    assert sum(group.count for group in groups) == len(questions)


def test_a_group_shows_its_phrasings_cleaned_and_at_most_a_few_variants() -> None:
    questions = ["who funds\nthe\x1b[31m ajccbc"] + [
        f"who funds the ajccbc project {n}" for n in range(MAX_VARIANTS + 3)
    ]
    (group,) = group_questions(questions, limit=10)
    assert group.count == len(questions)
    assert len(group.variants) == MAX_VARIANTS
    shown = [group.example, *group.variants]
    assert not any(ch in text for text in shown for ch in "\n\x1b")


def test_a_group_lists_every_phrasing_beyond_the_variants_shown() -> None:
    questions = [f"who funds the ajccbc project {n}" for n in range(MAX_VARIANTS + 3)]
    (group,) = group_questions(questions, limit=10)
    assert sorted(group.phrasings) == sorted(questions)
    assert group.phrasings[0] == group.example


def test_the_limit_bounds_the_groups_returned() -> None:
    questions = ["bake bread", "repair a bicycle", "weather tomorrow", "train tickets"]
    assert len(group_questions(questions, limit=10)) == 4
    assert len(group_questions(questions, limit=2)) == 2
    assert group_questions(questions, limit=0) == []


def test_japanese_phrasings_of_one_question_form_one_group() -> None:
    questions = ["TSUBAMEとは何ですか", "TSUBAMEって何？", "AJCCBCはどこにありますか"]
    groups = group_questions(questions, limit=10)
    first = groups[0]
    assert (first.count, sorted(first.phrasings)) == (2, sorted(questions[:2]))
    assert len(groups) == 2
