"""The FAQ being served: edits are picked up while the bot runs, and only whole, valid ones."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from support.answers import answered_entry
from support.phrase_vectors import phrase_embeddings

from bot.client import FaqBot
from bot.knowledge_service import FaqSnapshot, KnowledgeService
from testkit.discord_double import DiscordDouble

TSUBAME_FILE = "asean-japan.yaml"
NEW_ALTERNATE = "zebra crossing migration patterns"
RELOAD_TIMEOUT = 5.0


def add_alternate(faq_dir: Path, entry_id: str, alternate: str) -> None:
    path = faq_dir / TSUBAME_FILE
    text = path.read_text()
    start = text.index(f"  - id: {entry_id}\n")
    at = text.index("    alternates:\n", start) + len("    alternates:\n")
    path.write_text(f"{text[:at]}      - {alternate}\n{text[at:]}")


def break_file(faq_dir: Path) -> None:
    path = faq_dir / TSUBAME_FILE
    path.write_text(path.read_text().replace("  - id: tsubame-status\n", "  - id: [tsubame\n"))


def answers_with(service: KnowledgeService, question: str) -> str | None:
    entry = service.current.matcher.match(question).entry
    return entry.id if entry else None


async def ask(double: DiscordDouble, question: str) -> Any:
    interaction = await double.slash_command("ask", {"question": question})
    return (await double.interaction_response(interaction["id"]))["data"]


@contextlib.asynccontextmanager
async def watching(service: KnowledgeService, interval: float = 0.05) -> AsyncIterator[None]:
    """The service's real watcher, polling every ``interval`` seconds, for the block."""
    watcher = asyncio.create_task(service.watch(interval))
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def test_an_editor_lock_file_does_not_stop_hot_reload(faq_dir: Path, eventually: Any) -> None:
    service = KnowledgeService(faq_dir, embeddings=phrase_embeddings())
    async with watching(service):
        # Emacs's lock while a file is edited: a symbolic link to nowhere, named after it.
        (faq_dir / f".#{TSUBAME_FILE}").symlink_to("maintainer@laptop.4242:1764000000")
        await asyncio.sleep(0.5)  # some polls, so the watcher has seen the lock before the edit
        add_alternate(faq_dir, "tsubame-status", NEW_ALTERNATE)
        await eventually(
            lambda: answers_with(service, NEW_ALTERNATE) == "tsubame-status",
            timeout=RELOAD_TIMEOUT,
            what="the edit beside the lock file to be served",
        )


@pytest.mark.parametrize(
    ("name", "target"),
    [("moved.yaml", "gone.yaml"), ("loop.yaml", "loop.yaml")],
    ids=["dangling", "looping"],
)
async def test_a_broken_symlink_does_not_stop_later_edits_being_served(
    faq_dir: Path, eventually: Any, name: str, target: str
) -> None:
    service = KnowledgeService(faq_dir, embeddings=phrase_embeddings())
    async with watching(service):
        (faq_dir / name).symlink_to(target)
        await asyncio.sleep(0.5)  # some polls, so the watcher has seen the link before the edit
        add_alternate(faq_dir, "tsubame-status", NEW_ALTERNATE)
        await eventually(
            lambda: answers_with(service, NEW_ALTERNATE) == "tsubame-status",
            timeout=RELOAD_TIMEOUT,
            what="the edit beside the broken link to be served",
        )


async def test_an_edit_is_served_within_seconds_without_a_restart(
    bot: FaqBot, discord_double: DiscordDouble, faq_dir: Path, eventually: Any
) -> None:
    assert answers_with(bot.knowledge, NEW_ALTERNATE) is None
    add_alternate(faq_dir, "tsubame-status", NEW_ALTERNATE)
    await eventually(
        lambda: answers_with(bot.knowledge, NEW_ALTERNATE) == "tsubame-status",
        timeout=RELOAD_TIMEOUT,
        what="the edited FAQ to be served",
    )
    data = await ask(discord_double, NEW_ALTERNATE)
    assert answered_entry(data) == "tsubame-status"
    discord_double.assert_clean()


