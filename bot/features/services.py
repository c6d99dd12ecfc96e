"""What the features use of the running bot, as a protocol: features never import the client.

``FaqBot`` (bot/client.py) provides these and hands itself to each cog; the features see only
this much of it, so the client can change without them, and the direction stays one way:
the client imports the features.
"""

from __future__ import annotations

from typing import Protocol

import discord

from bot.deadlines import LateInteractions
from bot.in_flight import InFlight
from bot.knowledge_service import KnowledgeService
from bot.matching_queue import MatchingQueue
from bot.safety import BurstGuard, Cooldown
from bot.storage import Store


class BotServices(Protocol):
    knowledge: KnowledgeService
    store: Store
    cooldown: Cooldown
    burst: BurstGuard
    late: LateInteractions
    in_flight: InFlight
    matching: MatchingQueue
    # False once shutdown begins: new questions are turned away.
    accepting: bool

    @property
    def user(self) -> discord.ClientUser | None: ...
