"""Article signatures as the store keeps them: their bytes form, and the clustering window's
signatures read back from the store in batches (made from the text once when none is stored).

Clustering a window of 100,000 articles must not hold the window's signatures in memory: a
signature is stored with its article when the article is first clustered, and clustering
reads the ones it needs when it needs them.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import struct
import sys
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, Literal, TypeVar

from digests.errors import StorageError
from digests.event_features import EventFeatures
from digests.records import Article
from digests.similarity import (
    ArticleSignature,
    ClusterMethod,
    Embedder,
    Query,
    article_signature,
    moment_of,
)
from digests.store.base import ArticleStore
from digests.term_vectors import INDEXED_TERMS, PackedVector, heaviest_first

log = logging.getLogger(__name__)
_Part = TypeVar("_Part")

# Articles read back per query to make the signatures none is stored for: bounds the text
# held at once.
TEXT_BATCH = 500

# Bytes of stored signatures kept in their stored form after they were made or read: in a
# refresh, new articles are the likeliest candidates of the next ones, and reading them back
# costs a query each time (a window of 100,000 signatures would take about 70 MB).
RECENT_BYTES = 8 * 1024 * 1024

# Raised whenever what a signature holds or how it is made changes: older ones are then
# made again from the text instead of being read.
_VERSION = 1
_METHODS: tuple[ClusterMethod, ...] = ("lexical", "features", "embedding")
_HAS_FEATURES = 1
_EXPLAINER = 2
_REVIEW = 4
# The whole vector of an article not clustered yet, heaviest terms first, its weights as
# float64: what placing the article needs (``encode_query``). Its first INDEXED_TERMS terms,
# as float32, are the signature clustering keeps.
_WHOLE = 8
# version, method, flags, when, then the counts of terms, names, figures, headline figures,
# kicker and rest-of-headline words and embedding dimensions; then the weights, the
# embedding (float32, little-endian) and the strings, one a line.
_HEADER = struct.Struct("<BBBdHHHHHHH")
_SEPARATOR = "\n"


def encode_signature(signature: ArticleSignature, method: ClusterMethod) -> bytes:
    """The bytes form of a signature made by ``method``."""
    return _encode(signature, method, signature.vector, 0)


def encode_query(query: Query) -> bytes:
    """The bytes form of an article's query by the features method (``text_query``), from
    which ``decode_query`` gives it back exactly and ``decode_signature`` its signature. An
    unknown moment is NaN: it is only known once the article is stored."""
    kept = sorted(query.vector.items(), key=heaviest_first)
    vector = (tuple(t for t, _ in kept), array("d", (w for _, w in kept)))
    return _encode(query.signature, "features", vector, _WHOLE)


def _encode(
    signature: ArticleSignature,
    method: ClusterMethod,
    vector: tuple[Sequence[str], array[float]],
    flags: int,
) -> bytes:
    terms, weights = vector
    features = signature.features
    strings = list(terms)
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
    """The signature ``encode_signature`` (or ``encode_query``) stored; None if it was made by
    another method, in a form this version does not read, or at an unknown moment (it is then
    made again)."""
    decoded = _decode(blob, method)
    if decoded is None:
        return None
    whole, signature = decoded
    if whole is None:
        return signature
    if math.isnan(signature.when):
        return None
    return _packed(whole, signature)


def decode_query(blob: bytes, method: ClusterMethod, when: float) -> Query | None:
    """The query ``encode_query`` stored, at moment ``when``; None for any other form."""
    whole, signature = _decode(blob, method) or (None, None)
    if whole is None or signature is None:
        return None
    packed = _packed(whole, signature)
    return Query(dict(zip(*whole, strict=True)), dataclasses.replace(packed, when=when))


def decode_vector(blob: bytes, method: ClusterMethod) -> PackedVector | None:
    """The vector of the signature ``decode_signature`` gives (None where it gives None),
    read without the rest: what indexing an article needs."""
    header = _header(blob, method)
    if header is None:
        return None
    flags, when, n_terms, *_, n_embedding = header
    whole = bool(flags & _WHOLE)
    if whole and math.isnan(when):
        return None
    offset = _HEADER.size
    width = 8 if whole else 4
    weights = _floats(blob[offset : offset + width * n_terms], "d" if whole else "f")
    offset += width * n_terms + 4 * n_embedding
    text = blob[offset:].decode("utf-8")
    strings = text.split(_SEPARATOR, n_terms) if text else []
    if whole:
        return tuple(map(sys.intern, strings[: min(n_terms, INDEXED_TERMS)])), array(
            "f", weights[:INDEXED_TERMS]
        )
    return tuple(map(sys.intern, strings[:n_terms])), weights


def _header(blob: bytes, method: ClusterMethod) -> tuple[Any, ...] | None:
    """A blob's header after its version and method (flags, moment, then the counts, see
    ``_HEADER``) when ``method`` made it in this version's form; None for any other."""
    if len(blob) < _HEADER.size:
        return None
    version, method_code, *rest = _HEADER.unpack_from(blob)
    if version != _VERSION or method_code >= len(_METHODS) or _METHODS[method_code] != method:
        return None
    return tuple(rest)


def _packed(
    whole: tuple[tuple[str, ...], array[float]], signature: ArticleSignature
) -> ArticleSignature:
    terms, weights = whole
    # As ``pack`` keeps it: the heaviest terms, float32.
    packed = (terms[:INDEXED_TERMS], array("f", weights[:INDEXED_TERMS]))
    return dataclasses.replace(signature, vector=packed)


