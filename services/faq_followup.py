"""维权问答 follow-ups in context: for FAQ_CONTEXT_TTL after an answer, a short second question ("那都过了十天了呢",
"运费谁出") is read against the entry just given and its related entries before the whole knowledge base, or against
another entry of the same topic that it clearly names ("发票丢了呢" after 修了两次); a message that is clearly a new topic
still wins. A short message is a follow-up only when it can be one: small talk ("你会唱歌不"), a question complete in
itself ("瓷砖空鼓好几块") and one with nothing of the family in it ("西瓜咋挑甜的") are read on their own, unless they
point back at what was said ("那…", "要是…", "他…"). Also recognises venting, so the reply can open with a line of
empathy.

The context is one Redis key per follower (`keys.faq_context`, 5 minutes): the entry answered and the consumer's
words that got it (so "不对" can put them before a person); losing it (Redis down) only means a follow-up is ranked
like a first question.
"""
from __future__ import annotations

import re

from redis.exceptions import RedisError

import logs
from extensions import redis
from services import faq_rank, keys
from services.faq_text import cjk_count

log = logs.get(__name__)

REFERRAL = faq_rank.REFERRAL_SLUG   # context value prefix: the last reply was a referral, not an entry
FOLLOW_MAX_CHARS = 16          # longer messages tell a new story ("那运费谁出啊", "合同里没写违约金咋办" are 6 and 10)
STORY_CHARS = 10               # a follow-up this long may be a story of its own ("小区车位让物业卖给外人了"), which
#                                another office's examples may take from the last answer; a shorter one is a fragment
NEW_TOPIC_COSINE = 0.45        # a clear answer outside the family at this cosine is a new topic ...
NEW_TOPIC_MARGIN = 0.10        # ... when it is also this far closer than the family's best ("那运费谁出" after a return
#                                stays the return-shipping entry, though the quality-shipping one is clear on its own)
VENTING = re.compile(r"气死|太坑|坑人|坑爹|骗人|无语|恶心|欺负人|凭什么|太过分|过分了|受不了|窝火|憋屈|郁闷|闹心|"
                     r"糟心|心塞|崩溃|太气人|气人|欺人太甚|没天理|什么破|啥破|垃圾|黑心|奸商|忍不了|[!！]{2,}")
VENTING_CHARS = 80             # a story this long is venting too, whatever its words
# A question about the complaint process ("大概多久有结果", "要带啥材料") asks the same after any answer: a clear procedure
# entry outside the family at this cosine is a new question, though it shares no word with the last answer.
PROCEDURE_COSINE = 0.35
# ... and one that asks only how or where to file ("怎么举报", "在哪投诉") is such a question at any cosine, answered so
# even when its few words would only get a menu on their own (what a fine comes to, "能罚他吗", stays with the last
# answer's family)
HOW_TO_FILE = re.compile(r"(怎么|咋|如何|怎样|哪里|哪儿|在哪|去哪|到哪|找哪)(个|里|儿)?(去)?(举报|投诉)|"
                         r"(举报|投诉)(的话)?(怎么|咋|如何|去哪|到哪|找谁)|"
                         # ... or which number to ring ("打哪个电话", "电话多少")
                         r"(打|拨)(哪个|什么|啥|几号|哪)(个)?(电话|号码|热线)|(电话|热线)(号码)?(是)?多少|"
                         # ... or whether someone else may file it ("俺能替他投不": after a story about a father)
                         r"(替|帮|代)(他|她|俺爹|俺爸|俺妈|俺娘|我爸|我妈|老人|家里人|家人|孩子)?(投诉|投|举报|去投|去告)")
# After any answer, "要是商家还是不认呢" asks what to do when the shop will not, and "要鉴定的话钱谁出" who pays for a
# test: these entries belong to every family.
EVERY_FAMILY = ("complaint-ways", "complaint-merchant-refuses", "quality-dispute-testing", "complaint-evidence")
# "还有超市结账多收钱咋办", "问下加油站少给油找谁": a message that says it is another question, and says what it is, is
# read on its own ("还有运费呢" is too short to be one; "还有没有别的办法" asks about the last answer).
ANOTHER_QUESTION = re.compile(r"^(还有|另外|对了|顺便问一?下|顺便|问一?下|再问一?下|我?还想问一?下?|换个问题|换个事|换个话题|再问个事?|另外问一?下)"
                              r"(?!没有|啥|什么|别的|其他|其它|办法)")
