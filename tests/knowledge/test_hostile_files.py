"""A corpus of hostile FAQ files: each is refused with a clear, located error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)

HOSTILE = {
    "alias bomb": (BILLION_LAUGHS.encode(), "aliases (*name) are not allowed"),
    "deep nesting": (b"topic: x\nentries: " + b"[" * 100_000 + b"]" * 100_000, "nesting"),
    "10 MB file": (b"topic: x\n" + b"# padding\n" * 1_000_000, "larger than 524,288 bytes"),
    "binary junk": (bytes(range(256)) * 64, "not valid UTF-8"),
    "NUL bytes": (b"topic: x\n\x00\x00entries: []\n", "NUL bytes"),
    "python object tag": (
        b"topic: x\nentries: !!python/object/apply:os.system ['true']\n",
        "unsupported YAML tag",
    ),
    "a list, not a mapping": (b"- id: x\n", "expected a mapping"),
    "empty": (b"", "file is empty"),
    "tabs": (b"topic: x\nentries:\n\t- id: x\n", "tab in indentation"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_a_located_error(tmp_path: Path, name: str) -> None:
    content, expected = HOSTILE[name]
    directory = tmp_path / "faq"
    shutil.copytree(SHIPPED_FAQ_DIR, directory)
    (directory / "hostile.yaml").write_bytes(content)
    result = load_knowledge_base(directory)
    assert result.knowledge_base is None
    hostile = [p for p in result.errors if p.path.endswith("hostile.yaml")]
    assert hostile, [str(p) for p in result.errors]
    assert any(expected in p.message for p in hostile), [str(p) for p in hostile]
    assert all(p.line >= 1 and p.column >= 1 for p in hostile)
