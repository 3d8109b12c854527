"""The offline summarizer: picks, compresses and fact-checks the article's own sentences."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from digests.errors import SummaryError
from digests.records import Briefing, SummaryInput
from digests.summarize.compress import (
    compress,
    cut_to_words,
    ensure_period,
    strip_dateline,
    strip_parentheticals,
)
from digests.summarize.facts import check_facts
from digests.summarize.sentences import (
    content_terms,
    normalize_space,
    split_run_ons,
    split_sentences,
    word_count,
)

HEADLINE_MAX_CHARS = 120
SUMMARY_MAX_WORDS = 60
SUMMARY_MAX_SENTENCES = 3
FACT_MAX_WORDS = 30
FACTS_MIN = 2
FACTS_MAX = 5
WHY_MAX_WORDS = 35
# Two sentences this similar say the same thing twice (a caption restating the lead).
DUPLICATE_SIMILARITY = 0.8

_JUNK_RE = re.compile(
    r"scroll down|click here|read more|sign up|follow (?:us|@)|published:|updated:|"
    r"all rights reserved|subscribe|newsletter|visit site|buy now|shop now|^by \.|^photo:|"
    r"^image:|^video:|^watch:",
    re.IGNORECASE,
)
_QUOTE_START_RE = re.compile(r"^[\"“‘'«]")
_FIRST_PERSON_RE = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|we|We|my|our|me|us)\b")
# Contractions belong to speech: "It’s a fantastic opportunity." is a quote whose marks were
# on an earlier sentence.
_SPOKEN_RE = re.compile(
    r"\b(?:it|that|there|what|you|they|he|she)['’](?:s|re|ve|ll|d)\b|n['’]t\b", re.IGNORECASE
)
# Reported speech ("He said: 'It is...") makes a poor stand-alone fact.
_SPEECH_RE = re.compile(r":\s*[\"“‘']|[\"“”]|\s'[A-Z]")
_NUMBER_RE = re.compile(r"\d[\d,.]*")
_NAME_RE = re.compile(r"(?<=\s)[A-Z][a-z]+|(?<=\s)[A-Z]{2,}")
_WHY_CUE_RE = re.compile(
    r"\b(?:means?|meaning|could|will affect|affects?|because|expected to|impact(?:s|ed)?|"
    r"likely to|set to|would mean|consequences?|threatens?|risks?)\b",
    re.IGNORECASE,
)
_NEGATED_CUE_RE = re.compile(r"\bcould(?:n't|n’t| not)\b", re.IGNORECASE)
_SITE_SUFFIX_RE = re.compile(r"\s+\|\s+[^|]{1,40}$")
_TAG_RE = re.compile(r"<[^>]{0,200}>")


@dataclass(frozen=True, slots=True)
class ScoringWeights:
    """How much each signal counts when ranking sentences; tuned on the summary evaluation."""

    position: float = 5.0
    position_decay: float = 1.0
    centrality: float = 2.0
    title: float = 0.5
    density: float = 0.1
    short_words: int = 12
    short_penalty: float = 0.5
    long_words: int = 40
    long_penalty: float = 0.3
    quote_penalty: float = 0.35
    redundancy: float = 0.5
    fact_words: int = FACT_MAX_WORDS
    # A third lead sentence joins the summary only while the summary stays this short...
    summary_words: int = 55
    # ...and key facts past the first two only while the whole briefing stays this short:
    # the briefing should read like a paragraph, not like the article's opening cut longer.
    briefing_words: int = 90


@dataclass(frozen=True, slots=True)
class _Sentence:
    index: int
    text: str
    words: int
    vector: dict[str, float]
    norm: float
    quoted: bool
    anchors: int


def _cosine(a: dict[str, float], a_norm: float, b: dict[str, float], b_norm: float) -> float:
    if not a_norm or not b_norm:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items()) / (a_norm * b_norm)


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values()))


def clean_headline(title: str) -> str:
    """A title without markup, site suffix or runs of spaces, cut to the headline limit."""
    text = normalize_space(_SITE_SUFFIX_RE.sub("", _TAG_RE.sub("", title)).replace("\n", " "))
    return truncate_chars(text, HEADLINE_MAX_CHARS)


def truncate_chars(text: str, limit: int) -> str:
    """Cut text to ``limit`` characters at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–—-")
    return head + "…"


