"""The 维权问答 ranking index: BM25 over each entry's question, paraphrases and keywords, plus character-bigram and
pinyin-bigram BM25 for typos and homophones. Pure computation over plain values; no database, no Redis.

Each entry contributes one document per phrasing (the question and every paraphrase) and one for its keywords.
An entry's score on each channel is its best document's BM25 divided by what the query would score against a
document made of exactly its own terms (the sum of its terms' idf), so 1.0 means "every informative term of the
question was found in one phrasing" and scores compare across questions. Unknown terms count in that denominator,
which is what keeps "今天天气怎么样" from matching anything.

    score = WORD_WEIGHT·word + (1 − WORD_WEIGHT)·max(bigram, sound)
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rank_bm25 import BM25Okapi

from services.faq_text import Text

WORD_WEIGHT = 0.6
KEYWORDS_DOC_WEIGHT = 0.8      # a hit on the bag of keywords counts a little less than one on a real phrasing
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
    score: float
    word: float = 0.0
    bigram: float = 0.0
    sound: float = 0.0
    matched: str = ""              # the phrasing that scored best on words, for the console


@dataclass
class Query:
    """A question after normalisation, with the terms of each channel."""

    text: str
    words: list[str] = field(default_factory=list)
    bigrams: list[str] = field(default_factory=list)
    sounds: list[str] = field(default_factory=list)


class _Channel:
    """One BM25 over token lists, documents grouped by entry; returns each entry's normalised best score."""

    def __init__(self, docs: list[list[str]], owners: list[int], weights: list[float], n_entries: int) -> None:
        self.owners, self.weights, self.n_entries = owners, weights, n_entries
        self.bm25 = BM25Okapi([d or ["\0"] for d in docs])
        self.max_idf = max(self.bm25.idf.values(), default=1.0)

    def idf(self, term: str) -> float:
        known = self.bm25.idf.get(term)
        return known if known is not None else self.max_idf * UNKNOWN_IDF_SHARE

    def scores(self, terms: list[str]) -> tuple[list[float], list[int]]:
        """Per entry: the normalised best score and the index of the document that gave it."""
        best = [0.0] * self.n_entries
        where = [-1] * self.n_entries
        unique = list(dict.fromkeys(terms))
        ideal = sum(max(self.idf(t), 0.0) for t in unique)
        if not unique or ideal <= 0:
            return best, where
        known = [t for t in unique if t in self.bm25.idf]
        if not known:
            return best, where
        raw = self.bm25.get_scores(known)
        for doc, value in enumerate(raw):
            value = float(value) * self.weights[doc]
            owner = self.owners[doc]
            if value > best[owner]:
                best[owner], where[owner] = value, doc
        return [min(b / ideal, 1.0) for b in best], where


class Index:
    """Built once per process from the published entries; `rank(question)` is the per-request work."""

    def __init__(self, entries: Sequence[Phrasings], text: Text) -> None:
        self.text = text
        self.slugs = [e.slug for e in entries]
        self.phrases: list[str] = []
        owners: list[int] = []
        weights: list[float] = []
        normalised: list[str] = []
        for i, entry in enumerate(entries):
            for phrase in [entry.question, *entry.paraphrases]:
                self.phrases.append(phrase)
                normalised.append(text.normalise(phrase))
                owners.append(i)
                weights.append(1.0)
            if entry.keywords:
                self.phrases.append(" ".join(entry.keywords))
                normalised.append(text.normalise(" ".join(entry.keywords)))
                owners.append(i)
                weights.append(KEYWORDS_DOC_WEIGHT)
        self.vocabulary = set()
        word_docs = [text.words(n) for n in normalised]
        for doc in word_docs:
            self.vocabulary.update(doc)
        n = len(entries)
        self.empty = n == 0
        if self.empty:
            return
        self._words = _Channel(word_docs, owners, weights, n)
        self._bigrams = _Channel([text.bigrams(x) for x in normalised], owners, weights, n)
        self._sounds = _Channel([text.sounds(x) for x in normalised], owners, weights, n)

    def __len__(self) -> int:
        return len(self.slugs)

    def query(self, question: str) -> Query:
        norm = self.text.normalise(question)
        return Query(text=norm, words=self.text.words(norm), bigrams=self.text.bigrams(norm),
                     sounds=self.text.sounds(norm))

    def known_words(self, query: Query) -> list[str]:
        return [w for w in query.words if w in self.vocabulary]

    def rank(self, query: Query, *, limit: int = 5) -> list[Hit]:
        """The best `limit` entries for a normalised query, best first (ties by slug for stable output)."""
        if self.empty or not (query.words or query.bigrams):
            return []
        word, where = self._words.scores(query.words)
        bigram, _ = self._bigrams.scores(query.bigrams)
        sound, _ = self._sounds.scores(query.sounds)
        hits = []
        for i, slug in enumerate(self.slugs):
            fuzzy = max(bigram[i], sound[i])
            score = WORD_WEIGHT * word[i] + (1 - WORD_WEIGHT) * fuzzy
            if score > 0:
                hits.append(Hit(slug=slug, score=round(score, 4), word=round(word[i], 4),
                                bigram=round(bigram[i], 4), sound=round(sound[i], 4),
                                matched=self.phrases[where[i]] if where[i] >= 0 else ""))
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