ANOTHER_QUESTION_CHARS = 5      # what follows the marker, at least
# "我要举报 村口小卖部卖假烟" after a food answer names a new matter to report: read on its own, the marker kept
NEW_MATTER = re.compile(r"^(我|俺)?(要|想|想要)(举报|投诉|投述)")
NEW_MATTER_CHARS = 4
# A follow-up that turns to the platform the purchase went through ("携程管不管", "平台说是商家的事 他们不管"): what the
# platform owes (消法第44条), whatever the last answer held the seller to
PLATFORM_ASKED = re.compile(r"(携程|美团|饿了么|淘宝|天猫|拼多多|pdd|京东|抖音|快手|闲鱼|飞猪|去哪儿|同程|大众点评|平台)"
                            r"(客服)?(也|都|就|说)?(管不管|管吗|管不|不管|负责吗|负不负责|有没有责任|有责任吗|该不该管|能赔不|"
                            r"赔不赔|能不能赔|推给|推卸|和.{1,4}互相推|跟.{1,4}互相推|说是商家的事|说是卖家的事|说找商家|让找商家)")
PLATFORM_TOPIC = "平台责任"
# The hospital's papers asked about after an answer on harm to the body ("医院的票要留着不" after the cosmetic-reaction
# answer): the proof of that answer's compensation (消法第49条), not a dispute with a hospital
INJURY_PAPERS = re.compile(r"(医院|诊所|卫生院|看病|住院|门诊|医药费|药费)的?.{0,4}(票|单|发票|收据|病历|诊断|证明|记录)")
INJURY_ARTICLE = "《消费者权益保护法》第49条"
# A follow-up points back at what was just said ("他不承认咋办", "要是跑了咋整", "那商场呢"); a message that reads as
# small talk by the learned channel and does not ("你会唱歌不", "西瓜咋挑甜的", "晚上好 有人没") is small talk after an
# answer too, never one more answer from the last one's family
REFERS_BACK = re.compile(r"^(那|要是|如果|万一|假如|他|她|它|他们|她们|人家|店家|商家|老板|对方|卖家|厂家|平台|店里|这个|这种|这样)")
# ... or answers what was implied, or puts it right ("是理发店", "不是过期 是变质了"): see _conversation_stays
ANSWERS_BACK = re.compile(r"^(是(?!不是|否)|不是|就是|其实是)")
# ... and one that neither points back, nor names a word of ours, nor shares more than a stray word with the family
# ("西瓜咋挑甜的", "科目二倒车入库有啥技巧" after a card answer) is not a follow-up: it is read on its own
LONE_SCORE = 0.8
EVERY_FAMILY_SCORE = 1.0       # ... when their words are really there: "光伏板发电量不够" shares only a stray word
# ... the family shares only a stray word with a follow-up below this lexical score ("要多久" after expired food: 0.34,
# the character 多); "能让他赔钱不" after the renovation-delay answer (0.99) asks about that answer's money
STRAY_SCORE = 0.6
# "平台能不能管" after the lost-parcel answer: the family shares one stray word with it, while the whole base has a clear
# entry far closer; that entry is the question, answered or not on its own (not a procedure entry: "能让他退钱不"
# after the late-takeout answer asks for that answer's money, not whether the bureau can force a refund)
FAR_COSINE = 0.25
FAR_MARGIN = 0.20
FAR_STRAY = 0.06               # ... the family's best this far from it ("店家就是不给退呢" after the card-refund answer
#                                is near complaint-ways: 0.08, with its words really there)
# "都签收了还能退吗" after an online-shopping answer names the delivery, which is part of buying online, not a new topic
DELIVERY = frozenset({"transport"})
# A whole question of its own ("瓷砖空鼓好几块", "视频会员一声不吭又扣了我二十五" after a card answer): answered outright
# alone, by an entry outside the family that leads the family's best by this much (fused), and not pointing back
NEW_QUESTION_LEAD = 0.35
# "看病的钱谁出", "医药费商场给掏吗": who pays this matter's cost
WHO_PAYS = re.compile(r"(谁出|谁掏|谁付|谁给|谁赔|谁承担|谁负责)(啊|呀|呢|吗)?$|(给|能|会|要|得)(掏|出|付|赔|报销|承担)(吗|不|么|没)$")
# "能全退吗", "可以要赔偿不", "还能退不": a remedy asked for with no matter of its own is the last answer's remedy
BARE_REMEDY = re.compile(r"(那|我|俺)?(的)?(钱|这钱|那钱|这个钱|钱款)?(还|就)?(能|可以|可不可以|能不能|会不会|有没有可能|是不是能)(全|都|全部|直接|再|让他|叫他|要求){0,2}"
                         r"(退|退钱|退款|退货|赔|赔钱|赔偿|要赔偿|换|换货|修|索赔|要回来|要回|退回来)(吗|不|么|没|呀|啊|呢)?[?？]*")
