"""EventDriver: what tests send the bot through the gateway, built from the double's world."""

# ruff: noqa: ASYNC109 -- waits take timeout= so a TimeoutError can name what was awaited

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from . import interaction_payloads as ip
from . import payloads as p
from .gateway import Gateway
from .payloads import Payload
from .state import DoubleState, InteractionRecord

OptionValues = Mapping[str, ip.OptionValue] | Sequence[Payload] | None


class EventDriver(DoubleState):
    gateway: Gateway  # created by DiscordDouble

    # --- gateway events -----------------------------------------------------------------

    async def dispatch(
        self, event: str, data: Payload, *, guild_id: str | None = None, timeout: float = 5.0
    ) -> int | None:
        """Send a DISPATCH to the session owning guild_id; returns its sequence number
        (None when intents filtered it out, see filtered_events)."""
        return await self.gateway.dispatch(event, data, guild_id=guild_id, timeout=timeout)

    async def user_message(
        self,
        content: str,
        *,
        dm: bool = False,
        channel_id: str | None = None,
        author: Payload | None = None,
        mention_bot: bool = False,
        mentions: Sequence[Payload] = (),
        mention_roles: Sequence[str] = (),
        mention_everyone: bool = False,
        reply_to: Payload | None = None,
    ) -> Payload:
        """MESSAGE_CREATE from a human: the member user in #general, or in the DM channel.

        mention_bot prefixes '<@bot_id> ' and lists the bot in mentions, as the client does.
        """
        world = self.world
        who = author or world.member_user
        invoker = world.invoker(user=who, channel_id=channel_id, dm=dm)
        mentioned = list(mentions)
        if mention_bot:
            content = f"<@{world.bot_id}> {content}"
            mentioned.insert(0, world.bot_user)
        entries = [p.mention(u, None if dm else world.member_of(str(u["id"]))) for u in mentioned]
        reference = None
        if reply_to is not None:
            reference = {
                "type": 0,
                "message_id": reply_to["id"],
                "channel_id": reply_to["channel_id"],
            }
        message = p.message(
            channel_id=invoker.channel["id"],
            author=who,
            content=content,
            guild_id=invoker.guild_id,
            member=p.message_member(invoker.member) if invoker.member else None,
            mentions=entries,
            mention_roles=mention_roles,
            mention_everyone=mention_everyone,
            message_type=19 if reply_to else 0,
            message_reference=reference,
        )
        if reply_to is not None:
            message["referenced_message"] = reply_to
        self.messages[message["id"]] = message
        await self.dispatch("MESSAGE_CREATE", message, guild_id=invoker.guild_id)
        return message

    async def send_interaction(self, payload: Payload, *, timeout: float = 5.0) -> Payload:
        """Dispatch INTERACTION_CREATE and start its 3-second acknowledgement clock."""
        self.track_interaction(payload)
        await self.dispatch(
            "INTERACTION_CREATE", payload, guild_id=payload.get("guild_id"), timeout=timeout
        )
        return payload

    def track_interaction(self, payload: Payload) -> InteractionRecord:
        """Accept callbacks for this interaction from now on (send_interaction does this)."""
        record = InteractionRecord(payload, time.monotonic())
        self.interactions[payload["id"]] = record
        return record

    def command_target(self, name: str, *, dm: bool) -> tuple[str, str | None]:
        """(command id, guild id it is registered in) for a command the bot registered.

        Discord only sends commands that exist: guild commands first (not in DMs), then global.
        """
        scopes = ([] if dm else [self.world.guild_id]) + [None]
        for scope in scopes:
            for command in self.commands.get(scope, {}).values():
                if command["name"] == name and command["type"] == 1:
                    return command["id"], scope
        known = sorted(
            f"/{c['name']} ({'guild' if s else 'global'})"
            for s, cs in self.commands.items()
            for c in cs.values()
        )
        where = "in a DM" if dm else "in the guild"
        raise LookupError(
            f"/{name} is not registered {where}; the bot registered: {known or 'nothing'}"
        )

    async def slash_command(
        self,
        name: str,
        options: OptionValues = None,
        *,
        subcommand: str | None = None,
        dm: bool = False,
        user: Payload | None = None,
        channel_id: str | None = None,
        locale: str = "en-US",
    ) -> Payload:
        command_id, scope = self.command_target(name, dm=dm)
        data = ip.command_data(
            name,
            ip.options_from(options),
            command_id=command_id,
            guild_id=scope,
            subcommand=subcommand,
        )
        invoker = self.world.invoker(user=user, channel_id=channel_id, dm=dm)
        return await self.send_interaction(
            ip.interaction(
                ip.APPLICATION_COMMAND,
                data,
                invoker=invoker,
                application_id=self.world.application_id,
                locale=locale,
            )
        )

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, ip.OptionValue],
        *,
        focused: str,
        subcommand: str | None = None,
        dm: bool = False,
        user: Payload | None = None,
        channel_id: str | None = None,
        locale: str = "en-US",
    ) -> Payload:
        command_id, scope = self.command_target(name, dm=dm)
        opts = ip.options_from(options, focused=focused)
        data = ip.command_data(
            name, opts, command_id=command_id, guild_id=scope, subcommand=subcommand
        )
        invoker = self.world.invoker(user=user, channel_id=channel_id, dm=dm)
        return await self.send_interaction(
            ip.interaction(
                ip.APPLICATION_COMMAND_AUTOCOMPLETE,
                data,
                invoker=invoker,
                application_id=self.world.application_id,
                locale=locale,
            )
        )

    async def click_button(
        self,
        custom_id: str,
        *,
        message: Payload | str,
        user: Payload | None = None,
        locale: str = "en-US",
    ) -> Payload:
        """A button press on a message the bot sent (payload or id from self.messages)."""
        data = ip.component_data(custom_id, ip.BUTTON)
        return await self._component(data, message, user, locale)

    async def choose_select(
        self,
        custom_id: str,
        values: Sequence[str],
        *,
        message: Payload | str,
        user: Payload | None = None,
    ) -> Payload:
        data = ip.component_data(custom_id, ip.STRING_SELECT, values)
        return await self._component(data, message, user)

    async def _component(
        self, data: Payload, message: Payload | str, user: Payload | None, locale: str = "en-US"
    ) -> Payload:
        target = self.messages[message] if isinstance(message, str) else message
        channel = self.world.find_channel(target["channel_id"]) or {}
        dm = "guild_id" not in channel
        invoker = self.world.invoker(
            user=user, channel_id=None if dm else target["channel_id"], dm=dm
        )
        payload = ip.interaction(
            ip.MESSAGE_COMPONENT,
            data,
            invoker=invoker,
            application_id=self.world.application_id,
            message=ip.component_message(target, guild_id=invoker.guild_id),
            locale=locale,
        )
        return await self.send_interaction(payload)

    async def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str],
        *,
        dm: bool = False,
        user: Payload | None = None,
        channel_id: str | None = None,
    ) -> Payload:
        invoker = self.world.invoker(user=user, channel_id=channel_id, dm=dm)
        payload = ip.interaction(
            ip.MODAL_SUBMIT,
            ip.modal_data(custom_id, fields),
            invoker=invoker,
            application_id=self.world.application_id,
        )
        return await self.send_interaction(payload)
