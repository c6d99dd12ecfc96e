"""Which files in a FAQ directory are FAQ files: one rule for the loader and the bot's watcher.

Editors and operating systems leave files beside the ones being edited: hidden files (macOS's
``._about.yaml`` of binary metadata, Emacs's ``.#about.yaml`` lock, usually a dangling
symbolic link), backups ending in ``~`` and Vim's swap files. None of them is part of the FAQ,
so neither loading nor watching for edits looks at them.
"""

from __future__ import annotations

from pathlib import Path

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
