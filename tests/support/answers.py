"""Reading the bot's answer messages in tests by what they are, not by the FAQ's wording."""

from __future__ import annotations

from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload

VOTE_PREFIX = "faq:vote:"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"


def custom_ids(data: Payload) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


def answered_entry(data: Payload) -> str:
    """The id of the entry a message answers: every answer carries its vote buttons."""
    # (An answer in Japanese marks its ids "faq:ja:…" for "faq:…".)
    plain = (i.replace("faq:ja:", "faq:", 1) for i in custom_ids(data))
    votes = [i for i in plain if i.startswith(VOTE_PREFIX)]
    assert votes, f"not an answer: {custom_ids(data)}"
    return votes[0][len(VOTE_PREFIX) :].rsplit(":", 1)[0]


def pick_button(data: Payload, entry_id: str) -> str:
    """The custom id of the "did you mean" choice of ``entry_id`` on this message."""
    [custom_id] = [
        i for i in custom_ids(data) if i.startswith("faq:pick:") and i.split(":")[3] == entry_id
    ]
    return custom_id


def replies(double: DiscordDouble, interaction: Payload) -> list[str]:
    """What the bot told the user, as Discord accepted it: the response, then follow-ups."""
    texts = []
    for request in double.requests:
        if not 200 <= request.status < 300 or not isinstance(request.body, dict):
            continue
        parts = request.path.split("/")
        if request.template == CALLBACK and parts[2] == interaction["id"]:
            data = request.body.get("data") or {}
            embeds = data.get("embeds") or []
            texts.append(str(data.get("content") or "") + "".join(str(e) for e in embeds))
        elif request.template == FOLLOWUP and parts[3] == interaction["token"]:
            texts.append(str(request.body.get("content") or ""))
    return texts
