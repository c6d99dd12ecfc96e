"""Run `faqbot` (default: `run`) in this process with discord.py pointed at a Discord API double.

Used by tests that need the bot as a real subprocess (signals, SIGKILL). Exactly the two
settings the in-process tests change are changed here, from environment variables:
FAQBOT_TEST_API_BASE (discord.http.Route.BASE) and FAQBOT_TEST_GATEWAY (the gateway URL).
"""

from __future__ import annotations

import os
import sys

import discord.gateway
import discord.http
import yarl

from bot.cli import main

if __name__ == "__main__":
    discord.http.Route.BASE = os.environ["FAQBOT_TEST_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["FAQBOT_TEST_GATEWAY"])
    sys.exit(main(sys.argv[1:] or ["run"]))
