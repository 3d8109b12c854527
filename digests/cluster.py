"""Story clustering: grouping reports of the same event from different feeds."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import heapq
import math
import operator
import re
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Literal, NamedTuple, Protocol, TypeAlias

from digests.event_features import EventFeatures, event_features, headline_figures_conflict
from digests.event_features import shared_marks as _shared_marks
from digests.records import Article, Story, StoryOutline
from digests.urls import canonical_url

# How many words of the body take part: the lead carries the event, later text wanders.
LEAD_WORDS = 150
# Weight multipliers: the headline names the event; names and figures tell events apart.
TITLE_BOOST = 2.0
NAME_BOOST = 2.5
NUMBER_BOOST = 2.5
COMMON_NUMBER_BOOST = 0.7
COMMON_WORD_BOOST = 0.35
# Repeats count, but sublinearly: one name said ten times must not outweigh the rest.
TF_DAMPING = 0.5
# Raw cosines of distinct events that share a subject (the same club, regulator, planemaker)
# reach ~0.45, same-event reports by different outlets start near 0.6; raising the cosine to
# this power puts that gap at 0.3, the configured default threshold.
CALIBRATION_EXPONENT = 1.5
# Candidate search only: a term shared by this many indexed articles is too common to find
# a near-duplicate by; pairs are still scored on every term they share.
MAX_POSTINGS = 200
CANDIDATE_TERMS = 20
CANDIDATES_SCORED = 25
# Terms an indexed article keeps: the heaviest carry the event, and a clustering window of
# 100,000 articles must fit in memory (a full vector is ~150 terms). The article being placed
# is always scored with its whole vector.
INDEXED_TERMS = 48

# An indexed article's vector, packed: its heaviest terms and their weights (float32).
PackedVector: TypeAlias = "tuple[tuple[str, ...], array[float]]"

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
# A new article joins a story only if, beyond its best match, the story's core (a majority of
# its members, up to CORE_MEMBERS of the earliest) reaches this share of the threshold.
CORE_SHARE = 0.6
CORE_MEMBERS = 15


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOPWORDS = _word_set(
    """
    a about above after again against all almost also although am among an and another any
    are aren't around as at be became because become been before being below between both
    but by can cannot could couldn't did didn't do does doesn't doing don't down during each
    either else even ever every few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here hers herself him himself his how however i i'd i'll
    i'm i've if in into is isn't it it's its itself just least less let let's like may me
    might more most much must mustn't my myself neither no nor not now of off often on once
    only or other others otherwise our ours ourselves out over own per perhaps quite rather
    same shall she she'd she'll she's should shouldn't since so some such than that that's
    the their theirs them themselves then there there's these they they'd they'll they're
    they've this those though through thus to too toward towards under until up upon us
    very via was wasn't we we'd we'll we're we've were weren't what what's whatever when
    where whether which while who who's whom whose why will with within without won't would
    wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    mr mrs ms dr st
    """
)

# Words every news report uses whatever the event; they may count, but only a little.
COMMON_NEWS_WORDS = _word_set(
    """
    said says say saying told tell according added adding asked reported report reports
    statement spokesman spokeswoman spokesperson official officials people person year years
    day days week weeks month months time times today yesterday tomorrow tonight morning
    afternoon evening night new news latest first second third last next one two three four
    five six seven eight nine ten hundred hundreds thousand thousands million millions
    billion billions several many number numbers part including include includes made make
    makes making going get got take took taken come came back well still way ways world
    country countries city state states government public local national international
    monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december update updated breaking live
    video photo photos watch read more click story
    """
)

_TOKEN = re.compile(r"(?P<num>\d+(?:[.,:\-/]\d+)*%?)|(?P<word>[^\W\d_]+(?:['\u2019][^\W\d_]+)*)")
_BREAK = re.compile(r"[.!?:;\n\"\u201c\u201d]")


_SUFFIXES = (
    ("ies", "y", 5),
    ("sses", "ss", 5),
    ("ing", "", 7),
    ("ed", "", 5),
    ("es", "", 5),
    ("s", "", 4),
)


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    """Where new articles went: an existing story joined or a new story started."""

    story_id: str
    article_ids: tuple[int, ...]
    is_new: bool


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stem so inflections meet ("raises", "raised", "raising")."""
    if len(word) <= 3:
        return word
    stemmed = word
    for suffix, replacement, min_len in _SUFFIXES:
        if word.endswith(suffix) and len(word) >= min_len:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                continue
            stemmed = word[: len(word) - len(suffix)] + replacement
            if suffix in ("ing", "ed") and _doubled(stemmed):
                stemmed = stemmed[:-1]
            break
    if len(stemmed) >= 4 and stemmed.endswith("e"):
        stemmed = stemmed[:-1]
    return stemmed


