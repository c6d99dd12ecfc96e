"""The one rule for which names in a FAQ directory are FAQ files."""

from __future__ import annotations

import pytest

from knowledge.faq_files import is_ignored


@pytest.mark.parametrize(
    "name",
    [
        "._about.yaml",  # macOS metadata beside a copied file
        ".#about.yaml",  # Emacs's lock while the file is being edited
        ".about.yaml.swp",  # Vim's swap file
        "about.yaml.swx",
        "about.yaml~",  # a backup
        ".hidden.yaml",
    ],
)
def test_hidden_and_editor_files_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["about.yaml", "_vocabulary.yaml", "uk~asean.yaml", "a.yml"])
def test_faq_files_are_not_ignored(name: str) -> None:
    assert not is_ignored(name)
