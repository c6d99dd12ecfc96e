"""The Discord client: wires settings, the FAQ, storage and the features together."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import Answering
from bot.config import Settings
from bot.deadlines import LateInteractions
from bot.failures import report_failure
from bot.features.admin import FaqAdmin
from bot.features.ask import Ask
from bot.features.auto_answer import AutoAnswer, AutoAnswerChannels
from bot.features.components import Components
from bot.features.mentions import Mentions
from bot.features.replies import InteractionReplies
from bot.features.topics import Topics
from bot.health import HealthStatus, Heartbeat
from bot.i18n import N_, Catalog, CatalogTranslator, Words, locale_language
from bot.in_flight import InFlight
from bot.knowledge_service import KnowledgeService
from bot.matching_queue import MatchingQueue
from bot.rate_limits import BurstGuard, Cooldown
from bot.safety import NO_PINGS
from bot.storage import Store
from knowledge.semantic import shared_phrase_embeddings

log = logging.getLogger(__name__)
COMMAND_HASH_FILE = "commands.sha256"
SHUTDOWN_GRACE_SECONDS = 5.0
# Storage is healthy while the database accepted a write in the last STORAGE_FRESH; the probe
# writes often enough that an idle bot stays healthy, and a dead database shows within it.
STORAGE_PROBE = timedelta(seconds=10)
STORAGE_FRESH = timedelta(seconds=30)
HTTP_CONNECTIONS = 32
COMMAND_OUT_OF_DATE = N_(
    "This command is out of date; Discord shows the bot's current commands shortly. "
    "Meanwhile, ask with `/ask`."
)
RESTARTING = N_("I'm restarting; please ask again in a minute.")


def intents(*, message_content: bool = False) -> discord.Intents:
    """Only what the features need; the privileged message-content intent only when the
    operator turned it on (FAQBOT_MESSAGE_CONTENT, for auto-answer channels).

    Guild and DM message events deliver messages that mention the bot (with their content,
    which Discord sends to a bot it mentions even without the message-content intent) and all
    DMs; ``guilds`` gives the channel and thread cache that replies need.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = message_content
    return wanted


