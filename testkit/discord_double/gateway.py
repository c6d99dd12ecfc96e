"""The gateway websocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, RESUME, heartbeats.

discord.py asks for zlib-stream (or zstd-stream) transport compression in the query, but
only decompresses binary frames (DiscordWebSocket.received_message checks for bytes), so
plain text frames are accepted and keep the double simple.

Sessions outlive connections, as on Discord: every dispatch gets the session's next
sequence number and is kept in the session's log. When a connection is lost (or held back
by hold_dispatches), dispatches for its session are queued in that log; a RESUME with the
last sequence the client saw replays every later one, in order, before RESUMED.

Faults a test can inject: close with a code (drop), a TCP abort without a close frame,
opcode 7 RECONNECT, opcode 9 INVALID_SESSION (resumable or not), and unanswered heartbeats.
"""

# ruff: noqa: ASYNC109 -- waits take timeout= so a TimeoutError can name what was awaited

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import app_payloads as api
from . import ids
from . import payloads as p
from .payloads import Payload
from .state import DoubleState

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, RESUME = 0, 1, 2, 3, 6
RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_DISALLOWED_INTENTS = 4014
# A client closing with these ends its session on Discord: it cannot be resumed.
CLOSE_ENDS_SESSION = (1000, 1001)
# Dispatches a session keeps for replay (a long soak run must not grow without bound); a
# RESUME from before the oldest is refused, as Discord refuses one its buffer cannot serve.
REPLAY_LIMIT = 1000


@dataclass
class Dispatch:
    seq: int
    event: str
    data: Any


@dataclass
class GatewaySession:
    """One websocket connection, and the state of the Discord session it carries."""

    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    transport: asyncio.Transport | None = None
    session_id: str | None = None
    shard: tuple[int, int] | None = None
    intents: int = 0
    seq: int = 0
    ready: bool = False
    resumed: bool = False
    heartbeats: int = 0
    received: list[Payload] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Every dispatch of the session, sent or queued; a RESUME takes the list over.
    log: list[Dispatch] = field(default_factory=list)
    delivered: int = 0  # highest sequence number written to this connection
    held: bool = False  # hold_dispatches: dispatches are queued, not sent
    resumable: bool = False  # the connection is gone but its session can be RESUMEd
    ack_heartbeats: bool = True
    resume_seq: int | None = None  # the sequence number a RESUME on this connection gave
    replayed: list[int] = field(default_factory=list)  # sequence numbers replayed on RESUME
    # The code of the first close frame, whichever side sent it; 1006 (aiohttp's
    # ABNORMAL_CLOSURE) when the connection ended without one.
    close_code: int | None = None
    ended: bool = False  # the connection is over and close_code is final

    @property
    def connected(self) -> bool:
        return self.ready and not self.ws.closed

    @property
    def live(self) -> bool:
        return self.connected and not self.held

    @property
    def queues(self) -> bool:
        """Dispatches for this session are kept for a later flush or RESUME."""
        return self.session_id is not None and (self.resumable or (self.held and self.connected))

    def owns_guild(self, guild_id: str) -> bool:
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id

    async def send(self, op: int, data: Any, event: str | None = None) -> int | None:
        """Send one frame; dispatches get the next sequence number, assigned under the lock
        so frames leave in sequence order."""
        async with self.lock:
            if op != DISPATCH:
                await self._write(op, data)
                return None
            dispatch = self.queue(event or "", data)
            await self._write_dispatch(dispatch)
            return dispatch.seq

    def queue(self, event: str, data: Any) -> Dispatch:
        """Give a dispatch the session's next sequence number and log it, unsent."""
        self.seq += 1
        dispatch = Dispatch(self.seq, event, data)
        self.log.append(dispatch)
        del self.log[:-REPLAY_LIMIT]
        return dispatch

    def can_replay_after(self, seq: int) -> bool:
        return not self.log or seq >= self.log[0].seq - 1

    async def flush(self, after: int) -> list[int]:
        """Write the logged dispatches after sequence `after` that this connection lacks."""
        sent: list[int] = []
        while True:  # the log may grow (or be trimmed) while frames are written
            cursor = max(after, self.delivered)
            pending = [d for d in self.log if d.seq > cursor]
            if not pending:
                return sent
            for dispatch in pending:
                await self._write_dispatch(dispatch)
                sent.append(dispatch.seq)

    async def _write_dispatch(self, dispatch: Dispatch) -> None:
        await self._write(DISPATCH, dispatch.data, dispatch.seq, dispatch.event)
        self.delivered = max(self.delivered, dispatch.seq)

    async def _write(
        self, op: int, data: Any, seq: int | None = None, event: str | None = None
    ) -> None:
        frame = json.dumps({"op": op, "d": data, "s": seq, "t": event})
        # A frame for a connection that is going away is lost, as on a real network; a
        # dispatch stays in the log and a RESUME replays it.
        with contextlib.suppress(ConnectionError):
            await self.ws.send_str(frame)