def _doubled(stem_: str) -> bool:
    return len(stem_) > 2 and stem_[-1] == stem_[-2] and stem_[-1] not in "aeioulsz"


def _number_term(raw: str) -> tuple[str, bool]:
    """A normalised figure and whether it is too ordinary (a small count, a year) to tell by."""
    value = raw.rstrip("%")
    # "1,000" and "1000" are the same figure; "2-1" and "7.1" keep their separators.
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", value):
        value = value.replace(",", "")
    common = value.isdigit() and (len(value) == 1 or 1900 <= int(value) <= 2100)
    return "#" + value, common


@lru_cache(maxsize=131072)
def _word_term(raw: str) -> tuple[str, float] | None:
    """A word token's term and default boost, or None for a stopword or a single letter."""
    lower = raw.lower().replace("\u2019", "'")
    if lower in STOPWORDS or len(lower) < 2:
        return None
    if lower.endswith("'s"):
        lower = lower[:-2]
    return stem(lower), COMMON_WORD_BOOST if lower in COMMON_NEWS_WORDS else 1.0


def _lead(text: str, limit: int) -> str:
    words = text.split(maxsplit=limit)
    return " ".join(words[:limit])


def term_weights(title: str, text: str) -> dict[str, float]:
    """The unit-length weighted term vector of an article: headline plus lead, names boosted."""
    counts: defaultdict[str, float] = defaultdict(float)
    boosts: dict[str, float] = {}
    names: set[str] = set()
    for source, factor in ((title, TITLE_BOOST), (_lead(text, LEAD_WORDS), 1.0)):
        is_title = source is title
        previous_end = 0
        for match in _TOKEN.finditer(source):
            gap_start, previous_end = previous_end, match.end()
            raw = match.group(0)
            if match.group("num") is not None:
                term, common = _number_term(raw)
                counts[term] += factor
                boosts[term] = COMMON_NUMBER_BOOST if common else NUMBER_BOOST
                continue
            analysed = _word_term(raw)
            if analysed is None:
                continue
            term, boost = analysed
            counts[term] += factor
            # Headlines capitalise every word and sentences their first, so only a capital
            # in running text that follows no sentence break marks a name. The break is
            # looked for only after a capital: most words are lower case.
            if (
                not is_title
                and raw[0].isupper()
                and gap_start > 0
                and _BREAK.search(source, gap_start, match.start()) is None
            ):
                names.add(term)
            boosts.setdefault(term, boost)
    weights: dict[str, float] = {}
    for term, count in counts.items():
        boost = boosts[term]
        if term in names and boost == 1.0:
            boost = NAME_BOOST
        weights[term] = (1.0 + TF_DAMPING * math.log(count)) * boost
    norm = math.sqrt(sum(w * w for w in weights.values()))
    if norm == 0:
        return {}
    return {term: w / norm for term, w in weights.items()}


