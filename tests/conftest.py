"""Shared test configuration: where the project and the shared material are."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA = PROJECT_ROOT / "tests" / "data"
SHIPPED_FAQ = PROJECT_ROOT / "knowledge" / "faq"
MINI_FAQ = DATA / "mini-faq"


@pytest.fixture
def mini_faq() -> Path:
    return MINI_FAQ
