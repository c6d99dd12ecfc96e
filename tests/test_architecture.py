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


def environment_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Where a module reads the process environment: os.environ, os.getenv and the like."""
    readers = {"environ", "environb", "getenv", "getenvb"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in readers:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append((node.lineno, f"os.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [
                (node.lineno, f"from os import {a.name}") for a in node.names if a.name in readers
            ]
    return sorted(found)


def test_no_knowledge_module_reads_the_environment() -> None:
    """The engine is given its FAQ directory; the application (bot) decides it from settings."""
    reads = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in sorted((ROOT / "knowledge").rglob("*.py"))
        for line, what in environment_reads(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert reads == []


def test_the_environment_check_sees_each_way_of_reading_it() -> None:
    source = "import os\nfrom os import environ, getenv as g\nos.environ.get('A')\nos.getenv('B')\n"
    assert [what for _, what in environment_reads(ast.parse(source))] == [
        "from os import environ",
        "from os import getenv",
        "os.environ",
        "os.getenv",
    ]


def imported_top_levels(source: str) -> list[tuple[int, str]]:
    """(line, top-level package) for every import in a module, relative ones left out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


# What only the tests' own path entry (tests/, see pyproject's pythonpath) makes importable.
TEST_ONLY_PACKAGES = {"tests", "support", "discord_double"}


def test_benchmarks_and_tests_share_testkit_and_never_import_each_other() -> None:
    """bench/ runs without the tests on its path, and the tests never run a benchmark script:
    what both need (the Discord double, the harness, the soak run) lives in testkit/."""
    crossings = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for folder, forbidden in (
            ("bench", TEST_ONLY_PACKAGES),
            ("testkit", TEST_ONLY_PACKAGES | {"bench"}),
            ("tests", {"bench"}),
        )
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, name in imported_top_levels(path.read_text(encoding="utf-8"))
        if name in forbidden
    ]
    assert crossings == []


def test_the_crossing_check_sees_plain_and_from_imports() -> None:
    source = "import bench.soak\nfrom tests.x import y\nfrom . import z\nimport os\n"
    assert imported_top_levels(source) == [(1, "bench"), (2, "tests"), (4, "os")]


def imports_of_client(source: str) -> list[int]:
    """Lines that import bot.client, however spelt (also under TYPE_CHECKING)."""

    def is_client(name: str) -> bool:
        return name == "bot.client" or name.startswith("bot.client.")

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found = any(is_client(a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found = is_client(node.module) or (
                node.module == "bot" and any(a.name == "client" for a in node.names)
            )
        else:
            found = False
        if found:
            lines.append(node.lineno)
    return lines


def test_no_feature_imports_the_client() -> None:
    """Features get the services they use, never the bot object, even for typing:
    the client imports the features, never the reverse."""
    imports = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "bot" / "features").rglob("*.py"))
        for line in imports_of_client(path.read_text(encoding="utf-8"))
    ]
    assert imports == []


def test_the_client_check_sees_each_way_of_importing_it() -> None:
    source = (
        "import bot.client\nfrom bot.client import FaqBot\nfrom bot import client\n"
        "if TYPE_CHECKING:\n    from bot.client import FaqBot\nfrom bot import answering\n"
    )
    assert imports_of_client(source) == [1, 2, 3, 5]


def test_no_answering_module_names_discord_in_its_imports() -> None:
    """Even for typing: the answering layer knows nothing of Discord."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in sorted((ROOT / "bot" / "answering").rglob("*.py"))
        for line, name in imported_top_levels(path.read_text(encoding="utf-8"))
        if name in {"discord", "aiohttp"}
    ]
    assert found == []


def test_importing_the_answering_layer_never_imports_discord() -> None:
    """Answering is decided without Discord; the features adapt it to slash, mention, button."""
    code = (
        "import sys, bot.answering\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'discord', 'aiohttp'}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert run.stdout.strip() == "[]"


def test_only_bot_cli_defines_commands_and_options() -> None:
    """One module owns the faqbot command line; the others only do what a command does."""
    definers = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.attr}"
        for folder in ("bot", "knowledge")
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "bot" / "cli.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in {"add_subparsers", "add_parser", "add_argument", "ArgumentParser"}
    )
    assert definers == []


def test_only_bot_cli_imports_argparse() -> None:
    """Commands take plain values (paths, flags, gates), so they can be called and tested
    without a parsed namespace; only the parser's module knows argparse."""
    importers = sorted(
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("bot", "knowledge")
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "bot" / "cli.py"
        for line, name in imported_top_levels(path.read_text(encoding="utf-8"))
        if name == "argparse"
    )
    assert importers == []
