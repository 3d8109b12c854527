"""Signatures stored with their articles: the bytes form, and clustering from loaded ones."""

from __future__ import annotations

import dataclasses
import math
from array import array
from collections.abc import Sequence
from datetime import timedelta

import pytest

from digests import cluster
from digests.cluster import assign_stories
from digests.config import DigestConfig
from digests.records import Article, StoryOutline
from digests.similarity import (
    ArticleSignature,
    ClusterMethod,
    Query,
    article_signature,
    make_query,
    moment_of,
    text_query,
)
from digests.stored_signatures import (
    StoredSignatures,
    decode_query,
    decode_signature,
    decode_vector,
    encode_query,
    encode_signature,
)
from digests.term_vectors import PackedVector
from tests.digests._cluster_pairs import (
    CROSS_LANGUAGE_DIFFERENT,
    CROSS_LANGUAGE_SAME,
    DIFFERENT_EVENT,
    SAME_EVENT,
)
from tests.digests._story_builders import T0, make_article

THRESHOLD = DigestConfig().cluster_threshold
PAIRS = [
    pair
    for table in (
        SAME_EVENT,
        DIFFERENT_EVENT,
        CROSS_LANGUAGE_SAME,
        CROSS_LANGUAGE_DIFFERENT,
    )
    for _, pair in sorted(table.items())
]


class FixedEmbedder:
    """Gives every text the same unit vector: enough to carry an embedding through."""

    def embed(self, texts: Sequence[str]) -> list[array[float]]:
        return [array("f", [0.6, 0.8]) for _ in texts]


def reports() -> tuple[list[Article], list[Article]]:
    """Each pair's first report (the stored window) and second (new), on three feeds."""
    old, new = [], []
    for n, (first, second) in enumerate(PAIRS):
        feed = f"https://{n % 3}.example.com/rss"
        other = f"https://{(n + 1) % 3}.example.com/rss"
        old.append(make_article(2 * n + 1, feed=feed, title=first[0], text=first[1], published=T0))
        new.append(
            make_article(
                2 * n + 2,
                feed=other,
                title=second[0],
                text=second[1],
                published=T0 + timedelta(minutes=30 + n),
            )
        )
    return old, new


@pytest.mark.parametrize("method", ["lexical", "features", "embedding"])
def test_a_signature_reads_back_as_it_was_made(method: ClusterMethod) -> None:
    (first, _), *_ = PAIRS
    article = make_article(1, title=first[0], text=first[1], published=T0)
    signature = article_signature(article, method=method, embedder=FixedEmbedder())
    assert decode_signature(encode_signature(signature, method), method) == signature


def test_every_mark_of_an_event_reads_back() -> None:
    article = make_article(
        1,
        title="Despertar em 60 segundos: MacBook Pro 16 review, 2,499 dollars",
        text="Apple's MacBook Pro 16 costs 2,499 dollars, Tim Cook said in Cupertino.",
        published=T0,
    )
    signature = article_signature(article, method="features")
    features = signature.features
    assert features is not None and features.review and features.kicker
    assert features.headline_rest and features.names and features.figures
    assert decode_signature(encode_signature(signature, "features"), "features") == signature
    for first, second in PAIRS:
        for n, (title, text) in enumerate((first, second)):
            made = article_signature(make_article(n + 1, title=title, text=text, published=T0))
            assert decode_signature(encode_signature(made, "features"), "features") == made


def test_a_signature_of_another_method_or_form_is_not_read() -> None:
    (first, _), *_ = PAIRS
    signature = article_signature(make_article(1, title=first[0], text=first[1]))
    blob = encode_signature(signature, "features")
    assert decode_signature(blob, "lexical") is None
    assert decode_signature(b"\x09" + blob[1:], "features") is None
    assert decode_signature(blob[:5], "features") is None


def test_an_empty_signature_reads_back() -> None:
    empty = ArticleSignature(((), array("f")), 0.0)
    assert decode_signature(encode_signature(empty, "lexical"), "lexical") == empty


