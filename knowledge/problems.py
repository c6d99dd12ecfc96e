"""Problems found in FAQ files, each pointing at the file, line and column to fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
