"""Makes the double's fixture available to the tests in this package."""

from __future__ import annotations

from .fixtures import discord_double

__all__ = ["discord_double"]
