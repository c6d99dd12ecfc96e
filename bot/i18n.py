"""The bot's words in Japanese: one gettext catalog, bot/locales/ja.po.

English is the source language: the English strings in the code are the catalog's message
ids, marked ``N_("...")`` where they are defined, and ``ja.po`` gives each its Japanese. A
reply is worded through ``Words`` for the language it is in (``catalog.words("ja")``). A
name that Discord shows as a slash command or option name has a context ("command name",
"option name"), since the same English word may be a name in one place and plain text in
another. polib reads the file as it is, so there is no
compiled .mo to build or keep in step; a test fails when a string the bot shows has no
Japanese, and when the catalog holds one that nothing uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polib
from discord import Locale, app_commands

from knowledge.language import Language

CATALOG_FILE = Path(__file__).parent / "locales" / "ja.po"

# Where a command string is shown -> its context in the catalog (None: plain text).
COMMAND_CONTEXTS: dict[app_commands.TranslationContextLocation, str | None] = {
    app_commands.TranslationContextLocation.command_name: "command name",
    app_commands.TranslationContextLocation.group_name: "command name",
    app_commands.TranslationContextLocation.parameter_name: "option name",
    app_commands.TranslationContextLocation.command_description: None,
    app_commands.TranslationContextLocation.group_description: None,
    app_commands.TranslationContextLocation.parameter_description: None,
    app_commands.TranslationContextLocation.choice_name: None,
}


def N_(message: str) -> str:
    """Marks ``message`` as one of the bot's words: tests/bot/test_i18n.py finds every string
    so marked and fails when ``ja.po`` has no Japanese for it. It is worded where it is shown,
    through ``Words``."""
    return message


def locale_language(locale: Locale | None) -> Language:
    """The language to answer a member in whose Discord client is set to ``locale``."""
    return "ja" if locale is Locale.japanese else "en"


@dataclass(frozen=True)
class Words:
    """The bot's words in one language: ``words(N_("Hello {name}"), name=...)``."""

    language: Language
    japanese: Mapping[tuple[str | None, str], str] = field(default_factory=dict)

    def __call__(self, message: str, /, **fields: object) -> str:
        text = message
        if self.language == "ja":
            text = self.japanese.get((None, message), message)
        return text.format(**fields) if fields else text


ENGLISH = Words("en")


class CatalogError(Exception):
    """The catalog cannot be read; the message names the file and why."""


@dataclass(frozen=True)
class Catalog:
    # (context, English) -> Japanese; entries not yet translated, or marked fuzzy, are absent.
    japanese: dict[tuple[str | None, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = CATALOG_FILE) -> Catalog:
        try:
            entries = polib.pofile(str(path), encoding="utf-8")
        except (OSError, ValueError) as exc:  # polib raises OSError for a malformed file
            raise CatalogError(f"{path}: {exc}") from exc
        return cls(
            {
                (entry.msgctxt, entry.msgid): entry.msgstr
                for entry in entries
                if entry.msgstr and not entry.fuzzy and not entry.obsolete
            }
        )

    def words(self, language: Language) -> Words:
        return Words(language, self.japanese)


class CatalogTranslator(app_commands.Translator):
    """Slash commands' names and descriptions in Japanese, for members whose Discord is."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not Locale.japanese:
            return None
        key = (COMMAND_CONTEXTS.get(context.location), string.message)
        return self.catalog.japanese.get(key)
