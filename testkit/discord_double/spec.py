"""Validation of REST request bodies against Discord's OpenAPI spec.

The spec lives outside the repository (../shared/discord-api-spec/openapi.json from the
project root, or $FAQBOT_DISCORD_SPEC). It is loaded and its validators compiled once per
process: the document is 1.2 MB and compiling the interaction-callback union is not free.
"""

from __future__ import annotations

import functools
import json
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_ENV = "FAQBOT_DISCORD_SPEC"
REQUIRE_ENV = "FAQBOT_REQUIRE_DISCORD_SPEC"
SHARED_ENV = "FAQBOT_SHARED_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_PATH = PROJECT_ROOT.parent / "shared" / "discord-api-spec" / "openapi.json"
SPEC_URI = "urn:discord-api-spec:openapi.json"
HOW_TO_GET_SPEC = (
    "Discord's OpenAPI spec was not found at {path}: place openapi.json from "
    "github.com/discord/discord-api-spec (specs/openapi.json) at "
    "../shared/discord-api-spec/ beside the project, or set FAQBOT_DISCORD_SPEC to its path"
)


def spec_path() -> Path:
    """$FAQBOT_DISCORD_SPEC, else discord-api-spec/ in $FAQBOT_SHARED_DIR (the override the
    project's tests/shared_material.py honours for ../shared), else ../shared beside the project."""
    if os.environ.get(SPEC_ENV):
        return Path(os.environ[SPEC_ENV])
    if os.environ.get(SHARED_ENV):
        return Path(os.environ[SHARED_ENV]) / "discord-api-spec" / "openapi.json"
    return DEFAULT_SPEC_PATH


def require_spec(path: Path | None = None) -> SpecValidator:
    """The validator for the spec, or skip the test (fail if FAQBOT_REQUIRE_DISCORD_SPEC=1)."""
    where = path or spec_path()
    if where.is_file():
        return load_spec(where.resolve())
    reason = HOW_TO_GET_SPEC.format(path=where)
    if os.environ.get(REQUIRE_ENV) == "1":
        _fail(f"{reason} (required because {REQUIRE_ENV}=1)")
    pytest.skip(reason)


def optional_spec(path: Path | None = None) -> SpecValidator | None:
    """The validator, or None when the spec is absent (an error if it is required).

    Without the spec the double still judges everything else (acknowledgement deadline,
    allowed_mentions, autocomplete limits); only the OpenAPI body checks are off, and a
    warning says so.
    """
    where = path or spec_path()
    if where.is_file():
        return load_spec(where.resolve())
    reason = HOW_TO_GET_SPEC.format(path=where)
    if os.environ.get(REQUIRE_ENV) == "1":
        _fail(f"{reason} (required because {REQUIRE_ENV}=1)")
    warnings.warn(f"request bodies are not checked against the spec: {reason}", stacklevel=2)
    return None


def _fail(reason: str) -> NoReturn:
    pytest.fail(reason, pytrace=False)


@functools.cache
def load_spec(path: Path) -> SpecValidator:
    with path.open(encoding="utf-8") as fh:
        return SpecValidator(json.load(fh))


# --- path templates -------------------------------------------------------------------


class PathTemplates:
    """Maps a concrete path to its templated form (/channels/1/messages -> {channel_id})."""

    def __init__(self, templates: Iterable[str]) -> None:
        self._compiled = [(t, _template_regex(t), _literal_score(t)) for t in templates]

    def match(self, path: str) -> tuple[str, dict[str, str]] | None:
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for template, regex, score in self._compiled:
            m = regex.fullmatch(path)
            # Literal segments win over parameters (@original over {message_id}).
            if m and (best is None or score > best[0]):
                best = (score, template, m.groupdict())
        return None if best is None else (best[1], best[2])


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(pattern)


def _literal_score(template: str) -> tuple[int, ...]:
    return tuple(0 if seg.startswith("{") else 1 for seg in template.strip("/").split("/"))


# --- validation -----------------------------------------------------------------------


