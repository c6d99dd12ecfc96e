"""Problems found in FAQ files, each pointing at the file, line and column to fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# What a maintainer wrote is quoted back this far at most: enough to find it, never the whole
# of something pasted or linked in by mistake (a token, a private file). Messages reach logs
# and /faq-admin replies in Discord.
EXCERPT_CHARS = 20


class Severity(enum.Enum):
    ERROR = "error"
    # Warnings never block loading; `faqbot check --strict` treats them as errors.
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.path}:{self.line}:{self.column}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def format_count(n: int) -> str:
    """Numbers in messages read like prose: 1,812 rather than 1812."""
    return f"{n:,}"


def excerpt(value: object) -> str:
    """``value`` quoted for a message: at most EXCERPT_CHARS characters, then "…" if cut."""
    if isinstance(value, str):
        return repr(value if len(value) <= EXCERPT_CHARS else value[:EXCERPT_CHARS] + "…")
    text = repr(value)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"
