"""Hostile FAQ files written into the FAQ directory of a running bot.

Each is refused with an error that names the file and the line, the last good FAQ keeps
answering meanwhile, and once the file is put right the bot serves the corrected version.
The loader never expands a YAML alias, reads at most 512 KB of a file and stops at 16 levels
of nesting, so none of them costs noticeable time or memory; the tests check the bot stays
responsive while it reads them.

A file rewritten in place, in small pieces, while reloads run is the subtle case: a reload
that read it half-written could find a valid FAQ with half the content (a prefix of
``_vocabulary.yaml`` ending at any line is one) and serve it. Reloads wait for files that
are still changing and discard a read during which a file changed, so only whole versions
are ever served.
"""

from __future__ import annotations

import asyncio
import random
import re
import resource
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from support.answers import answered_entry
from support.phrase_vectors import phrase_embeddings

from bot.client import FaqBot
from bot.config import Settings
from bot.knowledge_service import SETTLE_LIMIT_SECONDS, SETTLE_SECONDS, KnowledgeService
from knowledge.loader import load_knowledge_base
from testkit.discord_double import DiscordDouble, running_bot

RELOAD_TIMEOUT = 5.0
ABOUT_FILE = "about.yaml"
ABOUT_QUESTION = "what can this bot answer"
ABOUT_ENTRY = "about-this-faq"
NEW_ALTERNATE = "zebra crossing migration patterns"

# Billion laughs: nine aliases of nine aliases... 9^9 strings if anything expanded it.
ALIAS_BOMB = (
    "topic: about\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "entries: *i\n"
).encode()
HOSTILE_FILES: dict[str, tuple[bytes, str]] = {
    "alias bomb": (ALIAS_BOMB, r":3:\d+: invalid YAML: YAML aliases \(\*name\) are not allowed"),
    "100,000-deep nesting": (
        b"topic: about\nentries: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        r":2:\d+: invalid YAML: .*(nesting|depth)",
    ),
    "100,000-deep block nesting": (
        b"topic: about\nentries:\n  " + b"- " * 100_000 + b"x\n",
        r":3:\d+: invalid YAML: nesting deeper than 16 levels",
    ),
    "10 MB": (
        b"topic: about\nentries: []\n# " + b"x" * 10_000_000 + b"\n",
        r":1:1: file is larger than 524,288 bytes",
    ),
    "binary junk": (
        bytes([0x89, 0x50, 0x4E, 0x47]) + random.Random(7).randbytes(4096),
        r":1:\d+: file is not valid UTF-8",
    ),
    "NUL bytes": (b"topic: about\n\x00\x00\x00\n", r":2:1: file contains NUL bytes"),
}


