"""Japanese text as matching words: script runs, Latin words inside Japanese, variants."""

from __future__ import annotations

from knowledge.japanese import fold_variants
from knowledge.language import answer_language, has_japanese
from knowledge.text import words


def test_a_latin_word_inside_japanese_is_a_word_of_its_own() -> None:
    assert "tsubame" in words("TSUBAMEとは何ですか")
    assert "ajccbc" in words("AJCCBCはどこにありますか")


def test_full_width_latin_letters_read_as_plain_ones() -> None:
    assert "tsubame" in words("ＴＳＵＢＡＭＥって何？")


def test_japanese_runs_become_bigrams_that_never_cross_a_change_of_script() -> None:
    tokens = words("能動的サイバー防御")
    assert {"能動", "動的", "防御"} <= set(tokens)
    assert "的サ" not in tokens
    assert "バ防" not in tokens


def test_question_words_read_as_the_english_question_word() -> None:
    assert "where" in words("どこにありますか")
    assert "when" in words("いつ始まりましたか")


def test_vu_and_long_vowel_marks_are_spelled_one_way() -> None:
    assert fold_variants("ヴィザ") == fold_variants("ビザ")
    assert fold_variants("セキュリティー") == fold_variants("セキュリティ")
    assert words("サイバーセキュリティー") == words("サイバセキュリティ")


def test_one_kana_or_kanji_makes_a_question_japanese() -> None:
    assert has_japanese("TSUBAMEとは")
    assert not has_japanese("What is TSUBAME?")
    assert not has_japanese("Ｗｈａｔ")


def test_the_answer_language_follows_the_question_or_the_locale() -> None:
    assert answer_language("TSUBAMEとは何ですか") == "ja"
    assert answer_language("What is TSUBAME?") == "en"
    assert answer_language("What is TSUBAME?", "ja") == "ja"