class Gateway:
    def __init__(self, state: DoubleState, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.state = state
        # HELLO's interval; discord.py heartbeats at it. A fault test may shorten it.
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: list[GatewaySession] = []

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.live]

    def connected_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.connected]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(
            ws=ws, path=request.path, query=dict(request.query), transport=request.transport
        )
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
            session.held = False
            if session.close_code is None:  # not closed by the double: the client's code
                session.close_code = ws.close_code
            session.ended = True
            if session.session_id is not None and not session.resumable:
                # Discord keeps a session whose connection was lost or closed with any code
                # but 1000/1001, so that the client can RESUME it.
                session.resumable = ws.close_code not in CLOSE_ENDS_SESSION
            self.state.changes.notify()
        return ws

    async def _on_frame(self, session: GatewaySession, frame: Payload) -> None:
        session.received.append(frame)
        op, d = frame.get("op"), frame.get("d")
        data: Payload = d if isinstance(d, dict) else {}
        if op == HEARTBEAT:
            session.heartbeats += 1
            if session.ack_heartbeats:
                await session.send(HEARTBEAT_ACK, None)
            self.state.changes.notify()
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
            (
                s
                for s in reversed(self.sessions)
                if s is not session and s.session_id == data.get("session_id")
            ),
            None,
        )
        seq = data.get("seq")
        last_seen = int(seq) if isinstance(seq, int) else 0
        if (
            previous is None
            or data.get("token") != self.state.token
            or last_seen > previous.seq  # the client claims events the session never sent
            or not previous.can_replay_after(last_seen)
        ):
            await session.send(INVALID_SESSION, False)
            return
        # Take the session over before any await, so that dispatches from now on wait for
        # this connection instead of queueing on the old one.
        session.session_id, session.shard = previous.session_id, previous.shard
        session.intents, session.seq, session.log = previous.intents, previous.seq, previous.log
        session.delivered = session.resume_seq = last_seen
        previous.session_id = None  # a session resumes once
        previous.ready = previous.held = previous.resumable = False
        if not previous.ws.closed:
            # A RESUME elsewhere ends the old connection, as on Discord.
            previous.close_code = previous.close_code or 4000
            await previous.ws.close(code=4000, message=b"session resumed elsewhere")
        async with session.lock:
            # Missed dispatches in order, then RESUMED (Discord's order).
            session.replayed = await session.flush(last_seen)
            resumed = session.queue("RESUMED", {"_trace": ['["gateway-prd-double",{"micros":0}]']})
            await session._write_dispatch(resumed)
            session.resumed = session.ready = True
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

    def _queueing_session(self, guild_id: str | None) -> GatewaySession | None:
        """A held or disconnected-but-resumable session that should get guild_id's events,
        unless a live session owns the guild."""
        live = self.live_sessions()
        if any(guild_id and s.owns_guild(guild_id) for s in live):
            return None
        waiting = [s for s in reversed(self.sessions) if s.queues]
        owner = next((s for s in waiting if guild_id and s.owns_guild(guild_id)), None)
        if owner is not None or live:
            return owner
        return waiting[0] if waiting else None

    async def dispatch(
        self, event: str, data: Payload, *, guild_id: str | None = None, timeout: float = 5.0
    ) -> int | None:
        """Send a DISPATCH to the session owning guild_id. While that session's connection
        is held or lost (and resumable), the dispatch is queued for replay instead."""
        session = self._queueing_session(guild_id) or await self.session_for(guild_id, timeout)
        if event == "MESSAGE_CREATE":
            gated = gate_message(data, session.intents, self.state.world.bot_id)
            if isinstance(gated, str):
                self.state.filtered_events.append((event, gated))
                return None
            data = gated
        if session.queues:
            return session.queue(event, data).seq
        return await session.send(DISPATCH, data, event)

    # --- faults -------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def hold_dispatches(self) -> AsyncIterator[list[GatewaySession]]:
        """Within the block, dispatches to the connected sessions are queued, not sent.

        End the block with a fault (drop, abort, reconnect_request, invalidate_session) and
        the queued events are the ones the bot missed: it gets them by RESUMEing. Without a
        fault they are written to the still-open connection when the block ends.
        """
        held = self.connected_sessions()
        for session in held:
            session.held = True
        try:
            yield held
        finally:
            for session in held:
                if session.held and session.connected:
                    session.held = False
                    async with session.lock:
                        await session.flush(session.delivered)
                session.held = False
            self.state.changes.notify()

    def _suspend(self) -> list[GatewaySession]:
        """Mark the connected sessions as lost but resumable; their dispatches queue."""
        sessions = self.connected_sessions()
        for session in sessions:
            session.ready = False
            session.resumable = session.session_id is not None
        return sessions

    async def drop(self, code: int = 4000) -> None:
        """Close every connection with `code`, as a gateway restart would; discord.py resumes.

        aiohttp sends any code it is given, 1006 included, although 1006 only ever names a
        connection that ended without a close frame (abort() does that).
        """
        for session in self._suspend():
            session.close_code = code
            await session.ws.close(code=code, message=b"dropped by the test double")

    def abort(self) -> None:
        """Drop every connection at the TCP level: no close frame, as when a network dies."""
        for session in self._suspend():
            if session.transport is not None:
                session.transport.abort()

    async def reconnect_request(self) -> None:
        """Send opcode 7 RECONNECT; the client closes the connection and RESUMEs. Later
        dispatches are queued for the RESUME, not written to the connection being left."""
        for session in self._suspend():
            await session.send(RECONNECT, None)

    async def invalidate_session(self, *, resumable: bool) -> None:
        """Send opcode 9 INVALID_SESSION: d=true lets the client RESUME, d=false makes it
        IDENTIFY again (a new session; whatever the old one missed is lost)."""
        for session in self._suspend():
            if not resumable:
                session.session_id = None
                session.resumable = False
            await session.send(INVALID_SESSION, resumable)

    def stop_heartbeat_acks(self) -> list[GatewaySession]:
        """The connected sessions stop answering HEARTBEAT with op 11 (a zombie connection);
        new connections answer again."""
        sessions = self.connected_sessions()
        for session in sessions:
            session.ack_heartbeats = False
        return sessions

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
