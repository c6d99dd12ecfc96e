"""Which backend a database setting names, and how it is named in logs and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.backend import display, is_postgres_url, parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("data/faqbot.sqlite3", Path("data/faqbot.sqlite3")),
        ("  /srv/faqbot.db ", Path("/srv/faqbot.db")),
        ("postgresql://bot@db:5432/faq", "postgresql://bot@db:5432/faq"),
        ("postgres://bot:pw@db/faq", "postgres://bot:pw@db/faq"),
    ],
)
def test_a_path_is_a_file_and_a_postgresql_url_a_server(text: str, expected: Path | str) -> None:
    target = parse_target(text)
    assert target == expected
    assert is_postgres_url(target) == isinstance(expected, str)


@pytest.mark.parametrize("text", ["", "sqlite:///data/faqbot.db", "mysql://bot@db/faq"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="got"):
        parse_target(text)


def test_a_url_is_shown_without_its_password() -> None:
    shown = display("postgresql://bot:hunter2@db.internal:5433/faq?sslmode=require")
    assert shown == "postgresql://bot:***@db.internal:5433/faq?sslmode=require"
    assert display("postgresql://bot@db/faq") == "postgresql://bot@db/faq"
    assert display(Path("data/x.db")) == "data/x.db"
