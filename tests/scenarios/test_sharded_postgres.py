"""Two bot processes, shards 0 and 1 of 2, sharing one PostgreSQL database: each answers the
interactions Discord routes to it (the guild's to shard 1, DMs to shard 0), and `faqbot report
--json` on that database counts every question and vote that either acknowledged."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from support.answers import answered_entry, replies
from support.bot_process import LAUNCHER, PROJECT_ROOT, bot_environment

from knowledge.loader import load_knowledge_base
from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload

RECORDED = "feedback is recorded"
NOTED = "Your question was noted"
KEY = "ab" * 32


async def start_shard(
    double: DiscordDouble, tmp_path: Path, faq_dir: Path, url: str, shard: int
) -> asyncio.subprocess.Process:
    home = tmp_path / f"shard-{shard}"
    home.mkdir()
    env = bot_environment(
        double,
        home,
        faq_dir,
        FAQBOT_DATABASE=url,
        FAQBOT_VOTER_KEY=KEY,
        FAQBOT_DATA_DIR=str(home / "data"),
        FAQBOT_SHARD_COUNT="2",
        FAQBOT_SHARD_IDS=str(shard),
        # Global commands, which DMs offer too (empty: the setting's default, no dev guild).
        FAQBOT_DEV_GUILD_ID="",
    )
    with (home / "bot.log").open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(LAUNCHER), env=env, cwd=home, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    # Started one after the other, so that the first live session, which the double gives
    # what no guild owns (DMs, as Discord gives them to shard 0), is shard 0's.
    await double.wait_for_identify(count=shard + 1, timeout=60)
    await double.changes.wait_for(
        lambda: True if len(double.gateway.live_sessions()) == shard + 1 else None,
        timeout=30,
        what=f"shard {shard}'s gateway session",
    )
    return process


async def test_two_shard_processes_on_one_database_report_every_acknowledged_write(
    discord_double: DiscordDouble, tmp_path: Path, faq_dir: Path, postgres_url: str
) -> None:
    double = discord_double
    shards = [await start_shard(double, tmp_path, faq_dir, postgres_url, n) for n in (0, 1)]
    try:
        entries = load_knowledge_base(faq_dir).knowledge_base.entries[:6]  # type: ignore[union-attr]
        asked: list[tuple[Payload, str]] = []
        for n, entry in enumerate(entries):
            for dm in (False, True):  # the guild's shard 1, then a DM for shard 0
                known = await double.slash_command("ask", {"question": entry.question}, dm=dm)
                unknown = await double.slash_command(
                    "ask", {"question": f"zqx{n}{int(dm)} vlorp wibble frobnicate"}, dm=dm
                )
                asked += [(known, "answer"), (unknown, "none")]
        votes = []
        for known, decision in asked[::4]:  # the guild's answers: vote on each
            assert decision == "answer"
            await double.interaction_response(known["id"], timeout=15)
            message = double.original_message(known["id"])
            entry_id = answered_entry(message)
            for helpful in (True, False):
                user = double.world.member_user if helpful else double.world.owner
                votes.append(
                    await double.click_button(
                        f"faq:vote:{entry_id}:{int(helpful)}", message=message, user=user
                    )
                )
        for interaction, _ in asked:
            await double.interaction_response(interaction["id"], timeout=15)

        def settled() -> bool | None:
            done = all(replies(double, v) for v in votes) and all(
                replies(double, i) for i, d in asked if d == "none"
            )
            return True if done else None

        await double.changes.wait_for(settled, timeout=30, what="every reply")
        noted = [i for i, d in asked if d == "none" and any(NOTED in r for r in replies(double, i))]
        recorded = [v for v in votes if any(RECORDED in r for r in replies(double, v))]
        # Each shard's session carried its half: the guild's to shard 1, the DMs to shard 0.
        for session in double.gateway.live_sessions():
            carried = {d.data["id"] for d in session.log if d.event == "INTERACTION_CREATE"}
            in_guild = {i["id"] for i, _ in asked if i.get("guild_id")} | {v["id"] for v in votes}
            assert session.shard is not None
            expected = in_guild if session.shard[0] == 1 else {i["id"] for i, _ in asked} - in_guild
            assert carried == expected, session.shard
        assert len(noted) == 12, "every uncovered question, on both shards, was noted"
        assert len(recorded) == 12, [replies(double, v) for v in votes]
    finally:
        for process in shards:
            process.terminate()
        for process in shards:
            assert await asyncio.wait_for(process.wait(), timeout=20) == 0

    report = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "report", "--json", "--database", postgres_url,
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
    )  # fmt: skip
    out, _ = await report.communicate()
    assert report.returncode == 0
    figures = json.loads(out)
    assert (figures["questions"], figures["not_covered"]) == (24, 12)
    assert figures["answered"] == 12
    assert (figures["votes_up"], figures["votes_down"]) == (6, 6)
