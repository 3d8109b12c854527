"""How alike two reports are, by each clustering method: signatures and pair scores."""

from __future__ import annotations

import operator
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

from digests.event_features import (
    EventFeatures,
    event_features,
    headline_figures_conflict,
    kinds_differ,
    one_series,
    shared_headline_words,
)
from digests.event_features import shared_marks as _shared_marks
from digests.records import Article
from digests.term_vectors import PackedVector, pack, packed_cosine, term_weights, whole_vector
from digests.text import truncate_words

# Raw cosines of distinct events that share a subject (the same club, regulator, planemaker)
# reach ~0.45, same-event reports by different outlets start near 0.6; raising the cosine to
# this power puts that gap at 0.3, the configured default threshold.
CALIBRATION_EXPONENT = 1.5

# "lexical": shared words alone. "features" (the default): shared words, names and figures
# (which carry across languages), headline figures and time apart. "embedding": the features
# method with a sentence-embedding model's similarity as a second source of evidence.
ClusterMethod = Literal["lexical", "features", "embedding"]
DEFAULT_METHOD: ClusterMethod = "features"
# Reports of one event come within hours of each other; past this the evidence needed grows,
# doubling with every further TIME_HALF_LIFE_HOURS (a fire a day later is another fire).
TIME_GRACE_HOURS = 6.0
TIME_HALF_LIFE_HOURS = 12.0
# Shared names and figures stand in for shared words (another language, a paraphrase) only
# when the reports share a distinctive figure and at least two names; the share of marks
# shared is then scaled onto the threshold's scale.
MIN_SHARED_NAMES = 2
MARKS_SCALE = 0.7
# A headline says what the event is: when two share fewer words than this (one name, say
# "Trump"), alike leads ("the President of the United States, Donald Trump, ...") count only
# at this share, so shared words must be twice as strong or the marks above must agree.
MIN_HEADLINE_WORDS = 2
WEAK_HEADLINE_SHARE = 0.5


class Embedder(Protocol):
    """Turns texts into unit-length vectors whose dot product is their similarity."""

    def embed(self, texts: Sequence[str]) -> list[array[float]]: ...


@dataclass(frozen=True, slots=True)
class ArticleSignature:
    """What clustering keeps of an indexed article: its packed vector and event marks."""

    vector: PackedVector
    when: float
    features: EventFeatures | None = None
    embedding: array[float] | None = None


class Query(NamedTuple):
    """An article being placed: its whole term vector and its signature."""

    vector: dict[str, float]
    signature: ArticleSignature


def embedding_text(article: Article) -> str:
    """What the embedding model reads of an article: its headline and the start of its lead."""
    lead = truncate_words(article.text, 60, marker="", trim="")
    return f"{article.title}. {lead}"


def article_signature(
    article: Article,
    *,
    method: ClusterMethod = DEFAULT_METHOD,
    embedder: Embedder | None = None,
    vector: Mapping[str, float] | None = None,
) -> ArticleSignature:
    """An article's signature for ``method`` (the embedding method needs ``embedder``)."""
    packed = pack(whole_vector(article) if vector is None else vector)
    if method == "lexical":
        return ArticleSignature(packed, moment_of(article))
    features = event_features(article.title, article.text)
    embedding = None
    if method == "embedding":
        if embedder is None:
            raise ValueError("the embedding method needs an embedder")
        embedding = embedder.embed([embedding_text(article)])[0]
    return ArticleSignature(packed, moment_of(article), features, embedding)


def make_query(article: Article, method: ClusterMethod, embedder: Embedder | None) -> Query:
    """An article ready to be placed: its whole vector and its signature."""
    vector = whole_vector(article)
    return Query(
        vector, article_signature(article, method=method, embedder=embedder, vector=vector)
    )


def text_query(title: str, text: str, when: float) -> Query:
    """What ``make_query`` makes by the features method of an article with this headline,
    text and moment, from those alone: so that it can be made where the text is read."""
    vector = term_weights(title, text)
    return Query(vector, ArticleSignature(pack(vector), when, event_features(title, text)))


def time_factor(hours_apart: float) -> float:
    """How much of the evidence counts at this distance in time: 1 within the grace period."""
    excess = max(0.0, hours_apart - TIME_GRACE_HOURS)
    return float(0.5 ** (excess / TIME_HALF_LIFE_HOURS))


def pair_score(query: Query, member: ArticleSignature, method: ClusterMethod) -> float:
    """How alike the article being placed is to an indexed one, 0..1, by ``method``."""
    lexical = calibrated(packed_cosine(query.vector, member.vector))
    mine = query.signature
    if method == "lexical" or mine.features is None or member.features is None:
        return lexical
    a, b = mine.features, member.features
    if a.explainer or b.explainer or kinds_differ(a, b) or one_series(a, b):
        return 0.0
    if headline_figures_conflict(a, b):
        return 0.0
    headline_words = shared_headline_words(a, b)
    evidence = lexical
    if headline_words is not None and headline_words < MIN_HEADLINE_WORDS:
        evidence *= WEAK_HEADLINE_SHARE
    if a.figures & b.figures and len(a.names & b.names) >= MIN_SHARED_NAMES:
        evidence = max(evidence, MARKS_SCALE * _shared_marks(a, b))
    # A sentence model reads some languages as noise: its similarity counts only for reports
    # that also share names or figures.
    marks = len(a.names & b.names) + len(a.figures & b.figures)
    if mine.embedding is not None and member.embedding is not None and marks >= MIN_EMBEDDING_MARKS:
        cosine_ = sum(map(operator.mul, mine.embedding, member.embedding))
        evidence = max(evidence, calibrated(cosine_) * EMBEDDING_SCALE)
    hours = abs(mine.when - member.when) / 3600
    return min(1.0, evidence * time_factor(hours))


# Embedding cosines of same-event reports sit higher than calibrated term cosines: this puts
# them on the threshold's scale.
EMBEDDING_SCALE = 0.5
MIN_EMBEDDING_MARKS = 2


def similarity(
    a: Article,
    b: Article,
    *,
    method: ClusterMethod = DEFAULT_METHOD,
    embedder: Embedder | None = None,
) -> float:
    """How alike two reports are, 0..1: high for the same event told in different words.

    Scored as clustering scores a new report against an indexed one (the earlier of the two),
    so a threshold set by this function holds for ``assign_stories``.
    """
    first, second = sorted((a, b), key=lambda x: (moment_of(x), x.id))
    member = article_signature(first, method=method, embedder=embedder)
    return pair_score(make_query(second, method, embedder), member, method)


def prepared_similarity(
    first: tuple[Article, ArticleSignature],
    second: tuple[Article, ArticleSignature],
    method: ClusterMethod,
) -> float:
    """``similarity`` of two articles whose signatures are already made (for evaluations)."""
    (a, sig_a), (b, sig_b) = sorted((first, second), key=lambda x: (moment_of(x[0]), x[0].id))
    return pair_score(Query(whole_vector(b), sig_b), sig_a, method)


def calibrated(raw_cosine: float) -> float:
    """A raw cosine mapped onto the similarity scale that thresholds are set in."""
    return float(min(1.0, max(0.0, raw_cosine)) ** CALIBRATION_EXPONENT)


def moment_of(article: Article) -> float:
    """When an article appeared, as a POSIX timestamp: published, else fetched."""
    moment = article.published or article.fetched_at
    return moment.timestamp()
