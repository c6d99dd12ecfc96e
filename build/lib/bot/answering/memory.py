"""What answering remembers between requests, bounded: the questions behind recent "did you
mean" replies, and the suggestion messages already used."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.answering.outcomes import QuestionRecord

# Entries kept of each; a suggestion older than the last this many is long gone from anyone's
# screen.
KEPT = 10_000


@dataclass
class Suggested:
    """The questions behind recent "did you mean" replies, by token, most recent last.

    "None of these" logs the question as not covered; the button can only carry a token,
    since a custom id has room for 100 characters and a question may have 300. After a
    restart (or ``kept`` newer suggestions) the token is unknown and nothing is logged.
    """

    kept: int = KEPT
    _records: OrderedDict[str, QuestionRecord] = field(default_factory=OrderedDict)

    def remember(self, record: QuestionRecord) -> str:
        token = secrets.token_hex(4)
        self._records[token] = record
        while len(self._records) > self.kept:
            self._records.popitem(last=False)
        return token

    def forget(self, token: str) -> QuestionRecord | None:
        return self._records.pop(token, None)


@dataclass
class UsedPicks:
    """Suggestion messages a pick has been made from, most recent last, bounded."""

    kept: int = KEPT
    _ids: OrderedDict[int, None] = field(default_factory=OrderedDict)

    def used(self, message_id: int) -> bool:
        return message_id in self._ids

    def use(self, message_id: int) -> None:
        self._ids[message_id] = None
        while len(self._ids) > self.kept:
            self._ids.popitem(last=False)
