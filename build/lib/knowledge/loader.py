"""Load a FAQ directory into a KnowledgeBase, or explain precisely why not.

Loading is all-or-nothing: any error means no KnowledgeBase, so a caller that already
serves one keeps serving it (see ``bot`` hot reload). Warnings never block loading.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process

# Re-exported: tests and benchmarks import it from here.
from knowledge import SHIPPED_FAQ_DIR as SHIPPED_FAQ_DIR
from knowledge.entry_schema import TopicFileValidator
from knowledge.faq_files import faq_file_paths, unreadable
from knowledge.model import Entry, KnowledgeBase, SmallTalk, Vocabulary
from knowledge.problems import Problem, Severity, excerpt
from knowledge.small_talk import SMALL_TALK_FILE, read_small_talk
from knowledge.text import words
from knowledge.vocabulary import VOCABULARY_FILE, read_vocabulary
from knowledge.yaml_source import ValuePath, YamlDocument, read_yaml_file

# (entry id, phrase index: 0 for the question, n for the nth alternate) -> (file, line, column)
PhrasePositions = dict[tuple[str, int], tuple[str, int, int]]


@dataclass(frozen=True)
class LoadResult:
    knowledge_base: KnowledgeBase | None
    problems: tuple[Problem, ...]
    phrase_positions: PhrasePositions = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


def display_path(path: Path) -> str:
    """A path as a maintainer would type it: relative to the working directory if inside it.

    Only the directory is resolved, so a symbolic link is named as itself, not as its target.
    """
    try:
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def relative_to(directory: Path) -> Callable[[Path], str]:
    """Paths named as someone who knows only the FAQ directory reads them (the bot's Discord
    messages and logs): relative to it, not the server's absolute path."""
    root = directory.resolve()

    def display(path: Path) -> str:
        try:
            return str((path.parent.resolve() / path.name).relative_to(root))
        except ValueError:
            return path.name

    return display


def load_knowledge_base(
    faq_dir: Path, *, display: Callable[[Path], str] = display_path
) -> LoadResult:
    """The FAQ in ``faq_dir``; problems name files as ``display`` says (by default, as a
    maintainer at the command line would type them)."""
    if not faq_dir.is_dir():
        return LoadResult(None, (Problem(display_path(faq_dir), 1, 1, "FAQ directory not found"),))
    directory = faq_dir.resolve()
    problems: list[Problem] = []
    located: list[tuple[Entry, _Location]] = []
    declared_ids: set[str] = set()
    topic_titles: dict[str, str] = {}
    vocabulary = Vocabulary()
    small_talk: tuple[SmallTalk, ...] = ()
    digest = hashlib.sha256()
    topic_files = 0
    # Files whose entries' ids are unknown: a related id may name one of those.
    unread = 0
    for path in faq_file_paths(faq_dir):
        shown = display(path)
        refusal = unreadable(path, directory, shown)
        if refusal is not None:
            problems.append(refusal)
            unread += 1
            continue
        if path.suffix == ".yml":
            problems.append(Problem(shown, 1, 1, "FAQ files end in .yaml; rename this file"))
            unread += 1
            continue
        document, file_problems = read_yaml_file(path, shown)
        problems.extend(file_problems)
        digest.update(path.name.encode() + b"\0" + str(document and document.data).encode())
        if document is None:
            # Its entries are unknown, but their ids are usually still legible: other files'
            # related ids that name them are not errors of their own.
            legible = _ids_written_in(path)
            declared_ids |= legible
            unread += not legible
            continue
        if path.name == VOCABULARY_FILE:
            vocabulary, vocab_problems = read_vocabulary(document, shown)
            problems.extend(vocab_problems)
            continue
        if path.name == SMALL_TALK_FILE:
            small_talk, small_talk_problems = read_small_talk(document, shown)
            problems.extend(small_talk_problems)
            continue
        if path.name.startswith("_"):
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    f"unknown special file; only {VOCABULARY_FILE} and {SMALL_TALK_FILE} are known",
                )
            )
            continue
        topic_files += 1
        validator = TopicFileValidator(document, shown, path.stem)
        for index, entry in validator.entries():
            located.append((entry, _Location(shown, document, ("entries", index))))
        declared_ids |= validator.declared_ids
        if validator.topic_title is not None:
            topic_titles[path.stem] = validator.topic_title
        problems.extend(validator.problems)
    if topic_files == 0 and not problems:
        problems.append(Problem(display(faq_dir), 1, 1, "no FAQ files (*.yaml) found"))
    problems.extend(_cross_file_problems(located, declared_ids, every_file_read=not unread))
    problems.sort(key=lambda p: (p.path, p.line, p.column))
    if any(p.is_error for p in problems):
        return LoadResult(None, tuple(problems))
    knowledge_base = KnowledgeBase(
        entries=tuple(entry for entry, _ in located),
        vocabulary=vocabulary,
        small_talk=small_talk,
        topic_titles=topic_titles,
        version=digest.hexdigest()[:12],
    )
    return LoadResult(knowledge_base, tuple(problems), _phrase_positions(located))


