"""Story clustering: grouping reports of the same event from different feeds."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import heapq
from array import array
from collections import defaultdict
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

from digests.records import Article, Story, StoryAssignment, StoryOutline
from digests.similarity import (
    DEFAULT_METHOD,
    ArticleSignature,
    ClusterMethod,
    Embedder,
    Query,
    article_signature,
    embedding_text,
    make_query,
    moment_of,
    pair_score,
)
from digests.term_vectors import heaviest_first
from digests.urls import canonical_url

# Candidate search only: a term shared by this many indexed articles is too common to find
# a near-duplicate by; pairs are still scored on every term they share.
MAX_POSTINGS = 200
CANDIDATE_TERMS = 20
CANDIDATES_SCORED = 25
# A new article joins a story only if, beyond its best match, the story's core (a majority of
# its members, up to CORE_MEMBERS of the earliest) reaches this share of the threshold.
CORE_SHARE = 0.6
CORE_MEMBERS = 15


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

    def best_by_cluster(self, query: Query) -> dict[int, float]:
        """The highest similarity of ``query`` to any article of each candidate cluster."""
        partial: defaultdict[int, float] = defaultdict(float)
        heaviest = sorted(query.vector.items(), key=heaviest_first)[:CANDIDATE_TERMS]
        for term, weight in heaviest:
            posting = self.postings.get(term)
            if posting is None or posting is _TOO_COMMON:
                continue
            for doc, doc_weight in zip(*posting, strict=True):
                partial[doc] += weight * doc_weight
        best: dict[int, float] = {}
        ranked = heapq.nsmallest(CANDIDATES_SCORED, partial.items(), key=lambda dw: (-dw[1], dw[0]))
        for doc, _ in ranked:
            score = pair_score(query, self.signatures[doc], self.method)
            cluster = self.owner[doc]
            if score > best.get(cluster, -1.0):
                best[cluster] = score
        return best

    def core_score(self, query: Query, cluster: int) -> float:
        """The score a majority of the cluster's earliest members reach with ``query``."""
        docs = self.members[cluster][:CORE_MEMBERS]
        scores = sorted(
            (pair_score(query, self.signatures[d], self.method) for d in docs), reverse=True
        )
        return scores[len(scores) // 2]


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

    pending = [a for a in sorted(new, key=lambda a: (moment_of(a), a.id)) if a.id not in placed]
    embeddings = _embeddings(pending, method, embedder)
    touched = 0
    for article in pending:
        if article.id in placed:
            continue
        placed.add(article.id)
        query = make_query(article, "lexical" if method == "lexical" else "features", None)
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