def _decode(
    blob: bytes, method: ClusterMethod
) -> tuple[tuple[tuple[str, ...], array[float]] | None, ArticleSignature] | None:
    """The signature a blob holds, and the whole vector when it holds one (the signature's
    vector is then that whole vector)."""
    header = _header(blob, method)
    if header is None:
        return None
    (
        flags,
        when,
        n_terms,
        n_names,
        n_figures,
        n_headline,
        n_kicker,
        n_rest,
        n_embedding,
    ) = header
    offset = _HEADER.size
    width = 8 if flags & _WHOLE else 4
    weights = _floats(blob[offset : offset + width * n_terms], "d" if width == 8 else "f")
    offset += width * n_terms
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
    signature = ArticleSignature((terms, weights), when, features, embedding)
    return ((terms, weights) if flags & _WHOLE else None), signature


def _little_endian(values: array[float]) -> bytes:
    if sys.byteorder == "little":
        return values.tobytes()
    swapped = array(values.typecode, values)
    swapped.byteswap()
    return swapped.tobytes()


def _floats(raw: bytes, typecode: Literal["f", "d"] = "f") -> array[float]:
    values = array(typecode)
    values.frombytes(raw)
    if sys.byteorder != "little":
        values.byteswap()
    return values


class StoredSignatures(MutableMapping[int, ArticleSignature]):
    """The signatures of stored articles: loaded by id (calling it), made and stored for those
    that have none; set ones are stored ``TEXT_BATCH`` at a time (``flush`` stores the rest).

    As a mapping it holds only the signatures set and not stored yet, so that clustering can
    give it every new article's signature without holding them all. The stored forms of the
    most recently made or read ones are kept, up to ``recent_bytes``, so that those are read
    without a query.
    """

    def __init__(
        self,
        store: ArticleStore,
        method: ClusterMethod,
        embedder: Embedder | None,
        *,
        recent_bytes: int = RECENT_BYTES,
    ) -> None:
        self.store = store
        self.method = method
        self.embedder = embedder
        self.recent_bytes = recent_bytes
        self._unsaved: dict[int, ArticleSignature] = {}
        self._recent: OrderedDict[int, bytes] = OrderedDict()
        self._recent_size = 0

    def __call__(self, article_ids: Sequence[int]) -> dict[int, ArticleSignature]:
        """The signatures of these articles (unknown ids are left out)."""
        return self._read(article_ids, decode_signature, _whole_signature)

    def vectors(self, article_ids: Sequence[int]) -> dict[int, PackedVector]:
        """The packed vectors of these articles' signatures (unknown ids are left out), for
        indexing them: decoding the rest of a window's signatures cost as much as reading
        them from the store."""
        return self._read(article_ids, decode_vector, _vector_of)

    def _read(
        self,
        article_ids: Sequence[int],
        decode: Callable[[bytes, ClusterMethod], _Part | None],
        part: Callable[[ArticleSignature], _Part],
    ) -> dict[int, _Part]:
        found: dict[int, _Part] = {}
        asked = []
        for article_id in article_ids:
            if (unsaved := self._unsaved.get(article_id)) is not None:
                found[article_id] = part(unsaved)
            elif (blob := self._recent.get(article_id)) is not None:
                self._recent.move_to_end(article_id)
                if (decoded := decode(blob, self.method)) is not None:
                    found[article_id] = decoded
            else:
                asked.append(article_id)
        stored = self.store.article_signatures(asked) if asked else {}
        for article_id, blob in stored.items():
            decoded = decode(blob, self.method)
            if decoded is not None:
                found[article_id] = decoded
                self._keep(article_id, blob)
        missing = [i for i in asked if i not in found]
        for start in range(0, len(missing), TEXT_BATCH):
            made = {
                article.id: article_signature(article, method=self.method, embedder=self.embedder)
                for article in self.store.get_articles(missing[start : start + TEXT_BATCH])
            }
            found.update((i, part(signature)) for i, signature in made.items())
            self._save(made)
        return found

    def queries(self, articles: Sequence[Article]) -> dict[int, Query]:
        """The queries of these unclustered articles that were stored with them (made where
        their text was read, see ``encode_query``); the others are left out."""
        if self.method == "lexical" or not articles:
            return {}
        moments = {a.id: moment_of(a) for a in articles}
        found: dict[int, Query] = {}
        for article_id, blob in self.store.article_signatures(list(moments)).items():
            query = decode_query(blob, "features", moments[article_id])
            if query is not None:
                found[article_id] = query
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
        blobs = {i: encode_signature(s, self.method) for i, s in signatures.items()}
        try:
            self.store.set_article_signatures(blobs)
        except StorageError:
            log.exception("could not store the signatures of %d articles", len(signatures))
        for article_id, blob in blobs.items():
            self._keep(article_id, blob)

    def _keep(self, article_id: int, blob: bytes) -> None:
        """Keep a stored form among the recent ones (the oldest beyond the budget go)."""
        old = self._recent.pop(article_id, None)
        if old is not None:
            self._recent_size -= len(old)
        self._recent[article_id] = blob
        self._recent_size += len(blob)
        while self._recent_size > self.recent_bytes and self._recent:
            _, dropped = self._recent.popitem(last=False)
            self._recent_size -= len(dropped)


def _whole_signature(signature: ArticleSignature) -> ArticleSignature:
    return signature


def _vector_of(signature: ArticleSignature) -> PackedVector:
    return signature.vector
