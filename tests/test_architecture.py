"""The dependency direction: bot imports knowledge, knowledge never imports discord."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_importing_knowledge_never_imports_discord() -> None:
    code = (
        "import sys, knowledge.cli, knowledge.loader, knowledge.matching, knowledge.evaluation\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'discord', 'bot', 'aiohttp'}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert run.stdout.strip() == "[]"


def test_no_knowledge_module_names_discord_or_bot_in_its_imports() -> None:
    for path in (ROOT / "knowledge").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"discord", "bot"}, f"{path}: imports {name}"
