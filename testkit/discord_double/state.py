"""The double's mutable state: world, records, interactions, messages, commands, faults."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import ids
from . import payloads as p
from .interaction_payloads import APPLICATION_COMMAND, interaction_kind
from .payloads import Payload
from .records import Changes, RecordedRequest, Violation, ViolationKind
from .spec import SpecValidator
from .world import World, default_world

EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Message fields a create/edit body may set on the stored message.
EDITABLE_FIELDS = ("content", "embeds", "components", "tts", "poll")


@dataclass
class InteractionRecord:
    payload: Payload
    dispatched_at: float
    acked_at: float | None = None
    callback: RecordedRequest | None = None
    original_message_id: str | None = None
    # Set by a fault with expire_token: Discord has forgotten the token (10062 from now on).
    expired: bool = False

    @property
    def label(self) -> str:
        return f"interaction {self.payload['id']} ({interaction_kind(self.payload)})"


@dataclass
class Fault:
    method: str
    pattern: str
    status: int
    remaining: int
    retry_after: float
    scope: str = "user"  # a 429's X-RateLimit-Scope: user (per route), global or shared
    code: int = 0  # Discord's JSON error code in the body, e.g. 10062
    message: str | None = None  # the body's message; a generic one when None
    # The interaction the request belongs to loses its token, as when Discord's 3 s pass:
    # every later callback for it is answered 10062 Unknown interaction.
    expire_token: bool = False
    # Discord carried the request out and only its answer was lost: the handler runs, then
    # the fault's status replaces its reply (a 502 from a proxy after the API did the work).
    applied: bool = False


def path_matches(pattern: str, request: RecordedRequest) -> bool:
    """A '{param}' template compares with the request's template, anything else is a regex."""
    if "{" in pattern:
        return pattern == request.template
    return re.fullmatch(pattern, request.path) is not None


