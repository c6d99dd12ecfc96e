"""What each REST route answers. Paths use the spec's templates and parameter names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import app_payloads as api
from . import ids
from . import payloads as p
from .records import RecordedRequest
from .rest import Handler, Reply
from .state import DoubleState, InteractionRecord

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
ORIGINAL = WEBHOOK + "/messages/@original"
WEBHOOK_MESSAGE = WEBHOOK + "/messages/{message_id}"
GLOBAL_COMMANDS = "/applications/{application_id}/commands"
GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"

Params = dict[str, str]


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


def _unknown(code: int, what: str) -> Reply:
    return Reply(404, api.error(code, f"Unknown {what}"))


def build_handlers(state: DoubleState) -> dict[tuple[str, str], Handler]:
    world = state.world
    table: dict[tuple[str, str], Handler] = {}

    def route(method: str, template: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            table[(method, template)] = fn
            return fn

        return register

    # --- identity and gateway ---------------------------------------------------------

    @route("GET", "/users/@me")
    async def me(req: RecordedRequest, params: Params) -> Reply:
        if req.authorization != f"Bot {state.token}":
            return Reply(401, api.error(0, "401: Unauthorized"))
        return Reply(200, {**world.bot_user, "verified": True, "mfa_enabled": False})

    async def application(req: RecordedRequest, params: Params) -> Reply:
        return Reply(
            200,
            api.application(
                application_id=world.application_id,
                bot_user=world.bot_user,
                owner=world.owner,
                flags=world.application_flags,
                guild_id=world.guild_id,
            ),
        )

    table[("GET", "/oauth2/applications/@me")] = application
    table[("GET", "/applications/@me")] = application

    @route("GET", "/gateway")
    async def gateway(req: RecordedRequest, params: Params) -> Reply:
        return Reply(200, {"url": state.gateway_url + "gateway"})

    @route("GET", "/gateway/bot")
    async def gateway_bot(req: RecordedRequest, params: Params) -> Reply:
        return Reply(200, api.gateway_bot(state.gateway_url + "gateway", state.gateway_bot_shards))

    # --- application commands -----------------------------------------------------------

    def scope_error(req: RecordedRequest, params: Params) -> Reply | None:
        guild_id = params.get("guild_id")
        if params["application_id"] != world.application_id or (
            guild_id is not None and guild_id not in {g["id"] for g in world.guild_payloads()}
        ):
            state.violate("missing_access", req.route, f"{req.path} is not this bot's to use")
            return Reply(403, api.error(50001, "Missing Access"))
        return None

    def existing_id(commands: dict[str, dict[str, Any]], body: dict[str, Any]) -> str | None:
        # Discord keeps a command's id across overwrites while its name and type stay.
        return next(
            (
                c["id"]
                for c in commands.values()
                if c["name"] == body.get("name") and c["type"] == body.get("type", 1)
            ),
            None,
        )

    def make_command(scope: str | None, body: dict[str, Any], command_id: str | None) -> Any:
        return api.application_command(
            body,
            command_id=command_id or ids.snowflake(),
            application_id=world.application_id,
            guild_id=scope,
        )

    async def list_commands(req: RecordedRequest, params: Params) -> Reply:
        return scope_error(req, params) or Reply(
            200, list(state.commands.get(params.get("guild_id"), {}).values())
        )

    async def put_commands(req: RecordedRequest, params: Params) -> Reply:
        if error := scope_error(req, params):
            return error
        scope = params.get("guild_id")
        previous = state.commands.get(scope, {})
        created = [make_command(scope, b, existing_id(previous, b)) for b in req.body or []]
        state.commands[scope] = {c["id"]: c for c in created}
        return Reply(200, created)

    async def post_command(req: RecordedRequest, params: Params) -> Reply:
        if error := scope_error(req, params):
            return error
        scope = params.get("guild_id")
        commands = state.commands.setdefault(scope, {})
        known = existing_id(commands, req.body or {})
        created = make_command(scope, req.body or {}, known)
        commands[created["id"]] = created
        return Reply(200 if known else 201, created)

    async def one_command(req: RecordedRequest, params: Params) -> Reply:
        if error := scope_error(req, params):
            return error
        commands = state.commands.get(params.get("guild_id"), {})
        command = commands.get(params["command_id"])
        if command is None:
            return _unknown(10063, "application command")
        if req.method == "DELETE":
            del commands[params["command_id"]]
            return Reply(204)
        if req.method == "PATCH":
            command.update({k: v for k, v in (req.body or {}).items() if v is not None})
        return Reply(200, command)

    for base in (GLOBAL_COMMANDS, GUILD_COMMANDS):
        table[("GET", base)] = list_commands
        table[("PUT", base)] = put_commands
        table[("POST", base)] = post_command
        for method in ("GET", "PATCH", "DELETE"):
            table[(method, base + "/{command_id}")] = one_command

    # --- interactions -------------------------------------------------------------------

    @route("POST", CALLBACK)
    async def callback(req: RecordedRequest, params: Params) -> Reply:
        record = state.interactions.get(params["interaction_id"])
        if record is None or record.payload["token"] != params["interaction_token"]:
            state.violate("unknown_interaction", req.route, "no such interaction id/token")
            return _unknown(10062, "interaction")
        if record.acked_at is not None:
            state.violate(
                "duplicate_ack",
                record.label,
                f"answered twice: callback #{len(state.callbacks(record.payload['id'])) + 1} "
                "after one was accepted",
            )
            return Reply(400, api.error(40060, "Interaction has already been acknowledged."))
        if record.expired:
            # A fault expired the token on purpose: Discord no longer knows the interaction.
            return _unknown(10062, "interaction")
        delay = req.received_at - record.dispatched_at
        if delay > state.ack_deadline:
            # Discord drops the token after 3 s: the late callback gets Unknown interaction.
            state.violate("late_ack", record.label, f"callback {delay:.2f}s after dispatch")
            return _unknown(10062, "interaction")
        record.acked_at, record.callback = req.received_at, req
        answer = answer_callback(record, req.body or {}, req.files)
        return Reply(200, answer) if _truthy(req.query.get("with_response")) else Reply(204)

    def answer_callback(
        record: InteractionRecord, body: dict[str, Any], files: list[tuple[str, str, int]]
    ) -> dict[str, Any]:
        callback_type = body.get("type")
        data = body.get("data") or {}
        ipayload = record.payload
        message: dict[str, Any] | None = None
        if callback_type in (4, 5):
            message = state.create_message(
                data,
                channel_id=ipayload["channel_id"],
                files=files,
                interaction=record,
                loading=callback_type == 5,
            )
            record.original_message_id = message["id"]
        elif callback_type in (6, 7) and "message" in ipayload:
            target = ipayload["message"]["id"]
            state.messages.setdefault(target, ipayload["message"])
            if callback_type == 7:
                message = state.edit_message(target, data, files)
        interaction: dict[str, Any] = {"id": ipayload["id"], "type": ipayload["type"]}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            interaction["response_message_loading"] = callback_type == 5
            interaction["response_message_ephemeral"] = bool(message["flags"] & 64)
        answer: dict[str, Any] = {"interaction": interaction}
        if message is not None:
            answer["resource"] = {"type": callback_type, "message": message}
        elif callback_type is not None:
            answer["resource"] = {"type": callback_type}
        return answer

    def webhook_interaction(req: RecordedRequest, params: Params) -> InteractionRecord | Reply:
        record = state.interaction_by_token(params["webhook_token"])
        if params["webhook_id"] != world.application_id or record is None:
            state.violate("unknown_interaction", req.route, "no interaction with this token")
            return _unknown(10015, "Webhook")
        if record.expired:
            return _unknown(10015, "Webhook")  # a fault expired the token on purpose
        if record.acked_at is None:
            # Follow-ups and edits need an acknowledged interaction first.
            state.violate("followup_before_ack", record.label, f"{req.route} before any callback")
            return _unknown(10015, "Webhook")
        return record

    @route("POST", WEBHOOK)
    async def followup(req: RecordedRequest, params: Params) -> Reply:
        record = webhook_interaction(req, params)
        if isinstance(record, Reply):
            return record
        message = state.create_message(
            req.body or {},
            channel_id=record.payload["channel_id"],
            files=req.files,
            interaction=record,
        )
        return Reply(200, message) if _truthy(req.query.get("wait")) else Reply(204)

    async def webhook_message(req: RecordedRequest, params: Params) -> Reply:
        record = webhook_interaction(req, params)
        if isinstance(record, Reply):
            return record
        message_id = params.get("message_id") or record.original_message_id
        if message_id is None or message_id not in state.messages:
            return _unknown(10008, "Message")
        if req.method == "DELETE":
            del state.messages[message_id]
            return Reply(204)
        if req.method == "PATCH":
            return Reply(200, state.edit_message(message_id, req.body or {}, req.files))
        return Reply(200, state.messages[message_id])

    for template in (ORIGINAL, WEBHOOK_MESSAGE):
        for method in ("GET", "PATCH", "DELETE"):
            table[(method, template)] = webhook_message

    # --- channels and messages ----------------------------------------------------------

    @route("GET", "/channels/{channel_id}")
    async def get_channel(req: RecordedRequest, params: Params) -> Reply:
        channel = world.find_channel(params["channel_id"])
        return Reply(200, channel) if channel else _unknown(10003, "Channel")

    @route("POST", "/channels/{channel_id}/messages")
    async def create_message(req: RecordedRequest, params: Params) -> Reply:
        if world.find_channel(params["channel_id"]) is None:
            return _unknown(10003, "Channel")
        message = state.create_message(
            req.body or {}, channel_id=params["channel_id"], files=req.files
        )
        return Reply(200, message)

    async def channel_message(req: RecordedRequest, params: Params) -> Reply:
        message = state.messages.get(params["message_id"])
        if message is None or message["channel_id"] != params["channel_id"]:
            return _unknown(10008, "Message")
        if req.method == "DELETE":
            del state.messages[params["message_id"]]
            return Reply(204)
        if req.method == "PATCH":
            return Reply(200, state.edit_message(params["message_id"], req.body or {}, req.files))
        return Reply(200, message)

    for method in ("GET", "PATCH", "DELETE"):
        table[(method, "/channels/{channel_id}/messages/{message_id}")] = channel_message

    @route("POST", "/channels/{channel_id}/typing")
    async def typing(req: RecordedRequest, params: Params) -> Reply:
        return Reply(204)

    @route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me")
    async def react(req: RecordedRequest, params: Params) -> Reply:
        return Reply(204)

    @route("POST", "/users/@me/channels")
    async def open_dm(req: RecordedRequest, params: Params) -> Reply:
        recipient = str((req.body or {}).get("recipient_id"))
        if recipient == world.member_user["id"]:
            return Reply(200, world.dm_channel)
        member = world.member_of(recipient)
        if member is None:
            return _unknown(10013, "User")
        return Reply(200, p.dm_channel(ids.snowflake(), member["user"]))

    return table