# "能要多少钱", "能要回多少钱", "赔几倍": how much, with no matter of its own, is how much the last answer's remedy comes to
HOW_MUCH = re.compile(r"(那|我|俺)?(还|就)?(能|可以|大概|一般|最多|最少|应该|该)?(要|赔|退|拿|得|索赔|补|给|让他赔|让他退)(回|回来)?(多少|几)"
                      r"(钱|倍|块|个钱)?"
                      r"(啊|呀|呢|吗|合适)?[?？]*")
# "才半年", "用了两个月了": how long ago, and nothing else, is a detail of the matter just answered (its answer says
# what the time changes); on its own it would only get a menu of whatever entries name half a year
HOW_LONG = re.compile(r"(才|刚|已经|都|就|也就|还不到|不到|没到|快|过了|超过|差不多)?(买|用|办|装|修|充|交|开)?(了|的)?"
                      r"[0-9一二两三四五六七八九十半几]+(个)?(多)?(天|日|个月|月|年|周|礼拜|星期|小时)(多)?"
                      r"(了|啊|呀|呢|吧|而已|不到)?")
# "差了十几块", "多收了二十": a sum of money, and nothing else, is how much of the matter just answered (read alone,
# "十几块" reaches the food minimum)
AMOUNT = re.compile(r"(差了|少了|多了|多收了?|少给了?|多给了?|多要了?|贵了|便宜了|一共|总共|才|就)?"
                    r"[0-9一二两三四五六七八九十百千万几]+(多)?(块|元|毛|角)(钱)?(多)?(呢|啊|呀|了|而已)?")
# "那帮人已经走了找不着" after a story of goods sold at a fair, a market, a talk or a rented counter: the seller gone is
# the organiser's or the counter's landlord's to answer for (消法第43条), whatever the last answer was; not a card
# shop that ran off (the prepaid entries')
SELLER_GONE = re.compile(r"(走了|跑了|撤了|不见了|找不着|找不到|联系不上|没影了|溜了|不来了|散了|收摊了|撤摊了)")
AT_A_VENUE = re.compile(r"集上|赶集|大集|会场|讲座|讲课|听课|展销|展会|庙会|柜台|专柜|摊位|摊子|商场里|会议室|大棚|租的场地|场地")
PREPAID = re.compile(r"卡|充值|充了|预付|会员|储值|余额")
VENUE_ENTRY = "counter-fair-vendor"
# "货架上还有好多", "别的店还在卖" after an answer on something bad that was sold: the rest is still for sale, which is a
# matter to report (what to send with it), whatever the consumer's own remedy was
STILL_ON_SALE = re.compile(r"(货架|架子|柜台|店里|超市|摊上|网上|直播间)?上?(还有好多|还有很多|还有一堆|还摆着|还在卖|还卖着|还没下架|"
                           r"没下架|照样卖|接着卖|继续卖)")
