"""The FAQ pull-request workflow (.github/workflows/faq.yml): its figures script reads what
`faqbot eval --json` writes, and its commands are ones this repository has."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "faq.yml"
MINI_FAQ = ROOT / "tests" / "data" / "mini-faq"


def steps() -> dict[str, str]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    [job] = workflow["jobs"].values()
    return {step.get("name", ""): step.get("run", "") for step in job["steps"]}


def test_the_figures_script_turns_real_eval_json_into_a_table(tmp_path: Path) -> None:
    script = re.search(r"<<'PY' > figures\.md\n(.*?)\n\s*PY\n", steps()["Figures"], re.S)
    assert script, "the Figures step has no inline script"
    eval_set = tmp_path / "set.yaml"
    eval_set.write_text(
        "in_scope:\n  - {q: how fast can a swallow fly, id: swallow-speed}\n"
        "out_of_scope:\n  - bake bread\nsmalltalk:\n  - thanks\n",
        encoding="utf-8",
    )
    faqbot = Path(sys.executable).parent / "faqbot"
    figures = subprocess.run(
        [str(faqbot), "--faq-dir", str(MINI_FAQ), "eval", "--json", str(eval_set)],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    (tmp_path / "figures.json").write_text(figures, encoding="utf-8")
    table = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script[1])],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert f"| {eval_set} | 100.0% | 100.0% | 100.0% | 0 | 0.0% | 0 |" in table


def test_the_workflow_runs_the_repositorys_own_commands() -> None:
    runs = "\n".join(steps().values())
    assert ".venv/bin/faqbot check --strict knowledge/faq" in runs
    assert "make eval" in runs
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    # A target is named as such, or by a variable holding it (MODEL := knowledge/models/…).
    variables = dict(re.findall(r"^(\w+)\s*:?=\s*(\S+)", makefile, re.M))
    rules = set(re.findall(r"^(\S+):", makefile, re.M))
    names = {f"$({name})": value for name, value in variables.items()}
    defined = {names.get(rule, rule) for rule in rules}
    for target in re.findall(r"\bmake (\S+)", runs):
        assert target in defined, target
