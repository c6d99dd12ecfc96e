"""Match a free-text question to FAQ entries: answer, suggest, or admit it isn't covered.

How a question is scored (the README's "How matching works" has the measurements behind it):

1. Words are normalised (``knowledge.text``); a word the FAQ never uses is corrected to the
   closest FAQ word when rapidfuzz finds a near-identical one ("tsubam" -> "tsubame"); then
   synonyms and acronyms from the FAQ's ``_vocabulary.yaml`` are folded to one form.
2. Each word weighs what it tells: its inverse document frequency over entries, so
   "tsubame" outweighs "japan"; function words weigh almost nothing, and a word the FAQ
   never uses weighs as much as the rarest FAQ word, because it is evidence that the
   question is about something else ("weather in tokyo").
3. A phrase (an entry's question or an alternate) scores high when it explains most of the
   question's weight *and* most of its own weight is in the question; an entry takes its
   best phrase, blended with how much of the question all its phrases explain together.
4. The top score and its lead over the runner-up decide: answer, suggest up to three, or none.

Nothing here names an entry or a topic: only the FAQ data drives the scores.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.model import Entry, KnowledgeBase
from knowledge.text import normalise, words


class Decision(enum.StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every tunable number of the matcher, tuned on ``tests/data/eval.yaml`` only."""

    # Answer outright when the best entry scores at least this...
    answer: float = 0.55
    # ...and leads the runner-up by at least this much; otherwise offer choices.
    margin: float = 0.06
    # A score this high means the question is one of the entry's phrases word for word; it is
    # answered even when a neighbour is close, unless the neighbour matches exactly too.
    exact: float = 0.999
    # Below this nothing is relevant enough to suggest.
    suggest: float = 0.40
    # Suggestions are the top entry and those within this distance of it.
    suggest_window: float = 0.25
    max_suggestions: int = 3
    # Weight of the best single phrase against the whole entry's coverage of the question.
    phrase_share: float = 0.7
    # How much a phrase's score depends on covering the question (vs. being covered by it).
    query_coverage_exponent: float = 0.5
    # Typo correction: minimum rapidfuzz ratio to accept a near word (short words need more).
    typo_ratio: float = 80.0
    typo_ratio_short: float = 86.0
    typo_min_length: int = 4
    # A corrected word counts for less than a word typed right.
    typo_discount: float = 0.85


THRESHOLDS = Thresholds()

# Words that say nothing about which entry is meant. Question words are not here: "who",
# "when" and "how many" separate "who funds X" from "when did X open".
FUNCTION_WORDS = frozenset(
    """a an the of to in on at for from by with about into as and or but if then than so
    is are was were be been being am do doe does did done has have had having will would
    can could should shall may might must i me my we our you your it its this that these
    those there their they them he she his her what which whats s tell explain know please
    any some just also really ever us pls plz""".split()
)
FUNCTION_WORD_WEIGHT = 0.1
QUESTION_WORDS = frozenset({"who", "when", "where", "why", "how", "many", "much", "whom", "whose"})
QUESTION_WORD_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    question: str
    decision: Decision
    # Best first. For ANSWER the first is the answer; for SUGGEST these are the choices.
    candidates: tuple[Candidate, ...]

    @property
    def entry(self) -> Entry | None:
        return self.candidates[0].entry if self.decision is Decision.ANSWER else None

    @property
    def score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


@dataclass(frozen=True, slots=True)
class _Phrase:
    entry_index: int
    tokens: frozenset[str]
    weight: float


class _SynonymFolder:
    """Rewrites word sequences so every synonym or acronym reads as its canonical form.

    Groups apply in file order, and each group's forms are stored as the earlier groups
    leave them, so spelling groups listed first ("cyber security" -> "cybersecurity")
    also normalise the phrases of later groups. Folding repeats until nothing changes.
    """

    _MAX_PASSES = 4

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self._forms: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._longest = 0
        for group in groups:
            canonical = tuple(self.fold(words(group[0])))
            for form in group[1:]:
                folded = tuple(self.fold(words(form)))
                if folded and folded != canonical:
                    self._forms[folded] = canonical
                    self._longest = max(self._longest, len(folded))

    @property
    def words(self) -> set[str]:
        return {w for form in self._forms for w in form} | {
            w for canonical in self._forms.values() for w in canonical
        }

    def fold(self, tokens: Sequence[str]) -> list[str]:
        current = list(tokens)
        for _ in range(self._MAX_PASSES):
            folded = self._fold_once(current)
            if folded == current:
                break
            current = folded
        return current

    def _fold_once(self, tokens: Sequence[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._longest, len(tokens) - i), 0, -1):
                canonical = self._forms.get(tuple(tokens[i : i + size]))
                if canonical is not None:
                    out.extend(canonical)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


