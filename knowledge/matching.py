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

import dataclasses
import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.embedding import Vectors
from knowledge.japanese import is_function_token
from knowledge.language import has_japanese
from knowledge.model import Entry, KnowledgeBase, SmallTalk
from knowledge.semantic import PhraseEmbeddings, SemanticIndex
from knowledge.small_talk import surface
from knowledge.text import MAX_INPUT_CHARS, normalise, strip_discord_markup, words


class Decision(enum.StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"
    # Not an FAQ question at all: a greeting, thanks, "ok", a question about the bot.
    SMALL_TALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every tunable number of the matcher, tuned on ``tests/data/eval.yaml`` only.

    The fusion weights and decision thresholds were chosen by ``bench/tune_matching.py``
    (a grid search under out-of-scope answered ≤ 2% and no small talk answered, counting a
    wrong answer as twice as bad as a did-you-mean); the typo and phrase settings by hand.
    """

    # The fused score of an entry: this much of its lexical score plus ``semantic_weight`` of
    # the cosine similarity between the question and the entry's closest phrase.
    lexical_weight: float = 0.4
    semantic_weight: float = 0.6
    # Answer outright when the best entry's fused score is at least this...
    answer: float = 0.56
    # ...and leads the runner-up by at least this much; otherwise offer choices.
    margin: float = 0.03
    # A lexical score this high means the question is one of the entry's phrases word for
    # word; it is answered even when a neighbour is close, unless the neighbour matches too.
    exact: float = 0.999
    # An outright answer needs evidence: a word of the entry's typed as written (not a typo
    # correction, not a function word), or a semantic similarity of at least this.
    semantic_evidence: float = 0.55
    # Below this nothing is relevant enough to suggest.
    suggest: float = 0.40
    # Answering a message nobody addressed to the bot (auto-answer channels) needs this much:
    # the lowest score at which no wrong, out-of-scope or small-talk message of eval.yaml is
    # answered (0.70 lets 2 through, 0.72 one); the holdout is reported, not used.
    auto_answer: float = 0.75
    # Not for matching: an answer scoring under this was given with little to spare, and
    # `faqbot report` counts such answers per entry for maintainers to review.
    review_below: float = 0.65
    # Suggestions are the top entry and those within this distance of it.
    suggest_window: float = 0.25
    max_suggestions: int = 3
    # Small talk: a message this similar to a small-talk phrase (by spelling or by meaning)...
    small_talk: float = 0.6
    # ...and at least as similar to it as to any FAQ entry (fused score, plus this) is small talk.
    small_talk_margin: float = 0.0
    # Spelling similarity (rapidfuzz ratio, 0-100) for "thnaks" to count as "thanks".
    small_talk_typo_ratio: float = 80.0
    # Weight of the best single phrase against the whole entry's coverage of the question.
    phrase_share: float = 0.7
    # How much a phrase's score depends on covering the question (vs. being covered by it).
    query_coverage_exponent: float = 0.5
    # A word the FAQ never uses weighs this share of the rarest FAQ word's weight.
    unknown_word_share: float = 0.75
    # Typo correction: minimum rapidfuzz ratio to accept a near word (short words need more).
    typo_ratio: float = 80.0
    typo_ratio_short: float = 86.0
    typo_min_length: int = 4
    # A corrected word counts for less than a word typed right.
    typo_discount: float = 0.85
    # A question written in Japanese is decided with these instead of the three above: the
    # semantic stage's model is English, so its similarities between Japanese texts are weak
    # evidence and the words must weigh more. Chosen on tests/data/eval-ja.yaml only
    # (`python -m bench.tune_matching --japanese`); its holdout is reported, not used.
    japanese_lexical_weight: float = 0.55
    japanese_answer: float = 0.60
    japanese_margin: float = 0.06

    def for_question(self, question: str) -> Thresholds:
        """The thresholds that decide ``question``: the Japanese ones for Japanese text."""
        if not has_japanese(question):
            return self
        return dataclasses.replace(
            self,
            lexical_weight=self.japanese_lexical_weight,
            semantic_weight=round(1 - self.japanese_lexical_weight, 6),
            answer=self.japanese_answer,
            margin=self.japanese_margin,
        )


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


def is_function_word(token: str) -> bool:
    """An English function word, or a Japanese token of hiragana only (particles and
    endings such as は, ですか: grammar, not what is asked about)."""
    return token in FUNCTION_WORDS or is_function_token(token)


QUESTION_WORDS = frozenset({"who", "when", "where", "why", "how", "many", "much", "whom", "whose"})
QUESTION_WORD_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: Entry
    # The fused score that ranks and decides; its two parts are kept for explanations.
    score: float
    lexical: float = 0.0
    semantic: float = 0.0


@dataclass(frozen=True, slots=True)
class MatchResult:
    question: str
    decision: Decision
    # Best first. For ANSWER the first is the answer; for SUGGEST these are the choices.
    candidates: tuple[Candidate, ...]
    # For SMALL_TALK: the kind of message it is (None only when the FAQ lists no small talk).
    small_talk: SmallTalk | None = None

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


@dataclass(frozen=True, slots=True)
class SmallTalkMatch:
    kind: SmallTalk
    # 1.0 for a message listed word for word; otherwise the better of spelling similarity
    # (rapidfuzz ratio / 100) and meaning (cosine similarity) to the kind's closest phrase.
    score: float
    phrase: str


@dataclass(frozen=True, slots=True)
class Scores:
    """What the matcher measured about one question; ``Matcher.decide`` turns it into a result."""

    question: str
    # The question's words after typo correction and synonyms, with the weight of each.
    query: dict[str, float]
    corrections: dict[str, str]
    # Lexical score by entry index, for entries sharing a word with the question.
    lexical: dict[int, float]
    # Cosine similarity of each entry's closest phrase, by entry index (None: lexical only).
    semantic: Vectors | None
    small_talk: SmallTalkMatch | None
    # No words at all ("?", "🤔"): never an FAQ question.
    wordless: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything that went into one decision, for ``faqbot ask --explain`` and evaluation."""

    result: MatchResult
    # The best entries by fused score, with their lexical and semantic parts, best first.
    ranked: tuple[Candidate, ...]
    # Words as the matcher read them, after typo correction and synonyms.
    words: tuple[str, ...]
    corrections: dict[str, str] = field(default_factory=dict)
    # The top entry's words that the question typed as written (its lexical evidence).
    evidence: tuple[str, ...] = ()
    small_talk: SmallTalkMatch | None = None
    reason: str = ""


class Matcher:
    """An index over one KnowledgeBase; build once per FAQ version, then query freely.

    With ``embeddings`` the matcher is hybrid: each entry's lexical score is fused with the
    semantic similarity of its closest phrase. Without, it is lexical only, which the
    application never uses; benchmarks and ``faqbot eval --lexical-only`` compare the two.
    """

    def __init__(
        self,
        knowledge_base: KnowledgeBase,
        thresholds: Thresholds = THRESHOLDS,
        embeddings: PhraseEmbeddings | None = None,
    ) -> None:
        self.knowledge_base = knowledge_base
        self.thresholds = thresholds
        self._entries = knowledge_base.entries
        self._synonyms = _SynonymFolder(knowledge_base.vocabulary.synonym_groups)
        self._build_lexical_index(thresholds)
        self._build_small_talk(knowledge_base.small_talk)
        self._embeddings = embeddings
        self._semantic: SemanticIndex | None = None
        self._small_talk_semantic: SemanticIndex | None = None
        if embeddings is not None:
            self._build_semantic_index(embeddings)

    @property
    def hybrid(self) -> bool:
        return self._semantic is not None

    # ---- building -----------------------------------------------------------------------

    def _build_lexical_index(self, thresholds: Thresholds) -> None:
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
        # An unknown word is a signal that the question is about something else, as strong
        # as the rarest FAQ word at share 1.0; names and dates in an on-topic question are
        # why it may be less.
        self._unknown_weight = math.log(1 + count) * thresholds.unknown_word_share

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
            if len(w) >= thresholds.typo_min_length and not is_function_word(w):
                self._correctable[w[0]].append(w)
        self._known_words = surface_words
        self._questions = [normalise(e.question) for e in self._entries]
        self._position = {e.id: i for i, e in enumerate(self._entries)}

    def _build_small_talk(self, kinds: Sequence[SmallTalk]) -> None:
        self._small_talk_kinds = tuple(kinds)
        self._small_talk_by_surface: dict[str, tuple[SmallTalk, str]] = {}
        self._small_talk_surfaces: list[str] = []
        self._small_talk_owners: list[SmallTalk] = []
        for kind in kinds:
            for phrase in kind.phrases:
                key = surface(phrase)
                self._small_talk_by_surface.setdefault(key, (kind, phrase))
                self._small_talk_surfaces.append(key)
                self._small_talk_owners.append(kind)
        self._help_kind = next((k for k in kinds if k.shows_help), None)

    def _build_semantic_index(self, embeddings: PhraseEmbeddings) -> None:
        entry_phrases = [(i, p) for i, e in enumerate(self._entries) for p in e.phrases]
        talk_phrases = [(i, p) for i, k in enumerate(self._small_talk_kinds) for p in k.phrases]
        # One call, so the cache keeps both sets of phrases (it keeps the latest call's).
        vectors = embeddings.vectors([p for _, p in entry_phrases] + [p for _, p in talk_phrases])
        split = len(entry_phrases)
        self._semantic = SemanticIndex(
            vectors[:split], [i for i, _ in entry_phrases], len(self._entries)
        )
        self._small_talk_semantic = SemanticIndex(
            vectors[split:], [i for i, _ in talk_phrases], len(self._small_talk_kinds)
        )

    # ---- lexical scoring ----------------------------------------------------------------

    def _weight(self, token: str) -> float:
        if is_function_word(token):
            return FUNCTION_WORD_WEIGHT
        if token in QUESTION_WORDS:
            return QUESTION_WORD_WEIGHT
        return self._idf.get(token, self._unknown_weight)

    def _query_weights(self, question: str) -> tuple[dict[str, float], dict[str, str]]:
        """Each distinct query token with the weight it contributes when matched, and the
        typo corrections made (typed word -> FAQ word)."""
        corrected: list[str] = []
        corrections: dict[str, str] = {}
        for token in words(question):
            if (
                token in self._known_words
                or is_function_word(token)
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
                corrections[token] = hit[0]
        fixed = set(corrections.values())
        typed = set(corrected) - fixed
        weights: dict[str, float] = {}
        for token in self._synonyms.fold(corrected):
            discount = self.thresholds.typo_discount if token in fixed - typed else 1.0
            weights.setdefault(token, self._weight(token) * discount)
        return weights, corrections

    def _best_possible_lexical(self, query: dict[str, float]) -> float:
        """An upper bound on any entry's lexical score: every FAQ word of the question matched."""
        total = sum(query.values())
        if total <= 0:
            return 0.0
        known = sum(w for t, w in query.items() if t in self._phrase_postings) / total
        share = self.thresholds.phrase_share
        bound: float = share * known**self.thresholds.query_coverage_exponent
        return bound + (1 - share) * known

    def _lexical_scores(self, query: dict[str, float]) -> dict[int, float]:
        """Lexical score of every entry sharing a word with the question, by entry index."""
        total = sum(query.values())
        if total <= 0:
            return {}
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
        return {
            index: share * phrase_score + (1 - share) * matched_in_entry[index] / total
            for index, phrase_score in best_phrase.items()
        }

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

    # ---- deciding -----------------------------------------------------------------------

    def rank(self, question: str, limit: int = 10) -> list[Candidate]:
        """Entries in order of how well they answer ``question``, best first."""
        return list(self.explain(question, limit).ranked)

    def match(self, question: str) -> MatchResult:
        return self.explain(question).result

    def explain(self, question: str, limit: int = 10) -> Explanation:
        """The decision for ``question`` with everything that went into it.

        ``match`` and ``rank`` are this, so what ``faqbot ask --explain`` shows is exactly
        what the bot does.
        """
        return self.decide(self.score(question), limit=limit)

    def score(self, question: str) -> Scores:
        """Everything measured about ``question``, before any threshold decides.

        Fusion weights and decision thresholds apply in ``decide``, so tuning can score each
        question once and try many thresholds.
        """
        query, corrections = self._query_weights(question)
        if not normalise(question):
            return Scores(question, query, corrections, {}, None, self._wordless(question), True)
        vector = self._question_vector(question)
        semantic = None
        if self._semantic is not None and vector is not None:
            semantic = self._semantic.best_by_owner(vector)
        # Scoring words is the slow part in a large FAQ; it is skipped when even a perfect
        # lexical score could not lift any entry to a suggestion under this matcher's weights
        # (``decide`` with other weights then reads those lexical scores as 0).
        t = self.thresholds.for_question(question)
        best_semantic = float(semantic.max()) if semantic is not None and len(semantic) else 0.0
        bound = self._best_possible_lexical(query)
        if semantic is not None:
            bound = t.lexical_weight * bound + t.semantic_weight * best_semantic
        lexical = self._lexical_scores(query) if bound >= t.suggest else {}
        talk = self._small_talk_match(question, vector)
        return Scores(question, query, corrections, lexical, semantic, talk, False)

    def decide(
        self, scores: Scores, thresholds: Thresholds | None = None, limit: int = 10
    ) -> Explanation:
        t = (thresholds or self.thresholds).for_question(scores.question)
        question, talk = scores.question, scores.small_talk
        folded = tuple(scores.query)
        if scores.wordless:
            if talk is None:
                result = MatchResult(question, Decision.NONE, ())
                return Explanation(result, (), folded, reason="the message has no words")
            reason = "listed small talk" if talk.phrase else "the message has no words: help"
            result = MatchResult(question, Decision.SMALL_TALK, (), talk.kind)
            return Explanation(result, (), folded, small_talk=talk, reason=reason)
        ranked = self._fused_ranking(scores, t, max(limit, t.max_suggestions + 1))
        top = ranked[0] if ranked else None
        top_score = top.score if top else 0.0
        evidence = self._evidence(scores.query, scores.corrections, top) if top else ()

        def explained(
            decision: Decision, candidates: Sequence[Candidate], reason: str
        ) -> Explanation:
            result = MatchResult(
                question,
                decision,
                tuple(candidates),
                talk.kind if decision is Decision.SMALL_TALK and talk else None,
            )
            return Explanation(
                result, tuple(ranked[:limit]), folded, scores.corrections, evidence, talk, reason
            )

        if (
            talk is not None
            and talk.score >= t.small_talk
            and talk.score >= top_score + t.small_talk_margin
        ):
            return explained(
                Decision.SMALL_TALK,
                (),
                f"small talk '{talk.kind.id}' ({talk.score:.2f}) is at least as close as "
                f"the best entry ({top_score:.2f})",
            )
        if top is None or top_score < t.suggest:
            return explained(
                Decision.NONE,
                ranked[: t.max_suggestions],
                f"best score {top_score:.2f} is below the suggestion threshold {t.suggest}",
            )
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        runner_up_lexical = ranked[1].lexical if len(ranked) > 1 else 0.0
        if top.lexical >= t.exact > runner_up_lexical:
            return explained(
                Decision.ANSWER, ranked[: t.max_suggestions], "the question is one of its phrases"
            )
        grounded = bool(evidence) or top.semantic >= t.semantic_evidence
        if top_score >= t.answer and top_score - runner_up >= t.margin and grounded:
            return explained(
                Decision.ANSWER,
                ranked[: t.max_suggestions],
                f"score {top_score:.2f} ≥ {t.answer} and lead {top_score - runner_up:.2f} "
                f"≥ {t.margin}",
            )
        choices = [
            c
            for c in ranked[: t.max_suggestions]
            if c.score >= t.suggest and top_score - c.score <= t.suggest_window
        ]
        if top_score < t.answer:
            why = f"score {top_score:.2f} is below the answer threshold {t.answer}"
        elif not grounded:
            why = (
                "no word of the entry was typed as written and meaning alone "
                f"({top.semantic:.2f}) is below {t.semantic_evidence}"
            )
        else:
            why = f"lead {top_score - runner_up:.2f} over the runner-up is below {t.margin}"
        return explained(Decision.SUGGEST, choices, why)

    def _wordless(self, question: str) -> SmallTalkMatch | None:
        """A message with no words ("?", "🤔"): listed small talk, or else the help text."""
        listed = self._listed_small_talk(surface(question))
        if listed is not None:
            return listed
        return SmallTalkMatch(self._help_kind, 1.0, "") if self._help_kind else None

    def _listed_small_talk(self, key: str) -> SmallTalkMatch | None:
        """The kind whose phrase list holds this message (by ``surface``) word for word."""
        listed = self._small_talk_by_surface.get(key)
        return SmallTalkMatch(listed[0], 1.0, listed[1]) if listed is not None else None

    def _question_vector(self, question: str) -> Vectors | None:
        if self._embeddings is None:
            return None
        return self._embeddings.query(strip_discord_markup(question[:MAX_INPUT_CHARS]).strip())

    def _fused_ranking(self, scores: Scores, t: Thresholds, limit: int) -> list[Candidate]:
        lexical, semantic = scores.lexical, scores.semantic
        if semantic is None:
            best = sorted(lexical.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
            return [Candidate(self._entries[i], round(s, 4), round(s, 4)) for i, s in best]
        fused = semantic * t.semantic_weight
        for index, score in lexical.items():
            fused[index] += t.lexical_weight * score
        count = min(limit, len(fused))
        if count == 0:
            return []
        top = np.argpartition(-fused, count - 1)[:count]
        # Ties resolve by FAQ order, so the same question always gets the same answer.
        order: list[int] = sorted(top.tolist(), key=lambda i: (-round(float(fused[i]), 6), i))
        return [
            Candidate(
                self._entries[i],
                round(float(fused[i]), 4),
                round(lexical.get(i, 0.0), 4),
                round(float(semantic[i]), 4),
            )
            for i in order
        ]

    def _evidence(
        self, query: dict[str, float], corrections: dict[str, str], top: Candidate
    ) -> tuple[str, ...]:
        """Content words of the question, typed as written, that the top entry uses."""
        corrected = set(corrections.values())
        tokens = self._entry_tokens[self._position[top.entry.id]]
        return tuple(
            token
            for token in query
            if token in tokens
            and not is_function_word(token)
            and token not in QUESTION_WORDS
            and token not in corrected
        )

    def _small_talk_match(self, question: str, vector: Vectors | None) -> SmallTalkMatch | None:
        if not self._small_talk_owners:
            return None
        key = surface(question)
        best = self._listed_small_talk(key)
        if best is not None:
            return best
        hit = process.extractOne(
            key,
            self._small_talk_surfaces,
            scorer=fuzz.ratio,
            score_cutoff=self.thresholds.small_talk_typo_ratio,
        )
        if hit is not None:
            index = hit[2]
            kind = self._small_talk_owners[index]
            best = SmallTalkMatch(kind, hit[1] / 100, self._small_talk_surfaces[index])
        # By meaning only for text the model reads: it is an English model, and its vectors
        # of any two Japanese texts are close, so by meaning a Japanese question resembles
        # 「ありがとう」 as much as anything (11 of eval-ja.yaml's 130 questions were taken for
        # small talk). Japanese small talk is recognised by its spelling.
        if (
            vector is not None
            and self._small_talk_semantic is not None
            and not has_japanese(question)
        ):
            scores = self._small_talk_semantic.best_by_owner(vector)
            index = int(scores.argmax())
            if best is None or scores[index] > best.score:
                best = SmallTalkMatch(
                    self._small_talk_kinds[index], round(float(scores[index]), 4), ""
                )
        return best

    # ---- autocomplete -------------------------------------------------------------------

    def autocomplete(self, partial: str, limit: int = 25) -> list[Entry]:
        """Entries whose question should be offered while someone is still typing.

        Lexical only: it runs on every keystroke, and a half-typed question has no meaning
        yet for the semantic stage to find.
        """
        typed = normalise(partial)
        if not typed:
            return self._default_choices(limit)
        scores: dict[int, float] = {}
        lexical = self._lexical_scores(self._query_weights(partial)[0])
        for index, score in sorted(lexical.items(), key=lambda p: (-p[1], p[0]))[:limit]:
            scores[index] = score
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
