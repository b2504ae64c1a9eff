"""A compact term → row lookup for the 维权问答 index: sorted 64-bit hashes in numpy instead of a dict of strings.

The learned channel knows over a hundred thousand character n-grams and the BM25 channels tens of thousands of
terms; as dicts of str those cost each web worker about 20 MiB of small objects, as two arrays under 2 MiB.
Python's str hash is salted per interpreter, which is fine here: the table is built and read in the same process
(and in the workers forked from it, which inherit the salt). Two terms of the table sharing a 64-bit hash, or an
unknown term hashing onto a known one, is a chance of about n / 2^64 per lookup: ignored.

    terms = Terms(["维修", "退货"])      # rows in the given order
    terms.get("退货") → 1;  terms.rows(["退货", "天气"]) → array([1, -1])
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class Terms:
    def __init__(self, terms: Iterable[str]) -> None:
        hashes = np.fromiter((hash(t) for t in terms), dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        self._keys = hashes[order]
        self._rows = order.astype(np.int32)

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, term: str) -> int | None:
        h = hash(term)
        i = int(np.searchsorted(self._keys, h))
        return int(self._rows[i]) if i < len(self._keys) and self._keys[i] == h else None

    def __contains__(self, term: str) -> bool:
        return self.get(term) is not None

    def rows(self, terms: Sequence[str]) -> np.ndarray:
        """Each term's row, -1 where unknown."""
        if not len(terms) or not len(self._keys):
            return np.full(len(terms), -1, dtype=np.int64)
        hashes = np.fromiter((hash(t) for t in terms), dtype=np.int64, count=len(terms))
        at = np.minimum(np.searchsorted(self._keys, hashes), len(self._keys) - 1)
        return np.where(self._keys[at] == hashes, self._rows[at], -1).astype(np.int64)
