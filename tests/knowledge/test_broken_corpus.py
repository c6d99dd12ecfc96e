"""``faqbot check`` on a copy of the shipped FAQ with one deliberate mistake in each topic
file: one error per file, at the mistake's own line and column, with no cascade from it."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.cli import check
from knowledge.loader import SHIPPED_FAQ_DIR


@dataclass(frozen=True)
class Mistake:
    old: str  # a line of the file, first occurrence
    new: str  # what it becomes
    at: str  # the text in ``new`` where the error must point
    says: str  # a fragment of the message

    def make(self, path: Path) -> tuple[int, int]:
        """Make the mistake in ``path``; the (line, column) where it is, 1-based."""
        text = path.read_text(encoding="utf-8")
        start = text.index(self.old)
        path.write_text(text[:start] + self.new + text[start + len(self.old) :], encoding="utf-8")
        line = text.count("\n", 0, start) + 1 + self.new[: self.new.index(self.at)].count("\n")
        line_start = text.rfind("\n", 0, start) + 1
        before = (text[line_start:start] + self.new)[: start - line_start + self.new.index(self.at)]
        return line, len(before.rsplit("\n", 1)[-1]) + 1


MISTAKES = {
    "about.yaml": Mistake(
        "    question: What does this FAQ bot cover, and how do I use it?\n",
        '    question: "What does this FAQ bot cover, and how do I use it?\n',
        '"',
        "closing quote",
    ),
    "asean-japan.yaml": Mistake(
        "  - id: tsubame-project\n", "  - id: TSUBAME Project\n", "TSUBAME", "'id'"
    ),
    "asean.yaml": Mistake("    alternates:\n", "    alternate:\n", "alternate", "'alternates'"),
    "japan-institutions.yaml": Mistake("      - nctc\n", "\t- nctc\n", "\t", "tab"),
    "japan-uk.yaml": Mistake("    updated: 20", "    updated: last week #20", "last", "date"),
    "norms-iot.yaml": Mistake(
        "    question: What does the UK PSTI Act require of smart devices?\n",
        "    question: What does the UK PSTI Act require of smart devices?" + " really" * 10 + "\n",
        "What",
        "limit is 100",
    ),
    "olympics.yaml": Mistake("    related: [", "    related: [no-such-entry, ", "no-such", "exist"),
    "skills-gap.yaml": Mistake(
        "    alternates:\n", "    question: twice?\n    alternates:\n", "question", "duplicate key"
    ),
    "uk-asean.yaml": Mistake("        url: https://", "        url: htps://", "htps", "url"),
}


def test_each_broken_file_gets_one_error_at_its_mistake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SHIPPED_FAQ_DIR, tmp_path / "faq")
    expected = {}
    for name, mistake in MISTAKES.items():
        line, column = mistake.make(tmp_path / "faq" / name)
        expected[f"faq/{name}"] = (line, column, mistake.says)
    assert check(Path("faq"), strict=False) == 1
    printed = capsys.readouterr().out.splitlines()
    errors = [re.match(r"(\S+?):(\d+):(\d+): (.*)", line) for line in printed[:-1]]
    found = {}
    for error in errors:
        assert error, printed
        assert error[1] not in found, f"a second error in {error[1]}:\n" + "\n".join(printed)
        found[error[1]] = (int(error[2]), int(error[3]), error[4])
    assert found.keys() == expected.keys(), "\n".join(printed)
    for path, (line, column, says) in expected.items():
        assert found[path][:2] == (line, column), (path, found[path])
        assert says in found[path][2], (path, found[path])
    # Ordered by file and line, and the summary counts what was printed.
    assert list(found) == sorted(found)
    assert printed[-1].startswith(f"FAILED: {len(MISTAKES)} error(s)")