def _snowflake_tolerant_type(
    validator: Validator, types: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """The 'type' keyword, but a non-negative int passes where the spec wants a snowflake.

    discord.py sends some ids as JSON integers (message_reference.message_id,
    allowed_mentions.users); Discord accepts them. Deciding by the schema (format
    'snowflake') rather than by key name keeps int32 component 'id's strict.
    """
    if (
        schema.get("format") == "snowflake"
        and isinstance(instance, int)
        and not isinstance(instance, bool)
        and instance >= 0
    ):
        return
    yield from Draft202012Validator.VALIDATORS["type"](validator, types, instance, schema)


_SpecValidatorClass = validators.extend(
    Draft202012Validator, validators={"type": _snowflake_tolerant_type}
)


@dataclass(frozen=True)
class SpecError:
    body_path: str  # e.g. "data/embeds/0/title", "" for the root
    message: str

    def __str__(self) -> str:
        return f"at {self.body_path or '<body>'}: {self.message}"


# Bodies whose verdict is kept, per process: about the distinct bodies of a whole test run.
REMEMBERED_BODIES = 20_000


class SpecValidator:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self.templates = PathTemplates(document["paths"])
        self._validators: dict[tuple[str, str], Validator | None] = {}
        # The bot sends many identical bodies (its command list at every start, the same
        # answer to the same question) and judging one can take tens of milliseconds; the
        # same body against the same schema has the same errors, so each is judged once.
        self._judged: dict[tuple[str, str, str], tuple[SpecError, ...]] = {}

    def template_for(self, path: str) -> str | None:
        match = self.templates.match(path)
        return None if match is None else match[0]

    def has_operation(self, method: str, template: str) -> bool:
        return method.lower() in self._document["paths"].get(template, {})

    def validate(self, method: str, template: str, body: Any) -> list[SpecError]:
        validator = self._validator(method.lower(), template)
        if validator is None:
            return []
        key = (method.lower(), template, json.dumps(body, sort_keys=True, default=repr))
        judged = self._judged.get(key)
        if judged is None:
            errors: list[SpecError] = []
            for error in validator.iter_errors(body):
                errors.extend(_describe(cause) for cause in root_causes(error))
            judged = tuple(_dedupe(errors))
            if len(self._judged) < REMEMBERED_BODIES:
                self._judged[key] = judged
        return list(judged)

    def _validator(self, method: str, template: str) -> Validator | None:
        key = (method, template)
        if key not in self._validators:
            operation = self._document["paths"].get(template, {}).get(method, {})
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                self._validators[key] = None
            else:
                pointer = _pointer("paths", template, method, "requestBody", "content")
                ref = f"{SPEC_URI}#{pointer}/application~1json/schema"
                self._validators[key] = _SpecValidatorClass({"$ref": ref}, registry=self._registry)
        return self._validators[key]


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def root_causes(error: ValidationError) -> list[ValidationError]:
    """The errors that explain a failure, descending into anyOf/oneOf branches.

    A union error only says 'not valid under any of the given schemas'. Its context holds
    every branch's errors; branches that failed on the discriminator (the 'type' field's
    enum/const) or on the instance's JSON type are the wrong variant and are dropped, and
    of the rest the ones with fewest nested type mismatches are the intended variant.
    """
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    plausible = [errs for errs in branches.values() if not any(_wrong_variant(e) for e in errs)]
    candidates = plausible or list(branches.values())
    expanded = [[c for e in errs for c in root_causes(e)] for errs in candidates]
    fewest = min(sum(1 for c in causes if c.validator == "type") for causes in expanded)
    chosen = [
        causes for causes in expanded if sum(1 for c in causes if c.validator == "type") == fewest
    ]
    return [c for causes in chosen for c in causes]


def _wrong_variant(error: ValidationError) -> bool:
    path = list(error.relative_path)
    if error.validator == "type" and not path:
        return True
    return path == ["type"] and error.validator in ("enum", "const")


def _describe(error: ValidationError) -> SpecError:
    body_path = "/".join(str(p) for p in error.absolute_path)
    if len(error.message) <= 160:
        return SpecError(body_path, error.message)
    # Long instances (a 2001-character content) would drown the report: summarise them.
    instance = error.instance
    size = f" ({len(instance)} long)" if isinstance(instance, str | list | dict) else ""
    shown = repr(instance)[:60] + "..." + size
    return SpecError(body_path, f"{shown} fails {error.validator} {error.validator_value!r}")


def _dedupe(errors: Sequence[SpecError]) -> list[SpecError]:
    return list(dict.fromkeys(errors))
