"""Each validation rule, asserting the file, line and message a maintainer sees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from knowledge.loader import load_knowledge_base, relative_to
from knowledge.problems import EXCERPT_CHARS

ENTRY = """\
  - id: {id}
    question: {question}
    alternates: [another way to ask {id}]
    answer: An answer.
    sources:
      - title: A source
        url: https://example.org/{id}
    tags: [example]
    related: []
    updated: 2026-01-01
"""


# Shaped like a Discord bot token: what must never be quoted whole, wherever it was pasted.
FAKE_TOKEN = "Xq7ZpLw2Rk9Vn4Tb8Hs1Jd6Fm3Cg5Ye0Ua.QiWoEr.tYuIoPaSdFgHjKlZxCvBnMqWeRtYuI"


def longest_quoted_run(secret: str, messages: list[str]) -> int:
    """The most consecutive characters of ``secret`` that any one message contains."""
    text = "\n".join(messages)
    for n in range(len(secret), 0, -1):
        if any(secret[i : i + n] in text for i in range(len(secret) - n + 1)):
            return n
    return 0


def entry(
    id: str = "first-entry", question: str = "What is the first entry?", **fields: str
) -> str:
    """An entry in the layout of ENTRY, with the named fields' lines replaced."""
    lines = ENTRY.format(id=id, question=question).splitlines()
    for key, value in fields.items():
        for i, line in enumerate(lines):
            indent = line[: len(line) - len(line.lstrip(" -"))]
            if line.lstrip(" -").startswith(f"{key}:"):
                lines[i] = f"{indent}{key}: {value}"
    return "\n".join(lines) + "\n"


