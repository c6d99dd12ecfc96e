"""Which files in a FAQ directory are FAQ files: one rule for the loader and the bot's watcher.

Editors and operating systems leave files beside the ones being edited: hidden files (macOS's
``._about.yaml`` of binary metadata, Emacs's ``.#about.yaml`` lock, usually a dangling
symbolic link), backups ending in ``~`` and Vim's swap files. None of them is part of the FAQ,
so neither loading nor watching for edits looks at them.

Of the rest, only regular files inside the FAQ directory are read. A symbolic link out of it
is refused: it could have any file the bot can read (a token, a key) parsed, and quoted in
problem messages that reach logs and Discord.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from knowledge.problems import Problem, Severity

FAQ_SUFFIXES = frozenset({".yaml", ".yml"})
_EDITOR_SUFFIXES = (".swp", ".swx")


def is_ignored(name: str) -> bool:
    """True for hidden and editor files, which are never FAQ files whatever they end in."""
    return name.startswith(".") or name.endswith("~") or name.endswith(_EDITOR_SUFFIXES)


def faq_file_paths(directory: Path) -> list[Path]:
    """The directory's FAQ files by name, sorted; each may still turn out to be unreadable."""
    return sorted(
        path
        for path in directory.iterdir()
        if path.suffix in FAQ_SUFFIXES and not is_ignored(path.name)
    )


def unreadable(path: Path, directory: Path, display: str) -> Problem | None:
    """Why the FAQ file ``path`` is not read, or None when it is a regular file inside
    ``directory`` (resolved). Problems name ``path`` as ``display``, never a link's target.

    A broken or looping link, or something that is not a file, is skipped with a warning, so
    an editor's leftover never stops the FAQ loading; a link out of the directory is an error.
    """
    try:
        status = path.stat()  # follows a symbolic link, without opening anything
    except OSError as exc:
        if not path.is_symlink():
            return Problem(display, 1, 1, f"cannot read file: {exc.strerror or exc}")
        broken = "broken symbolic link (its target does not exist)"
        why = "symbolic link loop" if exc.errno == errno.ELOOP else broken
        return Problem(display, 1, 1, f"{why}; skipped", Severity.WARNING)
    if not path.resolve().is_relative_to(directory):
        return Problem(
            display,
            1,
            1,
            "symbolic link to a file outside the FAQ directory; refused (copy the file in instead)",
        )
    if not stat.S_ISREG(status.st_mode):
        return Problem(display, 1, 1, "not a regular file; skipped", Severity.WARNING)
    return None
