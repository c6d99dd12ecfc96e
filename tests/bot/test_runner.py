"""The bot as a real process: start it, send it traffic, stop it with a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from support.bot_process import LAUNCHER, PROJECT_ROOT, bot_environment
from support.phrase_vectors import shared_vector_cache

from testkit.discord_double import DiscordDouble

COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"


async def start_bot_process(
    double: DiscordDouble, tmp_path: Path, faq_dir: Path, **settings: str
) -> asyncio.subprocess.Process:
    env = bot_environment(double, tmp_path, faq_dir, **settings)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LAUNCHER),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await double.wait_for_identify(timeout=30)
    await double.wait_for_request("PUT", COMMANDS, timeout=30)
    return process


async def test_sigterm_mid_traffic_finishes_answers_and_exits_zero(
    discord_double: DiscordDouble, tmp_path: Path, faq_dir: Path
) -> None:
    process = await start_bot_process(discord_double, tmp_path, faq_dir)
    questions = ["what is the tsubame project", "who funds the ajccbc", "what is cyder"] * 10
    sent = [await discord_double.slash_command("ask", {"question": q}) for q in questions]
    # Stop while answers are still arriving: some are acknowledged, some still in flight.
    await discord_double.interaction_response(sent[2]["id"], timeout=10)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=10)

    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr + stdout
    assert b"stopped cleanly" in stdout
    answered = [
        interaction
        for interaction in sent
        if interaction["id"] in {r.path.split("/")[2] for r in discord_double.requests}
    ]
    assert len(answered) >= 3
    database = sqlite3.connect(tmp_path / "data" / "faqbot.sqlite3")
    try:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (logged,) = database.execute("SELECT count(*) FROM questions").fetchone()
    finally:
        database.close()
    # Every question the bot answered was recorded before it exited; nothing acknowledged
    # was lost. (Questions refused with "restarting" are not answers and are not logged.)
    refused = sum(
        1
        for r in discord_double.requests
        if r.path.endswith("/callback") and "restarting" in str(r.body)
    )
    assert logged == len(answered) - refused
    assert not (tmp_path / "data" / "health.json").exists(), "a clean stop removes the heartbeat"


VALID_LOOKING_TOKEN = "MTE4NzAwMDAwMDAwMDAwMDAwMg.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB"


async def finished_run(
    tmp_path: Path, env: dict[str, str], *, launcher: bool = False
) -> tuple[int, str, str]:
    """`python -m bot` (or the double's launcher) run to its end: exit code, stdout, stderr."""
    program = [str(LAUNCHER)] if launcher else ["-m", "bot"]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *program,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(PROJECT_ROOT),
            **shared_vector_cache(),  # the shipped FAQ's phrases are embedded once a run
            **env,
        },
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_a_missing_token_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    code, stdout, stderr = await finished_run(tmp_path, {})
    assert code == 2
    assert stdout == ""
    assert stderr.count("\n") == 1
    assert stderr.startswith("faqbot: no Discord token")


async def test_a_malformed_token_never_appears_in_the_output(tmp_path: Path) -> None:
    secret = "not-a-token-but-secret"
    code, stdout, stderr = await finished_run(tmp_path, {"DISCORD_TOKEN": secret})
    assert code == 2
    assert "malformed" in stderr
    assert secret not in stdout + stderr


async def test_an_unreachable_discord_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {
        "DISCORD_TOKEN": VALID_LOOKING_TOKEN,
        "FAQBOT_TEST_API_BASE": "http://127.0.0.1:9/api/v10",  # the discard port: closed
        "FAQBOT_TEST_GATEWAY": "ws://127.0.0.1:9/",
        "FAQBOT_DATABASE": str(tmp_path / "faqbot.sqlite3"),
    }
    code, _, stderr = await finished_run(tmp_path, env, launcher=True)
    assert code == 1
    assert stderr.startswith("faqbot: cannot reach Discord")
    assert "Traceback" not in stderr


async def test_a_broken_faq_at_start_is_reported_with_file_and_line(tmp_path: Path) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "broken.yaml").write_text("topic: broken\nentries:\n\t- id: x\n")
    env = {"DISCORD_TOKEN": VALID_LOOKING_TOKEN, "FAQBOT_FAQ_DIR": str(faq)}
    code, _, stderr = await finished_run(tmp_path, env)
    assert code == 1
    assert "faq/broken.yaml:3:1: tab in indentation; use spaces" in stderr
    assert "Traceback" not in stderr


async def test_faqbot_sync_uploads_the_commands_globally_and_exits(
    discord_double: DiscordDouble, tmp_path: Path, faq_dir: Path
) -> None:
    env = bot_environment(discord_double, tmp_path, faq_dir)
    del env["FAQBOT_DEV_GUILD_ID"]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LAUNCHER),
        "sync",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    put = await discord_double.wait_for_request(
        "PUT", "/applications/{application_id}/commands", timeout=30
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert sorted(c["name"] for c in put.body) == ["ask", "faq-admin", "topics"]
    assert (tmp_path / "data" / "commands.sha256").is_file()
    assert not any(r.path == "/gateway/bot" for r in discord_double.requests)
