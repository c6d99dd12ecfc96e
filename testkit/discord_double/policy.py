"""Rules Discord's spec does not state but the bot must keep.

- Every message it creates or edits says allowed_mentions explicitly and allows nothing:
  Discord's default (field absent) parses @everyone, users and roles from the content.
- Message content stays within 2000 characters (the spec allows 4000 for channel messages).
- Autocomplete answers at most 25 choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records import Violation

MAX_CONTENT = 2000
MAX_CHOICES = 25

# Routes whose body is a message to create or edit; callbacks are handled by type.
MESSAGE_ROUTES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
}
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
MESSAGE_CALLBACK_TYPES = {4, 7}  # CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE
AUTOCOMPLETE_CALLBACK_TYPE = 8


def check_request(method: str, template: str | None, body: Any) -> list[Violation]:
    if not isinstance(body, Mapping):
        return []
    where = f"{method} {template}"
    if (method, template) in MESSAGE_ROUTES:
        return check_message(where, body)
    if template == CALLBACK_ROUTE:
        data = body.get("data")
        if body.get("type") in MESSAGE_CALLBACK_TYPES:
            return check_message(where, data if isinstance(data, Mapping) else {}, prefix="data/")
        if body.get("type") == AUTOCOMPLETE_CALLBACK_TYPE:
            return check_choices(where, data if isinstance(data, Mapping) else {})
    return []


def check_message(where: str, message: Mapping[str, Any], *, prefix: str = "") -> list[Violation]:
    found = [Violation("mentions", where, f"{prefix}{d}") for d in mention_problems(message)]
    content = message.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        found.append(
            Violation(
                "content_length",
                where,
                f"{prefix}content is {len(content)} characters (limit {MAX_CONTENT})",
            )
        )
    return found


def mention_problems(message: Mapping[str, Any]) -> list[str]:
    mentions = message.get("allowed_mentions")
    if mentions is None:
        return ["allowed_mentions is missing, so Discord would parse every mention in the content"]
    if not isinstance(mentions, Mapping):
        return [f"allowed_mentions is {mentions!r}, not an object"]
    problems: list[str] = []
    parse = mentions.get("parse")
    if parse != []:
        problems.append(f"allowed_mentions/parse is {parse!r}, expected []")
    for key in ("users", "roles"):
        if mentions.get(key):
            problems.append(f"allowed_mentions/{key} allows {mentions[key]!r}")
    if mentions.get("replied_user") is True:
        problems.append("allowed_mentions/replied_user is true (pings the replied-to author)")
    return problems


def check_choices(where: str, data: Mapping[str, Any]) -> list[Violation]:
    choices = data.get("choices") or []
    if len(choices) > MAX_CHOICES:
        return [
            Violation(
                "autocomplete_choices",
                where,
                f"data/choices has {len(choices)} choices (limit {MAX_CHOICES})",
            )
        ]
    return []
