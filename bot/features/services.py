"""What the features use of the running bot, as a protocol: features never import the client.

``FaqBot`` (bot/client.py) provides these; the features that need them get them at
construction, beside the answering layer and the interaction replies, so the client can
change without them, and the direction stays one way: the client imports the features.
"""

from __future__ import annotations

from typing import Protocol

import discord

from bot.deadlines import LateInteractions
from bot.i18n import Catalog
from bot.in_flight import InFlight


class BotServices(Protocol):
    late: LateInteractions
    in_flight: InFlight
    # The bot's words in each language (bot/locales/ja.po).
    catalog: Catalog
    # False once shutdown begins: new questions are turned away.
    accepting: bool

    @property
    def user(self) -> discord.ClientUser | None: ...
