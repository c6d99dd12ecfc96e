"""The bot fixtures reuse an FAQ load only for a directory with exactly the same content."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.bot_fixtures import SHIPPED_FAQ, directory_digest


def test_a_copy_has_the_digest_of_the_shipped_faq_and_any_change_changes_it(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "faq"
    shutil.copytree(SHIPPED_FAQ, copy)
    shipped = directory_digest(SHIPPED_FAQ)
    assert directory_digest(copy) == shipped
    about = copy / "about.yaml"
    about.write_text(about.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = directory_digest(copy)
    assert edited != shipped
    (copy / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")  # a link that dangles
    assert directory_digest(copy) not in (shipped, edited)
