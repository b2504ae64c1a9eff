"""Conversation features in priority order: the router tries each module's `ENTRIES` in this order.

A feature module exposes `ENTRIES`: a list of `bot.conversation.Flow` and `bot.conversation.Command` values.
`FALLBACK(turn)` answers any text nothing else claimed. `ASIDE(turn)` tells the flow engine whether a message typed
in the middle of a form is a consumer question to answer instead of storing (`handlers.interruptions`).
"""
from handlers import (complaint, complaint_followup, handover, interruptions, menu, poll, publications, rights_qa,
                      survey)

FEATURES = [
    handover,   # first: staff's own WeChat, QR binding, and the 人工 hand-over (issue 15)
    menu,
    complaint,
    complaint_followup,
    poll,
    survey,     # 消费调查 (issue 17)
    publications,
    rights_qa,
]

FALLBACK = rights_qa.answer
ASIDE = interruptions.aside
