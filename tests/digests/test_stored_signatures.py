"""Signatures stored with their articles: the bytes form, and clustering from loaded ones."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import timedelta

import pytest

from digests import cluster
from digests.cluster import assign_stories
from digests.config import DigestConfig
from digests.records import Article, StoryOutline
from digests.similarity import ArticleSignature, ClusterMethod, article_signature
from digests.stored_signatures import decode_signature, encode_signature
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

    held = assign_stories(new, outlines, threshold=THRESHOLD, vectors=dict(stored), method=method)
    loaded = assign_stories(new, outlines, threshold=THRESHOLD, method=method, load=load)
    assert loaded == held
    assert any(not s.is_new for s in held)
    assert len(asked[0]) == 3
    assert sum(map(len, asked)) > len(old)