def _article_vector(article: Article) -> dict[str, float]:
    return term_weights(article.title, article.text)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """The dot product of two unit-length sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[t] for t, w in a.items() if t in b)


def _heaviest_first(term_weight: tuple[str, float]) -> tuple[float, str]:
    return -term_weight[1], term_weight[0]


def pack(vector: Mapping[str, float]) -> PackedVector:
    """The vector as clustering keeps it for indexed articles: its heaviest terms, compact."""
    # A full sort of a hundred terms is quicker than heapq.nsmallest, with the same result.
    kept = sorted(vector.items(), key=_heaviest_first)[:INDEXED_TERMS]
    # Interned, so the terms many articles share are stored once.
    return tuple(sys.intern(t) for t, _ in kept), array("f", (w for _, w in kept))


def packed_cosine(query: Mapping[str, float], packed: PackedVector) -> float:
    """The dot product of a whole vector with a packed one."""
    terms, weights = packed
    # Absent terms add 0.0, which leaves a float sum exactly as skipping them would.
    products: Iterable[float] = map(operator.mul, weights, map(query.get, terms, repeat(0.0)))
    return sum(products)


def article_vector(article: Article) -> PackedVector:
    """An article's packed term vector, as clustering indexes it."""
    return pack(_article_vector(article))


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


class _Query(NamedTuple):
    """An article being placed: its whole term vector and its signature."""

    vector: dict[str, float]
    signature: ArticleSignature


def embedding_text(article: Article) -> str:
    """What the embedding model reads of an article: its headline and the start of its lead."""
    return f"{article.title}. {_lead(article.text, 60)}"


def article_signature(
    article: Article,
    *,
    method: ClusterMethod = DEFAULT_METHOD,
    embedder: Embedder | None = None,
    vector: Mapping[str, float] | None = None,
) -> ArticleSignature:
    """An article's signature for ``method`` (the embedding method needs ``embedder``)."""
    packed = pack(_article_vector(article) if vector is None else vector)
    if method == "lexical":
        return ArticleSignature(packed, _when(article))
    features = event_features(article.title, article.text)
    embedding = None
    if method == "embedding":
        if embedder is None:
            raise ValueError("the embedding method needs an embedder")
        embedding = embedder.embed([embedding_text(article)])[0]
    return ArticleSignature(packed, _when(article), features, embedding)


def _query(article: Article, method: ClusterMethod, embedder: Embedder | None) -> _Query:
    vector = _article_vector(article)
    return _Query(
        vector, article_signature(article, method=method, embedder=embedder, vector=vector)
    )


def time_factor(hours_apart: float) -> float:
    """How much of the evidence counts at this distance in time: 1 within the grace period."""
    excess = max(0.0, hours_apart - TIME_GRACE_HOURS)
    return float(0.5 ** (excess / TIME_HALF_LIFE_HOURS))


def _score(query: _Query, member: ArticleSignature, method: ClusterMethod) -> float:
    lexical = calibrated(packed_cosine(query.vector, member.vector))
    mine = query.signature
    if method == "lexical" or mine.features is None or member.features is None:
        return lexical
    a, b = mine.features, member.features
    if a.explainer or b.explainer or headline_figures_conflict(a, b):
        return 0.0
    evidence = lexical
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
    first, second = sorted((a, b), key=lambda x: (_when(x), x.id))
    member = article_signature(first, method=method, embedder=embedder)
    return _score(_query(second, method, embedder), member, method)


def prepared_similarity(
    first: tuple[Article, ArticleSignature],
    second: tuple[Article, ArticleSignature],
    method: ClusterMethod,
) -> float:
    """``similarity`` of two articles whose signatures are already made (for evaluations)."""
    (a, sig_a), (b, sig_b) = sorted((first, second), key=lambda x: (_when(x[0]), x[0].id))
    return _score(_Query(_article_vector(b), sig_b), sig_a, method)


