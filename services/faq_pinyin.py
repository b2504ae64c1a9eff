"""A 维权问答 message typed in pinyin, read back as Chinese characters with the knowledge base's own words.

    reader = Reader.build(texts, words=text.plain_words, sounds=char_to_toneless_pinyin)
    reader.read("kuaidi diu le")                  → Reading("快递丢了", alternatives=())
    reader.read("taobao maide xie huaile")        → Reading("淘宝买的写坏了",
                                                            alternatives=("淘宝卖的写坏了", ..., "淘宝买的鞋坏了", ...))
    reader.read("bought an air conditioner")       → None   (not pinyin: "bought" is no run of syllables)

Some consumers type pinyin when their phone's input method fails them or they are in a hurry (issue 11: such a
message used to get "只看得懂中文"). Every Latin word of the message must split into words of the lexicon, read
as toneless pinyin; the split with the fewest pieces wins, and each piece is the most frequent word of that sound.
The lexicon is the words of the published entries' questions and of the consumers' example messages, so "shipin"
reads as 食品 (not 视频) here. Any word that does not split means the message is not pinyin, and the caller answers
it as before. Where a sound is shared by words of comparable use (xie: 写, 鞋, 谢), the reading also lists the
message with each of the next words in that place (at most MAX_ALTERNATIVES readings): when those would be answered
with another entry, the caller shows choices rather than answering a guess outright. Built the first time a snapshot
meets such a message (a rare one), never on the question path of Chinese text.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

MIN_LETTERS = 4                              # "ok", "hi", "a" are not worth reading as pinyin
SURE_SHARE = 0.7                             # a sound is its word for sure when that word has this share of its uses
RUNNERS_UP = 3                               # otherwise the message is also read with each next word in its place
MAX_ALTERNATIVES = 12                        # each is classified: a long run of unsure syllables must not cost seconds
_TOKEN = re.compile(r"[a-z]+|[0-9]+")


@dataclass(frozen=True)
class Reading:
    text: str
    alternatives: tuple[str, ...]            # the same message with one unsure sound read as another word


@dataclass(frozen=True)
class Reader:
    lexicon: Mapping[str, str]               # toneless pinyin of a word → the most frequent word that sounds so
    runners_up: Mapping[str, tuple[str, ...]]    # sounds whose most frequent word has less than SURE_SHARE of their
                                                 # uses → the next RUNNERS_UP words
    longest: int                             # the longest key, in letters

    @classmethod
    def build(cls, texts: Iterable[str], *, words: Callable[[str], list[str]],
              sounds: Mapping[str, str]) -> Reader:
        counts: Counter[str] = Counter()
        chars: Counter[str] = Counter()
        for text in texts:
            found = [w for w in words(text) if all(c in sounds for c in w)]
            counts.update(w for w in found if len(w) > 1)
            chars.update(c for w in found for c in w)      # one syllable: the character most used anywhere (预付 → yu)
        counts.update(chars)
        spelled: dict[str, list[tuple[int, str]]] = {}
        for word, n in counts.items():
            if len(word) <= 6:
                spelled.setdefault("".join(sounds[c] for c in word), []).append((n, word))
        lexicon, runners_up = {}, {}
        for key, uses in spelled.items():
            uses.sort(reverse=True)
            lexicon[key] = uses[0][1]
            if uses[0][0] < SURE_SHARE * sum(n for n, _ in uses):
                runners_up[key] = tuple(word for _, word in uses[1:1 + RUNNERS_UP])
        return cls(lexicon=lexicon, runners_up=runners_up, longest=max((len(k) for k in lexicon), default=0))

    def read(self, text: str) -> Reading | None:
        """The message in characters, or None when it is not pinyin (or has too few letters to tell)."""
        tokens = _TOKEN.findall(text.lower())
        if any(c.isalpha() and not c.isascii() for c in text) or sum(
                len(t) for t in tokens if t.isalpha()) < MIN_LETTERS:
            return None
        keys: list[str] = []
        for token in tokens:
            pieces = [token] if token.isdigit() else self._split(token)
            if pieces is None:
                return None
            keys.extend(pieces)
        words = [self.lexicon.get(key, key) for key in keys]
        alternatives = ["".join([*words[:i], other, *words[i + 1:]])
                        for i, key in enumerate(keys) for other in self.runners_up.get(key, ())]
        return Reading("".join(words), tuple(alternatives[:MAX_ALTERNATIVES]))   # as Chinese is typed: no spaces

    def _split(self, token: str) -> list[str] | None:
        """The sounds of the fewest lexicon words that spell `token` (of equal splits, the one found first)."""
        n = len(token)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - self.longest), end):
                head, key = best[start], token[start:end]
                if head is None or key not in self.lexicon:
                    continue
                if best[end] is None or len(head) + 1 < len(best[end]):
                    best[end] = [*head, key]
        return best[n]
