"""The gateway websocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, RESUME, heartbeats.

discord.py asks for zlib-stream (or zstd-stream) transport compression in the query, but
only decompresses binary frames (DiscordWebSocket.received_message checks for bytes), so
plain text frames are accepted and keep the double simple.
"""

# ruff: noqa: ASYNC109 -- waits take timeout= so a TimeoutError can name what was awaited

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import app_payloads as api
from . import ids
from . import payloads as p
from .payloads import Payload
from .state import DoubleState

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, RESUME = 0, 1, 2, 3, 6
REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DISALLOWED_INTENTS = 4014


@dataclass
class GatewaySession:
    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    session_id: str | None = None
    shard: tuple[int, int] | None = None
    intents: int = 0
    seq: int = 0
    ready: bool = False
    resumed: bool = False
    heartbeats: int = 0
    received: list[Payload] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def live(self) -> bool:
        return self.ready and not self.ws.closed

    def owns_guild(self, guild_id: str) -> bool:
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id

    async def send(self, op: int, data: Any, event: str | None = None) -> int | None:
        """Send one frame; dispatches get the next sequence number, assigned under the lock
        so frames leave in sequence order."""
        async with self.lock:
            seq: int | None = None
            if op == DISPATCH:
                self.seq += 1
                seq = self.seq
            await self.ws.send_str(json.dumps({"op": op, "d": data, "s": seq, "t": event}))
            return seq


class Gateway:
    def __init__(self, state: DoubleState, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.state = state
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: list[GatewaySession] = []

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.live]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws=ws, path=request.path, query=dict(request.query))
        self.sessions.append(session)
        await session.send(HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
        try:
            async for frame in ws:
                if frame.type is WSMsgType.TEXT:
                    await self._on_frame(session, json.loads(frame.data))
                elif frame.type is WSMsgType.ERROR:
                    break
        finally:
            session.ready = False
            self.state.changes.notify()
        return ws

    async def _on_frame(self, session: GatewaySession, frame: Payload) -> None:
        session.received.append(frame)
        op, d = frame.get("op"), frame.get("d")
        data: Payload = d if isinstance(d, dict) else {}
        if op == HEARTBEAT:
            session.heartbeats += 1
            await session.send(HEARTBEAT_ACK, None)
        elif op == IDENTIFY:
            await self._identify(session, data)
        elif op == RESUME:
            await self._resume(session, data)
        elif op == REQUEST_GUILD_MEMBERS:
            await self._members_chunk(session, data)
        # PRESENCE_UPDATE, voice state and others are recorded in session.received only.

    async def _identify(self, session: GatewaySession, data: Payload) -> None:
        self.state.identifies.append(data)
        self.state.changes.notify()
        if data.get("token") != self.state.token:
            await session.ws.close(
                code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed."
            )
            return
        session.intents = int(data.get("intents") or 0)
        if self.state.deny_privileged_intents and session.intents & p.PRIVILEGED_INTENTS:
            await session.ws.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        shard = data.get("shard")
        session.shard = (int(shard[0]), int(shard[1])) if shard else None
        session.session_id = ids.session_id()
        world = self.state.world
        guilds = [g for g in world.guild_payloads() if session.owns_guild(g["id"])]
        ready = api.ready(
            bot_user=world.bot_user,
            application_id=world.application_id,
            application_flags=world.application_flags,
            session_id=session.session_id,
            resume_gateway_url=self.state.gateway_url + "resume",
            guild_ids=[g["id"] for g in guilds],
            shard=list(session.shard) if session.shard else None,
        )
        await session.send(DISPATCH, ready, "READY")
        for guild in guilds:
            await session.send(DISPATCH, guild, "GUILD_CREATE")
        session.ready = True
        self.state.changes.notify()

    async def _resume(self, session: GatewaySession, data: Payload) -> None:
        previous = next(
            (s for s in reversed(self.sessions) if s.session_id == data.get("session_id")), None
        )
        if previous is None or data.get("token") != self.state.token:
            await session.send(INVALID_SESSION, False)
            return
        session.session_id, session.shard = previous.session_id, previous.shard
        session.intents, session.seq = previous.intents, previous.seq
        previous.session_id = None  # a session resumes once
        session.resumed = session.ready = True
        await session.send(DISPATCH, {"_trace": ['["gateway-prd-double",{"micros":0}]']}, "RESUMED")
        self.state.changes.notify()

    async def _members_chunk(self, session: GatewaySession, data: Payload) -> None:
        world = self.state.world
        chunk: Payload = {
            "guild_id": data.get("guild_id"),
            "members": world.members if data.get("guild_id") == world.guild_id else [],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await session.send(DISPATCH, chunk, "GUILD_MEMBERS_CHUNK")

    async def session_for(self, guild_id: str | None, timeout: float) -> GatewaySession:
        """The live session that owns guild_id (the first live one for DMs or unowned guilds)."""

        def find() -> GatewaySession | None:
            live = self.live_sessions()
            owner = next((s for s in live if guild_id and s.owns_guild(guild_id)), None)
            return owner or (live[0] if live else None)

        return await self.state.changes.wait_for(
            find, timeout=timeout, what="a READY gateway session (is the bot running?)"
        )

    async def dispatch(
        self, event: str, data: Payload, *, guild_id: str | None = None, timeout: float = 5.0
    ) -> int | None:
        session = await self.session_for(guild_id, timeout)
        if event == "MESSAGE_CREATE":
            gated = gate_message(data, session.intents, self.state.world.bot_id)
            if isinstance(gated, str):
                self.state.filtered_events.append((event, gated))
                return None
            data = gated
        return await session.send(DISPATCH, data, event)

    async def drop(self, code: int = 4000) -> None:
        """Close every live connection, as a gateway restart would; discord.py resumes."""
        for session in self.live_sessions():
            session.ready = False
            await session.ws.close(code=code, message=b"dropped by the test double")

    async def close(self) -> None:
        for session in self.sessions:
            if not session.ws.closed:
                await session.ws.close(code=1001, message=b"double shutting down")


def gate_message(data: Payload, intents: int, bot_id: str) -> Payload | str:
    """Apply intents as Discord does: the message, or why it is not delivered.

    Without MESSAGE_CONTENT, guild messages that neither mention the bot nor come from it
    arrive with empty content, embeds, attachments and components.
    """
    in_guild = "guild_id" in data
    needed = p.INTENT_GUILD_MESSAGES if in_guild else p.INTENT_DIRECT_MESSAGES
    if not intents & needed:
        name = "GUILD_MESSAGES" if in_guild else "DIRECT_MESSAGES"
        return f"message {data.get('id')} dropped: the bot lacks the {name} intent"
    mentioned = any(m.get("id") == bot_id for m in data.get("mentions", []))
    own = data.get("author", {}).get("id") == bot_id
    if in_guild and not intents & p.INTENT_MESSAGE_CONTENT and not mentioned and not own:
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}
    return data