REPORT_ENTRY = "report-what-info"
SOLD_FAMILIES = frozenset({"food", "goods", "drug", "agri"})
# "车行说合同上写了车况以实物为准", "他说合同写了以现场为准" after an answer: the seller hides behind a term of its own
# contract, which is the standard-terms answer (消法第26条) unless the last answer already rules on such terms
SELLER_CITES_TERMS = re.compile(r"(说|称|讲|拿|指着|搬出)[^，。,]{0,6}(合同|协议|条款|单子|收据|告示|店规|须知)(上|里|里面|上面)?"
                                r"[^，。,]{0,3}(写|注明|规定|约定|印|标)")
TERMS_ENTRY = "unfair-format-clause"
TERMS_ARTICLE = "《消费者权益保护法》第26条"
# "那要是没吃呢", "要是换了老板呢": the same matter with one thing changed, which an entry of its kind may answer
HYPOTHETICAL = re.compile(r"^(那|那么)?(要是|如果|万一|假如|若是|假设)")
# "我在外地咋办" after a story about a shop back home: where a complaint goes when the consumer is away from the shop
# (it had been read alone, as small talk)
AWAY = re.compile(r"^(我|俺|人)?(现在|已经|人)?(在|到了|回)(外地|外省|外面|外头|南方|北方|城里|市里|省城)(打工|上班|上学|了|呢)?"
                  r"(咋办|咋整|怎么办|咋弄|怎么弄|行不|能投诉吗|能投吗|咋投诉|怎么投诉)*$|"
                  r"^(我|俺)?(人)?不在(本地|当地|家|县里|老家|这边|那边)(咋办|咋整|怎么办|咋弄|怎么弄)*$")
AWAY_ENTRIES = {"online": "complaint-online-where"}
AWAY_ENTRY = "complaint-where"
STAY_MARGIN = 0.02             # a related entry only this close ahead of the last answer does not take over from it
REMEDY_STAY_MARGIN = 0.10      # ... nor this close, when the follow-up only asks for the remedy ("能让他全退不" after
#                                the late-takeout answer asks that answer's remedy, not the platform's liability)
SIBLING_COSINE = 0.20          # another entry of the previous answer's topic, outside its related ones, takes a
SIBLING_MARGIN = 0.10          # ... follow-up only this close and this far ahead of the family's best (tune half)
SIBLING_TIE = 0.03             # ... and one this close to the whole base's first entry takes it from that entry
TOPIC_TIE = 0.10               # (fused) an entry of the last answer's topic this close to a follow-up's answer of
#                                another topic, and as close in cosine (SIBLING_TIE), takes it


_ASKED = "\x1f"                # context value: the slug, then the words that got it ("不对" sends them to a person)


def remember(*, openid: str, slug: str, asked: str = "") -> None:
    try:
        redis.set(keys.faq_context(openid), f"{slug}{_ASKED}{asked}" if asked else slug, ex=keys.FAQ_CONTEXT_TTL)
    except RedisError:
        log.warning("faq context not kept: redis unavailable")


def recall(openid: str) -> tuple[str | None, str]:
    """The slug (or referral) answered last within the context's few minutes, and the consumer's words that got it
    ("" when not kept); (None, "") when there is none."""
    try:
        raw = redis.get(keys.faq_context(openid))
    except RedisError:
        return None, ""
    if not raw:
        return None, ""
    slug, _, asked = raw.partition(_ASKED)
    return slug, asked


def forget(openid: str) -> None:
    try:
        redis.delete(keys.faq_context(openid))
    except RedisError:
        pass


def is_venting(raw: str) -> bool:
    """An upset story: its words, or its length in Chinese (80 letters of English are a sentence, not a story)."""
    return (len(raw) >= VENTING_CHARS and cjk_count(raw) * 2 >= len(raw)) or bool(VENTING.search(raw))


