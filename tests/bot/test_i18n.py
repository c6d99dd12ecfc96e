"""The Japanese catalog (bot/locales/ja.po) and the slash commands' Japanese names."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.client import FaqBot
from bot.i18n import CATALOG_FILE, Catalog, CatalogError, Words
from testkit.discord_double import DiscordDouble

GLOBAL_COMMANDS = "/applications/{application_id}/commands"
# Discord's rule for command and option names (its API reference, "Application Command
# Naming"): lower case where the script has case, no spaces, 1 to 32 characters.
NAME = re.compile(r"^[-_'\w]{1,32}$")


SUBCOMMAND_TYPES = (1, 2)  # an option that is a subcommand or a group of them


def strings(
    command: dict[str, Any], *, top: bool = True
) -> Iterator[tuple[str, str | None, str, dict[str, Any]]]:
    """(kind, catalog context, English, the part of the payload that carries it) for a
    command and its options and subcommands, all the way down."""
    is_command = top or command.get("type") in SUBCOMMAND_TYPES
    yield "name", "command name" if is_command else "option name", command["name"], command
    yield "description", None, command["description"], command
    for option in command.get("options") or []:
        yield from strings(option, top=False)


async def registered(discord_double: DiscordDouble) -> list[dict[str, Any]]:
    sync = await discord_double.wait_for_request("PUT", GLOBAL_COMMANDS)
    return list(sync.body)


async def test_every_command_name_and_description_is_registered_in_japanese_too(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    for command in await registered(discord_double):
        for kind, _, english, part in strings(command):
            japanese = (part.get(f"{kind}_localizations") or {}).get("ja")
            assert japanese, f"{command['name']}: no Japanese for the {kind} {english!r}"
            assert japanese != english
            if kind == "name":
                assert NAME.fullmatch(japanese), japanese
                assert japanese == japanese.lower()
    discord_double.assert_clean()


async def test_the_catalog_names_only_commands_and_options_that_exist(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    used = {
        (context, english)
        for command in await registered(discord_double)
        for _, context, english, _ in strings(command)
    }
    named = {key for key in Catalog.load().japanese if key[0] is not None}
    assert named <= used, named - used
    # Plain text: a command's description or a string the bot shows.
    plain = {key[1] for key in Catalog.load().japanese if key[0] is None}
    descriptions = {english for context, english in used if context is None}
    assert plain <= descriptions | set(marked_strings()), plain - descriptions


BOT_PACKAGE = Path(__file__).parents[2] / "bot"


def marked_strings() -> dict[str, str]:
    """Every string marked N_("...") in the bot's code -> where (file:line)."""
    found = {}
    for path in sorted(BOT_PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
                argument = node.args[0]
                assert isinstance(argument, ast.Constant), f"{path}:{node.lineno}: not a literal"
                found[argument.value] = f"{path.name}:{node.lineno}"
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_string_the_bot_shows_has_japanese_with_the_same_fields() -> None:
    marked = marked_strings()
    assert len(marked) >= 60  # the scan finds the bot's replies, buttons and menus
    japanese = Catalog.load().japanese
    missing = [
        f"{where}: {english!r}"
        for english, where in marked.items()
        if (None, english) not in japanese
    ]
    assert missing == []
    for english in marked:
        assert fields(japanese[(None, english)]) == fields(english), english


def test_words_are_english_or_japanese_and_fill_their_fields() -> None:
    catalog = Catalog({(None, "Hello {name}"): "こんにちは、{name}さん"})
    assert catalog.words("ja")("Hello {name}", name="Aiko") == "こんにちは、Aikoさん"
    assert catalog.words("en")("Hello {name}", name="Aiko") == "Hello Aiko"
    # Not yet translated: English stands in.
    assert Words("ja", catalog.japanese)("Bye") == "Bye"


def test_untranslated_and_fuzzy_entries_are_not_used(tmp_path: Path) -> None:
    path = tmp_path / "ja.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Done"\nmsgstr ""\n\n#, fuzzy\nmsgid "Old"\nmsgstr "古い"\n\n'
        'msgid "Yes"\nmsgstr "はい"\n',
        encoding="utf-8",
    )
    assert Catalog.load(path).japanese == {(None, "Yes"): "はい"}


def test_an_unreadable_catalog_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"missing\.po"):
        Catalog.load(tmp_path / "missing.po")


def test_the_shipped_catalog_loads_and_is_utf8() -> None:
    assert Catalog.load().japanese
    CATALOG_FILE.read_text(encoding="utf-8")
