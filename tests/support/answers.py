"""Reading the bot's answer messages in tests by what they are, not by the FAQ's wording."""

from __future__ import annotations

from testkit.discord_double.payloads import Payload

VOTE_PREFIX = "faq:vote:"


def custom_ids(data: Payload) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


def answered_entry(data: Payload) -> str:
    """The id of the entry a message answers: every answer carries its vote buttons."""
    votes = [i for i in custom_ids(data) if i.startswith(VOTE_PREFIX)]
    assert votes, f"not an answer: {custom_ids(data)}"
    return votes[0][len(VOTE_PREFIX) :].rsplit(":", 1)[0]