def points_back(squeezed: str) -> bool:
    """The message asks about what was just said: it opens pointing back at it, asks who pays for it, or asks for a
    remedy, or how much it comes to, or how long ago, or a sum, with nothing of its own to have it for ("能全退吗",
    "能要多少钱", "才半年", "差了十几块")."""
    return REFERS_BACK.match(squeezed) is not None or WHO_PAYS.search(squeezed) is not None or \
        BARE_REMEDY.fullmatch(squeezed) is not None or HOW_MUCH.fullmatch(squeezed) is not None or \
        AWAY.search(squeezed) is not None or HOW_LONG.fullmatch(squeezed) is not None or \
        AMOUNT.fullmatch(squeezed) is not None


def without_marker(raw: str) -> str:
    """The question after a leading "另外 / 对了 / 换个事" that only says a new question follows ("另外网购能七天退吗" is
    ranked as "网购能七天退吗"); the text itself when there is no such marker or too little after it."""
    text = raw.strip()
    marker = ANOTHER_QUESTION.match(text)
    if marker is None:
        return raw
    rest = text[marker.end():].lstrip(" ，,。.：:、")
    return rest if len("".join(rest.split())) >= ANOTHER_QUESTION_CHARS else raw


def resolve(snapshot, query, raw: str, *, previous: str, ranking: faq_rank.Ranking, answerable: bool,
            earlier: str = ""):
    """The entry slug (or the Referral) a short follow-up of `previous` asks about, or None when it reads as a new
    question. `answerable`: the whole base's first entry would be answered outright on its own; a new topic the bot
    would only offer in a menu does not outweigh the previous answer's family ("能赔多少" after expired food).
    `earlier`: the words that got `previous`; an entry of the family whose rule stops at a setting they named (its
    `not_for`) does not answer a follow-up that names no purchase of its own either (the phone 三包 answer after a
    story about an e-bike)."""
    if len(raw) > FOLLOW_MAX_CHARS:
        return None
    squeezed = "".join(raw.split())
    if SELLER_CITES_TERMS.search(squeezed) and previous in snapshot.entries and TERMS_ENTRY in snapshot.entries and \
            TERMS_ARTICLE not in snapshot.entries[previous].citations:
        # a term the base rules on by name ("他说合同写了概不退款" after a card answer: the card's no-refund clause)
        named_term = next((h.slug for h in ranking.hits[:3] if h.slug not in ranking.guarded
                           and TERMS_ARTICLE in snapshot.entries[h.slug].citations), None)
        return named_term or TERMS_ENTRY
    if SELLER_GONE.search(squeezed) and AT_A_VENUE.search(earlier) and not PREPAID.search(f"{earlier}{raw}") and \
            previous != VENUE_ENTRY and VENUE_ENTRY in snapshot.entries:
        return VENUE_ENTRY
    if STILL_ON_SALE.search(squeezed) and previous in snapshot.entries and REPORT_ENTRY in snapshot.entries and \
            snapshot.entries[previous].family in SOLD_FAMILIES:
        return REPORT_ENTRY
    if AWAY.search(squeezed) and not previous.startswith(REFERRAL) and previous in snapshot.entries:
        away = AWAY_ENTRIES.get(snapshot.entries[previous].category, AWAY_ENTRY)
        if away != previous and away in snapshot.entries and previous not in AWAY_ENTRIES.values():
            return away
    another = ANOTHER_QUESTION.match(squeezed)
    if another and len(squeezed) - another.end() >= ANOTHER_QUESTION_CHARS:
        return None
    matter = NEW_MATTER.match(squeezed)
    if matter and len(squeezed) - matter.end() >= NEW_MATTER_CHARS:
        return None
    if INJURY_PAPERS.search(squeezed) and previous in snapshot.entries and \
            any(c.startswith(INJURY_ARTICLE) for c in snapshot.entries[previous].citations):
        return previous
    platforms = {e.slug for e in snapshot.entries.values() if e.topic == PLATFORM_TOPIC}
    if PLATFORM_ASKED.search(squeezed) and platforms and previous in snapshot.entries and previous not in platforms:
        # the last answer's own platform entry first (a takeout's: the delivery platform's duties, 食安法第131条)
        last = snapshot.entries[previous]
        own = {e.slug for e in snapshot.entries.values() if "平台" in e.question and (
            e.slug in last.related or e.topic == last.topic)}
        owed = faq_rank.rank(snapshot, query, raw, only=own or platforms).top
        if owed is not None:
            return owed.slug
    named = snapshot.routing.families(raw)       # "网上买的鞋子不合适想退" names its own purchase: a new question
    if previous.startswith(REFERRAL):
        if named or answerable and ranking.clear and not points_back(squeezed):
            return None         # "我上周投诉的那个有结果了吗" after a referral is a question of its own
        if ranking.clear and ranking.top.learned >= NEW_TOPIC_COSINE:
            return None
        return snapshot.routing.by_id(previous.removeprefix(REFERRAL))
    entry = snapshot.entries.get(previous)
    if entry is None or named and entry.family not in named and not (named <= DELIVERY and entry.category == "online"):
        return None
    family = [previous, *(r for r in (*entry.related, *EVERY_FAMILY) if r in snapshot.entries)]
    # the conversation's words decide what reaches the follow-up: a setting named before rules an entry out, and what
    # an entry needs named counts when it was named before ("超市买的面包过期了三天" after the near-expiry answer names
    # its own purchase, so it is read alone); the last answer is never ruled out ("店里说给配个班车接送 不同意退" after
    # the relocation answer names no move, but the first message did)
    conversation = f"{earlier} {raw}" if earlier and not named else raw
    inside = faq_rank.rank(snapshot, query, raw, only=set(family), setting=conversation, spare={previous})
    # a related entry kept from answering this message (its `not_for`, another category) does not answer it as a
    # follow-up either: "已经十天了" after the 7-day answer names no money, so it is not the refund deadline. The last
    # answer itself stays: its own words were in the first message ("平台说协议里写了" after the auto-renewal answer)
    best = next((h for h in inside.hits if (h.slug == previous or h.slug not in inside.guarded) and (
        h.slug not in EVERY_FAMILY or h.learned >= faq_rank.FOLLOW_COSINE or h.score >= EVERY_FAMILY_SCORE)), None)
    last = next((h for h in inside.hits if h.slug == previous), None)
    remedy_only = BARE_REMEDY.fullmatch(squeezed) is not None
    stay = REMEDY_STAY_MARGIN if remedy_only else STAY_MARGIN
    if best is not None and last is not None and best is not last and last.fused >= best.fused - stay and (
            last.learned >= faq_rank.FOLLOW_COSINE or last.score > 0 or remedy_only):
        best = last     # "过了半年呢" after the six-month answer: a near tie stays with what was just answered
    if HOW_MUCH.fullmatch(squeezed) and best is not None and best.slug in EVERY_FAMILY and last is not None:
        return previous     # "能要回多少钱" after the wedding-service answer: what that answer's remedy comes to, not
        #                     the general ways of settling a dispute (an amount of its own in the family still wins:
        #                     the food minimum after a food answer)
    top = ranking.top
    if answerable and top is not None and top.slug not in family and ranking.clear and \
            not points_back(squeezed) and top.fused >= (best.fused if best is not None else 0.0) + NEW_QUESTION_LEAD:
        return None
    if HYPOTHETICAL.match(squeezed) and top is not None and top.slug != previous and top.slug not in ranking.guarded \
            and ranking.clear and snapshot.entries[top.slug].category == entry.category and \
            top.fused >= (best.fused if best is not None else 0.0) + NEW_QUESTION_LEAD:
        return top.slug     # "那要是换了老板呢" after the shop-ran-off answer: the variant it names, far ahead, of its kind
    siblings = {e.slug for e in snapshot.entries.values() if e.topic == entry.topic} - set(family)
    if top is not None and top.slug not in family and top.slug not in siblings:
        # "那运费谁出" after the opened-package answer: the 7-day return's own shipping entry, all but tied with the
        # quality-shipping one at the top of the whole base, is the one this conversation is about
        tied = next((h for h in ranking.hits if h.slug in siblings and h.slug not in ranking.guarded
                     and h.fused >= top.fused - SIBLING_TIE and h.learned >= SIBLING_COSINE), None)
        if tied is not None:
            return tied.slug
    top_entry = snapshot.entries.get(top.slug) if top is not None else None
    procedure = top_entry is not None and top_entry.category == "procedure" and entry.category != "procedure"
    new_topic = PROCEDURE_COSINE if procedure else NEW_TOPIC_COSINE
    how_to_file = procedure and HOW_TO_FILE.search(raw) is not None
    # "怎么证明" after the short-weight answer names no kind of purchase: the food-evidence entry, however close its
    # words, is not a new topic the message opens, only one the last answer's family does not belong to
    other_kind = top_entry is not None and top_entry.family is not None and top_entry.family != entry.family \
        and not named
    if top is not None and top.slug not in family and ranking.clear and (
            how_to_file or top.learned >= new_topic and not other_kind and
            top.learned >= (best.learned if best is not None else 0.0) + NEW_TOPIC_MARGIN and
            not _conversation_stays(snapshot, squeezed, f"{earlier} {raw}" if earlier else "", family)):
        if answerable:
            return None
        if how_to_file:         # "怎么举报" after a price answer: too few words to answer alone, and it asks how to
            return top.slug     # report, whatever was answered before
    stray = best is None or (best.learned < FAR_STRAY and best.score < EVERY_FAMILY_SCORE)
    if stray and not procedure and top is not None and top.slug not in family and top.slug not in ranking.guarded \
            and ranking.clear and top.learned >= FAR_COSINE and \
            top.learned >= (best.learned if best is not None else 0.0) + FAR_MARGIN:
        return None if answerable else top.slug
    if procedure and top.slug not in family and ranking.clear and (best is None or (
            best.learned < faq_rank.FOLLOW_COSINE and best.score < STRAY_SCORE)):
        return None     # "要多久" after expired food asks about the process: the family shares only a stray word with it
    near = faq_rank.rank(snapshot, query, raw, only=siblings) if siblings else None
    sibling = near.top if near is not None and near.top is not None and near.top.slug not in near.guarded else None
    if sibling is not None and sibling.learned >= SIBLING_COSINE and \
            sibling.learned >= (best.learned if best is not None else 0.0) + SIBLING_MARGIN:
        return sibling.slug         # "发票丢了呢" after 修了两次: another entry of the same topic, clearly named
    if best is None or (best.learned < faq_rank.FOLLOW_COSINE and best.score <= 0):
        return previous if HOW_LONG.fullmatch(squeezed) else None
    if not answerable and best.learned < faq_rank.FOLLOW_COSINE and best.score < LONE_SCORE and \
            not points_back(squeezed) and not snapshot.index.domain_words(query):
        return None
    return _same_topic(snapshot, ranking, best.slug, entry.topic) or best.slug