_ID_LINE = re.compile(r"^[ ]*-[ ]+id:[ ]*['\"]?([a-z0-9]+(?:-[a-z0-9]+)*)['\"]?[ ]*$", re.M)


def _ids_written_in(path: Path) -> set[str]:
    """The entry ids a file that does not parse still shows, line by line."""
    try:
        return set(_ID_LINE.findall(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return set()


def _phrase_positions(located: list[tuple[Entry, _Location]]) -> PhrasePositions:
    positions: PhrasePositions = {}
    for entry, where in located:
        for index in range(len(entry.phrases)):
            problem = where.problem(_phrase_path(index), "")
            positions[(entry.id, index)] = (problem.path, problem.line, problem.column)
    return positions


def _phrase_path(index: int) -> ValuePath:
    return ("question",) if index == 0 else ("alternates", index - 1)


@dataclass(frozen=True)
class _Location:
    """Where an entry is written, so cross-file problems can point into it."""

    display: str
    document: YamlDocument
    path: ValuePath

    def problem(
        self, sub_path: ValuePath, message: str, severity: Severity = Severity.ERROR
    ) -> Problem:
        line, column = self.document.position((*self.path, *sub_path))
        return Problem(self.display, line, column, message, severity)

    def __str__(self) -> str:
        return f"{self.display}:{self.document.position(self.path)[0]}"


def _cross_file_problems(
    located: list[tuple[Entry, _Location]], declared_ids: set[str], *, every_file_read: bool
) -> list[Problem]:
    """Duplicates and related ids across files. A related id that names no entry is reported
    only when every file was read: otherwise it may be an entry of the file that was not, and
    the maintainer would see one mistake as a dozen, the real one among them."""
    problems: list[Problem] = []
    first_seen: dict[str, _Location] = {}
    phrase_owner: dict[str, str] = {}
    for entry, where in located:
        if entry.id in first_seen:
            # The first file to define an id owns it; later definitions point back to it.
            first = first_seen[entry.id]
            problems.append(
                where.problem(("id",), f"duplicate id '{entry.id}' (first defined at {first})")
            )
            continue
        first_seen[entry.id] = where
        seen_here: set[str] = set()
        for index, phrase in enumerate(entry.phrases):
            sub_path = _phrase_path(index)
            key = " ".join(words(phrase))
            if key in seen_here:
                problems.append(
                    where.problem(
                        sub_path,
                        f"entry '{entry.id}': phrase {excerpt(phrase)} repeats another of "
                        "its phrases",
                        Severity.WARNING,
                    )
                )
                continue
            seen_here.add(key)
            owner = phrase_owner.setdefault(key, entry.id)
            if owner != entry.id:
                problems.append(
                    where.problem(
                        sub_path,
                        f"entry '{entry.id}': phrase {excerpt(phrase)} is also a phrase of entry "
                        f"'{owner}' ({first_seen[owner]}); a question can lead to only one entry",
                    )
                )
    for entry, where in located:
        for index, related_id in enumerate(entry.related):
            if related_id == entry.id:
                message = f"entry '{entry.id}': 'related' lists the entry itself"
            elif (
                every_file_read and related_id not in first_seen and related_id not in declared_ids
            ):
                hint = process.extractOne(related_id, list(first_seen), score_cutoff=80)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                message = (
                    f"entry '{entry.id}': related id {excerpt(related_id)} does not exist"
                    f"{suggestion}"
                )
            else:
                continue
            problems.append(where.problem(("related", index), message))
    return problems
