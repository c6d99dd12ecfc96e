"""The faqbot command's handling of settings, run as a real subprocess like an operator would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def faqbot(tmp_path: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """`faqbot ARGS` with only ``environ`` set, in a directory without a .env file."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={"PATH": "/usr/bin:/bin", **environ},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", [["run"], ["run", "--or-chat"], ["sync"], ["report"]])
def test_an_invalid_setting_is_one_line_on_stderr_and_exit_code_2(
    tmp_path: Path, command: list[str]
) -> None:
    run = faqbot(tmp_path, *command, FAQBOT_LOG_LEVEL="verbose")
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "faqbot: FAQBOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, "
        "not 'VERBOSE'"
    ]