class DoubleState:
    def __init__(
        self,
        *,
        spec: SpecValidator | None,
        world: World | None = None,
        ack_deadline: float = 3.0,
        reject_invalid_bodies: bool = True,
    ) -> None:
        self.spec = spec
        self.world = world or default_world()
        self.token = ids.bot_token(self.world.bot_id)
        # Discord invalidates an interaction token 3 s after dispatch unless acknowledged.
        self.ack_deadline = ack_deadline
        # Like Discord, answer 400 (Invalid Form Body) when a body breaks the spec.
        self.reject_invalid_bodies = reject_invalid_bodies
        self.gateway_bot_shards = 1
        self.deny_privileged_intents = False
        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.interactions: dict[str, InteractionRecord] = {}
        self.messages: dict[str, Payload] = {}
        self.commands: dict[str | None, dict[str, Payload]] = {}
        self.identifies: list[Payload] = []
        self.filtered_events: list[tuple[str, str]] = []  # (event, why) dropped by intents
        self.faults: list[Fault] = []
        # Set by running_bot when bot.start() ends with an error: waits then fail at once.
        self.bot_error: BaseException | None = None
        self.changes = Changes(abort=lambda: self.bot_error)
        self.port = 0

    # --- addresses ----------------------------------------------------------------------

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.http_base}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    # --- recording ----------------------------------------------------------------------

    def record_request(self, request: RecordedRequest) -> None:
        self.requests.append(request)
        self.changes.notify()

    def violate(self, kind: ViolationKind, where: str, detail: str) -> None:
        self.violations.append(Violation(kind, where, detail))
        self.changes.notify()

    def bot_exited(self, error: BaseException | None) -> None:
        if error is not None:
            self.bot_error = error
            self.changes.notify()

    def take_fault(self, request: RecordedRequest) -> Fault | None:
        for fault in self.faults:
            if fault.method == request.method and path_matches(fault.pattern, request):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def unacknowledged(self) -> list[Violation]:
        """Interactions with no accepted callback, whether or not their deadline has passed."""
        now = time.monotonic()
        return [
            Violation(
                "no_ack",
                record.label,
                f"no accepted callback {now - record.dispatched_at:.2f}s after dispatch",
            )
            for record in self.interactions.values()
            if record.acked_at is None
        ]

    def requests_without_bot_auth(self) -> list[RecordedRequest]:
        """Requests lacking 'Authorization: Bot <token>', except interaction callbacks and
        interaction webhooks, which authenticate by their token in the path."""
        exempt = ("/interactions/", "/webhooks/")
        return [
            r
            for r in self.requests
            if r.authorization != f"Bot {self.token}" and not r.path.startswith(exempt)
        ]

    # --- interactions -------------------------------------------------------------------

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        return next((r for r in self.interactions.values() if r.payload["token"] == token), None)

    def interaction_of(self, request: RecordedRequest) -> InteractionRecord | None:
        """The interaction a callback or interaction-webhook request is about, if any."""
        parts = request.path.split("/")
        if request.path.startswith("/interactions/") and len(parts) > 3:
            record = self.interactions.get(parts[2])
            return record if record and record.payload["token"] == parts[3] else None
        if request.path.startswith("/webhooks/") and len(parts) > 3:
            return self.interaction_by_token(parts[3])
        return None

    def callbacks(self, interaction_id: str) -> list[RecordedRequest]:
        """Every answered callback request for the interaction, in order, accepted or not.

        More than one is fine when the first were refused (429, 5xx) and retried; more than
        one *accepted* cannot happen: the double refuses a second callback (40060) and records
        a duplicate_ack violation, i.e. the interaction was answered twice.
        """
        return [
            r
            for r in self.requests
            if r.status
            and r.path.startswith("/interactions/")
            and r.path.endswith("/callback")
            and r.path.split("/")[2] == interaction_id
        ]

    # --- messages -----------------------------------------------------------------------

    def create_message(
        self,
        body: Mapping[str, Any],
        *,
        channel_id: str,
        files: list[tuple[str, str, int]] | None = None,
        interaction: InteractionRecord | None = None,
        loading: bool = False,
    ) -> Payload:
        """Store and return the message Discord would create from a bot's message body."""
        channel = self.world.find_channel(channel_id) or {}
        guild_id = channel.get("guild_id")
        reference = body.get("message_reference")
        message_type = 19 if reference else 0
        extra: dict[str, Any] = {}
        if interaction is not None:
            ipayload = interaction.payload
            if ipayload["type"] == APPLICATION_COMMAND:
                message_type = 20  # CHAT_INPUT_COMMAND
            invoker = ipayload.get("member", {}).get("user") or ipayload.get("user")
            extra = {
                "webhook_id": self.world.application_id,
                "application_id": self.world.application_id,
                "interaction_metadata": {
                    "id": ipayload["id"],
                    "type": ipayload["type"],
                    "user": invoker,
                    "authorizing_integration_owners": ipayload["authorizing_integration_owners"],
                },
            }
        flags = int(body.get("flags") or 0) & EPHEMERAL
        message = p.message(
            channel_id=channel_id,
            author=self.world.bot_user,
            content=str(body.get("content") or ""),
            guild_id=guild_id,
            message_type=message_type,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._attachments(body, files or []),
            flags=flags | (LOADING if loading else 0),
            message_reference=_reference(reference, channel_id, guild_id),
            **extra,
        )
        if reference and str(reference.get("message_id")) in self.messages:
            message["referenced_message"] = self.messages[str(reference["message_id"])]
        self.messages[message["id"]] = message
        return message

    def edit_message(
        self, message_id: str, body: Mapping[str, Any], files: list[tuple[str, str, int]]
    ) -> Payload:
        message = self.messages[message_id]
        for key in EDITABLE_FIELDS:
            if key in body:
                message[key] = body[key] if body[key] is not None else _empty_of(key)
        if "attachments" in body or files:
            message["attachments"] = self._attachments(body, files)
        message["flags"] = int(message.get("flags") or 0) & ~LOADING
        message["edited_timestamp"] = ids.iso_now()
        return message

    def _attachments(
        self, body: Mapping[str, Any], files: list[tuple[str, str, int]]
    ) -> list[Payload]:
        found: list[Payload] = []
        for index, (_, filename, size) in enumerate(files):
            attachment_id = ids.snowflake()
            url = f"{self.http_base}/attachments/{attachment_id}/{filename}"
            described = (body.get("attachments") or [])[index : index + 1]
            found.append(
                {
                    "id": attachment_id,
                    "filename": filename,
                    "size": size,
                    "url": url,
                    "proxy_url": url,
                    "content_type": "application/octet-stream",
                    "description": (described[0].get("description") if described else None),
                }
            )
        return found


def _reference(reference: Any, channel_id: str, guild_id: str | None) -> Payload | None:
    if not isinstance(reference, Mapping):
        return None
    data: Payload = {
        "type": 0,
        "message_id": str(reference.get("message_id")),
        "channel_id": str(reference.get("channel_id") or channel_id),
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    return data


def _empty_of(key: str) -> Any:
    return {"content": "", "embeds": [], "components": [], "tts": False}.get(key)
