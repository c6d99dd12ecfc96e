"""/faq-admin: who may use it, reloading edits good and bad, and the stats views."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
import yaml
from support.answers import answered_entry, custom_ids
from support.phrase_vectors import run_vector_file

from bot.client import FaqBot
from bot.storage import utcnow
from knowledge.cli import Gates, evaluate_sets
from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload

EPHEMERAL = 1 << 6
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
NEW_ALTERNATE = "zebra crossing migration patterns"
TSUBAME_FILE = "asean-japan.yaml"


@pytest_asyncio.fixture
async def quiet_bot(start_bot: Any) -> AsyncIterator[FaqBot]:
    """A bot whose file watcher will not reload during the test: only the command does."""
    async with start_bot(reload_seconds=3600.0) as faq_bot:
        yield faq_bot


async def admin_reply(double: DiscordDouble, interaction: Payload) -> str:
    """The deferred, private answer to a /faq-admin command: its follow-up's content."""
    body = await double.interaction_response(interaction["id"])
    assert body["type"] == 5, body  # deferred: "thinking…"
    assert body["data"]["flags"] & EPHEMERAL
    followup = await double.wait_for_request("POST", FOLLOWUP)
    assert followup.body["flags"] & EPHEMERAL
    assert followup.body["allowed_mentions"] == {"parse": []}
    return str(followup.body["content"])


def add_alternate(faq_dir: Path, entry_id: str, alternate: str) -> None:
    path = faq_dir / TSUBAME_FILE
    text = path.read_text()
    start = text.index(f"  - id: {entry_id}\n")
    at = text.index("    alternates:\n", start) + len("    alternates:\n")
    path.write_text(f"{text[:at]}      - {alternate}\n{text[at:]}")


def break_updated_date(faq_dir: Path, entry_id: str) -> int:
    """Make an entry's date invalid; the line number of the broken line."""
    path = faq_dir / TSUBAME_FILE
    text = path.read_text()
    start = text.index("    updated: ", text.index(f"  - id: {entry_id}\n"))
    end = text.index("\n", start)
    path.write_text(f"{text[:start]}    updated: sometime last week{text[end:]}")
    return text[:start].count("\n") + 1


async def test_a_member_without_manage_server_is_refused_at_runtime(
    quiet_bot: FaqBot, discord_double: DiscordDouble
) -> None:
    # A server can override the default permission in its integration settings, so Discord
    # may deliver the command to anyone: the bot checks again.
    for subcommand in ("reload", "stats", "unanswered"):
        interaction = await discord_double.slash_command("faq-admin", subcommand=subcommand)
        body = await discord_double.interaction_response(interaction["id"])
        assert body["type"] == 4
        assert body["data"]["flags"] & EPHEMERAL
        assert "Manage Server" in body["data"]["content"]
    assert not [r for r in discord_double.requests if r.template == FOLLOWUP]
    discord_double.assert_clean()


async def test_the_owner_reloads_a_good_edit_and_the_new_wording_answers(
    quiet_bot: FaqBot, discord_double: DiscordDouble, faq_dir: Path, as_server_manager: Any
) -> None:
    old_version = quiet_bot.knowledge.version
    add_alternate(faq_dir, "tsubame-status", NEW_ALTERNATE)
    text = await admin_reply(discord_double, await as_server_manager("reload"))
    new_version = quiet_bot.knowledge.version
    assert new_version != old_version
    entries = len(quiet_bot.knowledge.current.knowledge_base.entries)
    assert text == f"FAQ reloaded: version `{new_version}`, {entries} entries."

    asked = await discord_double.slash_command("ask", {"question": NEW_ALTERNATE})
    body = await discord_double.interaction_response(asked["id"])
    assert answered_entry(body["data"]) == "tsubame-status"
    discord_double.assert_clean()


async def test_a_bad_edit_is_refused_with_file_and_line_and_the_old_faq_keeps_answering(
    quiet_bot: FaqBot, discord_double: DiscordDouble, faq_dir: Path, as_server_manager: Any
) -> None:
    old_version = quiet_bot.knowledge.version
    line = break_updated_date(faq_dir, "tsubame-status")
    text = await admin_reply(discord_double, await as_server_manager("reload"))
    assert text.startswith(f"The edit has errors, so the FAQ still serves version `{old_version}`")
    # Named as the FAQ's maintainers know the file, not by the server's absolute path.
    assert re.search(
        rf"^{re.escape(TSUBAME_FILE)}:{line}:\d+: .*'updated' must be a date", text, re.M
    )
    assert str(faq_dir) not in text
    # Only the mistake itself: entries whose `related` names the broken entry are not errors.
    assert len(re.findall(rf"{re.escape(TSUBAME_FILE)}:\d+:\d+: ", text)) == 1
    assert quiet_bot.knowledge.version == old_version

    asked = await discord_double.slash_command("ask", {"question": "is tsubame still running"})
    body = await discord_double.interaction_response(asked["id"])
    assert answered_entry(body["data"]) == "tsubame-status"
    discord_double.assert_clean()


