"""The heartbeat file and the ``faqbot health`` command, over real files in a temporary dir."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from pathlib import Path

import pytest
from support.phrase_vectors import run_vector_file

from bot.cli import build_parser
from bot.health import (
    DEFAULT_MAX_AGE,
    HealthStatus,
    Heartbeat,
    check_health,
)

NOW = 1_700_000_000.0


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def beat(path: Path, status: HealthStatus, *, at: float = NOW) -> None:
    Heartbeat(path, clock=FakeClock(at)).write(status)


def leftovers(directory: Path, keep: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p != keep]


# ---- writing ------------------------------------------------------------------------------


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=True, faq_version="abc123", shards=(0, 2)))

    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "time": NOW,
        "connected": True,
        "faq_version": "abc123",
        "shards": [0, 2],
        "pid": os.getpid(),
        "storage_ok": True,
        "storage": "",
    }
    assert check_health(path, now=NOW + 3) == (
        True,
        "healthy: gateway connected, FAQ abc123, heartbeat 3 s old, shards 0,2",
    )


def test_storage_that_accepted_no_write_lately_is_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    failing = "no write accepted for 45 s (feedback vote not recorded: OperationalError: ...)"
    beat(path, HealthStatus(True, "v1", storage_ok=False, storage=failing))
    ok, line = check_health(path, now=NOW + 1)
    assert not ok
    assert line.startswith("storage failing: the bot (pid ")
    assert failing in line
    beat(path, HealthStatus(True, "v1", storage_ok=True, storage="last write 2 s ago"))
    assert check_health(path, now=NOW + 1) == (
        True,
        "healthy: gateway connected, FAQ v1, storage: last write 2 s ago, heartbeat 1 s old",
    )


def test_healthy_line_without_shards(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=True, faq_version="v1"))
    assert check_health(path, now=NOW + 3) == (
        True,
        "healthy: gateway connected, FAQ v1, heartbeat 3 s old",
    )


def test_write_replaces_atomically_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=False, faq_version="old"))
    old_inode = path.stat().st_ino
    seen_during_replace: list[str] = []
    real_replace = os.replace

    def watching_replace(src: str, dst: Path) -> None:
        # Just before the rename: the new beat is complete in a sibling file, and the target
        # still holds the whole old beat, never a partial new one.
        assert Path(src).parent == tmp_path
        assert json.loads(Path(src).read_text(encoding="utf-8"))["faq_version"] == "new"
        seen_during_replace.append(json.loads(path.read_text(encoding="utf-8"))["faq_version"])
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching_replace)
    beat(path, HealthStatus(connected=True, faq_version="new"), at=NOW + 5)

    assert seen_during_replace == ["old"]
    assert json.loads(path.read_text(encoding="utf-8"))["faq_version"] == "new"
    assert path.stat().st_ino != old_inode  # a new file renamed in, not rewritten in place
    assert leftovers(tmp_path, path) == []
    assert path.stat().st_mode & 0o777 == 0o644


def test_write_creates_a_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "run" / "faqbot" / "health.json"
    beat(path, HealthStatus(connected=True, faq_version="v1"))
    assert check_health(path, now=NOW)[0]


def test_write_never_raises_and_logs_at_most_once_a_minute(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the heartbeat's directory should be", encoding="utf-8")
    clock = FakeClock()
    heartbeat = Heartbeat(blocker / "health.json", clock=clock)
    status = HealthStatus(connected=True, faq_version="v1")

    with caplog.at_level(logging.WARNING, logger="bot.health"):
        for seconds in (0, 5, 30, 59):
            clock.now = NOW + seconds
            heartbeat.write(status)
        assert len(caplog.records) == 1
        clock.now = NOW + 60
        heartbeat.write(status)
        assert len(caplog.records) == 2

    assert all(r.name == "bot.health" for r in caplog.records)
    assert "cannot write the heartbeat" in caplog.records[0].getMessage()
    assert leftovers(tmp_path, blocker) == []


def test_failed_replace_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "health.json"

    def failing_replace(src: str, dst: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", failing_replace)
    beat(path, HealthStatus(connected=True, faq_version="v1"))
    assert list(tmp_path.iterdir()) == []


def test_clear_removes_the_file_and_ignores_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    heartbeat = Heartbeat(path)
    heartbeat.write(HealthStatus(connected=True, faq_version="v1"))
    assert path.exists()
    heartbeat.clear()
    assert not path.exists()
    heartbeat.clear()
    assert check_health(path) == (False, f"no heartbeat at {path}: the bot is not running")


def test_interval_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        Heartbeat(tmp_path / "health.json", interval=0)


async def test_run_writes_repeatedly_until_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    clock = FakeClock()
    heartbeat = Heartbeat(path, interval=0.01, clock=clock)
    calls = 0
    versions: list[str] = []
    three_beats = asyncio.Event()

    def status() -> HealthStatus:
        nonlocal calls
        calls += 1
        clock.now = NOW + calls
        if path.exists():
            versions.append(json.loads(path.read_text(encoding="utf-8"))["faq_version"])
        if calls >= 4:
            three_beats.set()
        return HealthStatus(connected=calls > 1, faq_version=f"v{calls}")

    task = asyncio.create_task(heartbeat.run(status))
    await asyncio.wait_for(three_beats.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # Each call saw the beat the previous one wrote: the file is rewritten, not written once.
    assert versions[:3] == ["v1", "v2", "v3"]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["faq_version"] == f"v{calls}"
    assert data["time"] == NOW + calls
    assert leftovers(tmp_path, path) == []


async def test_run_writes_at_once_before_the_first_interval(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=True, faq_version="from a crashed process"))
    task = asyncio.create_task(
        Heartbeat(path, interval=3600).run(lambda: HealthStatus(False, "new"))
    )
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    ok, reason = check_health(path)
    assert not ok
    assert reason.startswith("gateway disconnected")


# ---- checking -----------------------------------------------------------------------------


def test_stale_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=True, faq_version="v1"))
    ok, reason = check_health(path, now=NOW + 42)
    assert not ok
    assert reason.startswith("heartbeat is 42 s old (limit 30 s)")
    assert check_health(path, max_age=60, now=NOW + 42)[0]


def test_age_exactly_at_the_limit_is_still_fresh(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=True, faq_version="v1"))
    assert check_health(path, now=NOW + DEFAULT_MAX_AGE)[0]


def test_heartbeat_from_the_future_counts_as_fresh(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=True, faq_version="v1"), at=NOW + 2)
    assert check_health(path, now=NOW) == (
        True,
        "healthy: gateway connected, FAQ v1, heartbeat 0 s old",
    )


def test_disconnected_gateway(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    beat(path, HealthStatus(connected=False, faq_version="v1", shards=(1,)))
    ok, reason = check_health(path, now=NOW + 3)
    assert not ok
    assert reason.startswith("gateway disconnected")
    assert "shards 1" in reason


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    assert check_health(path) == (False, f"no heartbeat at {path}: the bot is not running")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"time": 1700000000, "connected": tr', "not JSON"),
        ("", "not JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"connected": true, "faq_version": "v1"}', '"time" must be a number'),
        ('{"time": true, "connected": true}', '"time" must be a number'),
        ('{"time": "now", "connected": true}', '"time" must be a number'),
        ('{"time": 1700000000, "connected": "yes"}', '"connected" must be true or false'),
        ('{"time": 1700000000, "connected": true, "faq_version": 3}', '"faq_version"'),
        ('{"time": 1700000000, "connected": true, "shards": [true]}', '"shards"'),
    ],
)
def test_corrupt_heartbeat(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "health.json"
    path.write_text(content, encoding="utf-8")
    ok, reason = check_health(path, now=NOW)
    assert not ok
    assert reason.startswith(f"heartbeat at {path} is corrupt: ")
    assert expected in reason
    assert "\n" not in reason


def test_unreadable_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    path.mkdir()  # a directory where the file should be: reading it fails whoever we run as
    ok, reason = check_health(path, now=NOW)
    assert not ok
    assert reason.startswith(f"heartbeat at {path} is unreadable: ")
    assert "\n" not in reason


def test_undecodable_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    path.write_bytes(b"\xff\xfe\x00")
    ok, reason = check_health(path, now=NOW)
    assert not ok
    assert "is unreadable" in reason


# ---- the command --------------------------------------------------------------------------


def parser_for(default: Path, called: list[Path] | None = None) -> argparse.ArgumentParser:
    def default_path() -> Path:
        if called is not None:
            called.append(default)
        return default

    def unused() -> Path:
        raise AssertionError("the health command asked for the database")

    return build_parser(
        default_database=unused, default_health_file=default_path, vector_file=run_vector_file()
    )


def run(parser: argparse.ArgumentParser, *argv: str) -> int:
    args = parser.parse_args(["health", *argv])
    result: int = args.handler(args)
    return result


def test_command_healthy_exits_0_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "health.json"
    Heartbeat(path).write(HealthStatus(connected=True, faq_version="v7"))
    assert run(parser_for(path)) == 0
    out, err = capsys.readouterr()
    assert out.startswith("healthy: gateway connected, FAQ v7, heartbeat ")
    assert out.count("\n") == 1
    assert err == ""


def test_command_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "health.json"
    assert run(parser_for(path)) == 1
    assert capsys.readouterr().out == f"no heartbeat at {path}: the bot is not running\n"


def test_command_disconnected_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "health.json"
    Heartbeat(path).write(HealthStatus(connected=False, faq_version="v7"))
    assert run(parser_for(path)) == 1
    out = capsys.readouterr().out
    assert out.startswith("gateway disconnected")
    assert out.count("\n") == 1


def test_command_max_age(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "health.json"
    Heartbeat(path, clock=lambda: NOW).write(HealthStatus(connected=True, faq_version="v7"))
    assert run(parser_for(path), "--max-age", "5") == 1
    assert capsys.readouterr().out.startswith("heartbeat is ")


def test_command_file_option_wins_and_default_is_not_consulted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = tmp_path / "given.json"
    Heartbeat(given).write(HealthStatus(connected=True, faq_version="v7"))
    called: list[Path] = []
    parser = parser_for(tmp_path / "default.json", called)
    assert run(parser, "--file", str(given)) == 0
    assert called == []
    assert run(parser) == 1
    assert called == [tmp_path / "default.json"]
    capsys.readouterr()


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf"])
def test_command_rejects_a_bad_max_age(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser_for(tmp_path / "h.json").parse_args(["health", "--max-age", value])
    assert exit_info.value.code == 2
    assert "positive number of seconds" in capsys.readouterr().err
