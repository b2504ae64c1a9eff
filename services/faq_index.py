"""The 维权问答 ranking index: BM25 over each entry's question, paraphrases and keywords — on words, on character
bigrams (a wrong or missing character) and on pinyin bigrams (a homophone from a pinyin IME). Pure computation over
plain values; no database, no Redis.

Each entry is one document per channel: its question (twice: it is the reviewed wording), every paraphrase and its
keywords. Measured on the held-out set, one document per entry ranks better than scoring each phrasing alone: the
paraphrases pool their evidence. The channels are fused on scores scaled by each channel's best:

    rank score = word/max(word) + BIGRAM_WEIGHT·bigram/max(bigram) + SOUND_WEIGHT·sound/max(sound)

Confidence is a separate, absolute figure — `coverage`: the share of the question's idf mass found in the entry
(the best of the three channels). Unknown words count in that denominator, so "今天天气怎么样" covers nothing.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rank_bm25 import BM25Okapi

from services.faq_terms import Terms
from services.faq_text import Text

K1, B = 1.5, 0.5               # BM25 term saturation and length normalisation
BIGRAM_WEIGHT = 1.0
SOUND_WEIGHT = 0.5
QUESTION_REPEAT = 2
UNKNOWN_IDF_SHARE = 0.6        # an unknown query term weighs this share of the rarest known term's idf


@dataclass(frozen=True)
class Phrasings:
    """What the index needs of one entry."""

    slug: str
    question: str
    paraphrases: Sequence[str] = ()
    keywords: Sequence[str] = ()


@dataclass
class Hit:
    slug: str
    score: float                   # fused rank score: order only; the top entry scores about 1 + weights
    coverage: float = 0.0          # share of the question's informative terms found in this entry, 0..1
    evidence: float = 0.0          # idf mass of the question's words (+ half its bigrams') found in this entry
    word: float = 0.0
    bigram: float = 0.0
    sound: float = 0.0
    learned: float = 0.0           # cosine with the entry's TF-IDF centroid (services/faq_model.py)
    fused: float = 0.0             # what the final order uses (services/faq_rank.py)


@dataclass
class Query:
    """A question after normalisation, with the terms of each channel."""

    text: str
    words: list[str] = field(default_factory=list)
    bigrams: list[str] = field(default_factory=list)
    sounds: list[str] = field(default_factory=list)


class _Channel:
    """One BM25 over token lists (one document per entry) as an inverted index of precomputed term weights.

    rank-bm25 supplies the statistics (idf with its floor for very common terms, document lengths); its own
    `get_scores` walks every document for every term, so the weights are laid out once here and a query only
    touches the postings of its own terms. The postings are flat arrays (term row → [starts[row], starts[row + 1])
    of docs/weights), not a tuple per posting: consumers' long example messages would otherwise cost each worker
    megabytes of small objects."""

    def __init__(self, docs: list[list[str]]) -> None:
        bm25 = BM25Okapi([d or ["\0"] for d in docs], k1=K1, b=B)
        row = {term: i for i, term in enumerate(bm25.idf)}                 # while building; then as hashes
        self.idf = np.fromiter(bm25.idf.values(), dtype=np.float64, count=len(row))
        self.max_idf = float(self.idf.max()) if len(self.idf) else 1.0
        rows, docs_of, weights = array("q"), array("i"), array("f")     # one posting each, compact while building
        for doc, freqs in enumerate(bm25.doc_freqs):
            norm = K1 * (1 - B + B * bm25.doc_len[doc] / bm25.avgdl)
            for term, tf in freqs.items():
                at = row[term]
                rows.append(at)
                docs_of.append(doc)
                weights.append(self.idf[at] * tf * (K1 + 1) / (tf + norm))
        del bm25
        self.row = Terms(row)
        del row
        rows_np = np.frombuffer(rows, dtype=np.int64)
        order = np.argsort(rows_np, kind="stable")            # by term, documents in order within a term
        self.starts = np.zeros(len(self.row) + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows_np, minlength=len(self.row)), out=self.starts[1:])
        self.docs = np.frombuffer(docs_of, dtype=np.int32)[order]
        self.weights = np.frombuffer(weights, dtype=np.float32)[order]

    def term_idf(self, term: str) -> float:
        row = self.row.get(term)
        return max(float(self.idf[row]) if row is not None else self.max_idf * UNKNOWN_IDF_SHARE, 0.0)

    def scores(self, terms: list[str]) -> tuple[dict[int, float], dict[int, float], float]:
        """BM25 per document that shares a term, the idf mass of the query's terms each one contains, and the
        query's whole idf mass."""
        unique = list(dict.fromkeys(terms))
        ideal = sum(self.term_idf(t) for t in unique)
        raw: dict[int, float] = {}
        found: dict[int, float] = {}
        for term in unique:
            row = self.row.get(term)
            if row is None:
                continue
            idf = self.term_idf(term)
            span = slice(self.starts[row], self.starts[row + 1])
            for doc, weight in zip(self.docs[span].tolist(), self.weights[span].tolist()):
                raw[doc] = raw.get(doc, 0.0) + weight
                found[doc] = found.get(doc, 0.0) + idf
        return raw, found, ideal


