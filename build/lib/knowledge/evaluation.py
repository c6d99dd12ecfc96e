"""Score the matcher on an evaluation set: questions with the entry they expect,
out-of-scope questions that must not get a confident answer, and small talk that must never
get an FAQ answer and should be recognised as small talk."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.matching import Decision, Matcher, MatchResult


class EvaluationSetError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class EvaluationSet:
    in_scope: tuple[tuple[str, str], ...]  # (question, expected entry id)
    out_of_scope: tuple[str, ...]
    small_talk: tuple[str, ...] = ()


@dataclass
class EvaluationReport:
    in_scope: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    out_of_scope: int = 0
    out_of_scope_answered: int = 0
    small_talk: int = 0
    # Small talk that got an FAQ answer (must be 0) and small talk recognised as such.
    small_talk_answered: int = 0
    small_talk_recognised: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 0.0

    @property
    def top3_recall(self) -> float:
        return self.top3 / self.in_scope if self.in_scope else 0.0

    @property
    def out_of_scope_answer_rate(self) -> float:
        return self.out_of_scope_answered / self.out_of_scope if self.out_of_scope else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "in_scope": self.in_scope,
            "top1_accuracy": round(self.top1_accuracy, 4),
            "top3_recall": round(self.top3_recall, 4),
            "answered_right": self.answered_right,
            "answered_wrong": self.answered_wrong,
            "suggested_or_none": self.in_scope - self.answered_right - self.answered_wrong,
            "out_of_scope": self.out_of_scope,
            "out_of_scope_answer_rate": round(self.out_of_scope_answer_rate, 4),
            "small_talk": self.small_talk,
            "small_talk_answered": self.small_talk_answered,
            "small_talk_recognised": self.small_talk_recognised,
        }


def read_evaluation_set(path: Path) -> EvaluationSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EvaluationSetError(f"{path}: cannot read evaluation set: {exc}") from exc
    if not isinstance(data, dict):
        raise EvaluationSetError(
            f"{path}: expected 'in_scope', 'out_of_scope' and 'smalltalk' lists"
        )
    try:
        in_scope = tuple((str(item["q"]), str(item["id"])) for item in data.get("in_scope") or [])
        out_of_scope = tuple(str(q) for q in data.get("out_of_scope") or [])
        small_talk = tuple(str(q) for q in data.get("smalltalk") or [])
    except (TypeError, KeyError) as exc:
        raise EvaluationSetError(
            f"{path}: each in_scope item needs 'q' and 'id' ({exc!r})"
        ) from exc
    return EvaluationSet(in_scope, out_of_scope, small_talk)


def evaluate(matcher: Matcher, evaluation: EvaluationSet) -> EvaluationReport:
    report = EvaluationReport()
    known = {e.id for e in matcher.knowledge_base.entries}
    for question, expected in evaluation.in_scope:
        if expected not in known:
            raise EvaluationSetError(f"expected id '{expected}' is not in the FAQ ({question!r})")
        report.in_scope += 1
        explanation = matcher.explain(question, limit=3)
        result = explanation.result
        ranked = [c.entry.id for c in explanation.ranked]
        report.top1 += bool(ranked) and ranked[0] == expected
        report.top3 += expected in ranked
        if result.decision is Decision.ANSWER:
            if result.entry is not None and result.entry.id == expected:
                report.answered_right += 1
            else:
                report.answered_wrong += 1
        if not ranked or ranked[0] != expected:
            report.misses.append(_miss(result, expected))
    for question in evaluation.out_of_scope:
        report.out_of_scope += 1
        result = matcher.match(question)
        if result.decision is Decision.ANSWER:
            report.out_of_scope_answered += 1
            report.misses.append(_miss(result, None))
    for message in evaluation.small_talk:
        report.small_talk += 1
        result = matcher.match(message)
        if result.decision is Decision.ANSWER:
            report.small_talk_answered += 1
            report.misses.append(_miss(result, None))
        report.small_talk_recognised += result.decision is Decision.SMALL_TALK
    return report


def _miss(result: MatchResult, expected: str | None) -> dict[str, Any]:
    return {
        "question": result.question,
        "expected": expected,
        "decision": result.decision.value,
        "got": [(c.entry.id, c.score) for c in result.candidates],
    }
