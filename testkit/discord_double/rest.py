"""HTTP plumbing for /api/v10: parse, record, check, then hand to a route handler.

Every JSON answer carries exactly 'Content-Type: application/json': discord.py only
decodes a body whose content-type equals that string, and aiohttp's json_response (and
web.Response(text=...), even with the header given) appends '; charset=utf-8', after
which discord.py sees a str instead of a dict and login fails. Bodies are therefore
passed as bytes. A 204 carries no content-type: discord.py would try to decode ''.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from . import app_payloads as api
from .policy import check_request
from .records import RecordedRequest
from .spec import PathTemplates, SpecError
from .state import DoubleState, Fault

API_PREFIX = "/api/v10"


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[RecordedRequest, dict[str, str]], Awaitable[Reply]]


def to_response(reply: Reply) -> web.Response:
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    return web.Response(
        status=reply.status,
        body=json.dumps(reply.body).encode(),
        headers={**reply.headers, "Content-Type": "application/json"},
    )


class RestApi:
    def __init__(self, state: DoubleState, handlers: dict[tuple[str, str], Handler]) -> None:
        self.state = state
        self.handlers = handlers
        self.templates = PathTemplates({template for _, template in handlers})

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path
        relative = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else path
        try:
            body, files = await _read_body(request)
        except ValueError as exc:
            return to_response(Reply(400, api.error(50109, f"The request body is invalid: {exc}")))
        match = self.templates.match(relative) if path.startswith(API_PREFIX + "/") else None
        handler = self.handlers.get((request.method, match[0])) if match else None
        template = match[0] if match else self._spec_template(relative)
        record = RecordedRequest(
            method=request.method,
            path=relative,
            template=template,
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
            files=files,
        )
        self.state.record_request(record)
        if handler is None or match is None:
            reply = self._unknown(record)
        else:
            try:
                reply = await self._checked(record, handler, match[1])
            except Exception as exc:
                # A bug in the double must fail the test, not look like a Discord outage
                # (discord.py would quietly retry a 500 with back-off).
                self.state.violate("double_error", record.route, repr(exc))
                reply = Reply(400, api.error(0, f"Discord double error: {exc!r}"))
        record.status, record.response = reply.status, reply.body
        self.state.changes.notify()
        return to_response(reply)

    def _spec_template(self, path: str) -> str | None:
        return self.state.spec.template_for(path) if self.state.spec else None

    def _unknown(self, record: RecordedRequest) -> Reply:
        self.state.unknown_routes.append(record)
        known = f"spec route {record.template}" if record.template else "not in the spec"
        self.state.violate(
            "unknown_route", f"{record.method} {record.path}", f"not served by the double ({known})"
        )
        return Reply(404, api.error(0, "404: Not Found"))

    async def _checked(
        self, record: RecordedRequest, handler: Handler, params: dict[str, str]
    ) -> Reply:
        fault = self.state.take_fault(record)
        if fault is not None and not fault.applied:
            if fault.expire_token and (interaction := self.state.interaction_of(record)):
                interaction.expired = True
            return _fault_reply(fault)
        spec_errors = self._validate(record)
        for violation in check_request(record.method, record.template, record.body):
            self.state.violate(violation.kind, violation.where, violation.detail)
        if spec_errors and self.state.reject_invalid_bodies:
            return Reply(400, _invalid_form_body(spec_errors))
        reply = await handler(record, params)
        return reply if fault is None else _fault_reply(fault)

    def _validate(self, record: RecordedRequest) -> list[SpecError]:
        spec = self.state.spec
        if spec is None or record.body is None or record.template is None:
            return []
        errors = spec.validate(record.method, record.template, record.body)
        for error in errors:
            self.state.violate("spec", record.route, str(error))
        return errors


async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, str, int]]]:
    """JSON body, or for multipart the payload_json part plus (field, filename, size) of files."""
    if not request.body_exists:
        return None, []
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[tuple[str, str, int]] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                data = await part.read()
                files.append((part.name or "", part.filename or "", len(data)))
        return body, files
    text = await request.text()
    if not text:
        return None, []
    if request.content_type == "application/json":
        return json.loads(text), []
    return text, []


def _fault_reply(fault: Fault) -> Reply:
    if fault.status == 429:
        return _rate_limited(fault)
    message = fault.message or f"{fault.status}: injected fault"
    return Reply(fault.status, api.error(fault.code, message))


# The rate-limit bucket hash Discord would name; any opaque string does.
FAULT_BUCKET = "41f9cd5d28af77da04563bcb1d67fdfd"


def _rate_limited(fault: Fault) -> Reply:
    """A 429 with the headers Discord sends (developer docs, "Rate Limits").

    discord.py retries a 429 only when a 'Via' header shows it came through Discord's API
    (Google's front end says '1.1 google') rather than from Cloudflare, and then waits the
    body's retry_after. A per-route limit ('user' or 'shared' scope) names its bucket; a
    global one carries X-RateLimit-Global and no bucket headers.
    """
    is_global = fault.scope == "global"
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(fault.retry_after))),
        "X-RateLimit-Scope": fault.scope,
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers |= {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
            "X-RateLimit-Bucket": FAULT_BUCKET,
        }
    body = {
        "message": fault.message or "You are being rate limited.",
        "retry_after": fault.retry_after,
        "global": is_global,
    }
    return Reply(429, body, headers)


def _invalid_form_body(errors: list[SpecError]) -> Any:
    """Discord's 50035 body: errors nested along the path, each leaf with an _errors list."""
    tree: dict[str, Any] = {}
    for error in errors:
        node = tree
        for part in [x for x in error.body_path.split("/") if x]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "SPEC_VIOLATION", "message": error.message})
    return api.error(50035, "Invalid Form Body", tree)
