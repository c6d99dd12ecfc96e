"""The Japanese catalog (bot/locales/ja.po) and the slash commands' Japanese names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.client import FaqBot
from bot.i18n import CATALOG_FILE, Catalog, CatalogError
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
