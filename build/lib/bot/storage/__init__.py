"""What the bot remembers: the question log, feedback votes, and the figures drawn from them.

Plain Python over the standard library's sqlite3, so the Discord layer, the ``faqbot report``
command and the tests all use the same code; nothing here imports discord.
"""

from __future__ import annotations

from bot.storage.model import EntryFeedback, Stats, StorageError, utcnow
from bot.storage.schema import SCHEMA_VERSION
from bot.storage.store import Store
from knowledge.grouping import UnansweredGroup

__all__ = [
    "SCHEMA_VERSION",
    "EntryFeedback",
    "Stats",
    "StorageError",
    "Store",
    "UnansweredGroup",
    "utcnow",
]
