"""Logging set-up: one stdout handler, readable text or one JSON object per line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

# discord.py and its websocket layer are chatty at INFO; their warnings still show.
QUIET_LOGGERS = ("discord", "discord.gateway", "discord.http", "aiohttp")


class JsonFormatter(logging.Formatter):
    """One object per line for log collectors: time, level, logger, message, and ids."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("interaction_id", "message_id", "ref"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stdout)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # While a PostgreSQL server is down, psycopg_pool logs a WARNING for every reconnection
    # attempt; the store's own line, at most once a minute, says the same.
    pool = logging.getLogger("psycopg.pool")
    pool.setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.ERROR)