async def test_a_broken_edit_leaves_the_last_good_faq_serving_until_it_is_fixed(
    bot: FaqBot,
    discord_double: DiscordDouble,
    faq_dir: Path,
    eventually: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = bot.knowledge.current
    break_file(faq_dir)

    def refused() -> bool:
        return any("FAQ edit refused" in r.getMessage() for r in caplog.records)

    await eventually(refused, timeout=RELOAD_TIMEOUT, what="the watcher to refuse the edit")
    assert bot.knowledge.current is good
    data = await ask(discord_double, "is tsubame still running")
    assert answered_entry(data) == "tsubame-status"

    # Fixing the file (and improving it) is picked up as usual.
    path = faq_dir / TSUBAME_FILE
    path.write_text(path.read_text().replace("  - id: [tsubame\n", "  - id: tsubame-status\n"))
    add_alternate(faq_dir, "tsubame-status", NEW_ALTERNATE)
    await eventually(
        lambda: answers_with(bot.knowledge, NEW_ALTERNATE) == "tsubame-status",
        timeout=RELOAD_TIMEOUT,
        what="the fixed FAQ to be served",
    )
    discord_double.assert_clean()


async def test_a_reload_outcome_reports_the_change_and_a_refusal(faq_dir: Path) -> None:
    service = KnowledgeService(faq_dir, embeddings=phrase_embeddings())
    unchanged = await service.reload()
    assert unchanged.ok
    assert not unchanged.changed

    add_alternate(faq_dir, "tsubame-status", NEW_ALTERNATE)
    changed = await service.reload()
    assert changed.ok
    assert changed.changed
    assert changed.version == service.version

    before = service.current
    break_file(faq_dir)
    refused = await service.reload()
    assert not refused.ok
    assert not refused.changed
    assert refused.version == before.knowledge_base.version
    assert any(p.is_error and p.path.endswith(TSUBAME_FILE) for p in refused.problems)
    assert service.current is before


async def test_readers_only_ever_see_a_whole_faq_while_reloads_run(faq_dir: Path) -> None:
    """A reader on another thread samples ``current`` throughout many reloads.

    Each sample must be one complete FAQ, the original or the edited one: its entries, its
    index and its version always agree, so no reader is served half of an edit.
    """
    service = KnowledgeService(faq_dir, embeddings=phrase_embeddings())
    original_text = (faq_dir / TSUBAME_FILE).read_text()
    original_count = len(service.current.knowledge_base.entries)
    add_alternate(faq_dir, "tsubame-status", NEW_ALTERNATE)
    edited_text = (faq_dir / TSUBAME_FILE).read_text()
    versions: dict[bool, set[str]] = {False: {service.version}, True: set()}

    stop = threading.Event()
    samples: list[tuple[FaqSnapshot, str, int, bool, bool]] = []

    def read_continuously() -> None:
        while not stop.is_set():
            snapshot = service.current
            knowledge_base = snapshot.knowledge_base
            listed = knowledge_base.get("tsubame-status")
            matched = snapshot.matcher.match(NEW_ALTERNATE).entry
            samples.append(
                (
                    snapshot,
                    knowledge_base.version,
                    len(knowledge_base.entries),
                    listed is not None and NEW_ALTERNATE in listed.alternates,
                    matched is not None and matched.id == "tsubame-status",
                )
            )
            time.sleep(0.001)  # let the reloads have the interpreter most of the time

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        for round_ in range(6):
            edited = round_ % 2 == 0
            (faq_dir / TSUBAME_FILE).write_text(edited_text if edited else original_text)
            outcome = await service.reload()
            assert outcome.ok
            versions[edited].add(outcome.version)
            await asyncio.sleep(0.005)
    finally:
        stop.set()
        reader.join(timeout=5)
    assert not reader.is_alive()

    assert len({id(s[0]) for s in samples}) > 1, "the reader never saw a reload"
    assert all(len(v) == 1 for v in versions.values())
    for snapshot, version, count, has_alternate, answers in samples:
        assert snapshot.matcher.knowledge_base is snapshot.knowledge_base
        assert count == original_count
        assert has_alternate == answers  # the index matches the entries it was built from
        assert version in versions[has_alternate]
