from __future__ import annotations

import pytest

from knowledge.text import MAX_INPUT_CHARS, MAX_QUESTION_TOKENS, normalise, words


def test_normalise_folds_case_punctuation_and_spacing() -> None:
    assert normalise("  What is   the TSUBAME project?! ") == "what is the tsubame project"


def test_normalise_drops_discord_mentions_and_custom_emoji() -> None:
    assert normalise("<@123> <@!45> <@&67> <#89> <:wave:1234> hi") == "hi"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｔｓｕｂａｍｅ", "tsubame"),  # full-width letters
        ("caf\u00e9 cafe\u0301", "cafe cafe"),  # precomposed and combining accents
        ("tsu\u200bbame\u200d", "tsubame"),  # zero-width characters
        ("\u202etsubame\u202c", "tsubame"),  # right-to-left override
    ],
)
def test_normalise_removes_invisible_and_compatibility_differences(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_keeps_japanese_sound_marks() -> None:
    assert normalise("オリンピック") == "オリンピック"


def test_letters_and_years_written_together_split_but_short_codes_stay() -> None:
    assert words("tokyo2020 and G7 and 5G") == ["tokyo", "2020", "and", "g7", "and", "5g"]


def test_words_stems_plurals_and_drops_possessive_s() -> None:
    assert words("UK's sensors and policies") == ["uk", "sensor", "and", "policy"]


def test_long_input_is_capped_in_characters_and_words() -> None:
    assert len(normalise("a" * 10_000)) == MAX_INPUT_CHARS
    assert len(words("word " * 1_000)) == MAX_QUESTION_TOKENS


def test_line_breaks_and_tabs_separate_words() -> None:
    assert normalise("who funds\nthe\tajccbc\r\n?") == "who funds the ajccbc"


def test_words_kept_for_a_text_are_not_changed_by_a_caller_changing_its_list() -> None:
    first = words("TSUBAME sensors")
    first.append("changed")
    assert words("TSUBAME sensors") == ["tsubame", "sensor"]
