"""Logging: readable text by default, one JSON object per line for collectors."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import configure_logging


@pytest.fixture(autouse=True)
def restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_format_writes_one_object_per_line_with_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("bot.test").warning(
        "answered %s", "x", extra={"interaction_id": 42, "ref": "ab12"}
    )
    line = capsys.readouterr().out.strip()
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "bot.test"
    assert entry["message"] == "answered x"
    assert entry["interaction_id"] == 42
    assert entry["ref"] == "ab12"
    assert "time" in entry


def test_text_format_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "text")
    logging.getLogger("bot.test").info("hello")
    assert capsys.readouterr().out.rstrip().endswith("INFO    bot.test: hello")


def test_discord_internals_are_quiet_below_warning(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "text")
    logging.getLogger("discord.gateway").info("chatty")
    assert capsys.readouterr().out == ""
