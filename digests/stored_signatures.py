"""Article signatures as the store keeps them: their bytes form, and the clustering window's
signatures read back from the store in batches (made from the text once when none is stored).

Clustering a window of 100,000 articles must not hold the window's signatures in memory: a
signature is stored with its article when the article is first clustered, and clustering
reads the ones it needs when it needs them.
"""

from __future__ import annotations

import logging
import struct
import sys
from array import array
from collections.abc import Iterator, Mapping, MutableMapping, Sequence

from digests.errors import StorageError
from digests.event_features import EventFeatures
from digests.similarity import ArticleSignature, ClusterMethod, Embedder, article_signature
from digests.store.base import ArticleStore

log = logging.getLogger(__name__)

# Articles read back per query to make the signatures none is stored for: bounds the text
# held at once.
TEXT_BATCH = 500

# Raised whenever what a signature holds or how it is made changes: older ones are then
# made again from the text instead of being read.
_VERSION = 1
_METHODS: tuple[ClusterMethod, ...] = ("lexical", "features", "embedding")
_HAS_FEATURES = 1
_EXPLAINER = 2
_REVIEW = 4
# version, method, flags, when, then the counts of terms, names, figures, headline figures,
# kicker and rest-of-headline words and embedding dimensions; then the weights, the
# embedding (float32, little-endian) and the strings, one a line.
_HEADER = struct.Struct("<BBBdHHHHHHH")
_SEPARATOR = "\n"


def encode_signature(signature: ArticleSignature, method: ClusterMethod) -> bytes:
    """The bytes form of a signature made by ``method``."""
    terms, weights = signature.vector
    features = signature.features
    strings = list(terms)
    flags = 0
    counts = (0, 0, 0, 0, 0)
    if features is not None:
        flags |= _HAS_FEATURES | (_EXPLAINER if features.explainer else 0)
        flags |= _REVIEW if features.review else 0
        parts = (
            features.names,
            features.figures,
            features.headline_figures,
            features.kicker,
            features.headline_rest,
        )
        counts = (len(parts[0]), len(parts[1]), len(parts[2]), len(parts[3]), len(parts[4]))
        for part in parts:
            strings.extend(sorted(part))
    embedding = signature.embedding if signature.embedding is not None else array("f")
    header = _HEADER.pack(
        _VERSION,
        _METHODS.index(method),
        flags,
        signature.when,
        len(terms),
        *counts,
        len(embedding),
    )
    return b"".join(
        (
            header,
            _little_endian(weights),
            _little_endian(embedding),
            _SEPARATOR.join(strings).encode("utf-8"),
        )
    )


def decode_signature(blob: bytes, method: ClusterMethod) -> ArticleSignature | None:
    """The signature ``encode_signature`` stored; None if it was made by another method or
    in a form this version does not read (it is then made again)."""
    if len(blob) < _HEADER.size:
        return None
    (
        version,
        method_code,
        flags,
        when,
        n_terms,
        n_names,
        n_figures,
        n_headline,
        n_kicker,
        n_rest,
        n_embedding,
    ) = _HEADER.unpack_from(blob)
    if version != _VERSION or method_code >= len(_METHODS) or _METHODS[method_code] != method:
        return None
    offset = _HEADER.size
    weights = _floats(blob[offset : offset + 4 * n_terms])
    offset += 4 * n_terms
    embedding = _floats(blob[offset : offset + 4 * n_embedding]) if n_embedding else None
    offset += 4 * n_embedding
    text = blob[offset:].decode("utf-8")
    strings = text.split(_SEPARATOR) if text else []
    # Interned as when packed: terms many articles share are held once.
    terms = tuple(map(sys.intern, strings[:n_terms]))
    features = None
    if flags & _HAS_FEATURES:
        names_end = n_terms + n_names
        figures_end = names_end + n_figures
        headline_end = figures_end + n_headline
        kicker_end = headline_end + n_kicker
        features = EventFeatures(
            names=frozenset(strings[n_terms:names_end]),
            figures=frozenset(strings[names_end:figures_end]),
            headline_figures=frozenset(strings[figures_end:headline_end]),
            explainer=bool(flags & _EXPLAINER),
            review=bool(flags & _REVIEW),
            kicker=frozenset(strings[headline_end:kicker_end]),
            headline_rest=frozenset(strings[kicker_end : kicker_end + n_rest]),
        )
    return ArticleSignature((terms, weights), when, features, embedding)


def _little_endian(values: array[float]) -> bytes:
    if sys.byteorder == "little":
        return values.tobytes()
    swapped = array("f", values)
    swapped.byteswap()
    return swapped.tobytes()


def _floats(raw: bytes) -> array[float]:
    values = array("f")
    values.frombytes(raw)
    if sys.byteorder != "little":
        values.byteswap()
    return values


class StoredSignatures(MutableMapping[int, ArticleSignature]):
    """The signatures of stored articles: loaded by id (calling it), made and stored for those
    that have none; set ones are stored ``TEXT_BATCH`` at a time (``flush`` stores the rest).

    As a mapping it holds only the signatures set and not stored yet, so that clustering can
    give it every new article's signature without holding them all.
    """

    def __init__(
        self, store: ArticleStore, method: ClusterMethod, embedder: Embedder | None
    ) -> None:
        self.store = store
        self.method = method
        self.embedder = embedder
        self._unsaved: dict[int, ArticleSignature] = {}

    def __call__(self, article_ids: Sequence[int]) -> dict[int, ArticleSignature]:
        """The signatures of these articles (unknown ids are left out)."""
        found = {i: self._unsaved[i] for i in article_ids if i in self._unsaved}
        asked = [i for i in article_ids if i not in found]
        for article_id, blob in self.store.article_signatures(asked).items():
            signature = decode_signature(blob, self.method)
            if signature is not None:
                found[article_id] = signature
        missing = [i for i in asked if i not in found]
        for start in range(0, len(missing), TEXT_BATCH):
            made = {
                article.id: article_signature(article, method=self.method, embedder=self.embedder)
                for article in self.store.get_articles(missing[start : start + TEXT_BATCH])
            }
            found.update(made)
            self._save(made)
        return found

    def __getitem__(self, article_id: int) -> ArticleSignature:
        return self._unsaved[article_id]

    def __setitem__(self, article_id: int, signature: ArticleSignature) -> None:
        self._unsaved[article_id] = signature
        if len(self._unsaved) >= TEXT_BATCH:
            self.flush()

    def __delitem__(self, article_id: int) -> None:
        del self._unsaved[article_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._unsaved)

    def __len__(self) -> int:
        return len(self._unsaved)

    def flush(self) -> None:
        """Store the signatures set and not stored yet."""
        self._save(self._unsaved)
        self._unsaved = {}

    def _save(self, signatures: Mapping[int, ArticleSignature]) -> None:
        # A failure only costs making them again from the text next time.
        if not signatures:
            return
        try:
            self.store.set_article_signatures(
                {i: encode_signature(s, self.method) for i, s in signatures.items()}
            )
        except StorageError:
            log.exception("could not store the signatures of %d articles", len(signatures))
