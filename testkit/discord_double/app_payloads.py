"""What the API says about the bot itself: READY, application info, registered commands,
GET /gateway/bot, and Discord's JSON errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import ids
from .payloads import Payload


def ready(
    *,
    bot_user: Payload,
    application_id: str,
    application_flags: int,
    session_id: str,
    resume_gateway_url: str,
    guild_ids: Iterable[str],
    shard: Sequence[int] | None,
) -> Payload:
    """READY: guilds start unavailable; a GUILD_CREATE per guild follows."""
    data: Payload = {
        "v": 10,
        "user": {**bot_user, "verified": True, "mfa_enabled": False, "email": None},
        "user_settings": {},
        "guilds": [{"id": gid, "unavailable": True} for gid in guild_ids],
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["london", "rotterdam", "madrid"],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": application_id, "flags": application_flags},
        "auth": {},
        "_trace": ['["gateway-prd-double",{"micros":0}]'],
    }
    if shard is not None:
        data["shard"] = list(shard)
    return data


def application(
    *, application_id: str, bot_user: Payload, owner: Payload, flags: int, guild_id: str
) -> Payload:
    """GET /oauth2/applications/@me (and /applications/@me)."""
    return {
        "id": application_id,
        "name": bot_user["username"],
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "a" * 64,
        "flags": flags,
        "owner": owner,
        "team": None,
        "guild_id": guild_id,
        "redirect_uris": [],
        "rpc_origins": [],
        # Must stay null: discord.py warns and ignores gateway interactions otherwise.
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "tags": [],
        "integration_types_config": {"0": {}},
        "bot": bot_user,
    }


def application_command(
    body: Mapping[str, Any],
    *,
    command_id: str,
    application_id: str,
    guild_id: str | None,
) -> Payload:
    """A registered command as the API answers, from the request body that created it."""
    data: Payload = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        **{k: v for k, v in body.items() if v is not None},
        "id": command_id,
        "application_id": application_id,
        "version": ids.snowflake(),
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    else:
        data.setdefault("contexts", [0, 1, 2])
        data.setdefault("integration_types", [0])
    return data


def gateway_bot(url: str, shards: int) -> Payload:
    return {
        "url": url,
        "shards": shards,
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 14_400_000,
            "max_concurrency": 1,
        },
    }


def error(code: int, message: str, errors: Payload | None = None) -> Payload:
    """Discord's JSON error body."""
    data: Payload = {"message": message, "code": code}
    if errors is not None:
        data["errors"] = errors
    return data
