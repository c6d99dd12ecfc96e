"""The bot's heartbeat file and the ``faqbot health`` command that reads it.

A running bot rewrites a small JSON file every few seconds (``Heartbeat.run``); a container
health check, a process supervisor or a maintainer runs ``faqbot health``, which says in one
line whether that file is fresh and reports a connected gateway. A file is the whole
interface, so the check needs no port, no token and no Discord connection, and works the same
inside a container (``HEALTHCHECK``) and on a plain host.

Plain Python: nothing here imports discord. Where the file lives is the caller's choice
(the settings module, from ``$FAQBOT_HEALTH_FILE``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("bot.health")

EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1
DEFAULT_INTERVAL = 5.0
# Six missed beats: long enough to ride out a slow event loop, short enough that a container
# orchestrator notices a hung bot within a minute or two (with its own retries).
DEFAULT_MAX_AGE = 30.0
# A failing disk or a read-only mount would otherwise log every few seconds.
ERROR_LOG_INTERVAL = 60.0


@dataclass(frozen=True)
class HealthStatus:
    """What the bot reports about itself at one moment."""

    connected: bool
    faq_version: str
    shards: tuple[int, ...] = ()
    # Whether the database accepted a write lately, and in words (Store.storage_health).
    storage_ok: bool = True
    storage: str = ""


class Heartbeat:
    """Writes the heartbeat file; ``run`` rewrites it every ``interval`` seconds."""

    def __init__(
        self,
        path: Path,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not interval > 0:
            raise ValueError(f"heartbeat interval must be positive, got {interval!r}")
        self.path = path
        self.interval = interval
        self._clock = clock
        self._last_error_logged: float | None = None

    def write(self, status: HealthStatus) -> None:
        """Replace the file atomically: a reader sees the old beat or the new one, never half.

        Never raises: a heartbeat that cannot be written must not take the bot down. The
        failure shows as a stale heartbeat, and in the log at most once a minute.
        """
        payload = {
            "time": self._clock(),
            "connected": status.connected,
            "faq_version": status.faq_version,
            "shards": list(status.shards),
            "pid": os.getpid(),
            "storage_ok": status.storage_ok,
            "storage": status.storage,
        }
        data = (json.dumps(payload, ensure_ascii=False) + "\n").encode()
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Same directory as the target, so os.replace is a rename within one filesystem.
            fd, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            with os.fdopen(fd, "wb") as file:
                # Not a secret: readable by whoever runs `faqbot health`, as another user too.
                os.fchmod(file.fileno(), 0o644)
                file.write(data)
            os.replace(temporary, self.path)
            temporary = None
        except OSError as exc:
            self._log_error(exc)
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def _log_error(self, exc: OSError) -> None:
        now = self._clock()
        last = self._last_error_logged
        if last is None or now - last >= ERROR_LOG_INTERVAL or now < last:
            self._last_error_logged = now
            log.warning("cannot write the heartbeat %s: %s", self.path, exc)

    async def run(self, status: Callable[[], HealthStatus]) -> None:
        """Write now, then every ``interval`` seconds, until cancelled.

        The first write comes at once, so a restarted bot replaces any heartbeat left by the
        process before it.
        """
        while True:
            self.write(status())
            await asyncio.sleep(self.interval)

    def clear(self) -> None:
        """Remove the file on a clean shutdown, so nothing reads a stopped bot as healthy."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            self._log_error(exc)


def check_health(
    path: Path, *, max_age: float = DEFAULT_MAX_AGE, now: float | None = None
) -> tuple[bool, str]:
    """Whether the heartbeat at ``path`` shows a live, connected bot, and why, in one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False, f"no heartbeat at {path}: the bot is not running"
    except (OSError, UnicodeDecodeError) as exc:
        return False, f"heartbeat at {path} is unreadable: {_one_line(exc)}"
    try:
        beat = _parse(text)
    except ValueError as exc:
        return False, f"heartbeat at {path} is corrupt: {_one_line(exc)}"
    moment = time.time() if now is None else now
    # A beat from slightly in the future (clocks adjusted) counts as fresh, not negative.
    age = max(0.0, moment - beat.time)
    shards = f", shards {','.join(map(str, beat.shards))}" if beat.shards else ""
    if age > max_age:
        return False, (
            f"heartbeat is {age:.0f} s old (limit {max_age:g} s): "
            f"the bot (pid {beat.pid}) is stopped or hung"
        )
    if not beat.connected:
        return False, (
            f"gateway disconnected: the bot (pid {beat.pid}) is running but not connected "
            f"to Discord{shards}, heartbeat {age:.0f} s old"
        )
    if not beat.storage_ok:
        return False, (
            f"storage failing: the bot (pid {beat.pid}) is connected but {beat.storage}{shards},"
            f" heartbeat {age:.0f} s old"
        )
    storage = f", storage: {beat.storage}" if beat.storage else ""
    return True, (
        f"healthy: gateway connected, FAQ {beat.faq_version}{storage}, heartbeat {age:.0f} s"
        f" old{shards}"
    )


@dataclass(frozen=True)
class _Beat:
    time: float
    connected: bool
    faq_version: str
    shards: tuple[int, ...]
    pid: int | None
    storage_ok: bool
    storage: str


def _parse(text: str) -> _Beat:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    moment = data.get("time")
    # bool is an int in Python; a heartbeat saying "time": true is still corrupt.
    if isinstance(moment, bool) or not isinstance(moment, int | float) or not math.isfinite(moment):
        raise ValueError(f'"time" must be a number of seconds, got {moment!r}')
    connected = data.get("connected")
    if not isinstance(connected, bool):
        raise ValueError(f'"connected" must be true or false, got {connected!r}')
    version = data.get("faq_version", "")
    if not isinstance(version, str):
        raise ValueError(f'"faq_version" must be a string, got {version!r}')
    shards = data.get("shards", [])
    if not isinstance(shards, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in shards
    ):
        raise ValueError(f'"shards" must be a list of shard ids, got {shards!r}')
    pid = data.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int):
        pid = None
    # Absent from the heartbeats of earlier releases, which did not report storage.
    storage_ok = data.get("storage_ok", True)
    storage = data.get("storage", "")
    if not isinstance(storage_ok, bool) or not isinstance(storage, str):
        raise ValueError(f'"storage_ok" must be true or false, got {storage_ok!r}')
    return _Beat(float(moment), connected, version, tuple(shards), pid, storage_ok, storage)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def run_health(path: Path, *, max_age: float = DEFAULT_MAX_AGE) -> int:
    """``faqbot health``: one line saying whether the bot is healthy; its exit status."""
    ok, reason = check_health(path, max_age=max_age)
    print(reason, flush=True)
    return EXIT_HEALTHY if ok else EXIT_UNHEALTHY
