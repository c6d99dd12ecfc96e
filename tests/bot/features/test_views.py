"""The buttons under an answer fit Discord's layout in every case the bot can send."""

from __future__ import annotations

import itertools
from typing import Any

import discord
import pytest

from bot.answering import Answer
from bot.features.custom_ids import MAX_CUSTOM_ID_CHARS
from bot.features.views import answer_view
from bot.i18n import Catalog
from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base

MAX_ROWS, MAX_PER_ROW = 5, 5  # Discord's limits for a message's action rows


def rows_of(view: discord.ui.View) -> list[list[dict[str, Any]]]:
    return [row["components"] for row in view.to_components()]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_answer_the_bot_can_send_fits_five_rows_of_five(language: str) -> None:
    knowledge_base = load_knowledge_base(SHIPPED_FAQ_DIR).knowledge_base
    assert knowledge_base is not None
    words = Catalog.load().words("ja" if language == "ja" else "en")
    for entry, (public, automatic) in itertools.product(
        knowledge_base.entries, [(False, False), (True, False), (True, True)]
    ):
        related = tuple(e for e in map(knowledge_base.get, entry.related) if e)[:4]
        answer = Answer(
            entry,
            related,
            public=public,
            for_user_id=2**63,
            shareable=not public,
            automatic=automatic,
            language=words.language,
        )
        rows = rows_of(answer_view(answer, words))
        assert len(rows) <= MAX_ROWS, entry.id
        assert all(len(row) <= MAX_PER_ROW for row in rows), (entry.id, rows)
        ids = [c["custom_id"] for row in rows for c in row]
        assert all(len(i) <= MAX_CUSTOM_ID_CHARS for i in ids)
        # An entry written in both languages offers the other one, except unasked.
        switch = [i for i in ids if ":in:" in i]
        assert len(switch) == (1 if entry.ja is not None and not automatic else 0), ids
