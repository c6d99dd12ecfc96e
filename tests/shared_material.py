"""Where tests find ../shared (the fact sheet, Discord's spec): beside the checkout, or
wherever $FAQBOT_SHARED_DIR points. Tests that need it skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    return Path(os.environ.get("FAQBOT_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
