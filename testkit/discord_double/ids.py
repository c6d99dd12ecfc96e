"""Snowflakes, tokens and timestamps shaped like Discord's own."""

from __future__ import annotations

import base64
import datetime
import hashlib
import itertools
import secrets
import time

DISCORD_EPOCH_MS = 1_420_070_400_000

# Fixed ids for the fake world, so shard assignment ((guild_id >> 22) % shard_count) and
# anything a test prints are the same on every run.
APPLICATION_ID = "1187654321098765432"
BOT_USER_ID = APPLICATION_ID  # a bot user shares its application's id, as on Discord
GUILD_ID = "1187000000000000001"
OWNER_USER_ID = "1187000000000000101"
MEMBER_USER_ID = "1187000000000000102"
EVERYONE_ROLE_ID = GUILD_ID  # @everyone always has the guild's id
MODERATOR_ROLE_ID = "1187000000000000201"
BOT_ROLE_ID = "1187000000000000202"
CATEGORY_CHANNEL_ID = "1187000000000000300"
GENERAL_CHANNEL_ID = "1187000000000000301"
FAQ_CHANNEL_ID = "1187000000000000302"
THREAD_ID = "1187000000000000303"
DM_CHANNEL_ID = "1187000000000000401"

_increment = itertools.count()


def snowflake(at: float | None = None) -> str:
    """A fresh snowflake whose embedded time is now (discord.py reads it, e.g. on delete)."""
    ms = int((time.time() if at is None else at) * 1000)
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (next(_increment) % 4096))


def iso_now() -> str:
    """An ISO-8601 timestamp with offset, as Discord writes them."""
    return datetime.datetime.now(datetime.UTC).isoformat()


def bot_token(user_id: str = BOT_USER_ID) -> str:
    """A token in the real format: base64(user id) . base64(timestamp) . HMAC-like tail.

    Derived from the fake id so it is stable, and plainly not a secret.
    """
    head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    stamp = base64.urlsafe_b64encode((1_700_000_000).to_bytes(4, "big")).decode().rstrip("=")
    tail = base64.urlsafe_b64encode(hashlib.sha256(user_id.encode()).digest()).decode()[:38]
    return f"{head}.{stamp}.{tail}"


def interaction_token(interaction_id: str) -> str:
    """Real interaction tokens are base64 of 'interaction:<id>:<random>'."""
    raw = f"interaction:{interaction_id}:{secrets.token_urlsafe(96)}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def session_id() -> str:
    return secrets.token_hex(16)
