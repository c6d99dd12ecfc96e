"""What keeps the bot safe in a public server: no pings and a question length cap.

The rate limits are in bot/rate_limits.py, which the Discord-free answering layer uses.
"""

from __future__ import annotations

import discord

# Every message the bot sends uses this: FAQ answers and users' questions may contain
# @everyone, role or user mentions, and none of them may ever notify anyone.
NO_PINGS = discord.AllowedMentions.none()

# This bot's limit on a question (Discord allows 6,000 characters in a string option): /ask
# declares it as the option's max_length, and mentions are cut to the same length.
MAX_QUESTION_LENGTH = 300
