"""Story clustering: grouping reports of the same event from different feeds."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import heapq
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
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
from digests.term_vectors import PackedVector, heaviest_first
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


def _has_feed(story: _Cluster | StoryOutline, feed_url: str) -> bool:
    if isinstance(story, StoryOutline):
        return any(feed == feed_url for _, feed in story.members)
    return feed_url in story.feeds


# Loads the signatures of stored articles by id (unknown ids are left out).
SignatureLoader = Callable[[Sequence[int]], Mapping[int, ArticleSignature]]
# Loads only their packed vectors, which is all that indexing them needs.
VectorLoader = Callable[[Sequence[int]], Mapping[int, PackedVector]]
# Reads articles with their text by id.
ArticleReader = Callable[[Sequence[int]], Sequence[Article]]
# The queries made and stored for some of these new articles (by id; the others are left
# out): those need not be read nor made again.
QueryLoader = Callable[[Sequence[Article]], Mapping[int, Query]]

# Marks a term whose postings outgrew MAX_POSTINGS: it is never searched again, so its
# postings need not be kept.
_TOO_COMMON = array("d")
# Stored articles indexed per load while the index is built.
LOAD_BATCH = 500
# Loaded signatures kept for scoring: candidates recur from one new article to the next.
LOADED_KEPT = 2048


class _Index:
    """An inverted index of packed article vectors, for finding near-duplicates without all
    pairs.

    It keeps each indexed article's id, story and postings, not its signature: a signature
    to be scored comes from ``cache`` (which has those made in this run), else ``load``.
    """

    def __init__(
        self,
        method: ClusterMethod,
        cache: Mapping[int, ArticleSignature],
        load: SignatureLoader | None,
    ) -> None:
        self.method = method
        self.cache = cache
        self.load = load
        self.ids = array("q")
        self.owner = array("i")
        self.loaded: OrderedDict[int, ArticleSignature] = OrderedDict()
        # A story's first CORE_MEMBERS docs: a run of consecutive docs (a stored story's
        # are indexed together), then any added later.
        self.first = array("i")
        self.run = array("i")
        self.later: dict[int, list[int]] = {}
        # Term -> its docs and their weights, interleaved in one array: one object per term
        # (a window has about one term per article that no other article uses).
        self.postings: dict[str, array[float]] = {}

    def add(self, article_id: int, vector: PackedVector, cluster: int) -> None:
        doc = len(self.ids)
        self.ids.append(article_id)
        self.owner.append(cluster)
        self._add_member(doc, cluster)
        for term, weight in zip(*vector, strict=True):
            posting = self.postings.get(term)
            if posting is None:
                posting = self.postings[term] = array("d")
            elif posting is _TOO_COMMON:
                continue
            if len(posting) >= 2 * MAX_POSTINGS:
                # Lists only grow, and search skips a list longer than MAX_POSTINGS.
                self.postings[term] = _TOO_COMMON
                continue
            # The float32 weight widens exactly, and a float64 holds any doc number exactly.
            posting.append(doc)
            posting.append(weight)

    def _add_member(self, doc: int, cluster: int) -> None:
        while len(self.first) <= cluster:
            self.first.append(-1)
            self.run.append(0)
        if self.first[cluster] < 0:
            self.first[cluster], self.run[cluster] = doc, 1
            return
        later = self.later.get(cluster)
        if later is None and self.first[cluster] + self.run[cluster] == doc:
            self.run[cluster] += 1
        elif self.run[cluster] + len(later or ()) < CORE_MEMBERS:
            self.later.setdefault(cluster, []).append(doc)

    def members(self, cluster: int) -> list[int]:
        """The cluster's first CORE_MEMBERS docs, in the order they were indexed."""
        if cluster >= len(self.first) or self.first[cluster] < 0:
            return []
        start = self.first[cluster]
        run = list(range(start, start + min(self.run[cluster], CORE_MEMBERS)))
        return (run + self.later.get(cluster, []))[:CORE_MEMBERS]

    def signatures(self, docs: Sequence[int]) -> list[ArticleSignature]:
        """The signatures of these docs: recently loaded, in ``cache``, else loaded now."""
        found: dict[int, ArticleSignature] = {}
        wanted = []
        for article_id in (self.ids[d] for d in docs):
            signature = self.loaded.get(article_id) or self.cache.get(article_id)
            if signature is None:
                wanted.append(article_id)
            else:
                found[article_id] = signature
        if wanted:
            assert self.load is not None, "a signature not in the cache is loadable"
            found.update(self.load(wanted))
        for article_id, signature in found.items():
            self.remember(article_id, signature)
        return [found[self.ids[d]] for d in docs]

    def remember(self, article_id: int, signature: ArticleSignature) -> None:
        """Keep a signature among the recently used ones (the oldest beyond LOADED_KEPT go)."""
        self.loaded[article_id] = signature
        self.loaded.move_to_end(article_id)
        while len(self.loaded) > LOADED_KEPT:
            self.loaded.popitem(last=False)

    def best_by_cluster(
        self, query: Query, closed: Callable[[int], bool] | None = None
    ) -> dict[int, float]:
        """The highest similarity of ``query`` to any article of each candidate cluster,
        leaving out the clusters ``closed`` says cannot take it (their articles are neither
        read nor scored)."""
        # Doc numbers stay the floats the postings hold until the best few are known.
        partial: defaultdict[float, float] = defaultdict(float)
        heaviest = sorted(query.vector.items(), key=heaviest_first)[:CANDIDATE_TERMS]
        for term, weight in heaviest:
            posting = self.postings.get(term)
            if posting is None or posting is _TOO_COMMON:
                continue
            pairs = iter(posting)
            for doc, doc_weight in zip(pairs, pairs, strict=True):
                partial[doc] += weight * doc_weight
        best: dict[int, float] = {}
        docs = [int(doc) for doc in _best_docs(partial, CANDIDATES_SCORED)]
        if closed is not None:
            docs = [doc for doc in docs if not closed(self.owner[doc])]
        for doc, signature in zip(docs, self.signatures(docs), strict=True):
            score = pair_score(query, signature, self.method)
            cluster = self.owner[doc]
            if score > best.get(cluster, -1.0):
                best[cluster] = score
        return best

    def core_score(self, query: Query, cluster: int) -> float:
        """The score a majority of the cluster's earliest members reach with ``query``."""
        signatures = self.signatures(self.members(cluster))
        scores = sorted((pair_score(query, s, self.method) for s in signatures), reverse=True)
        return scores[len(scores) // 2]


def _best_docs(partial: Mapping[float, float], wanted: int) -> list[float]:
    """The ``wanted`` docs of highest partial score, best first, ties by doc number."""
    if len(partial) > wanted:
        # Only the scores at or above the wanted-th highest can be among them: finding that
        # score needs no key function, so the few kept are all that is sorted by one.
        floor = heapq.nlargest(wanted, partial.values())[-1]
        partial = {doc: score for doc, score in partial.items() if score >= floor}
    ranked = sorted(partial.items(), key=_best_first)[:wanted]
    return [doc for doc, _ in ranked]


def _best_first(doc_score: tuple[float, float]) -> tuple[float, float]:
    return -doc_score[1], doc_score[0]


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
    load: SignatureLoader | None = None,
    read: ArticleReader | None = None,
    queries: QueryLoader | None = None,
    load_vectors: VectorLoader | None = None,
) -> list[StoryAssignment]:
    """Place each new article in the most similar story from another feed, or a new story.

    Articles are taken oldest first so a story is named after its first report. A story
    never takes a second article of a feed it already has: two items of one feed are two
    events. An article joins a story only when it matches the story's core, not just one
    borderline member, so a story cannot drift from one event to the next through a chain
    of near matches. Results come in the order the stories were first touched. ``vectors``
    receives the new articles' signatures by id and gives those it already has. A recent
    story given as a ``StoryOutline`` has no text: its articles are indexed when ``vectors``
    has them or ``load`` gives them (in batches, and again when they are scored: a window of
    stored articles is not held in memory); ``load_vectors``, when given, loads what indexing
    them needs instead. With ``read``, the new articles are given without their text and read
    in batches as they are placed; with ``queries``, those whose query it gives are neither
    read nor analysed again.
    """
    cache: MutableMapping[int, ArticleSignature] = {} if vectors is None else vectors
    texts = {a.id: a for story in recent if isinstance(story, Story) for a in story.articles}

    # A stored story stays its outline until it grows: a window holds 100,000 of them.
    clusters: list[_Cluster | StoryOutline] = []
    index = _Index(method, cache, load)
    taken: set[str] = set()
    new_ids = {a.id for a in new}
    placed: set[int] = set()
    # Stored articles wait here to be loaded in batches, and are indexed in story order.
    queued: list[tuple[int, int, ArticleSignature | None]] = []
    waiting = 0

    def vectors_of(article_ids: Sequence[int]) -> Mapping[int, PackedVector]:
        if load_vectors is not None:
            return load_vectors(article_ids)
        if load is not None:
            return {i: signature.vector for i, signature in load(article_ids).items()}
        return {}

    def index_queued() -> None:
        nonlocal waiting
        wanted = [article_id for article_id, _, signature in queued if signature is None]
        loaded = vectors_of(wanted) if wanted else {}
        for article_id, number, signature in queued:
            vector = signature.vector if signature is not None else loaded.get(article_id)
            if vector is not None:
                index.add(article_id, vector, number)
        queued.clear()
        waiting = 0

    for story in map(_outline, recent):
        number = len(clusters)
        clusters.append(story)
        taken.add(story.id)
        for article_id, _ in story.members:
            if article_id in new_ids:
                placed.add(article_id)
            signature = cache.get(article_id)
            if signature is None and article_id in texts:
                signature = cache[article_id] = article_signature(
                    texts[article_id], method=method, embedder=embedder
                )
            if signature is None and load is None:
                continue
            queued.append((article_id, number, signature))
            waiting += signature is None
            if waiting >= LOAD_BATCH:
                index_queued()
    index_queued()

    pending = [a for a in sorted(new, key=lambda a: (moment_of(a), a.id)) if a.id not in placed]
    embeddings = _embeddings(pending, method, embedder, read)
    touched = 0
    for article, made in _with_queries(pending, read, queries):
        if article.id in placed:
            continue
        placed.add(article.id)
        query = made or make_query(article, "lexical" if method == "lexical" else "features", None)
        if embeddings is not None:
            query = query._replace(
                signature=dataclasses.replace(query.signature, embedding=embeddings[article.id])
            )

        # A story never takes a second article of a feed it has.
        def closed(number: int, feed: str = article.feed_url) -> bool:
            return _has_feed(clusters[number], feed)

        scores = index.best_by_cluster(query, closed) if query.vector else {}
        eligible = sorted(
            ((score, number) for number, score in scores.items() if score >= threshold),
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
        if isinstance(cluster, StoryOutline):
            feeds = {feed for _, feed in cluster.members}
            cluster = clusters[chosen] = _Cluster(cluster.id, False, feeds, [], -1)
        if cluster.order < 0:
            cluster.order = touched
            touched += 1
        cluster.feeds.add(article.feed_url)
        cluster.added.append(article.id)
        signature = cache[article.id] = query.signature
        if query.vector:
            index.add(article.id, signature.vector, chosen)
            # The next reports of an event come soon after: its first are likely candidates.
            index.remember(article.id, signature)

    used = sorted((c for c in clusters if isinstance(c, _Cluster) and c.added), key=_order)
    return [StoryAssignment(c.story_id, tuple(c.added), c.is_new) for c in used]


def _order(cluster: _Cluster) -> int:
    return cluster.order


def _with_queries(
    articles: Sequence[Article], read: ArticleReader | None, queries: QueryLoader | None
) -> Iterator[tuple[Article, Query | None]]:
    """The articles in order, each with its stored query or else its text (read
    ``LOAD_BATCH`` at a time when ``read``)."""
    if queries is None:
        yield from ((a, None) for a in _with_text(articles, read))
        return
    for start in range(0, len(articles), LOAD_BATCH):
        chunk = articles[start : start + LOAD_BATCH]
        made = queries(chunk)
        texts = iter(_with_text([a for a in chunk if a.id not in made], read))
        for article in chunk:
            query = made.get(article.id)
            yield (article, query) if query is not None else (next(texts), None)


def _with_text(articles: Sequence[Article], read: ArticleReader | None) -> Iterator[Article]:
    """The articles in order, with their text read ``LOAD_BATCH`` at a time when ``read``."""
    if read is None:
        yield from articles
        return
    for start in range(0, len(articles), LOAD_BATCH):
        chunk = articles[start : start + LOAD_BATCH]
        full = {a.id: a for a in read([a.id for a in chunk])}
        yield from (full.get(a.id, a) for a in chunk)


def _embeddings(
    articles: Sequence[Article],
    method: ClusterMethod,
    embedder: Embedder | None,
    read: ArticleReader | None,
) -> dict[int, array[float]] | None:
    """The new articles' embeddings in one batch, or None when the method uses none."""
    if method != "embedding":
        return None
    if embedder is None:
        raise ValueError("the embedding method needs an embedder")
    texts = [embedding_text(a) for a in _with_text(articles, read)]
    vectors = embedder.embed(texts) if articles else []
    return {a.id: v for a, v in zip(articles, vectors, strict=True)}


def _free_id(article: Article, taken: set[str]) -> str:
    attempt = 0
    story_id = story_id_for(article)
    while story_id in taken:
        attempt += 1
        story_id = story_id_for(article, attempt=attempt)
    taken.add(story_id)
    return story_id
