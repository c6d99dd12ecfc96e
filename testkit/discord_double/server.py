"""DiscordDouble: the aiohttp server plus the API tests drive it with."""

# ruff: noqa: ASYNC109 -- waits take timeout= so a TimeoutError can name what was awaited

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from .driving import EventDriver
from .gateway import Gateway, GatewaySession
from .handlers import CALLBACK, build_handlers
from .payloads import Payload
from .records import DoubleViolations, RecordedRequest
from .rest import RestApi
from .spec import SpecValidator
from .state import Fault, path_matches
from .world import World


class DiscordDouble(EventDriver):
    """A fake Discord (REST + gateway) on 127.0.0.1 for the real discord.py client.

    spec=None skips spec validation; the pytest fixture passes the loaded spec or skips.
    """

    def __init__(
        self,
        *,
        spec: SpecValidator | None,
        world: World | None = None,
        ack_deadline: float = 3.0,
        reject_invalid_bodies: bool = True,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        super().__init__(
            spec=spec,
            world=world,
            ack_deadline=ack_deadline,
            reject_invalid_bodies=reject_invalid_bodies,
        )
        self.gateway = Gateway(self, heartbeat_interval_ms=heartbeat_interval_ms)
        self.rest = RestApi(self, build_handlers(self))
        self._runner: web.AppRunner | None = None
        self._claimed: set[int] = set()

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        # DEFAULT_GATEWAY is "/", /gateway/bot hands out "/gateway", READY's resume url is
        # "/resume": the path each session came in on tells a test which one the client used.
        for ws_path in ("/", "/gateway", "/resume"):
            app.router.add_get(ws_path, self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- awaiting the bot ---------------------------------------------------------------

    async def wait_for_request(
        self,
        method: str,
        path_pattern: str,
        *,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """The first answered request not yet returned by this method that matches.

        path_pattern is a spec template ("/channels/{channel_id}/messages") or a regex
        fully matched against the path after /api/v10.
        """

        def find() -> RecordedRequest | None:
            for request in self.requests:
                if (
                    id(request) not in self._claimed
                    and request.status
                    and request.method == method
                    and path_matches(path_pattern, request)
                    and (predicate is None or predicate(request))
                ):
                    self._claimed.add(id(request))
                    return request
            return None

        return await self.changes.wait_for(find, timeout=timeout, what=f"{method} {path_pattern}")

    async def interaction_callback(
        self, interaction_id: str, *, timeout: float = 5.0
    ) -> RecordedRequest:
        """The (first) callback request for an interaction, accepted or not."""

        def find() -> RecordedRequest | None:
            return next(
                (
                    r
                    for r in self.requests
                    if r.template == CALLBACK
                    and r.status
                    and r.path.split("/")[2] == interaction_id
                ),
                None,
            )

        record = self.interactions.get(interaction_id)
        label = record.label if record else f"interaction {interaction_id}"
        return await self.changes.wait_for(find, timeout=timeout, what=f"the callback of {label}")

    async def interaction_response(self, interaction_id: str, *, timeout: float = 5.0) -> Any:
        """The body of the bot's callback for an interaction ({"type": 4, "data": {...}})."""
        return (await self.interaction_callback(interaction_id, timeout=timeout)).body

    def original_message(self, interaction_id: str) -> Payload:
        """The message the interaction's callback created (type 4 or deferred 5)."""
        record = self.interactions[interaction_id]
        if record.original_message_id is None:
            raise LookupError(f"{record.label} has no original response message")
        return self.messages[record.original_message_id]

    async def wait_for_identify(self, *, count: int = 1, timeout: float = 5.0) -> Payload:
        """The count-th IDENTIFY payload received (token, intents, shard, properties...)."""
        return await self.changes.wait_for(
            lambda: self.identifies[count - 1] if len(self.identifies) >= count else None,
            timeout=timeout,
            what=f"IDENTIFY #{count}",
        )

    # --- checks and faults --------------------------------------------------------------

    def assert_clean(self, *, ignore: Collection[str] = ()) -> None:
        """Raise DoubleViolations listing spec errors, unknown routes, unacknowledged or late
        interactions, mention and length violations. Await the bot's answers first.

        ignore: violation kinds a test provoked on purpose (e.g. {"no_ack"}).
        """
        found = [v for v in (*self.violations, *self.unacknowledged()) if v.kind not in ignore]
        if found:
            raise DoubleViolations(found)

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: float = 0.05,
        scope: Literal["user", "global", "shared"] = "user",
        code: int = 0,
        message: str | None = None,
        expire_token: bool = False,
        applied: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `status`.

        A 429 carries Discord's rate-limit headers for `scope` ('user': a per-route bucket;
        'global': X-RateLimit-Global) and retry_after. Other statuses carry Discord's error
        body {"message": message, "code": code}. expire_token: the interaction the request
        is for loses its token too, so every later callback for it gets 10062 Unknown
        interaction, as once Discord's 3 seconds are over. applied: the request takes effect
        as usual and only its answer is replaced (the response was lost on the way back).
        """
        self.faults.append(
            Fault(
                method,
                path_pattern,
                status,
                times,
                retry_after,
                scope=scope,
                code=code,
                message=message,
                expire_token=expire_token,
                applied=applied,
            )
        )

    def expire_next_callback(self) -> None:
        """The next interaction callback finds its token expired: 404 {"code": 10062}."""
        self.fail_next(
            "POST",
            CALLBACK,
            status=404,
            code=10062,
            message="Unknown interaction",
            expire_token=True,
        )

    # --- gateway faults -----------------------------------------------------------------

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the live gateway connections with `code` (4000: discord.py resumes)."""
        await self.gateway.drop(code)

    def abort_gateway(self) -> None:
        """Drop the gateway connections without a close frame (the TCP connection dies)."""
        self.gateway.abort()

    async def request_reconnect(self) -> None:
        """Send opcode 7 RECONNECT on the live connections."""
        await self.gateway.reconnect_request()

    async def invalidate_session(self, *, resumable: bool) -> None:
        """Send opcode 9 INVALID_SESSION with d=resumable on the live connections."""
        await self.gateway.invalidate_session(resumable=resumable)

    def stop_heartbeat_acks(self) -> list[GatewaySession]:
        """The live connections stop sending op 11 HEARTBEAT_ACK (a zombie connection)."""
        return self.gateway.stop_heartbeat_acks()

    @contextlib.asynccontextmanager
    async def hold_dispatches(self) -> AsyncIterator[list[GatewaySession]]:
        """Dispatches sent within the block are queued for the bot's sessions, not sent:
        end it with a gateway fault and they are what the bot missed, which it receives
        only by RESUMEing. See Gateway.hold_dispatches."""
        async with self.gateway.hold_dispatches() as held:
            yield held

    async def wait_for_session(self, *, after: int, timeout: float = 5.0) -> GatewaySession:
        """The first live gateway session opened after the first `after` connections:
        `before = len(double.gateway.sessions)`, inject a fault, then await the bot's
        new connection (RESUMEd or IDENTIFYd) with wait_for_session(after=before)."""

        def find() -> GatewaySession | None:
            return next((s for s in self.gateway.sessions[after:] if s.live), None)

        return await self.changes.wait_for(
            find, timeout=timeout, what=f"a live gateway session after connection #{after}"
        )