async def test_stats_and_unanswered_show_the_questions_asked(
    quiet_bot: FaqBot,
    discord_double: DiscordDouble,
    as_server_manager: Any,
    eventually: Any,
) -> None:
    asked = [
        "what is the tsubame project",  # answered
        "is tsubame still running",  # answered
        "training",  # did you mean
        "how do I bake sourdough bread",  # not covered
        "how do I bake sourdough bread?",  # not covered, the same question again
        "```@everyone <@&123> what is the best pizza topping",  # not covered
    ]
    for question in asked:
        interaction = await discord_double.slash_command("ask", {"question": question})
        await discord_double.interaction_response(interaction["id"])

    async def all_logged() -> bool:
        return (await _questions(quiet_bot)) == len(asked)

    await eventually(all_logged, what="every question in the log")

    stats = await admin_reply(discord_double, await as_server_manager("stats", {"days": 7}))
    assert stats.startswith("```\n")
    assert stats.endswith("\n```")
    assert re.search(r"Questions since .*: 6\n", stats)
    assert re.search(r"answered\s+2\s+33\.3%", stats)
    assert re.search(r"suggested\s+1\s+16\.7%", stats)
    assert re.search(r"unanswered\s+3\s+50\.0%", stats)
    assert re.search(r"1\s+tsubame-project", stats)
    assert re.search(r"1\s+tsubame-status", stats)

    unanswered = await admin_reply(discord_double, await as_server_manager("unanswered"))
    assert unanswered.startswith("```\nUnanswered questions, most asked first:\n")
    assert unanswered.endswith("\n```")
    lines = unanswered.splitlines()
    assert re.fullmatch(r"\s+2× how do I bake sourdough bread\??", lines[2])
    assert "pizza topping" in unanswered
    assert "training" not in unanswered  # a suggestion is not an unanswered question
    # A user's ``` cannot close the code block early and format the rest of the message.
    assert unanswered.count("```") == 2
    discord_double.assert_clean()


async def _questions(bot: FaqBot) -> int:
    return (await bot.store.stats(since=utcnow() - timedelta(hours=1))).questions


async def test_suggest_proposes_a_picked_question_whose_lines_make_eval_answer_it(
    quiet_bot: FaqBot,
    discord_double: DiscordDouble,
    faq_dir: Path,
    as_server_manager: Any,
    tmp_path: Path,
    eventually: Any,
) -> None:
    question = "training"  # the shipped FAQ offers several training entries for this
    asked = await discord_double.slash_command("ask", {"question": question})
    offered = await discord_double.interaction_response(asked["id"])
    picks = [i for i in custom_ids(offered["data"]) if i.startswith("faq:pick:")]
    chosen = picks[1].split(":")[3]  # not the matcher's first guess: the member's choice
    suggestion = discord_double.original_message(asked["id"])
    click = await discord_double.click_button(picks[1], message=suggestion)
    await discord_double.interaction_response(click["id"])

    async def picked() -> bool:
        rows = await quiet_bot.store.asked(since=utcnow() - timedelta(hours=1))
        return any(r.picked_entry_id == chosen for r in rows)

    await eventually(picked, what="the pick in the question log")
    discord_double.requests.clear()
    text = await admin_reply(discord_double, await as_server_manager("suggest"))
    found = re.search(
        rf"Add as alternates of `{chosen}` \(1× asked, 1× picked[^)]*\):\n"
        r"(?P<file>[\w.-]+\.yaml), after line (?P<line>\d+):\n```yaml\n(?P<lines>.*?)\n```",
        text,
        re.S,
    )
    assert found, text

    # Pasted where it says into a copy of the FAQ, the proposal answers the question.
    edited = tmp_path / "edited"
    shutil.copytree(faq_dir, edited)
    path = edited / found["file"]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(int(found["line"]), found["lines"] + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    eval_set = tmp_path / "eval.yaml"
    eval_set.write_text(
        yaml.safe_dump({"in_scope": [{"q": question, "id": chosen}]}), encoding="utf-8"
    )
    gates = Gates(min_top1=1.0, min_answered=1.0)
    vectors = run_vector_file()
    assert evaluate_sets(edited, [eval_set], gates=gates, vector_file=vectors) == 0
    # And without it, it did not.
    assert evaluate_sets(faq_dir, [eval_set], gates=gates, vector_file=vectors) != 0
    discord_double.assert_clean()