class Index:
    """Built once per process from the published entries; `rank(query)` is the per-request work."""

    def __init__(self, entries: Sequence[Phrasings], text: Text) -> None:
        self.text = text
        self.slugs = [e.slug for e in entries]
        normalised = []
        for entry in entries:
            parts = [entry.question] * QUESTION_REPEAT + [str(p) for p in entry.paraphrases] + \
                    [str(k) for k in entry.keywords]
            normalised.append([text.normalise(p) for p in parts])
        word_docs = [[w for p in doc for w in text.words(p)] for doc in normalised]
        self.vocabulary = Terms(dict.fromkeys(w for doc in word_docs for w in doc))   # hashes: `in` is all we ask
        # Staff-chosen keywords and the synonym table's canonical terms: a question naming one is on our topic.
        terms = {"".join(text.normalise(str(k)).split()) for e in entries for k in e.keywords}
        terms |= {t for r in text.synonyms.table.values() for t in r.split()}
        self.domain_terms = sorted((t for t in terms if len(t) >= 2 and t not in text.stopwords), key=len, reverse=True)
        self.empty = not entries
        if self.empty:
            return
        self._channels = (
            (1.0, _Channel(word_docs)),
            (BIGRAM_WEIGHT, _Channel([[g for p in doc for g in text.bigrams(p)] for doc in normalised])),
            (SOUND_WEIGHT, _Channel([[g for p in doc for g in text.sounds(p)] for doc in normalised])),
        )

    def __len__(self) -> int:
        return len(self.slugs)

    def query(self, question: str) -> Query:
        norm = self.text.normalise(question)
        return Query(text=norm, words=self.text.words(norm), bigrams=self.text.bigrams(norm),
                     sounds=self.text.sounds(norm))

    def known_words(self, query: Query) -> list[str]:
        return [w for w in query.words if w in self.vocabulary]

    def domain_words(self, query: Query) -> list[str]:
        """The keywords / canonical terms the question names (substring match on the normalised text)."""
        squeezed = "".join(query.text.split())
        return [t for t in self.domain_terms if t in squeezed]

    def rank(self, query: Query, *, limit: int = 5) -> list[Hit]:
        """The best `limit` entries, best first (ties by slug for a stable order)."""
        if self.empty or not (query.words or query.bigrams):
            return []
        per_channel = []
        for (weight, channel), terms in zip(self._channels, (query.words, query.bigrams, query.sounds)):
            raw, found, ideal = channel.scores(terms)
            top = max(raw.values(), default=0.0)
            per_channel.append((weight, {d: v / top for d, v in raw.items()} if top > 0 else {}, found, ideal))
        candidates = set().union(*(scaled.keys() for _, scaled, _, _ in per_channel))
        hits = []
        for doc in candidates:
            parts = [scaled.get(doc, 0.0) for _, scaled, _, _ in per_channel]
            score = sum(w * p for (w, _, _, _), p in zip(per_channel, parts))
            coverage = max(found.get(doc, 0.0) / ideal if ideal > 0 else 0.0 for _, _, found, ideal in per_channel)
            evidence = per_channel[0][2].get(doc, 0.0) + per_channel[1][2].get(doc, 0.0) / 2
            hits.append(Hit(slug=self.slugs[doc], score=round(score, 4), coverage=round(coverage, 4),
                            evidence=round(evidence, 3), word=round(parts[0], 4), bigram=round(parts[1], 4),
                            sound=round(parts[2], 4)))
        hits.sort(key=lambda h: (-h.score, h.slug))
        return hits[:limit]


def plain_bm25(entries: Sequence[Phrasings], tokenize: Callable[[str], list[str]]) -> Callable[[str], str | None]:
    """The benchmark's baseline: one BM25 document per entry (question + paraphrases + keywords), jieba tokens only,
    no synonyms, no bigrams, no thresholds. Returns `best(question) -> slug | None`."""
    docs = [tokenize(" ".join([e.question, *e.paraphrases, *e.keywords])) for e in entries]
    bm25 = BM25Okapi(docs)

    def best(question: str) -> str | None:
        scores = bm25.get_scores(tokenize(question))
        top = max(range(len(entries)), key=lambda i: scores[i], default=None)
        return entries[top].slug if top is not None and scores[top] > 0 else None
    return best