def _conversation_stays(snapshot, squeezed: str, conversation: str, family: list[str]) -> bool:
    """A reply that answers or puts right what was said ("是理发店" after the closed-card-shop answer) is no new topic
    when the whole conversation, read as one message, still leads to the last answer's family; one that moves it
    ("是直播间买的" after fake tea from an online shop: the live room's duties) is."""
    if not conversation or not ANSWERS_BACK.match(squeezed):
        return False
    whole = faq_rank.rank(snapshot, snapshot.index.query(conversation), conversation).top
    return whole is not None and whole.slug in family


def _same_topic(snapshot, ranking: faq_rank.Ranking, chosen: str, topic: str) -> str | None:
    """An entry of the last answer's topic all but tied with `chosen` in the whole base, when `chosen` is of another
    topic: "来回运费谁掏" after the tags-worn return answer is the 7-day return's shipping (the buyer pays), not the
    quality-problem shipping entry that the same words reach a hair better."""
    picked = next((h for h in ranking.hits if h.slug == chosen), None)
    if picked is None or snapshot.entries[chosen].topic == topic:
        return None
    same = next((h for h in ranking.hits if snapshot.entries[h.slug].topic == topic and h.slug not in ranking.guarded
                 and h.learned >= picked.learned - SIBLING_TIE and h.fused >= picked.fused - TOPIC_TIE), None)
    return same.slug if same is not None else None