def _headline_from(sentence: str) -> str:
    text = strip_parentheticals(strip_dateline(sentence))
    text = cut_to_words(text, 18, min_words=4) or text
    return truncate_chars(text.rstrip(". "), HEADLINE_MAX_CHARS)


def _is_junk(text: str) -> bool:
    return bool(_JUNK_RE.search(text)) or word_count(text) < 4


def _anchor_count(text: str) -> int:
    """How many numbers and capitalised words a sentence holds: its who/how-many density."""
    return len(_NUMBER_RE.findall(text)) + len(_NAME_RE.findall(text))


class ExtractiveSummarizer:
    """Deterministic offline summarizer; needs no network and no model weights."""

    name = "extractive"

    def __init__(self, weights: ScoringWeights | None = None) -> None:
        self.weights = weights or ScoringWeights()

    async def summarize(self, item: SummaryInput) -> Briefing:
        """Summarize one story; raises ``SummaryError`` only when there is no text."""
        return self.summarize_sync(item)

    def summarize_sync(self, item: SummaryInput) -> Briefing:
        """Summarize one story without awaiting anything (the work is pure CPU)."""
        raw = [p for s in split_sentences(item.text) for p in split_run_ons(s) if p.strip()]
        if not raw:
            raise SummaryError("cannot summarize an empty text")
        raw[0] = strip_dateline(raw[0])
        sentences = self._prepare(raw)
        title_terms = content_terms(item.title)
        scores = self._scores(sentences, title_terms)

        headline = clean_headline(item.title) if item.title.strip() else ""
        if not headline:
            headline = _headline_from(raw[0])

        summary_ids, summary_parts = self._pick_summary(sentences, scores)
        fact_picks = self._pick_facts(
            sentences, scores, summary_ids, sum(word_count(p) for p in summary_parts)
        )
        key_facts, dropped = check_facts([text for _, text in fact_picks], item.text)
        used = set(summary_ids) | {index for index, _ in fact_picks}
        why = self._pick_why(sentences, scores, used)
        return Briefing(
            headline=headline,
            summary=" ".join(summary_parts),
            key_facts=key_facts,
            why_it_matters=why,
            summarizer="extractive",
            dropped_facts=dropped,
        )

    def _prepare(self, raw: Sequence[str]) -> list[_Sentence]:
        term_lists = [content_terms(s) for s in raw]
        df: Counter[str] = Counter()
        for terms in term_lists:
            df.update(set(terms))
        n = len(raw)
        idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
        prepared: list[_Sentence] = []
        for index, (text, terms) in enumerate(zip(raw, term_lists, strict=True)):
            vector = {t: c * idf[t] for t, c in Counter(terms).items()}
            prepared.append(
                _Sentence(
                    index=index,
                    text=text,
                    words=word_count(text),
                    vector=vector,
                    norm=_norm(vector),
                    quoted=bool(
                        _QUOTE_START_RE.match(text) or "“" in text or _FIRST_PERSON_RE.search(text)
                    ),
                    anchors=_anchor_count(text),
                )
            )
        return prepared

    def _scores(self, sentences: Sequence[_Sentence], title_terms: Sequence[str]) -> list[float]:
        w = self.weights
        doc_vector: dict[str, float] = {}
        for sentence in sentences:
            for term, weight in sentence.vector.items():
                doc_vector[term] = doc_vector.get(term, 0.0) + weight
        doc_norm = _norm(doc_vector)
        title_vector = {t: 1.0 for t in title_terms}
        title_norm = _norm(title_vector)
        scores: list[float] = []
        for sentence in sentences:
            if _is_junk(sentence.text):
                scores.append(-1.0)
                continue
            position = 1.0 / (1.0 + w.position_decay * sentence.index)
            centrality = _cosine(sentence.vector, sentence.norm, doc_vector, doc_norm)
            title = _cosine(sentence.vector, sentence.norm, title_vector, title_norm)
            density = min(1.0, sentence.anchors / max(4.0, sentence.words / 4))
            score = (
                w.position * position
                + w.centrality * centrality
                + w.title * title
                + w.density * density
                - w.short_penalty * max(0.0, 1.0 - sentence.words / w.short_words)
                - w.long_penalty * max(0.0, sentence.words / w.long_words - 1.0)
            )
            if sentence.quoted or sentence.text.rstrip("\"'”’").endswith("?"):
                score -= w.quote_penalty
            scores.append(score)
        return scores

    def _redundancy(self, sentence: _Sentence, chosen: Sequence[_Sentence]) -> float:
        return max(
            (_cosine(sentence.vector, sentence.norm, c.vector, c.norm) for c in chosen),
            default=0.0,
        )

    def _pick_summary(
        self, sentences: Sequence[_Sentence], scores: Sequence[float]
    ) -> tuple[list[int], list[str]]:
        """The article's opening statements, compressed: two, or three while they stay short.

        News puts its main claim first, so the summary follows the lead rather than the
        scores; scores only rule out junk, and quotes are skipped as they rarely stand alone.
        """
        chosen: list[tuple[int, str]] = []
        picked: list[_Sentence] = []
        total = 0
        for sentence in sentences:
            if len(chosen) == SUMMARY_MAX_SENTENCES or SUMMARY_MAX_WORDS - total < 6:
                break
            if scores[sentence.index] < 0 or sentence.quoted or _SPOKEN_RE.search(sentence.text):
                continue
            if self._redundancy(sentence, picked) > DUPLICATE_SIMILARITY:
                continue
            text = cut_to_words(compress(sentence.text), SUMMARY_MAX_WORDS - total)
            if text is None:
                continue
            words = word_count(text)
            if len(chosen) >= 2 and total + words > self.weights.summary_words:
                break
            chosen.append((sentence.index, text))
            picked.append(sentence)
            total += words
        if not chosen:
            first = sentences[0]
            words_list = compress(first.text).split()[:SUMMARY_MAX_WORDS]
            chosen.append((first.index, ensure_period(" ".join(words_list))))
        return [index for index, _ in chosen], [text for _, text in chosen]

    def _fact_text(self, sentence: _Sentence) -> str | None:
        if _is_junk(sentence.text) or sentence.quoted:
            return None
        limit = min(FACT_MAX_WORDS, self.weights.fact_words)
        text = cut_to_words(compress(sentence.text), limit)
        if text is None or word_count(text) < 5 or text.rstrip("\"'”’").endswith("?"):
            return None
        if _FIRST_PERSON_RE.search(text) or _SPEECH_RE.search(text):
            return None
        return text

    def _pick_facts(
        self,
        sentences: Sequence[_Sentence],
        scores: Sequence[float],
        summary_ids: Sequence[int],
        summary_words: int,
    ) -> list[tuple[int, str]]:
        """The best-scored sentences the summary did not use, in article order.

        Two facts always when the text has them; more only within the briefing word budget.
        A sentence too close to one already chosen would repeat it and is passed over.
        """
        w = self.weights
        chosen = [sentences[i] for i in summary_ids]
        options = sorted(
            (s for s in sentences if s.index not in summary_ids and scores[s.index] >= 0),
            key=lambda s: (-scores[s.index], s.index),
        )
        facts: list[tuple[int, str]] = []
        total = summary_words
        for sentence in options:
            if len(facts) == FACTS_MAX:
                break
            text = self._fact_text(sentence)
            if text is None or self._redundancy(sentence, chosen) > w.redundancy:
                continue
            words = word_count(text)
            if len(facts) >= FACTS_MIN and total + words > w.briefing_words:
                break
            chosen.append(sentence)
            facts.append((sentence.index, text))
            total += words
        facts.sort()
        return facts

    def _pick_why(
        self, sentences: Sequence[_Sentence], scores: Sequence[float], used: set[int]
    ) -> str | None:
        best: tuple[float, str] | None = None
        for sentence in sentences:
            if sentence.index in used or sentence.quoted or _is_junk(sentence.text):
                continue
            if not _WHY_CUE_RE.search(sentence.text) or _NEGATED_CUE_RE.search(sentence.text):
                continue
            text = cut_to_words(compress(sentence.text), WHY_MAX_WORDS)
            if text is None or _FIRST_PERSON_RE.search(text) or not _WHY_CUE_RE.search(text):
                continue
            if best is None or scores[sentence.index] > best[0]:
                best = (scores[sentence.index], text)
        return best[1] if best else None