def write(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text(body, encoding="utf-8")
    return path


def topic_file(topic: str, *entries: str) -> str:
    return f"topic: {topic}\nentries:\n" + "".join(entries)


def errors_of(directory: Path) -> list[str]:
    result = load_knowledge_base(directory)
    assert result.knowledge_base is None, "expected the FAQ to be refused"
    return [str(p) for p in result.errors]


@pytest.fixture
def faq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Paths in messages are relative to the working directory, as a maintainer types them.
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "faq"
    directory.mkdir()
    return directory


def test_a_valid_directory_loads_every_entry(mini_faq: Path) -> None:
    result = load_knowledge_base(mini_faq)
    assert result.problems == ()
    assert result.knowledge_base is not None
    assert [e.id for e in result.knowledge_base.entries][:2] == [
        "swallow-migration",
        "swallow-speed",
    ]
    assert result.knowledge_base.topics == ("birds", "ships")
    assert result.knowledge_base.vocabulary.synonym_groups[1] == ("ship", "vessel", "boat")


def test_hidden_and_editor_files_beside_a_valid_faq_are_not_read(faq: Path) -> None:
    write(faq, "about.yaml", topic_file("about", entry()))
    (faq / "._about.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X\xff\xfe")
    (faq / ".#about.yaml").symlink_to("maintainer@laptop.4242:1764000000")
    write(faq, "about.yaml~", "topic: [an old half-edited copy\n")
    (faq / ".about.yaml.swp").write_bytes(b"b0VIM 9.1\x00" * 50)
    result = load_knowledge_base(faq)
    assert result.problems == ()
    assert result.knowledge_base is not None
    assert [e.id for e in result.knowledge_base.entries] == ["first-entry"]


def test_problem_messages_quote_only_a_short_marked_excerpt_of_a_value(faq: Path) -> None:
    t = FAKE_TOKEN
    write(faq, "bare.yaml", f"{t}\n")
    write(faq, "topic.yaml", f"topic: {t}\nentries:\n" + entry("a"))
    write(faq, "ids.yaml", topic_file("ids", entry(t)))
    write(faq, "urls.yaml", topic_file("urls", entry("c", url=t)))
    write(faq, "tags.yaml", topic_file("tags", entry("d", tags=f"[{t}]")))
    write(faq, "dates.yaml", topic_file("dates", entry("e", updated=t)))
    write(faq, "keys.yaml", topic_file("keys", entry("f") + f"    {t}: x\n"))
    write(faq, "dupes.yaml", f"topic: dupes\n{t}: 1\n{t}: 2\nentries:\n" + entry("g"))
    write(faq, "tagged.yaml", topic_file("tagged", entry("h", answer=f"!{t} An answer.")))
    write(faq, "_vocabulary.yaml", f"synonyms:\n  - [{t}, alpha]\n  - [{t}, beta]\n")
    messages = [p.message for p in load_knowledge_base(faq).problems]
    quoting = {p.split(":")[0] for p in errors_of(faq) if "…" in p}
    assert quoting == {
        f"faq/{name}.yaml"
        for name in ("bare", "topic", "ids", "urls", "tags", "dates", "keys", "dupes", "tagged")
    } | {"faq/_vocabulary.yaml"}
    assert longest_quoted_run(t, messages) <= EXCERPT_CHARS


def test_a_symlink_to_a_file_outside_the_faq_directory_is_refused_unread(
    faq: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secrets" / "discord_token"
    secret.parent.mkdir()
    secret.write_text(FAKE_TOKEN + "\n")
    write(faq, "about.yaml", topic_file("about", entry()))
    (faq / "leak.yaml").symlink_to(secret)
    result = load_knowledge_base(faq)
    assert [str(p) for p in result.problems] == [
        "faq/leak.yaml:1:1: symbolic link to a file outside the FAQ directory; refused "
        "(copy the file in instead)"
    ]
    assert result.knowledge_base is None
    assert longest_quoted_run(FAKE_TOKEN, [str(p) for p in result.problems]) <= 3


def test_a_symlink_to_a_file_inside_the_faq_directory_is_read(faq: Path) -> None:
    (faq / "drafts").mkdir()
    write(faq / "drafts", "about.yaml", topic_file("about", entry()))
    (faq / "about.yaml").symlink_to(Path("drafts") / "about.yaml")
    result = load_knowledge_base(faq)
    assert result.problems == ()
    assert result.knowledge_base is not None
    assert [e.id for e in result.knowledge_base.entries] == ["first-entry"]


def test_broken_and_looping_symlinks_are_skipped_with_a_warning(faq: Path) -> None:
    write(faq, "about.yaml", topic_file("about", entry()))
    (faq / "moved.yaml").symlink_to("renamed-since.yaml")
    (faq / "loop.yaml").symlink_to("loop.yaml")
    result = load_knowledge_base(faq)
    assert result.knowledge_base is not None
    assert [str(p) for p in result.problems] == [
        "faq/loop.yaml:1:1: warning: symbolic link loop; skipped",
        "faq/moved.yaml:1:1: warning: broken symbolic link (its target does not exist); skipped",
    ]


def test_only_regular_files_are_read(faq: Path) -> None:
    write(faq, "about.yaml", topic_file("about", entry()))
    os.mkfifo(faq / "pipe.yaml")  # opening it would wait for a writer forever
    (faq / "folder.yaml").mkdir()
    result = load_knowledge_base(faq)
    assert result.knowledge_base is not None
    assert [str(p) for p in result.problems] == [
        "faq/folder.yaml:1:1: warning: not a regular file; skipped",
        "faq/pipe.yaml:1:1: warning: not a regular file; skipped",
    ]


def test_too_long_answer_names_file_line_column_and_limit(faq: Path) -> None:
    write(faq, "olympics.yaml", topic_file("olympics", entry(answer="x" * 1812)))
    assert errors_of(faq) == [
        "faq/olympics.yaml:6:13: entry 'first-entry': 'answer' is 1,812 characters; "
        "the limit is 1,500"
    ]


def test_problems_can_name_files_relative_to_the_faq_directory(faq: Path) -> None:
    # What the bot does: its messages go to people who know the FAQ, not the server's paths.
    (faq / "more").mkdir()
    write(faq / "more", "olympics.yaml", topic_file("olympics", entry(answer="x" * 1812)))
    result = load_knowledge_base(faq / "more", display=relative_to(faq / "more"))
    assert [str(p).split(": ")[0] for p in result.errors] == ["olympics.yaml:6:13"]


def test_question_over_100_characters_is_an_error(faq: Path) -> None:
    write(faq, "t.yaml", topic_file("t", entry(question="why " * 30)))
    assert errors_of(faq) == [
        "faq/t.yaml:4:15: entry 'first-entry': 'question' is 119 characters; the limit is 100"
    ]


def test_a_misspelt_key_is_one_error_with_a_suggestion_not_also_a_missing_key(
    faq: Path,
) -> None:
    body = topic_file("t", entry()).replace("    alternates:", "    alternate:")
    write(faq, "t.yaml", body)
    assert errors_of(faq) == [
        "faq/t.yaml:5:5: entry 'first-entry': unknown key 'alternate'; did you mean "
        "'alternates'? (allowed: id, question, alternates, answer, sources, tags, related, "
        "updated, ja)",
    ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id", "First_Entry", "3:9: entry 'First_Entry': 'id' must be kebab-case"),
        ("url", "ftp://x.org", "9:14: entry 'first-entry': 'sources' item needs an http(s) 'url'"),
        ("sources", "[]", "7:14: entry 'first-entry': 'sources' needs at least 1 item"),
        ("tags", "[Not Kebab]", "10:12: entry 'first-entry': 'tags' item 'Not Kebab' must be"),
        ("updated", "next week", "12:14: entry 'first-entry': 'updated' must be a date YYYY-MM-DD"),
        ("alternates", "one string", "5:17: entry 'first-entry': 'alternates' must be a list"),
        ("answer", "''", "6:13: entry 'first-entry': 'answer' must be non-empty text"),
    ],
)
def test_each_field_rule_reports_where_and_what(
    faq: Path, field: str, value: str, expected: str
) -> None:
    body = entry(**{field: value})
    if field == "sources":  # drop the now-orphaned source lines
        body = (
            "\n".join(
                line for line in body.splitlines() if "title:" not in line and "url:" not in line
            )
            + "\n"
        )
    write(faq, "t.yaml", topic_file("t", body))
    errors = errors_of(faq)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"faq/t.yaml:{expected}")


