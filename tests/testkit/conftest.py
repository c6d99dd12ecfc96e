"""Makes the double's fixture available to the double's own tests."""

from __future__ import annotations

from testkit.discord_double import discord_double

__all__ = ["discord_double"]
