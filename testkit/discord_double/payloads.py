"""Builders for Discord objects as the gateway and REST API send them.

discord.py indexes some keys directly (Message 'type' and 'content', Member 'flags' and
'roles', AppInfo 'verify_key' ...), so every builder fills what Discord itself fills.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import ids

Payload = dict[str, Any]

# Permission bits (https://discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
ADD_REACTIONS = 1 << 6
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
MANAGE_MESSAGES = 1 << 13
BASIC_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)

# Gateway intents the double acts on.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT


def user(
    user_id: str, username: str, *, bot: bool = False, global_name: str | None = None
) -> Payload:
    data: Payload = {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": global_name if not bot else None,
        "avatar": None,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def role(
    role_id: str, name: str, *, permissions: int, position: int, managed: bool = False
) -> Payload:
    return {
        "id": role_id,
        "name": name,
        "description": None,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }


def member(user_payload: Payload, *, roles: Sequence[str] = (), nick: str | None = None) -> Payload:
    """A guild member as in GUILD_CREATE (with the nested user)."""
    return {
        "user": user_payload,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": list(roles),
        "joined_at": "2024-01-15T10:00:00.000000+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def interaction_member(member_payload: Payload, *, permissions: int) -> Payload:
    """The member object of an interaction: a member plus its resolved channel permissions."""
    return {**member_payload, "permissions": str(permissions)}


def message_member(member_payload: Payload) -> Payload:
    """MESSAGE_CREATE carries the author's member without the nested user."""
    return {k: v for k, v in member_payload.items() if k != "user"}


def text_channel(
    channel_id: str,
    guild_id: str,
    name: str,
    *,
    position: int,
    parent_id: str | None = None,
    topic: str | None = None,
) -> Payload:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": parent_id,
        "topic": topic,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def category_channel(channel_id: str, guild_id: str, name: str, *, position: int) -> Payload:
    return {
        "id": channel_id,
        "type": 4,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "flags": 0,
    }


def thread_channel(
    thread_id: str, guild_id: str, parent_id: str, owner_id: str, name: str
) -> Payload:
    """A public thread (type 11), as listed in GUILD_CREATE 'threads' or THREAD_CREATE."""
    return {
        "id": thread_id,
        "type": 11,
        "guild_id": guild_id,
        "parent_id": parent_id,
        "owner_id": owner_id,
        "name": name,
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": "2024-01-15T10:00:00.000000+00:00",
            "locked": False,
            "create_timestamp": "2024-01-15T10:00:00.000000+00:00",
        },
    }


def dm_channel(channel_id: str, recipient: Payload) -> Payload:
    return {
        "id": channel_id,
        "type": 1,
        "last_message_id": None,
        "flags": 0,
        "recipients": [recipient],
    }


def guild(
    guild_id: str,
    name: str,
    *,
    owner_id: str,
    roles: Sequence[Payload],
    channels: Sequence[Payload],
    threads: Sequence[Payload] = (),
    members: Sequence[Payload] = (),
) -> Payload:
    """A full GUILD_CREATE payload (gateway form: includes channels, threads and members)."""
    return {
        "id": guild_id,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "features": [],
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "roles": list(roles),
        "emojis": [],
        "stickers": [],
        "joined_at": "2024-01-15T10:00:00.000000+00:00",
        "large": False,
        "unavailable": False,
        "member_count": len(members),
        "members": list(members),
        "channels": list(channels),
        "threads": list(threads),
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "incidents_data": None,
        "lazy": True,
    }


def message(
    *,
    channel_id: str,
    author: Payload,
    content: str,
    message_id: str | None = None,
    guild_id: str | None = None,
    member: Payload | None = None,
    mentions: Iterable[Payload] = (),
    mention_roles: Iterable[str] = (),
    mention_everyone: bool = False,
    message_type: int = 0,
    embeds: Sequence[Payload] = (),
    components: Sequence[Payload] = (),
    attachments: Sequence[Payload] = (),
    flags: int = 0,
    message_reference: Payload | None = None,
    webhook_id: str | None = None,
    application_id: str | None = None,
    interaction_metadata: Payload | None = None,
) -> Payload:
    """A message object. For MESSAGE_CREATE pass guild_id and member in guilds, neither in DMs.

    Each mentioned user carries its own 'member' in guilds, as Discord sends it.
    """
    data: Payload = {
        "id": message_id or ids.snowflake(),
        "type": message_type,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": ids.iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": list(mentions),
        "mention_roles": list(mention_roles),
        "mention_channels": [],
        "attachments": list(attachments),
        "embeds": list(embeds),
        "components": list(components),
        "reactions": [],
        "pinned": False,
        "flags": flags,
        "nonce": None,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if member is not None:
        data["member"] = member
    if message_reference is not None:
        data["message_reference"] = message_reference
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    if application_id is not None:
        data["application_id"] = application_id
    if interaction_metadata is not None:
        data["interaction_metadata"] = interaction_metadata
    return data


def mention(user_payload: Payload, member_payload: Payload | None) -> Payload:
    """An entry of a message's 'mentions' list (user with its partial member in guilds)."""
    if member_payload is None:
        return dict(user_payload)
    return {**user_payload, "member": message_member(member_payload)}
