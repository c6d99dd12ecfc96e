"""Builders for INTERACTION_CREATE payloads.

discord.py's Interaction indexes 'version' and 'attachment_size_limit' directly (missing
either raises in the parser and kills the connection), reads 'context', 'entitlements',
'authorizing_integration_owners', 'app_permissions' and the channel object, and the
command tree needs each option's 'type', 'name' and 'value' plus data.guild_id for guild
commands; without them the bot silently never answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import ids
from .payloads import BASIC_PERMISSIONS, Payload, interaction_member

# Interaction types.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Option types.
OPTION_SUB_COMMAND = 1
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_NUMBER = 10

# Component types.
BUTTON = 2
STRING_SELECT = 3
TEXT_INPUT = 4

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

OptionValue = str | int | float | bool


@dataclass(frozen=True)
class Invoker:
    """Who triggers an interaction and where: a guild member in a channel, or a user in a DM."""

    user: Payload
    channel: Payload
    guild_id: str | None = None
    member: Payload | None = None  # the guild member (without permissions); None in DMs
    permissions: int = BASIC_PERMISSIONS


def option(name: str, value: OptionValue, *, focused: bool = False) -> Payload:
    """One command option, its type inferred from the Python value (bool before int)."""
    if isinstance(value, bool):
        option_type = OPTION_BOOLEAN
    elif isinstance(value, int):
        option_type = OPTION_INTEGER
    elif isinstance(value, float):
        option_type = OPTION_NUMBER
    else:
        option_type = OPTION_STRING
    data: Payload = {"name": name, "type": option_type, "value": value}
    if focused:
        # Discord sends the partial text of a focused option as a string whatever its type.
        data["value"] = str(value)
        data["focused"] = True
    return data


def options_from(
    values: Mapping[str, OptionValue] | Sequence[Payload] | None, *, focused: str | None = None
) -> list[Payload]:
    """Options from {name: value} (types inferred) or passed through when already payloads."""
    if values is None:
        return []
    if isinstance(values, Mapping):
        return [option(k, v, focused=k == focused) for k, v in values.items()]
    return [dict(v) for v in values]


def command_data(
    name: str,
    options: list[Payload],
    *,
    command_id: str,
    guild_id: str | None,
    subcommand: str | None = None,
) -> Payload:
    """data of a chat-input command; guild_id names the guild the command is registered in."""
    if subcommand is not None:
        options = [{"name": subcommand, "type": OPTION_SUB_COMMAND, "options": options}]
    data: Payload = {"id": command_id, "name": name, "type": 1, "options": options}
    if guild_id is not None:
        data["guild_id"] = guild_id
    return data


def interaction(
    interaction_type: int,
    data: Payload | None,
    *,
    invoker: Invoker,
    application_id: str,
    message: Payload | None = None,
    interaction_id: str | None = None,
    locale: str = "en-US",
) -> Payload:
    """The common envelope of every INTERACTION_CREATE."""
    iid = interaction_id or ids.snowflake()
    in_guild = invoker.guild_id is not None
    payload: Payload = {
        "id": iid,
        "application_id": application_id,
        "type": interaction_type,
        "token": ids.interaction_token(iid),
        "version": 1,
        "channel": invoker.channel,
        "channel_id": invoker.channel["id"],
        "app_permissions": str(BASIC_PERMISSIONS),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        # 0 = GUILD_INSTALL keyed by guild id; a DM with a guild-installed bot uses "0" too.
        "authorizing_integration_owners": {"0": invoker.guild_id if in_guild else "0"},
        "context": 0 if in_guild else 1,  # 0 = GUILD, 1 = BOT_DM
    }
    if data is not None:
        payload["data"] = data
    if message is not None:
        payload["message"] = message
    if in_guild:
        assert invoker.member is not None, "a guild interaction needs the invoker's member"
        payload["guild_id"] = invoker.guild_id
        payload["guild"] = {"id": invoker.guild_id, "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["member"] = interaction_member(invoker.member, permissions=invoker.permissions)
    else:
        payload["user"] = invoker.user
    return payload


def component_data(
    custom_id: str, component_type: int = BUTTON, values: Sequence[str] | None = None
) -> Payload:
    data: Payload = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = list(values)
    return data


def modal_data(custom_id: str, fields: Mapping[str, str]) -> Payload:
    """A modal submit with one text input per field, each in its own action row."""
    rows = [
        {"type": 1, "components": [{"type": TEXT_INPUT, "custom_id": k, "value": v}]}
        for k, v in fields.items()
    ]
    return {"custom_id": custom_id, "components": rows}


def component_message(message: Payload, *, guild_id: str | None) -> Payload:
    """The message a component sits on, as embedded in a component interaction."""
    data = dict(message)
    if guild_id is not None:
        data.setdefault("guild_id", guild_id)
    return data


def interaction_kind(payload: Mapping[str, Any]) -> str:
    """A short label for messages: 'slash /faq', 'autocomplete /faq', 'button faq:more'."""
    data: Mapping[str, Any] = payload.get("data") or {}
    kind = payload.get("type")
    if kind == APPLICATION_COMMAND:
        return f"slash /{data.get('name')}"
    if kind == APPLICATION_COMMAND_AUTOCOMPLETE:
        return f"autocomplete /{data.get('name')}"
    if kind == MESSAGE_COMPONENT:
        return f"component {data.get('custom_id')}"
    if kind == MODAL_SUBMIT:
        return f"modal {data.get('custom_id')}"
    return f"interaction type {kind}"