@pytest.mark.parametrize("method", ["lexical", "features"])
def test_clustering_from_loaded_signatures_places_articles_as_from_held_ones(
    method: ClusterMethod, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches and a small cache, so loading, evicting and loading again all happen.
    monkeypatch.setattr(cluster, "LOAD_BATCH", 3)
    monkeypatch.setattr(cluster, "LOADED_KEPT", 4)
    old, new = reports()
    window = assign_stories(old, [], threshold=THRESHOLD, method=method)
    feed_of = {a.id: a.feed_url for a in old}
    outlines = [
        StoryOutline(s.story_id, tuple((i, feed_of[i]) for i in s.article_ids)) for s in window
    ]
    stored = {a.id: article_signature(a, method=method) for a in old}
    asked: list[list[int]] = []

    def load(ids: Sequence[int]) -> dict[int, ArticleSignature]:
        asked.append(list(ids))
        return {i: stored[i] for i in ids if i in stored}

    def load_vectors(ids: Sequence[int]) -> dict[int, PackedVector]:
        return {i: stored[i].vector for i in ids if i in stored}

    held = assign_stories(new, outlines, threshold=THRESHOLD, vectors=dict(stored), method=method)
    loaded = assign_stories(new, outlines, threshold=THRESHOLD, method=method, load=load)
    assert loaded == held
    assert any(not s.is_new for s in held)
    assert len(asked[0]) == 3
    assert sum(map(len, asked)) > len(old)
    # Indexed from the vectors alone: the window's signatures are loaded only to be scored.
    loaded_then = sum(map(len, asked))
    asked.clear()
    indexed_from_vectors = assign_stories(
        new, outlines, threshold=THRESHOLD, method=method, load=load, load_vectors=load_vectors
    )
    assert indexed_from_vectors == held
    assert sum(map(len, asked)) == loaded_then - len(old)


@pytest.mark.parametrize("method", ["lexical", "features", "embedding"])
def test_a_vector_reads_back_as_the_vector_of_its_signature(method: ClusterMethod) -> None:
    for first, second in PAIRS:
        for title, text in (first, second):
            article = make_article(1, title=title, text=text, published=T0)
            signature = article_signature(article, method=method, embedder=FixedEmbedder())
            blobs = [encode_signature(signature, method)]
            if method == "features":
                query = make_query(article, "features", None)
                blobs += [encode_query(query), encode_query(text_query(title, text, math.nan))]
            for blob in blobs:
                decoded = decode_signature(blob, method)
                assert decode_vector(blob, method) == (decoded and decoded.vector)
                assert decode_vector(blob[:5], method) is None
                assert decode_vector(b"\x09" + blob[1:], method) is None
    empty = encode_signature(ArticleSignature(((), array("f")), 0.0), method)
    assert decode_vector(empty, method) == ((), array("f"))
    assert decode_vector(empty, "lexical" if method != "lexical" else "features") is None


class _SignatureShelf:
    """The three store calls ``StoredSignatures`` makes, over a dict of blobs and articles."""

    def __init__(self, blobs: dict[int, bytes], articles: dict[int, Article]) -> None:
        self.blobs = blobs
        self.articles = articles

    def article_signatures(self, ids: Sequence[int]) -> dict[int, bytes]:
        return {i: self.blobs[i] for i in ids if i in self.blobs}

    def get_articles(self, ids: Sequence[int]) -> list[Article]:
        return [self.articles[i] for i in ids if i in self.articles]

    def set_article_signatures(self, signatures: dict[int, bytes]) -> None:
        self.blobs.update(signatures)


def test_stored_vectors_are_read_as_the_stored_signatures_are() -> None:
    """Signatures, queries, a query of an unknown moment and no blob at all (made from the
    text, then stored) give the same vectors either way."""
    old, new = reports()
    articles = {a.id: a for a in old + new}
    blobs: dict[int, bytes] = {}
    for a in old + new:
        if a.id % 4 == 0:
            blobs[a.id] = encode_signature(article_signature(a), "features")
        elif a.id % 4 == 1:
            blobs[a.id] = encode_query(make_query(a, "features", None))
        elif a.id % 4 == 2:
            blobs[a.id] = encode_query(text_query(a.title, a.text, math.nan))
    ids = [*articles, 10_000]

    def shelf() -> _SignatureShelf:
        return _SignatureShelf(dict(blobs), articles)

    signatures = StoredSignatures(shelf(), "features", None)(ids)  # type: ignore[arg-type]
    vectors = StoredSignatures(shelf(), "features", None).vectors(ids)  # type: ignore[arg-type]
    assert vectors == {i: s.vector for i, s in signatures.items()}
    assert len(vectors) == len(articles)


def test_a_query_made_from_the_text_alone_is_the_one_made_from_the_article() -> None:
    for first, _ in PAIRS:
        article = make_article(1, title=first[0], text=first[1], published=T0)
        made = text_query(article.title, article.text, moment_of(article))
        assert made == make_query(article, "features", None)


def test_a_stored_query_reads_back_exactly_and_as_the_signature_clustering_keeps() -> None:
    for first, _ in PAIRS:
        article = make_article(1, title=first[0], text=first[1], published=T0)
        query = make_query(article, "features", None)
        blob = encode_query(query)
        # The moment is the one given: it is only known once the article is stored.
        assert decode_query(blob, "features", query.signature.when) == query
        assert decode_query(blob, "features", 5.0) == query._replace(
            signature=dataclasses.replace(query.signature, when=5.0)
        )
        assert decode_signature(blob, "features") == article_signature(article)
        # A query is no signature of another method, and a signature is no query.
        assert decode_query(blob, "lexical", 0.0) is None
        assert decode_signature(blob, "lexical") is None
        assert decode_query(encode_signature(query.signature, "features"), "features", 0) is None


def test_a_stored_query_of_an_unknown_moment_is_no_signature() -> None:
    (first, _), *_ = PAIRS
    query = text_query(first[0], first[1], math.nan)
    blob = encode_query(query)
    assert decode_signature(blob, "features") is None
    assert decode_query(blob, "features", 7.0) is not None


def test_clustering_from_stored_queries_places_articles_as_from_their_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cluster, "LOAD_BATCH", 3)
    old, new = reports()
    articles = old + new
    by_id = {a.id: a for a in articles}
    # Every other article has a stored query; the rest are read and analysed as before.
    blobs = {a.id: encode_query(make_query(a, "features", None)) for a in articles if a.id % 2 == 0}
    bare = [dataclasses.replace(a, text="") for a in articles]
    read: list[int] = []

    def read_articles(ids: Sequence[int]) -> list[Article]:
        read.extend(ids)
        return [by_id[i] for i in ids]

    def queries(chosen: Sequence[Article]) -> dict[int, Query]:
        found = {}
        for a in chosen:
            if a.id in blobs and (q := decode_query(blobs[a.id], "features", moment_of(a))):
                found[a.id] = q
        return found

    plain = assign_stories(articles, [], threshold=THRESHOLD)
    stored = assign_stories(bare, [], threshold=THRESHOLD, read=read_articles, queries=queries)
    assert stored == plain
    assert any(len(s.article_ids) > 1 for s in plain)
    assert sorted(read) == sorted(a.id for a in articles if a.id not in blobs)