def calibrated(raw_cosine: float) -> float:
    """A raw cosine mapped onto the similarity scale that thresholds are set in."""
    return float(min(1.0, max(0.0, raw_cosine)) ** CALIBRATION_EXPONENT)


def story_key(article: Article) -> str:
    """What identifies an article across runs: its canonical URL, else its feed and entry id."""
    link = article.canonical_url or article.url
    if link:
        return canonical_url(link)
    return f"{article.feed_url}\n{article.entry_id}"


def story_id_for(article: Article, *, attempt: int = 0) -> str:
    """A short, url-safe, deterministic story id derived from the article's identity.

    ``attempt`` picks an alternative id when the first is already taken.
    """
    key = story_key(article) if attempt == 0 else f"{story_key(article)}\n{attempt}"
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode("ascii")


@dataclass(slots=True)
class _Cluster:
    """A story being built: its id, its feeds, the new articles it received."""

    story_id: str
    is_new: bool
    feeds: set[str]
    added: list[int]
    order: int


# Marks a term whose postings outgrew MAX_POSTINGS: it is never searched again, so its
# postings need not be kept.
_TOO_COMMON = (array("i"), array("f"))


class _Index:
    """An inverted index of packed article vectors, for finding near-duplicates without all
    pairs."""

    def __init__(self, method: ClusterMethod) -> None:
        self.method = method
        self.signatures: list[ArticleSignature] = []
        self.owner = array("i")
        self.members: defaultdict[int, list[int]] = defaultdict(list)
        self.postings: dict[str, tuple[array[int], array[float]]] = {}

    def add(self, signature: ArticleSignature, cluster: int) -> None:
        doc = len(self.signatures)
        self.signatures.append(signature)
        self.owner.append(cluster)
        self.members[cluster].append(doc)
        for term, weight in zip(*signature.vector, strict=True):
            posting = self.postings.get(term)
            if posting is None:
                posting = self.postings[term] = (array("i"), array("f"))
            elif posting is _TOO_COMMON:
                continue
            docs, weights = posting
            if len(docs) >= MAX_POSTINGS:
                # Lists only grow, and search skips a list longer than MAX_POSTINGS.
                self.postings[term] = _TOO_COMMON
                continue
            docs.append(doc)
            weights.append(weight)

    def best_by_cluster(self, query: _Query) -> dict[int, float]:
        """The highest similarity of ``query`` to any article of each candidate cluster."""
        partial: defaultdict[int, float] = defaultdict(float)
        heaviest = sorted(query.vector.items(), key=_heaviest_first)[:CANDIDATE_TERMS]
        for term, weight in heaviest:
            posting = self.postings.get(term)
            if posting is None or posting is _TOO_COMMON:
                continue
            for doc, doc_weight in zip(*posting, strict=True):
                partial[doc] += weight * doc_weight
        best: dict[int, float] = {}
        ranked = heapq.nsmallest(CANDIDATES_SCORED, partial.items(), key=lambda dw: (-dw[1], dw[0]))
        for doc, _ in ranked:
            score = _score(query, self.signatures[doc], self.method)
            cluster = self.owner[doc]
            if score > best.get(cluster, -1.0):
                best[cluster] = score
        return best

    def core_score(self, query: _Query, cluster: int) -> float:
        """The score a majority of the cluster's earliest members reach with ``query``."""
        docs = self.members[cluster][:CORE_MEMBERS]
        scores = sorted(
            (_score(query, self.signatures[d], self.method) for d in docs), reverse=True
        )
        return scores[len(scores) // 2]


def _when(article: Article) -> float:
    moment = article.published or article.fetched_at
    return moment.timestamp()


def _outline(story: Story | StoryOutline) -> StoryOutline:
    if isinstance(story, StoryOutline):
        return story
    return StoryOutline(story.id, tuple((a.id, a.feed_url) for a in story.articles))


def assign_stories(
    new: Sequence[Article],
    recent: Sequence[Story | StoryOutline],
    *,
    threshold: float,
    vectors: MutableMapping[int, ArticleSignature] | None = None,
    method: ClusterMethod = DEFAULT_METHOD,
    embedder: Embedder | None = None,
) -> list[StoryAssignment]:
    """Place each new article in the most similar story from another feed, or a new story.

    Articles are taken oldest first so a story is named after its first report. A story
    never takes a second article of a feed it already has: two items of one feed are two
    events. An article joins a story only when it matches the story's core, not just one
    borderline member, so a story cannot drift from one event to the next through a chain
    of near matches. Results come in the order the stories were first touched. ``vectors``
    caches signatures by article id across calls, so a long-running process vectorises each
    article of the window once instead of on every refresh. A recent story given as a
    ``StoryOutline`` has no text: its articles are indexed only when ``vectors`` has them.
    """
    cache: MutableMapping[int, ArticleSignature] = {} if vectors is None else vectors
    texts = {a.id: a for story in recent if isinstance(story, Story) for a in story.articles}

    clusters: list[_Cluster] = []
    index = _Index(method)
    taken: set[str] = set()
    placed: set[int] = set()
    for story in map(_outline, recent):
        number = len(clusters)
        clusters.append(_Cluster(story.id, False, {feed for _, feed in story.members}, [], -1))
        taken.add(story.id)
        for article_id, _ in story.members:
            placed.add(article_id)
            signature = cache.get(article_id)
            if signature is None and article_id in texts:
                signature = cache[article_id] = article_signature(
                    texts[article_id], method=method, embedder=embedder
                )
            if signature is not None:
                index.add(signature, number)

    pending = [a for a in sorted(new, key=lambda a: (_when(a), a.id)) if a.id not in placed]
    embeddings = _embeddings(pending, method, embedder)
    touched = 0
    for article in pending:
        if article.id in placed:
            continue
        placed.add(article.id)
        query = _query(article, "lexical" if method == "lexical" else "features", None)
        if embeddings is not None:
            query = query._replace(
                signature=dataclasses.replace(query.signature, embedding=embeddings[article.id])
            )
        scores = index.best_by_cluster(query) if query.vector else {}
        eligible = sorted(
            (
                (score, number)
                for number, score in scores.items()
                if score >= threshold and article.feed_url not in clusters[number].feeds
            ),
            key=lambda sn: (-sn[0], sn[1]),
        )
        chosen = next(
            (
                number
                for _, number in eligible
                if method == "lexical" or index.core_score(query, number) >= CORE_SHARE * threshold
            ),
            None,
        )
        if chosen is None:
            chosen = len(clusters)
            clusters.append(_Cluster(_free_id(article, taken), True, set(), [], -1))
        cluster = clusters[chosen]
        if cluster.order < 0:
            cluster.order = touched
            touched += 1
        cluster.feeds.add(article.feed_url)
        cluster.added.append(article.id)
        signature = cache[article.id] = query.signature
        if query.vector:
            index.add(signature, chosen)

    used = sorted((c for c in clusters if c.added), key=lambda c: c.order)
    return [StoryAssignment(c.story_id, tuple(c.added), c.is_new) for c in used]


def _embeddings(
    articles: Sequence[Article], method: ClusterMethod, embedder: Embedder | None
) -> dict[int, array[float]] | None:
    """The new articles' embeddings in one batch, or None when the method uses none."""
    if method != "embedding":
        return None
    if embedder is None:
        raise ValueError("the embedding method needs an embedder")
    vectors = embedder.embed([embedding_text(a) for a in articles]) if articles else []
    return {a.id: v for a, v in zip(articles, vectors, strict=True)}


def _free_id(article: Article, taken: set[str]) -> str:
    attempt = 0
    story_id = story_id_for(article)
    while story_id in taken:
        attempt += 1
        story_id = story_id_for(article, attempt=attempt)
    taken.add(story_id)
    return story_id
