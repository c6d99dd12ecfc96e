"""The faqbot command's contracts, as a maintainer sees them: exit codes, stdout and stderr.

Most run the command line in this process (``bot.cli.main`` with the real argument parser,
streams and settings), so the embedding model loads once per test worker rather than once a
command; the tests whose point is the process itself (its environment, its working directory,
a damaged install) start a real one.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from support.phrase_vectors import phrase_embeddings, run_vector_file

from bot.cli import main
from knowledge.cli import NOT_TRANSLATED_JA, chat_loop, terminal_text
from knowledge.embedding import MODEL_FILE
from knowledge.loader import load_knowledge_base
from knowledge.matching import Matcher

ROOT = Path(__file__).parents[2]
MINI_FAQ = Path(__file__).parents[1] / "data" / "mini-faq"
BILINGUAL_FAQ = Path(__file__).parents[1] / "data" / "bilingual-faq"


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


class Faqbot(Protocol):
    def __call__(self, *args: str, stdin: str | None = None, faq: Path = MINI_FAQ) -> Run: ...


@pytest.fixture
def faqbot(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Faqbot:
    """``faqbot --faq-dir <faq> <args>`` with ``stdin`` as its input, run in this process."""

    vectors = run_vector_file()
    if vectors is not None:  # the run's phrase vectors, as for every process of the run
        monkeypatch.setenv("FAQBOT_VECTOR_CACHE", str(vectors))

    def run(*args: str, stdin: str | None = None, faq: Path = MINI_FAQ) -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        capsys.readouterr()  # what earlier runs printed is theirs
        try:
            code = main(["--faq-dir", str(faq), *args])
        except SystemExit as exit_:  # argparse's --help and usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def test_ask_prints_question_answer_and_sources(faqbot: Faqbot) -> None:
    run = faqbot("ask", "how fast can swallows fly")
    assert run.returncode == 0
    assert run.stdout.startswith("How fast can a swallow fly?\n\nA swallow cruises")
    assert "Sources:\n  - Example source <https://example.org/speed>" in run.stdout


def test_ask_json_prints_the_documented_object(faqbot: Faqbot) -> None:
    run = faqbot("ask", "--json", "owl night vision")
    result = json.loads(run.stdout)
    assert set(result) == {
        "question", "decision", "id", "score", "candidates", "small_talk", "locale"
    }  # fmt: skip
    assert result["locale"] == "en"
    assert result["decision"] == "answer"
    assert result["id"] == "owl-night-vision"
    assert result["candidates"][0] == {"id": "owl-night-vision", "score": result["score"]}


def test_ask_json_id_is_null_unless_answered(faqbot: Faqbot) -> None:
    result = json.loads(faqbot("ask", "--json", "weather in tokyo").stdout)
    assert result["decision"] == "none"
    assert result["id"] is None


def test_ask_json_stdin_mode_writes_one_line_per_input_line_blank_ones_included(
    faqbot: Faqbot,
) -> None:
    stdin = "owl night vision\n\n   \nswallow migration\nweather\n"
    run = faqbot("ask", "--json", "-", stdin=stdin)
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["question"] for r in lines] == stdin.splitlines()
    assert [r["id"] for r in lines] == ["owl-night-vision", None, None, "swallow-migration", None]


def test_ask_explain_shows_both_scores_the_words_and_the_reason(faqbot: Faqbot) -> None:
    run = faqbot("ask", "--explain", "swalow migraton")
    assert run.returncode == 0
    assert "typos:    swalow -> swallow" in run.stdout
    assert "lexical" in run.stdout
    assert "semantic" in run.stdout
    row = next(line for line in run.stdout.splitlines() if "swallow-migration" in line)
    fused, lexical, semantic = (float(x) for x in row.split()[1:4])
    assert 0 < lexical <= 1
    assert 0 < semantic <= 1
    assert fused > 0
    assert "decision: " in run.stdout
    assert "because:  " in run.stdout


def test_ask_explain_json_carries_the_ranked_scores(faqbot: Faqbot) -> None:
    result = json.loads(faqbot("ask", "--explain", "--json", "owl night vision").stdout)
    assert result["id"] == "owl-night-vision"
    assert result["reason"]
    assert {"id", "score", "lexical", "semantic"} == set(result["ranked"][0])


def test_check_is_clean_on_a_good_faq(faqbot: Faqbot) -> None:
    run = faqbot("check", str(MINI_FAQ))
    assert run.returncode == 0
    assert run.stdout.strip() == "OK: 5 entries, 0 error(s), 0 warning(s)"


def test_check_exits_1_listing_every_error(tmp_path: Path, faqbot: Faqbot) -> None:
    (tmp_path / "a.yaml").write_text("topic: b\nentries: []\n")
    (tmp_path / "c.yaml").write_text("- not a mapping\n")
    run = faqbot("check", str(tmp_path))
    assert run.returncode == 1
    assert run.stdout.count(": ") >= 3
    assert "a.yaml:1:8: 'topic' must equal the file name 'a'" in run.stdout
    assert "c.yaml:1:1: expected a mapping" in run.stdout
    assert (
        run.stdout.splitlines()[-1] == "FAILED: 3 error(s), 0 warning(s); the FAQ cannot be loaded"
    )


def test_check_strict_fails_on_warnings(tmp_path: Path, faqbot: Faqbot) -> None:
    text = (
        (MINI_FAQ / "ships.yaml")
        .read_text()
        .replace("      - knots unit\n", "      - knots unit\n      - Knots unit!\n")
    )
    (tmp_path / "ships.yaml").write_text(text)
    assert faqbot("check", str(tmp_path)).returncode == 0
    strict = faqbot("check", "--strict", str(tmp_path))
    assert strict.returncode == 1
    assert "warning: entry 'ship-knots': phrase 'Knots unit!' repeats" in strict.stdout


def ships_with_extra_sources(directory: Path, count: int, title_padding: int) -> str:
    """The mini FAQ's ships file, its knots entry given ``count`` more long-titled sources,
    written to ``directory``; its text."""
    many = "".join(
        f"      - title: A long source title number {n} {'x' * title_padding}\n"
        f"        url: https://example.org/source/{n}\n"
        for n in range(count)
    )
    text = (
        (MINI_FAQ / "ships.yaml")
        .read_text()
        .replace(
            "        url: https://example.org/knots\n",
            f"        url: https://example.org/knots\n{many}",
        )
    )
    (directory / "ships.yaml").write_text(text)
    return text


def test_check_warns_when_an_entrys_sources_cannot_all_be_shown(
    tmp_path: Path, faqbot: Faqbot
) -> None:
    text = ships_with_extra_sources(tmp_path, 20, 120)
    run = faqbot("check", str(tmp_path))
    assert run.returncode == 0
    question_line = text.splitlines().index("    question: What is a knot in sailing speed?") + 1
    warning = next(line for line in run.stdout.splitlines() if "do not fit" in line)
    assert warning.startswith(f"{tmp_path / 'ships.yaml'}:{question_line}:")
    assert "entry 'ship-knots':" in warning
    assert "of its 21 sources" in warning
    assert "cannot be shown at all" not in warning  # the list on request holds them all


def test_check_says_when_some_sources_cannot_be_shown_even_on_request(
    tmp_path: Path, faqbot: Faqbot
) -> None:
    ships_with_extra_sources(tmp_path, 40, 170)
    run = faqbot("check", str(tmp_path))
    warning = next(line for line in run.stdout.splitlines() if "do not fit" in line)
    assert "cannot be shown at all" in warning


def test_commands_that_need_the_faq_fail_cleanly_when_it_is_broken(
    tmp_path: Path, faqbot: Faqbot
) -> None:
    (tmp_path / "a.yaml").write_text("topic: a\n")
    run = faqbot("ask", "anything", faq=tmp_path)
    assert run.returncode == 1
    assert "a.yaml:1:1: missing key 'entries'" in run.stderr
    assert "Traceback" not in run.stderr


def test_eval_reports_figures_and_misses(tmp_path: Path, faqbot: Faqbot) -> None:
    evaluation = tmp_path / "eval.yaml"
    evaluation.write_text(
        "in_scope:\n"
        "  - {q: 'how quick is a swallow', id: swallow-speed}\n"
        "  - {q: 'owls in the dark', id: owl-night-vision}\n"
        "  - {q: 'boat speed unit', id: ship-anchor}\n"
        "out_of_scope:\n  - 'weather in tokyo'\n"
    )
    run = faqbot("eval", "--json", str(evaluation))
    report = json.loads(run.stdout)[str(evaluation)]
    assert report["in_scope"] == 3
    assert report["top1_accuracy"] == round(2 / 3, 4)
    assert report["out_of_scope_answer_rate"] == 0
    assert [m["question"] for m in report["misses"]] == ["boat speed unit"]
    text = faqbot("eval", str(evaluation)).stdout
    assert "top-1 accuracy           66.7%" in text
    assert "miss: 'boat speed unit' expected ship-anchor" in text


def test_eval_gates_fail_the_run_below_the_given_figures(tmp_path: Path, faqbot: Faqbot) -> None:
    evaluation = tmp_path / "eval.yaml"
    evaluation.write_text(
        "in_scope:\n"
        "  - {q: 'how quick is a swallow', id: swallow-speed}\n"
        "  - {q: 'boat speed unit', id: ship-anchor}\n"
        "out_of_scope:\n  - 'weather in tokyo'\n"
    )
    passing = faqbot("eval", "--min-top1", "0.5", "--max-oos", "0", str(evaluation))
    assert passing.returncode == 0, passing.stdout
    failing = faqbot("eval", "--min-top1", "0.9", str(evaluation))
    assert failing.returncode == 1
    assert "FAILED" in failing.stdout
    assert "top-1 accuracy 50.0% < 90.0%" in failing.stdout


def test_eval_with_an_unknown_expected_id_is_a_usage_error(tmp_path: Path, faqbot: Faqbot) -> None:
    evaluation = tmp_path / "eval.yaml"
    evaluation.write_text("in_scope:\n  - {q: 'x', id: no-such-entry}\n")
    run = faqbot("eval", str(evaluation))
    assert run.returncode == 2
    assert "'no-such-entry' is not in the FAQ" in run.stderr


def test_chat_answers_and_picks_suggestions_by_number(faqbot: Faqbot) -> None:
    run = faqbot("chat", stdin="owl night vision\nquit\n")
    assert run.returncode == 0
    assert "How do owls see at night?" in run.stdout


def test_every_command_has_help(faqbot: Faqbot) -> None:
    for command in ("ask", "chat", "check", "eval"):
        run = faqbot(command, "--help")
        assert run.returncode == 0
        assert "usage: faqbot" in run.stdout


@pytest.mark.parametrize("command", [["check"], ["suggest", "--database", "empty.sqlite3"]])
def test_a_corrupt_embedding_model_stops_a_command_with_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    # A copy of the engine earlier on the path, whose built model is damaged, stands in for
    # a damaged install.
    shutil.copytree(
        ROOT / "knowledge",
        tmp_path / "knowledge",
        ignore=shutil.ignore_patterns("__pycache__", "models"),
    )
    (tmp_path / "knowledge" / MODEL_FILE.name).parent.mkdir()
    (tmp_path / "knowledge" / MODEL_FILE.name).write_bytes(b"not a model")
    (tmp_path / "empty.sqlite3").write_bytes(b"")  # suggest wants a database file first
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--faq-dir", str(MINI_FAQ), *command],
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    errors = [line for line in (run.stdout + run.stderr).splitlines() if "model" in line]
    assert len(errors) == 1, run.stdout + run.stderr
    assert "is not the expected file" in errors[0]
    assert "Traceback" not in run.stderr


def test_faq_dir_can_come_from_the_environment(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check"],
        env={"FAQBOT_FAQ_DIR": str(MINI_FAQ), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "OK: 5 entries" in run.stdout


def chat_transcript(*lines: str, faq: Path = MINI_FAQ) -> str:
    """What `faqbot chat` prints for these input lines, run in this process."""
    knowledge_base = load_knowledge_base(faq).knowledge_base
    assert knowledge_base is not None
    matcher = Matcher(knowledge_base, embeddings=phrase_embeddings())
    out = io.StringIO()
    assert chat_loop(matcher, io.StringIO("".join(f"{line}\n" for line in lines)), out) == 0
    return out.getvalue()


def test_chat_never_takes_a_number_after_an_answer_as_a_question() -> None:
    transcript = chat_transcript("owl night vision", "4", "quit")
    assert transcript.count("How do owls see at night?") == 1
    assert "A number picks a suggestion (none now: ask in words)." in transcript
    assert transcript.count("[answer ") == 1, "the number got no decision of its own"


def test_chat_shows_the_decision_and_score_of_each_question() -> None:
    transcript = chat_transcript("how fast can swallows fly", "how do I bake bread", "quit")
    assert re.search(r"\[answer 0\.\d\d\]", transcript)
    assert re.search(r"\[none 0\.\d\d\]", transcript)


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("**ISC2** found a gap", "ISC2 found a gap"),
        ("**_CYDER_** drills", "CYDER drills"),
        (
            "see [the NCSC](https://www.ncsc.gov.uk/) site",
            "see the NCSC (https://www.ncsc.gov.uk/) site",
        ),
        ("`code` and ~~old~~ text", "code and old text"),
        ("snake_case_name and 2 * 3 * 4 stay", "snake_case_name and 2 * 3 * 4 stay"),
    ],
)
def test_chat_shows_answers_without_markdown_marks(markdown: str, shown: str) -> None:
    assert terminal_text(markdown) == shown


def test_eval_finds_its_default_set_when_run_outside_the_repository(tmp_path: Path) -> None:
    # Lexical only: which set is found is the point here (the figures are test_eval_set's).
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", "--json", "--lexical-only"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert list(json.loads(run.stdout)) == [str(ROOT / "tests" / "data" / "eval.yaml")]


def test_a_japanese_question_is_answered_in_japanese_and_says_so_in_json(faqbot: Faqbot) -> None:
    run = faqbot("ask", "--json", "ツバメはどのくらい速く飛べますか", faq=BILINGUAL_FAQ)
    result = json.loads(run.stdout)
    assert (result["id"], result["locale"]) == ("swallow-speed", "ja")
    shown = faqbot("ask", "ツバメはどのくらい速く飛べますか", faq=BILINGUAL_FAQ).stdout
    assert shown.startswith("ツバメはどのくらい速く飛べますか？")
    assert "出典" in shown


def test_locale_ja_answers_in_japanese_where_written_and_in_english_with_a_note_elsewhere(
    faqbot: Faqbot,
) -> None:
    translated = faqbot("ask", "--locale", "ja", "how fast can a swallow fly", faq=BILINGUAL_FAQ)
    assert translated.stdout.startswith("ツバメはどのくらい速く飛べますか？")
    # owl-night-vision has no Japanese block in the fixture.
    english = faqbot("ask", "--locale", "ja", "--json", "owl night vision", faq=BILINGUAL_FAQ)
    assert json.loads(english.stdout)["locale"] == "en"
    shown = faqbot("ask", "--locale", "ja", "owl night vision", faq=BILINGUAL_FAQ).stdout
    assert shown.startswith(NOT_TRANSLATED_JA)
    assert "How do owls see at night?" in shown


def test_chat_answers_a_japanese_question_in_japanese() -> None:
    transcript = chat_transcript("ツバメはどのくらい速く飛べますか", "quit", faq=BILINGUAL_FAQ)
    assert "ツバメは秒速" in transcript
