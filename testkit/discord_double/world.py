"""The fake Discord the double serves: one bot, one guild with channels/thread/roles/members,
and a DM channel with a human user."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ids
from . import payloads as p
from .interaction_payloads import Invoker
from .payloads import Payload

# GATEWAY_MESSAGE_CONTENT_LIMITED | APPLICATION_COMMAND_BADGE, as a typical verified-less bot.
APPLICATION_FLAGS = (1 << 19) | (1 << 23)


@dataclass
class World:
    bot_user: Payload
    owner: Payload
    member_user: Payload
    guild_id: str
    roles: list[Payload]
    channels: list[Payload]
    threads: list[Payload]
    members: list[Payload]
    dm_channel: Payload
    application_id: str = ids.APPLICATION_ID
    application_flags: int = APPLICATION_FLAGS
    guild_name: str = "Cyber Cooperation Test Guild"
    extra_guilds: list[Payload] = field(default_factory=list)

    @property
    def bot_id(self) -> str:
        return str(self.bot_user["id"])

    @property
    def general_channel(self) -> Payload:
        return self.channel(ids.GENERAL_CHANNEL_ID)

    @property
    def thread(self) -> Payload:
        return self.threads[0]

    def guild_payload(self) -> Payload:
        return p.guild(
            self.guild_id,
            self.guild_name,
            owner_id=str(self.owner["id"]),
            roles=self.roles,
            channels=self.channels,
            threads=self.threads,
            members=self.members,
        )

    def guild_payloads(self) -> list[Payload]:
        return [self.guild_payload(), *self.extra_guilds]

    def channel(self, channel_id: str) -> Payload:
        for channel in (*self.channels, *self.threads, self.dm_channel):
            if channel["id"] == channel_id:
                return channel
        raise KeyError(f"no channel {channel_id} in the double's world")

    def find_channel(self, channel_id: str) -> Payload | None:
        try:
            return self.channel(channel_id)
        except KeyError:
            return None

    def member_of(self, user_id: str) -> Payload | None:
        return next((m for m in self.members if m["user"]["id"] == user_id), None)

    def invoker(
        self, *, user: Payload | None = None, channel_id: str | None = None, dm: bool = False
    ) -> Invoker:
        """Where an interaction or message comes from: the member user in #general by default."""
        who = user or self.member_user
        if dm:
            return Invoker(user=who, channel=self.dm_channel)
        channel = self.channel(channel_id or ids.GENERAL_CHANNEL_ID)
        member = self.member_of(str(who["id"]))
        if member is None:
            raise KeyError(f"user {who['id']} is not a member of the guild")
        return Invoker(user=who, channel=channel, guild_id=self.guild_id, member=member)


def default_world() -> World:
    bot_user = p.user(ids.BOT_USER_ID, "FAQ Bot", bot=True)
    owner = p.user(ids.OWNER_USER_ID, "guild_owner", global_name="Guild Owner")
    member_user = p.user(ids.MEMBER_USER_ID, "asking_member", global_name="Asking Member")
    gid = ids.GUILD_ID
    roles = [
        p.role(ids.EVERYONE_ROLE_ID, "@everyone", permissions=p.BASIC_PERMISSIONS, position=0),
        p.role(
            ids.MODERATOR_ROLE_ID,
            "Moderator",
            permissions=p.BASIC_PERMISSIONS | p.MANAGE_MESSAGES,
            position=1,
        ),
        # Discord gives every bot a managed role carrying its permissions.
        {
            **p.role(ids.BOT_ROLE_ID, "FAQ Bot", permissions=p.BASIC_PERMISSIONS, position=2),
            "managed": True,
            "tags": {"bot_id": ids.BOT_USER_ID},
        },
    ]
    channels = [
        p.category_channel(ids.CATEGORY_CHANNEL_ID, gid, "Text Channels", position=0),
        p.text_channel(
            ids.GENERAL_CHANNEL_ID, gid, "general", position=0, parent_id=ids.CATEGORY_CHANNEL_ID
        ),
        p.text_channel(
            ids.FAQ_CHANNEL_ID,
            gid,
            "faq",
            position=1,
            parent_id=ids.CATEGORY_CHANNEL_ID,
            topic="Ask the FAQ bot",
        ),
    ]
    threads = [
        p.thread_channel(
            ids.THREAD_ID, gid, ids.GENERAL_CHANNEL_ID, ids.MEMBER_USER_ID, "question thread"
        )
    ]
    members = [
        p.member(bot_user, roles=[ids.BOT_ROLE_ID]),
        p.member(owner, roles=[ids.MODERATOR_ROLE_ID]),
        p.member(member_user),
    ]
    return World(
        bot_user=bot_user,
        owner=owner,
        member_user=member_user,
        guild_id=gid,
        roles=roles,
        channels=channels,
        threads=threads,
        members=members,
        dm_channel=p.dm_channel(ids.DM_CHANNEL_ID, member_user),
    )
