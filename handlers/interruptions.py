"""Is a message typed in the middle of a form a consumer question? The flow engine's rules 4 and 5
(`bot.conversation`) ask here, for every flow.

A message is *phrased as a question* when it is short (a form answer that tells a story is not an aside) and has a
question mark or an interrogative word (吗, 怎么, 能不能, 多少, 为什么, …). It is a *clear question* when, besides,
the knowledge base answers it confidently (`services.faq.classify`, which records nothing): the engine then answers
it and stores nothing. Phrased as a question without a confident answer, it is *unsure*: the engine asks once
whether it is the answer. Anything else — "好又多超市", "城关镇人民路88号", "13812345678" — is data.
"""
from __future__ import annotations

import re

from bot.conversation import Aside, Turn
from handlers import rights_qa
from services import faq

QUESTION_CHARS = 40
_QUESTION = re.compile(r"[?？]|吗|嘛|么$|呢$|怎么|怎样|如何|咋|能不能|可不可以|能否|是否|多少|几[天个块]|为什么|为啥|"
                       r"什么|啥|哪里|哪儿|哪个|有没有|要不要|行不行|会不会|算不算|该不该|"
                       # the dialect's yes-no question ends in 不 or 没 ("过期的能退不", "有人管没"); how long, who
                       r"(能|可以|行|中|犯法|违法|算|是|有|要|会|管|赔|退)[^，,。]{0,8}(不|没)$|多久|多长时间|谁(出|管|负责|赔|来)")


def phrased_as_question(text: str) -> bool:
    text = text.strip()
    return 0 < len(text) <= QUESTION_CHARS and bool(_QUESTION.search(text))


def aside(turn: Turn) -> Aside:
    """The answer to a clear consumer question, `unsure` for one the knowledge base cannot answer, else nothing."""
    text = turn.text
    if not phrased_as_question(text):
        return Aside()
    result = faq.classify(text)
    if result.kind is faq.Kind.ANSWER and result.entry is not None:
        return Aside(answer=rights_qa.render(result.entry))
    return Aside(unsure=True)
