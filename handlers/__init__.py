"""Conversation features in priority order: the router tries each module's `ENTRIES` in this order.

A feature module exposes `ENTRIES`: a list of `bot.conversation.Flow` and `bot.conversation.Command` values.
`FALLBACK(turn)` answers any text nothing else claimed.
"""
from handlers import complaint, menu, poll, publications, rights_qa

FEATURES = [
    menu,
    complaint,
    poll,
    publications,
    rights_qa,
]

FALLBACK = rights_qa.answer
