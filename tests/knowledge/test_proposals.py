"""Proposals from the question log: grouping, what is left out, and YAML that can be pasted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.loader import LoadResult, load_knowledge_base
from knowledge.matching import Decision, Matcher
from knowledge.proposals import MAX_NEW_ALTERNATES, LoggedQuestion, Proposal, propose
from knowledge.semantic import shared_phrase_embeddings

# The mini FAQ offers both swallow entries for this, and answers neither outright.
UNSURE = "swallow winter speed"
UNCOVERED = "bake sourdough bread"


@pytest.fixture(scope="module")
def loaded(mini_faq_dir: Path) -> LoadResult:
    return load_knowledge_base(mini_faq_dir)


@pytest.fixture(scope="module")
def mini_faq_dir() -> Path:
    return Path(__file__).parents[1] / "data" / "mini-faq"


def matcher_of(result: LoadResult) -> Matcher:
    assert result.knowledge_base is not None, result.problems
    return Matcher(result.knowledge_base, embeddings=shared_phrase_embeddings())


def paste(proposal: Proposal, faq_dir: Path) -> None:
    """Insert the proposal's lines where it says, as a maintainer would."""
    assert proposal.where is not None
    path = faq_dir / Path(proposal.where.path).name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(proposal.where.line, proposal.snippet + "\n")
    path.write_text("".join(lines), encoding="utf-8")


def test_a_picked_question_is_proposed_as_an_alternate_that_answers_it_once_pasted(
    loaded: LoadResult, mini_faq_dir: Path, tmp_path: Path
) -> None:
    matcher = matcher_of(loaded)
    assert matcher.match(UNSURE).decision is Decision.SUGGEST
    logged = [LoggedQuestion(UNSURE, "swallow-speed"), LoggedQuestion(UNSURE)]
    [proposal] = propose(logged, matcher, loaded.phrase_positions)
    assert (proposal.entry_id, proposal.asked, proposal.picked) == ("swallow-speed", 2, 1)
    assert proposal.new_alternates == (UNSURE,)
    assert proposal.where is not None
    assert proposal.where.path.endswith("birds.yaml")

    faq_dir = tmp_path / "faq"
    shutil.copytree(mini_faq_dir, faq_dir)
    paste(proposal, faq_dir)
    edited = load_knowledge_base(faq_dir)
    assert edited.errors == ()
    result = matcher_of(edited).match(UNSURE)
    assert (result.decision, result.entry and result.entry.id) == (
        Decision.ANSWER,
        "swallow-speed",
    )


def test_a_pick_outweighs_the_matchers_own_guess(loaded: LoadResult) -> None:
    matcher = matcher_of(loaded)
    guess = matcher.match(UNSURE).candidates[0].entry.id
    other = "swallow-migration" if guess == "swallow-speed" else "swallow-speed"
    [proposal] = propose([LoggedQuestion(UNSURE, other)], matcher, loaded.phrase_positions)
    assert proposal.entry_id == other


def test_a_question_no_entry_is_close_to_is_proposed_as_a_new_entry(loaded: LoadResult) -> None:
    matcher = matcher_of(loaded)
    logged = [LoggedQuestion(UNCOVERED)] * 3
    [proposal] = propose(logged, matcher, loaded.phrase_positions)
    assert not proposal.covered
    assert (proposal.questions, proposal.asked, proposal.snippet) == ((UNCOVERED,), 3, "")


def test_small_talk_and_questions_the_faq_now_answers_are_left_out(loaded: LoadResult) -> None:
    matcher = matcher_of(loaded)
    answered = "how fast can a swallow fly"
    assert matcher.match(answered).decision is Decision.ANSWER
    logged = [LoggedQuestion("thanks!"), LoggedQuestion("hello"), LoggedQuestion(answered)]
    assert propose(logged, matcher, loaded.phrase_positions) == []


def test_proposed_alternates_are_new_quoted_and_few(loaded: LoadResult) -> None:
    matcher = matcher_of(loaded)
    typed = [f'swallow speed: "winter" #{n}' for n in range(MAX_NEW_ALTERNATES + 3)]
    # Already a phrase of the entry: nothing to add for that one.
    logged = [LoggedQuestion(t, "swallow-speed") for t in [*typed, "top speed of a swallow"]]
    [proposal] = propose(logged, matcher, loaded.phrase_positions)
    assert len(proposal.new_alternates) == MAX_NEW_ALTERNATES
    assert "top speed of a swallow" not in proposal.new_alternates
    for line in proposal.snippet.splitlines():
        assert line.startswith('      - "')  # the entry's own indentation, every item quoted


def test_a_japanese_question_is_proposed_for_the_entrys_japanese_alternates(
    tmp_path: Path,
) -> None:
    bilingual = Path(__file__).parents[1] / "data" / "bilingual-faq"
    loaded = load_knowledge_base(bilingual)
    matcher = matcher_of(loaded)
    # The matcher answers both with swallow-speed; the members said migration.
    asked = "冬のツバメの速さ"
    english = "swallow winter speed please"
    logged = [
        LoggedQuestion(asked, "swallow-migration"),
        LoggedQuestion(english, "swallow-migration"),
    ]
    proposals = propose(logged, matcher, loaded.phrase_positions)
    by_list = {p.new_alternates: p for p in proposals if p.entry_id == "swallow-migration"}
    assert set(by_list) == {(asked,), (english,)}
    faq_dir = tmp_path / "faq"
    shutil.copytree(bilingual, faq_dir)
    # Pasted from the last line up, as the line numbers refer to the file before either.
    for proposal in sorted(by_list.values(), key=lambda p: -(p.where.line if p.where else 0)):
        paste(proposal, faq_dir)
    edited = load_knowledge_base(faq_dir)
    assert edited.errors == ()
    entry = edited.knowledge_base.get("swallow-migration") if edited.knowledge_base else None
    assert entry is not None
    assert entry.ja is not None
    assert asked in entry.ja.alternates
    assert english in entry.alternates
