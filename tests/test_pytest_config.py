"""The test suite runs however it is started: `pytest` as well as `python -m pytest`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_plain_pytest_collects_the_bot_tests_from_the_repository_root() -> None:
    # `python -m pytest` puts the working directory on sys.path, `pytest` does not; -P
    # (Python 3.11) keeps it off, so this runs pytest the way the `pytest` script does.
    # Without the project root on the path, tests/bot shadows the bot package.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "--collect-only", "-q", "tests/bot/test_config.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "tests/bot/test_config.py::" in run.stdout