class Matcher:
    """An index over one KnowledgeBase; build once per FAQ version, then query freely."""

    def __init__(self, knowledge_base: KnowledgeBase, thresholds: Thresholds = THRESHOLDS) -> None:
        self.knowledge_base = knowledge_base
        self.thresholds = thresholds
        self._entries = knowledge_base.entries
        self._synonyms = _SynonymFolder(knowledge_base.vocabulary.synonym_groups)

        phrase_tokens: list[tuple[int, list[str]]] = []
        surface_words: set[str] = set(self._synonyms.words)
        for index, entry in enumerate(self._entries):
            for phrase in entry.phrases:
                raw = words(phrase)
                surface_words.update(raw)
                phrase_tokens.append((index, self._synonyms.fold(raw)))

        entry_tokens: list[set[str]] = [set() for _ in self._entries]
        for index, folded in phrase_tokens:
            entry_tokens[index].update(folded)
        document_frequency: dict[str, int] = defaultdict(int)
        for entry_words in entry_tokens:
            for token in entry_words:
                document_frequency[token] += 1
        count = max(len(self._entries), 1)
        self._idf = {t: math.log(1 + count / df) for t, df in document_frequency.items()}
        # An unknown word is as strong a signal as the rarest word the FAQ has.
        self._unknown_weight = math.log(1 + count)

        self._phrases: list[_Phrase] = []
        self._phrase_postings: dict[str, list[int]] = defaultdict(list)
        for index, folded in phrase_tokens:
            unique = frozenset(folded)
            for token in unique:
                self._phrase_postings[token].append(len(self._phrases))
            self._phrases.append(_Phrase(index, unique, sum(self._weight(t) for t in unique)))
        self._entry_tokens = [frozenset(tokens) for tokens in entry_tokens]
        # A word in more phrases than this is "common" (see _matched_weight_by_phrase). Small FAQs
        # never reach it, so there every phrase sharing any word with the question is scored.
        self._selective_posting = max(500, len(self._phrases) // 50)
        self._common_postings = {
            token: frozenset(posting)
            for token, posting in self._phrase_postings.items()
            if len(posting) > self._selective_posting
        }

        # Typo correction only looks at words worth correcting to, grouped by first letter
        # (see _query_weights for why the first letter must match).
        self._correctable: dict[str, list[str]] = defaultdict(list)
        for w in sorted(surface_words):
            if len(w) >= thresholds.typo_min_length and w not in FUNCTION_WORDS:
                self._correctable[w[0]].append(w)
        self._known_words = surface_words
        self._questions = [normalise(e.question) for e in self._entries]
        self._position = {e.id: i for i, e in enumerate(self._entries)}

    def _weight(self, token: str) -> float:
        if token in FUNCTION_WORDS:
            return FUNCTION_WORD_WEIGHT
        if token in QUESTION_WORDS:
            return QUESTION_WORD_WEIGHT
        return self._idf.get(token, self._unknown_weight)

    def _query_weights(self, question: str) -> dict[str, float]:
        """Each distinct query token with the weight it contributes when matched."""
        corrected: list[str] = []
        discounts: dict[str, float] = {}
        for token in words(question):
            if (
                token in self._known_words
                or token in FUNCTION_WORDS
                or len(token) < self.thresholds.typo_min_length
                or token.isdigit()
            ):
                corrected.append(token)
                continue
            t = self.thresholds
            cutoff = t.typo_ratio if len(token) > 5 else t.typo_ratio_short
            # People rarely mistype a word's first letter, while a different first letter
            # is often a different word ("apcert" is not "jpcert"): require it to match.
            hit = process.extractOne(
                token, self._correctable.get(token[0], ()), scorer=fuzz.ratio, score_cutoff=cutoff
            )
            if hit is None:
                corrected.append(token)
            else:
                corrected.append(hit[0])
                discounts[hit[0]] = self.thresholds.typo_discount
        weights: dict[str, float] = {}
        for token in self._synonyms.fold(corrected):
            weights.setdefault(token, self._weight(token) * discounts.get(token, 1.0))
        return weights

    def rank(self, question: str, limit: int = 10) -> list[Candidate]:
        """Entries in order of how well they answer ``question``, best first."""
        return self._rank(self._query_weights(question), limit)

    def _best_possible_score(self, query: dict[str, float]) -> float:
        """An upper bound on any entry's score: every FAQ word of the question matched."""
        total = sum(query.values())
        if total <= 0:
            return 0.0
        known = sum(w for t, w in query.items() if t in self._phrase_postings) / total
        share = self.thresholds.phrase_share
        bound: float = share * known**self.thresholds.query_coverage_exponent
        return bound + (1 - share) * known

    def _rank(self, query: dict[str, float], limit: int) -> list[Candidate]:
        total = sum(query.values())
        if total <= 0:
            return []
        matched_in_phrase = self._matched_weight_by_phrase(query)
        matched_in_entry: dict[int, float] = {}
        for phrase_index in matched_in_phrase:
            entry_index = self._phrases[phrase_index].entry_index
            if entry_index not in matched_in_entry:
                tokens = self._entry_tokens[entry_index]
                matched_in_entry[entry_index] = sum(w for t, w in query.items() if t in tokens)

        exponent = self.thresholds.query_coverage_exponent
        best_phrase: dict[int, float] = defaultdict(float)
        for phrase_index, matched in matched_in_phrase.items():
            phrase = self._phrases[phrase_index]
            query_coverage = matched / total
            phrase_coverage = min(matched / phrase.weight, 1.0)
            score = query_coverage**exponent * phrase_coverage ** (1 - exponent)
            if score > best_phrase[phrase.entry_index]:
                best_phrase[phrase.entry_index] = score

        share = self.thresholds.phrase_share
        scored = [
            (share * phrase_score + (1 - share) * matched_in_entry[index] / total, index)
            for index, phrase_score in best_phrase.items()
        ]
        # Ties resolve by FAQ order, so the same question always gets the same answer.
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [Candidate(self._entries[i], round(s, 4)) for s, i in scored[:limit]]

    def _matched_weight_by_phrase(self, query: dict[str, float]) -> dict[int, float]:
        """For each candidate phrase, the summed weight of the query words it contains.

        Candidates are the phrases sharing a selective word with the question. In a large
        FAQ a common word ("japan") appears in thousands of phrases that can only score well
        if they also share a rarer word, so common words add weight to candidates but do not
        nominate them, unless the question has nothing rarer.
        """
        present = sorted(
            (t for t in query if t in self._phrase_postings),
            key=lambda t: len(self._phrase_postings[t]),
        )
        if not present:
            return {}
        cut = next(
            (
                i
                for i, t in enumerate(present)
                if len(self._phrase_postings[t]) > self._selective_posting
            ),
            len(present),
        )
        matched: dict[int, float] = defaultdict(float)
        if cut == 0:
            # Only common words: score the phrases that share the most of them, found by
            # intersecting postings from the rarest up while anything is left.
            candidates = self._common_postings[present[0]]
            for token in present[1:]:
                narrowed = candidates & self._common_postings[token]
                if not narrowed:
                    break
                candidates = narrowed
            matched.update(dict.fromkeys(candidates, 0.0))
            common = present
        else:
            common = present[cut:]
            for token in present[:cut]:
                weight = query[token]
                for phrase_index in self._phrase_postings[token]:
                    matched[phrase_index] += weight
        for token in common:
            weight = query[token]
            for phrase_index in matched:
                if token in self._phrases[phrase_index].tokens:
                    matched[phrase_index] += weight
        return matched

    def match(self, question: str) -> MatchResult:
        t = self.thresholds
        query = self._query_weights(question)
        if self._best_possible_score(query) < t.suggest:
            # Mostly words the FAQ never uses: no entry can reach a suggestion, so skip
            # scoring (in a large FAQ, scoring thousands of weak candidates is the slow case).
            return MatchResult(question, Decision.NONE, ())
        ranked = self._rank(query, limit=t.max_suggestions + 1)
        if not ranked or ranked[0].score < t.suggest:
            return MatchResult(question, Decision.NONE, tuple(ranked[: t.max_suggestions]))
        top = ranked[0].score
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        exact = top >= t.exact > runner_up
        if exact or (top >= t.answer and top - runner_up >= t.margin):
            return MatchResult(question, Decision.ANSWER, tuple(ranked[: t.max_suggestions]))
        choices = tuple(
            c
            for c in ranked[: t.max_suggestions]
            if c.score >= t.suggest and top - c.score <= t.suggest_window
        )
        return MatchResult(question, Decision.SUGGEST, choices)

    def autocomplete(self, partial: str, limit: int = 25) -> list[Entry]:
        """Entries whose question should be offered while someone is still typing."""
        typed = normalise(partial)
        if not typed:
            return self._default_choices(limit)
        scores: dict[int, float] = {}
        for candidate in self.rank(partial, limit=limit):
            scores[self._position[candidate.entry.id]] = candidate.score
        # The last word is usually half-typed ("what is tsu"): partial string similarity
        # against the questions catches what word-level ranking cannot yet see.
        last_word = typed.rsplit(" ", 1)[-1]
        for _, similarity, index in process.extract(
            typed, self._questions, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=60
        ):
            # A question with a word that starts like the half-typed one beats a question
            # that merely contains those letters mid-word ("ow": "owls", not "swallows").
            starts_a_word = any(w.startswith(last_word) for w in self._questions[index].split())
            similarity_score = similarity / 100 * 0.9 + (0.05 if starts_a_word else 0.0)
            scores[index] = max(scores.get(index, 0.0), similarity_score)
        ordered = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return [self._entries[i] for i, _ in ordered[:limit]]

    def _default_choices(self, limit: int) -> list[Entry]:
        """Before anything is typed: the first questions of each topic, taking turns."""
        by_topic = [self.knowledge_base.entries_in(t) for t in self.knowledge_base.topics]
        chosen: list[Entry] = []
        for depth in range(max((len(e) for e in by_topic), default=0)):
            for entries in by_topic:
                if depth < len(entries) and len(chosen) < limit:
                    chosen.append(entries[depth])
        return chosen