def test_topic_must_equal_the_file_name(faq: Path) -> None:
    write(faq, "olympics.yaml", topic_file("olympic", entry()))
    assert errors_of(faq) == [
        "faq/olympics.yaml:1:8: 'topic' must equal the file name 'olympics', found 'olympic'"
    ]


def test_topic_titles_name_the_topics_and_order_them(faq: Path) -> None:
    write(
        faq,
        "a.yaml",
        "topic: a\ntopic_title: Zebras\nentries:\n" + entry("zebra-home", "Where do zebras live?"),
    )
    eland = entry("eland-speed", "How fast is an eland?")
    write(faq, "b.yaml", "topic: b\ntopic_title: Antelopes\nentries:\n" + eland)
    write(faq, "c.yaml", topic_file("c", entry("cheetah-colour", "What colour is a cheetah?")))
    result = load_knowledge_base(faq)
    assert result.problems == ()
    knowledge_base = result.knowledge_base
    assert knowledge_base is not None
    assert knowledge_base.topics == ("b", "c", "a")  # Antelopes, c (no title), Zebras
    assert [knowledge_base.title_of(t) for t in knowledge_base.topics] == [
        "Antelopes",
        "c",
        "Zebras",
    ]


def test_a_bad_topic_title_names_file_and_line(faq: Path) -> None:
    write(faq, "t.yaml", "topic: t\ntopic_title: ''\nentries:\n" + entry())
    assert errors_of(faq) == ["faq/t.yaml:2:14: 'topic_title' must be one line of non-empty text"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", "faq/t.yaml:1:1: file is empty; expected 'topic' and 'entries' keys"),
        (
            "- a\n- b\n",
            "faq/t.yaml:1:1: expected a mapping with 'topic' and 'entries', found a list",
        ),
        (
            "topic: t\nentries: []\n",
            "faq/t.yaml:2:10: 'entries' must be a non-empty list of entries",
        ),
    ],
)
def test_malformed_files_are_refused_clearly(faq: Path, body: str, expected: str) -> None:
    write(faq, "t.yaml", body)
    assert errors_of(faq) == [expected]


def test_all_errors_are_reported_in_one_run(faq: Path) -> None:
    write(
        faq, "a.yaml", topic_file("a", entry(answer="y" * 1600), entry("second", "Q?", tags="[X]"))
    )
    write(faq, "b.yaml", "topic: b\nentries:\n\t- x\n")
    errors = errors_of(faq)
    assert len(errors) == 3
    assert {e.split(":")[0] for e in errors} == {"faq/a.yaml", "faq/b.yaml"}


def test_duplicate_ids_across_files_point_back_to_the_first(faq: Path) -> None:
    write(faq, "a.yaml", topic_file("a", entry("same-id", "First question?")))
    write(faq, "b.yaml", topic_file("b", entry("same-id", "Second question?")))
    assert errors_of(faq) == [
        "faq/b.yaml:3:9: duplicate id 'same-id' (first defined at faq/a.yaml:3)"
    ]