def refusals(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    """The logged refusals that point into the file ``name``."""
    return [
        r.getMessage()
        for r in caplog.records
        if "FAQ edit refused" in r.getMessage() and f"{name}:" in r.getMessage()
    ]


async def answered_by(double: DiscordDouble, question: str) -> str:
    """/ask question -> the id of the entry that answered it."""
    asked = await double.slash_command("ask", {"question": question})
    body = await double.interaction_response(asked["id"])
    return answered_entry(body["data"])


def with_alternate(text: str, entry_id: str, alternate: str) -> str:
    start = text.index(f"  - id: {entry_id}\n")
    at = text.index("    alternates:\n", start) + len("    alternates:\n")
    return f"{text[:at]}      - {alternate}\n{text[at:]}"


def version_of(faq_dir: Path, tmp_path: Path, name: str, content: bytes) -> str:
    """The version the FAQ has with ``name`` holding ``content``."""
    copy = tmp_path / f"version-of-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(faq_dir, copy)
    (copy / name).write_bytes(content)
    knowledge_base = load_knowledge_base(copy).knowledge_base
    assert knowledge_base is not None
    return knowledge_base.version


@pytest.mark.parametrize("content", [c for c, _ in HOSTILE_FILES.values()], ids=HOSTILE_FILES)
async def test_a_hostile_file_is_refused_with_its_location_and_the_last_good_faq_serves(
    bot: FaqBot,
    discord_double: DiscordDouble,
    faq_dir: Path,
    content: bytes,
    caplog: pytest.LogCaptureFixture,
    eventually: Any,
) -> None:
    located = dict(HOSTILE_FILES.values())[content]
    path = faq_dir / ABOUT_FILE
    good_text = path.read_text()
    good = bot.knowledge.current
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    path.write_bytes(content)
    # Answered while the watcher reads the file, and within Discord's window.
    assert await answered_by(discord_double, ABOUT_QUESTION) == ABOUT_ENTRY
    found = await eventually(
        lambda: refusals(caplog, ABOUT_FILE), timeout=RELOAD_TIMEOUT, what="the refusal"
    )
    # Named relative to the FAQ directory, as its maintainers know it.
    assert re.search(r": " + re.escape(path.name) + located, found[0]), found
    assert bot.knowledge.current is good
    assert await answered_by(discord_double, ABOUT_QUESTION) == ABOUT_ENTRY
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before
    assert grown_kb < 100_000, f"peak memory grew by {grown_kb} KB"

    path.write_text(with_alternate(good_text, "about-this-faq", NEW_ALTERNATE))
    await eventually(
        lambda: bot.knowledge.current.matcher.match(NEW_ALTERNATE).entry,
        timeout=RELOAD_TIMEOUT,
        what="the corrected file to be served",
    )
    assert await answered_by(discord_double, NEW_ALTERNATE) == ABOUT_ENTRY
    discord_double.assert_clean()


def vocabulary_edit(text: str) -> str:
    return text.replace("synonyms:\n", f"synonyms:\n  - [zebra, {NEW_ALTERNATE}]\n", 1)


EDITS = {
    # A topic file: every prefix of it fails validation (entries point at later ones).
    "asean-japan.yaml": lambda text: with_alternate(text, "tsubame-status", NEW_ALTERNATE),
    # The vocabulary: a prefix ending at any line is a valid, smaller vocabulary.
    "_vocabulary.yaml": vocabulary_edit,
}
# (file, settle, settle_limit, the refusal that must be logged meanwhile)
REWRITES = {
    "topic file, defaults": ("asean-japan.yaml", SETTLE_SECONDS, SETTLE_LIMIT_SECONDS, None),
    "vocabulary, defaults": ("_vocabulary.yaml", SETTLE_SECONDS, SETTLE_LIMIT_SECONDS, None),
    # Without the wait for files to settle, the check after each read is what refuses them.
    "vocabulary, no settling": ("_vocabulary.yaml", 0.0, 0.0, "changed while it was being read"),
    # A writer still busy when the wait runs out is refused, named, rather than read.
    "vocabulary, short wait": ("_vocabulary.yaml", SETTLE_SECONDS, 0.05, "still being written"),
}


@pytest.mark.parametrize(
    ("name", "settle", "settle_limit", "refusal"), REWRITES.values(), ids=REWRITES
)
async def test_a_file_rewritten_in_pieces_while_reloads_run_is_only_ever_served_whole(
    settings: Settings,
    discord_double: DiscordDouble,
    faq_dir: Path,
    tmp_path: Path,
    name: str,
    settle: float,
    settle_limit: float,
    refusal: str | None,
    caplog: pytest.LogCaptureFixture,
    eventually: Any,
) -> None:
    path = faq_dir / name
    old = path.read_bytes()
    new = EDITS[name](old.decode()).encode()
    bot = FaqBot(settings)
    bot.knowledge = KnowledgeService(
        faq_dir, embeddings=phrase_embeddings(), settle=settle, settle_limit=settle_limit
    )
    old_version = bot.knowledge.version
    new_version = version_of(faq_dir, tmp_path, name, new)
    assert new_version != old_version

    def rewrite_in_pieces(stop: threading.Event) -> None:
        """Truncate and rewrite the file a line at a time, as a line-buffered program or an
        editor saving in place would: new, old, then new again. Each pause leaves a prefix
        that ends at a line, the kind most likely to parse."""
        for content in (new, old, new):
            with path.open("r+b") as file:
                file.truncate(0)
                for line in content.splitlines(keepends=True):
                    file.write(line)
                    file.flush()
                    time.sleep(0.001)
        stop.set()

    served: set[str] = {old_version}
    finished = threading.Event()
    writer = threading.Thread(target=rewrite_in_pieces, args=(finished,))

    def sample() -> None:
        while not finished.is_set():
            served.add(bot.knowledge.current.knowledge_base.version)
            time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    async with running_bot(bot, discord_double):
        writer.start()
        sampler.start()
        try:
            # /faq-admin reload, over and over, on top of the file watcher's own reloads.
            while not finished.is_set():
                outcome = await bot.knowledge.reload()
                if outcome.ok:
                    served.add(outcome.version)
                entry = await answered_by(discord_double, "tsubame status")
                assert entry == "tsubame-status"
                await asyncio.sleep(0.01)
        finally:
            finished.set()
            writer.join(timeout=10)
            sampler.join(timeout=10)
        assert not writer.is_alive()

        assert served <= {old_version, new_version}, "a half-written file was served"
        await eventually(
            lambda: bot.knowledge.version == new_version,
            timeout=RELOAD_TIMEOUT,
            what="the finished file to be served",
        )
        assert await answered_by(discord_double, "tsubame status") == "tsubame-status"
    # Every refusal meanwhile named the file and a line in it.
    refused = refusals(caplog, name)
    for message in refused:
        assert re.search(r": " + re.escape(path.name) + r":\d+:\d+: ", message), message
    if refusal is not None:
        assert any(refusal in message for message in refused), refused
    assert not [r for r in caplog.records if r.exc_info], "a reload failed with an exception"
    discord_double.assert_clean()
