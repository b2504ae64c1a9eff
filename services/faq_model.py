"""The 维权问答 learned channel: character 1–3-gram TF-IDF with one centroid per entry (a Rocchio classifier),
built in this process from the published entries' own questions, paraphrases and keywords. Pure numpy; no
database, no Redis, nothing downloaded.

    model = Centroids.build([("slug", ["question", "paraphrase", ...]), ...], normalise=text.normalise)
    model.scores("pdd买的吹风机坏了咋整") → one cosine per entry (slugs in model.slugs)

Why this shape (issue 11 pointed at char n-gram TF-IDF + logistic regression): measured here on the two older
held-out sets, the per-entry centroid of the same TF-IDF vectors put the right entry first for 268/306 and 156/176
questions, against 245 and 144 for a logistic regression trained in numpy for 30 s (scikit-learn is not
installed: scipy alone would cost each web worker more memory than the whole Q&A index). The centroid needs no
training, builds in well under a second and its cosine is an absolute figure usable as confidence.

Character n-grams need no word segmentation, so a typo or an unknown word costs only its own n-grams; n-grams the
knowledge base never uses are dropped before the vector is normalised, so a long, venting message is not penalised
for its unknown words. Storage is an inverted index (n-gram → entries, weights) and the n-grams as hashes
(`services/faq_terms.py`): a few megabytes.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from services.faq_terms import Terms

NGRAMS = (2, 3)          # 1-grams are counted too (see ngrams); n > 1 are taken with chunk-edge padding


def ngrams(normalised: str) -> list[str]:
    """CJK characters, and 2- and 3-grams inside each space-separated chunk padded with one space on each side
    (digits and Latin letters alone say nothing: "1" must not look like 12315; the BM25 channels see them)."""
    out: list[str] = []
    for chunk in normalised.split():
        out.extend(c for c in chunk if c >= "\u3400")
        padded = f" {chunk} "
        for n in NGRAMS:          # only n-grams with a CJK character: "123456" must not look like 12345
            out.extend(g for g in (padded[i:i + n] for i in range(len(padded) - n + 1)) if max(g) >= "\u3400")
    return out


@dataclass
class Centroids:
    slugs: list[str]
    vocabulary: Terms          # n-gram → column
    idf: np.ndarray            # (F,) float32
    starts: np.ndarray         # (F + 1,) int32 offsets into entries/weights: n-gram f's are [starts[f], starts[f+1])
    entries: np.ndarray        # (nnz,) int32 entry index
    weights: np.ndarray        # (nnz,) float32 centroid weight
    normalise: Callable[[str], str]

    def __post_init__(self) -> None:
        self.position = {slug: i for i, slug in enumerate(self.slugs)}
        self._labelled: dict[str, np.ndarray] = {}

    def labelled(self, prefix: str) -> np.ndarray:
        """Positions of the labels starting with `prefix` (e.g. the referrals' "ref:" pseudo-entries)."""
        if prefix not in self._labelled:
            self._labelled[prefix] = np.array([i for i, slug in enumerate(self.slugs) if slug.startswith(prefix)],
                                              dtype=np.int64)
        return self._labelled[prefix]

    @classmethod
    def build(cls, entries: Sequence[tuple[str, Sequence[str]]], *,
              normalise: Callable[[str], str]) -> Centroids | None:
        """One TF-IDF vector per phrasing; an entry's centroid is the normalised mean of its phrasings' vectors.
        Two passes over the phrasings (document frequencies, then vectors), each phrasing's n-grams made afresh in
        each from its normalised text: holding every phrasing's n-grams at once would set each worker's memory by
        the build's peak."""
        normalised = [(label, normalise(text)) for label, (_, texts) in enumerate(entries) for text in texts]

        def phrasings():                  # normalised once (the synonym table's regex is the costly part)
            for label, text in normalised:
                grams = ngrams(text)
                if grams:
                    yield label, grams
        df: dict[str, int] = {}
        n_docs = 0
        for _, grams in phrasings():
            n_docs += 1
            for g in set(grams):
                df[g] = df.get(g, 0) + 1
        if not n_docs:
            return None
        vocabulary = Terms(df)                           # columns in df's order, as idf below
        idf = np.array([math.log((1 + n_docs) / (1 + n)) + 1 for n in df.values()], dtype=np.float32)
        del df
        # Each phrasing's vector as (entry, n-gram, weight) triples; summed per (entry, n-gram) and normalised per
        # entry in numpy, then laid out by n-gram: a dict per entry of thousands of floats would set the peak.
        labels, columns, values = [], [], []
        for label, grams in phrasings():
            cols, vals = _tfidf(grams, vocabulary, idf)
            labels.append(np.full(len(cols), label, dtype=np.int64))
            columns.append(cols)
            values.append(vals.astype(np.float64))
        n_features = len(vocabulary)
        keys, position = np.unique(np.concatenate(labels) * n_features + np.concatenate(columns), return_inverse=True)
        totals = np.bincount(position, weights=np.concatenate(values))
        label_of, column_of = np.divmod(keys, n_features)
        norms = np.sqrt(np.bincount(label_of, weights=totals * totals, minlength=len(entries)))
        norms[norms == 0] = 1.0
        order = np.lexsort((label_of, column_of))           # by n-gram, then entry
        starts = np.zeros(n_features + 1, dtype=np.int32)
        np.cumsum(np.bincount(column_of, minlength=n_features), out=starts[1:])
        return cls(slugs=[slug for slug, _ in entries], vocabulary=vocabulary, idf=idf, starts=starts,
                   entries=label_of[order].astype(np.int32),
                   weights=(totals / norms[label_of])[order].astype(np.float32), normalise=normalise)

    def scores(self, text: str) -> np.ndarray:
        """Cosine of the message with every entry's centroid (zeros when no n-gram is known)."""
        out = np.zeros(len(self.slugs), dtype=np.float32)
        cols, vals = _tfidf(ngrams(self.normalise(text)), self.vocabulary, self.idf)
        if not len(cols):
            return out
        spans = [np.arange(self.starts[c], self.starts[c + 1]) for c in cols.tolist()]
        index = np.concatenate(spans)
        scale = np.repeat(vals, [len(s) for s in spans])
        np.add.at(out, self.entries[index], self.weights[index] * scale)
        return out


def _tfidf(grams: list[str], vocabulary: Terms, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The L2-normalised TF-IDF of known n-grams as (columns, values)."""
    rows = vocabulary.rows(grams)
    cols, counts = np.unique(rows[rows >= 0], return_counts=True)
    if not len(cols):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    vals = counts.astype(np.float32) * idf[cols]
    return cols, vals / np.float32(np.linalg.norm(vals))