def test_the_same_phrase_under_two_entries_is_an_error(faq: Path) -> None:
    write(
        faq,
        "a.yaml",
        topic_file("a", entry("one", "What is TSUBAME?"), entry("two", "what is tsubame")),
    )
    errors = errors_of(faq)
    assert errors == [
        "faq/a.yaml:14:15: entry 'two': phrase 'what is tsubame' is also a phrase of entry "
        "'one' (faq/a.yaml:3); a question can lead to only one entry"
    ]


def test_related_ids_must_exist(faq: Path) -> None:
    write(faq, "a.yaml", topic_file("a", entry(related="[no-such-entry]")))
    assert errors_of(faq) == [
        "faq/a.yaml:11:15: entry 'first-entry': related id 'no-such-entry' does not exist"
    ]


def test_duplicate_yaml_keys_in_an_entry_are_errors(faq: Path) -> None:
    body = topic_file("a", entry()).replace(
        "    tags: [example]\n", "    tags: [a]\n    tags: [b]\n"
    )
    write(faq, "a.yaml", body)
    assert errors_of(faq) == ["faq/a.yaml:11:5: duplicate key 'tags' (first at line 10)"]


def test_an_empty_directory_is_an_error(faq: Path) -> None:
    assert errors_of(faq) == ["faq:1:1: no FAQ files (*.yaml) found"]


def test_vocabulary_forms_may_not_belong_to_two_groups(faq: Path) -> None:
    write(faq, "a.yaml", topic_file("a", entry()))
    write(faq, "_vocabulary.yaml", "synonyms:\n  - [ship, boat]\n  - [vessel, boat]\n")
    assert errors_of(faq) == [
        "faq/_vocabulary.yaml:3:5: 'boat' is already in the synonym group at line 2"
    ]


def test_warnings_do_not_block_loading(faq: Path) -> None:
    write(faq, "a.yaml", topic_file("a", entry(alternates="[What is the first entry]")))
    result = load_knowledge_base(faq)
    assert result.knowledge_base is not None
    assert [str(w) for w in result.warnings] == [
        "faq/a.yaml:5:18: warning: entry 'first-entry': phrase 'What is the first en…' "
        "repeats another of its phrases"
    ]


def test_the_shipped_faq_loads_cleanly() -> None:
    result = load_knowledge_base(Path(__file__).parents[2] / "knowledge" / "faq")
    assert result.errors == ()
    assert result.knowledge_base is not None
    assert len(result.knowledge_base.entries) >= 65


def test_an_invalid_entry_does_not_shift_where_later_problems_point(faq: Path) -> None:
    write(
        faq,
        "a.yaml",
        topic_file(
            "a",
            entry("broken", "Broken?", answer="''"),
            entry("second", "Second question?", related="[missing-id]"),
        ),
    )
    assert errors_of(faq) == [
        "faq/a.yaml:6:13: entry 'broken': 'answer' must be non-empty text",
        "faq/a.yaml:21:15: entry 'second': related id 'missing-id' does not exist",
    ]


def test_related_ids_naming_an_entry_with_a_mistake_are_not_a_second_error(faq: Path) -> None:
    write(
        faq,
        "a.yaml",
        topic_file(
            "a", entry("broken", "Broken?", answer="''"), entry("second", related="[broken]")
        ),
    )
    assert errors_of(faq) == ["faq/a.yaml:6:13: entry 'broken': 'answer' must be non-empty text"]


def test_related_ids_naming_an_entry_whose_id_is_malformed_are_not_a_second_error(
    faq: Path,
) -> None:
    write(
        faq,
        "a.yaml",
        topic_file(
            "a",
            entry("Swallow Migration", url="https://example.org/swallows"),
            entry("b", "Q?", related="[swallow-migration]"),
        ),
    )
    assert errors_of(faq) == [
        "faq/a.yaml:3:9: entry 'Swallow Migration': 'id' must be kebab-case (a-z, 0-9, hyphens)"
    ]


def test_a_misspelt_related_id_gets_a_suggestion(faq: Path) -> None:
    write(
        faq,
        "a.yaml",
        topic_file("a", entry("tsubame-status"), entry("b", "Q?", related="[tsubame-stauts]")),
    )
    assert errors_of(faq) == [
        "faq/a.yaml:21:15: entry 'b': related id 'tsubame-stauts' does not exist; "
        "did you mean 'tsubame-status'?"
    ]