class FaqTree(app_commands.CommandTree["FaqBot"]):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Every command and autocomplete passes here first, in the task that then runs it.
        self.client.in_flight.track_current_task()
        if not await self.client.late.admit(interaction):
            return False  # no answer could arrive in time; FaqTree.on_error is not called
        if self.client.accepting:
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            # Autocomplete can only be answered with choices; a message would be refused.
            await interaction.response.autocomplete([])
            return False
        await interaction.response.send_message(
            self.client.words_for(interaction)(RESTARTING),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            return  # the check already told the user why
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            await self._command_out_of_date(interaction, error)
            return
        if interaction.type is discord.InteractionType.autocomplete:
            # Discord accepts only choices in reply to an autocomplete; an apology message
            # would be refused. Offer none and log the cause.
            log.warning("autocomplete %s failed: %s", interaction.id, error)
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
            return
        words = self.client.words_for(interaction)
        await report_failure(interaction, getattr(error, "original", error), words)

    async def _command_out_of_date(
        self,
        interaction: discord.Interaction,
        error: app_commands.CommandNotFound | app_commands.CommandSignatureMismatch,
    ) -> None:
        """A command Discord still offers but this bot no longer has (or has changed).

        Discord's clients keep the commands they were last sent for a while after a sync, so
        this is expected after a command is removed or renamed: nothing is broken, and no
        traceback would help. The user is told privately, the log gets one line.
        """
        if isinstance(error, app_commands.CommandSignatureMismatch):
            name = error.command.qualified_name
        else:
            name = " ".join([*error.parents, error.name])
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                await interaction.response.send_message(
                    self.client.words_for(interaction)(COMMAND_OUT_OF_DATE),
                    ephemeral=True,
                    allowed_mentions=NO_PINGS,
                )
            outcome = "told the user it is out of date"
        except discord.HTTPException as reply_error:
            outcome = f"could not tell the user: {reply_error}"
        log.warning(
            "interaction %s is for /%s, which this bot's commands don't match (%s); %s",
            interaction.id,
            name,
            error,
            outcome,
            extra={"interaction_id": interaction.id},
        )


class FaqBot(commands.AutoShardedBot):
    """Runs the shards that settings name; otherwise all the shards Discord recommends.

    Without FAQBOT_SHARD_COUNT discord.py asks ``GET /gateway/bot`` for the recommended count
    (one for a bot in fewer than 2,500 servers) and runs every shard in this process.
    """

    def __init__(
        self, settings: Settings, *, knowledge: KnowledgeService | None = None, **options: Any
    ) -> None:
        """``knowledge``: the FAQ to serve, when already loaded; else settings' FAQ directory."""
        shard_options: dict[str, Any] = {}
        if settings.shard_count is not None:
            shard_options["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            shard_options["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            # Bounded: a burst of answers reuses a few dozen keep-alive connections instead of
            # opening (and then pooling) one per concurrent request.
            connector=aiohttp.TCPConnector(limit=HTTP_CONNECTIONS),
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(message_content=settings.message_content),
            allowed_mentions=NO_PINGS,
            tree_cls=FaqTree,
            **shard_options,
            **options,
        )
        self.settings = settings
        self.knowledge = knowledge or KnowledgeService(
            settings.faq_dir, embeddings=shared_phrase_embeddings(settings.vector_cache)
        )
        self.store = Store(
            settings.database,
            retention_days=settings.retention_days,
            voter_key=settings.voter_key_bytes,
            voter_key_file=settings.voter_key_path,
        )
        self.cooldown = Cooldown(settings.ask_rate, settings.ask_per_seconds)
        self.burst = BurstGuard(settings.burst_seconds)
        self.late = LateInteractions(turns=HTTP_CONNECTIONS)
        self.matching = MatchingQueue()
        # Built in setup_hook from the services as they are when the bot starts.
        self.answering: Answering
        # The handlers answering someone right now; shutdown waits for them.
        self.in_flight = InFlight()
        self._background: list[asyncio.Task[None]] = []
        self.heartbeat = Heartbeat(settings.health_file)
        # False once shutdown begins: new questions are turned away, answers in flight finish.
        self.accepting = True
        # The bot's words in English and Japanese (bot/locales/ja.po).
        self.catalog = Catalog.load()

    def words_for(self, interaction: discord.Interaction) -> Words:
        """The words for a reply to ``interaction``: in the language of the member's Discord."""
        return self.catalog.words(locale_language(interaction.locale))

    async def setup_hook(self) -> None:
        await self.store.open()
        self.answering = Answering(
            self.knowledge, self.matching, self.store, self.cooldown, self.burst
        )
        replies = InteractionReplies(self.answering, self.late, self.catalog)
        await self.add_cog(Ask(self.answering, replies))
        await self.add_cog(Mentions(self, self.answering))
        await self.add_cog(Topics(self.answering, replies))
        auto_channels = AutoAnswerChannels()
        message_content = self.settings.message_content
        admin = FaqAdmin(
            self.knowledge,
            self.store,
            self.catalog,
            auto_channels,
            message_content=message_content,
        )
        await self.add_cog(admin)
        if message_content:  # without the intent, messages that don't mention it are empty
            no_role = self.settings.no_autoanswer_role
            auto = AutoAnswer(self, self.answering, auto_channels, no_autoanswer_role=no_role)
            await self.add_cog(auto)
        await self.add_cog(Components(self, self.answering, replies))
        # Japanese names and descriptions for the commands, for members whose Discord is.
        await self.tree.set_translator(CatalogTranslator(self.catalog))
        await self.sync_commands()
        self._background.append(
            asyncio.create_task(
                self.knowledge.watch(self.settings.reload_seconds), name="faq-watch"
            )
        )
        self._background.append(asyncio.create_task(self._purge_daily(), name="purge"))
        self._background.append(asyncio.create_task(self._probe_storage(), name="storage-probe"))
        self._background.append(
            asyncio.create_task(self.heartbeat.run(self.health_status), name="heartbeat")
        )

    def health_status(self) -> HealthStatus:
        shards = self.shards.values()
        connected = self.is_ready() and bool(shards) and not any(s.is_closed() for s in shards)
        storage_ok, storage = self.store.storage_health(STORAGE_FRESH)
        return HealthStatus(
            connected=connected,
            faq_version=self.knowledge.version,
            shards=tuple(sorted(self.shards)),
            storage_ok=storage_ok,
            storage=storage,
        )

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the Mentions cog's listener answers mentions and DMs.

        The default would parse every mention as a text command and log the resulting
        CommandNotFound as an error for each question asked.
        """

    async def sync_commands(self, *, force: bool = False) -> None:
        """Guild sync for development; global sync only when the definitions changed.

        Discord rate-limits command creation, so a restart must not re-upload identical
        commands; a hash of the last uploaded definitions is kept beside the database.
        """
        shards = self.settings.shard_ids
        if not force and shards is not None and 0 not in shards:
            # Commands belong to the application, not to a shard: one process uploads them,
            # the one running shard 0, however many processes and hosts share the work.
            log.info("commands are synced by the process running shard 0; not syncing")
            return
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            log.info("commands synced to development guild %s", self.settings.dev_guild_id)
            return
        digest = await self.command_digest()
        hash_file = self.settings.state_dir / COMMAND_HASH_FILE
        try:
            previous = hash_file.read_text().strip()
        except OSError:
            previous = ""
        if not force and previous == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return
        await self.tree.sync()
        try:
            hash_file.parent.mkdir(parents=True, exist_ok=True)
            hash_file.write_text(digest + "\n")
        except OSError as error:
            log.warning("could not remember the command hash: %s", error)
        log.info("commands synced globally")

    async def command_digest(self) -> str:
        """A hash of the definitions as uploaded, translations included: a changed Japanese
        name is a change Discord must be told of."""
        translator = self.tree.translator
        commands_ = self.tree.get_commands()
        if translator is None:
            definitions = [command.to_dict(self.tree) for command in commands_]
        else:
            definitions = [
                await command.get_translated_payload(self.tree, translator) for command in commands_
            ]
        canonical = json.dumps(definitions, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    async def _probe_storage(self) -> None:
        """A write every STORAGE_PROBE, so health sees a dead database while nobody votes."""
        while True:
            await self.store.probe()
            await asyncio.sleep(STORAGE_PROBE.total_seconds())

    async def _purge_daily(self) -> None:
        while True:
            await self.store.purge_expired()
            await asyncio.sleep(24 * 3600)

    async def shutdown(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop taking questions, let answers in flight finish (bounded), then close."""
        self.accepting = False
        if self.in_flight:
            log.info("waiting for %d answer(s) in flight", len(self.in_flight))
        if not await self.in_flight.drain(grace):
            log.warning(
                "%d answer(s) still in flight after %g s; closing anyway",
                len(self.in_flight),
                grace,
            )
        await self.close()

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await super().close()
        self.late.summarise()
        await self.store.close()
        self.matching.close()
        self.heartbeat.clear()
