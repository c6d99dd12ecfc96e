"""The faqbot command's handling of settings, run as a real subprocess like an operator would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.embedding import SentenceEncoder
from knowledge.semantic import VectorFile

MINI_FAQ = Path(__file__).parents[1] / "data" / "mini-faq"


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


def test_the_faq_commands_keep_phrase_vectors_where_the_setting_says(tmp_path: Path) -> None:
    # As the bot does: a maintainer's second `faqbot eval` embeds only phrases that are new.
    vectors = tmp_path / "cache" / "phrase-vectors.npz"
    run = faqbot(tmp_path, "--faq-dir", str(MINI_FAQ), "check", FAQBOT_VECTOR_CACHE=str(vectors))
    assert run.returncode == 0, run.stdout + run.stderr
    kept = VectorFile(vectors).read(SentenceEncoder.model_id)
    assert "how fast can a swallow fly?" in {text.lower() for text in kept}


@pytest.mark.parametrize(
    "command",
    [["run"], ["run", "--or-chat"], ["sync"], ["report"], ["health"], ["check"], ["ask", "hi"]],
)
def test_an_invalid_setting_is_one_line_on_stderr_and_exit_code_2(
    tmp_path: Path, command: list[str]
) -> None:
    run = faqbot(tmp_path, *command, FAQBOT_LOG_LEVEL="verbose")
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "faqbot: FAQBOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, "
        "not 'VERBOSE'"
    ]


def test_the_faq_dir_setting_in_dotenv_is_where_the_faq_commands_look(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"FAQBOT_FAQ_DIR={MINI_FAQ}  # the small test FAQ\n")
    run = faqbot(tmp_path, "check")
    assert run.returncode == 0
    assert run.stdout.splitlines()[-1] == "OK: 5 entries, 0 error(s), 0 warning(s)"


def test_faq_dir_on_the_command_line_wins_over_the_setting(tmp_path: Path) -> None:
    run = faqbot(tmp_path, "--faq-dir", str(MINI_FAQ), "check", FAQBOT_FAQ_DIR=str(tmp_path))
    assert run.returncode == 0
    assert "OK: 5 entries" in run.stdout


def test_run_or_chat_without_a_token_chats_over_the_faq_dir_given_on_the_command_line(
    tmp_path: Path,
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--faq-dir", str(MINI_FAQ), "run", "--or-chat"],
        env={"PATH": "/usr/bin:/bin", "FAQBOT_FAQ_DIR": str(tmp_path)},
        cwd=tmp_path,
        input="quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Local chat over 5 FAQ entries." in run.stdout
