"""维权问答: answer a consumer's question from the knowledge base, refer it to the right office, or say honestly
that we cannot.

    ask(openid=, text=, now=) → Result
        kind ANSWER     one entry, confident (or a staff-pinned pattern, a number picked from an offer, a follow-up)
        kind SUGGEST    a true close call: up to three entries as "您是不是想问"; kept in Redis so "2" answers
        kind REFER      another department's matter (knowledge/referrals.yaml): its office, no law cited
        kind UNKNOWN    an in-scope question we do not cover: queued for staff with the consumer's own words
        kind SMALLTALK  greeting, thanks, off-topic, empty, emoji-only, very long, another script: never an entry

Order: a number answering the last offer → pins → small talk → referral → follow-up of the answer just given
(services/faq_followup.py) → the fused ranking (services/faq_rank.py); a short detail sent after an offer, which on its
own would get no answer, is then read with the question that got the offer. The published entries, indexes and pins
are a per-process snapshot (services/faq_snapshot.py): no question reads entries from the database.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from redis.exceptions import RedisError

import logs
from extensions import redis
from models.faq import QuestionOutcome
from models.qa_tally import AskOutcome
from services import (faq_english, faq_followup, faq_queue, faq_rank, faq_route, faq_snapshot, faq_store, followers,
                      inbox, keys, qa_tally)
from services.clock import utcnow
from services.faq_index import Hit
from services.faq_route import Referral
from services.faq_snapshot import Entry, Snapshot, text_tools  # noqa: F401 (faq.text_tools() is public)
from services.faq_text import cjk_count

log = logs.get(__name__)

# The lexical gate for "is this something we know about" (evidence = idf mass of the question's words found in the
# entry); the learned channel has its own (faq_rank.KNOWN_COSINE). Shown on the console's "try a question" page.
EVIDENCE_MIN = 11.0     # below (and a low cosine): not something we know about (no entry shown)
EVIDENCE_OFFER = 8.0    # between this and EVIDENCE_MIN, a question naming one of our keywords gets three choices
EVIDENCE_TOPICAL = 6.0  # below that too: off-topic chit-chat, not worth a staff's time; between: queued as unanswered
SHORT_COVERAGE = 0.6    # a short question below EVIDENCE_MIN that names a keyword and is this covered: offer three
AGREED = "agreed"       # _decide's answer on the two channels' agreement alone: another office or chat still wins
OFFER_COSINE = 0.15     # ... or whose nearest entry's phrasings are this close (cosine): offer three too
ANSWER_COVERAGE = faq_rank.CLEAR_COSINE   # (kept for the console's hint) cosine that answers outright ...
ANSWER_MARGIN = faq_rank.CLEAR_MARGIN     # ... with this lead over the runner-up
OFFER_SIZE = 3
MAX_QUESTION_CHARS = 1000   # longer is pasted text, not a question; venting of a few hundred characters is answered
MAX_SCORED_CHARS = 400      # a long message is scored on its first 400 characters

# Smalltalk: a message made only of these words (after dropping particles) is a greeting / thanks, not a question.
GREETING_WORDS = frozenset("你好 您好 你们好 大家好 在吗 在不在 在不 在 有人 有人吗 有没有人 哈喽 嗨 hi hello hey 喂 "
                           "早 早安 早上好 上午好 中午好 下午好 晚上好 晚安 小助手 助手 客服 老师 老师好 领导好 "
                           "新年快乐 新年好 过年好 节日快乐 快乐 赛努 赛白努 请问 打扰 打扰了 麻烦 同志 工作人员 "
                           "你好呀 您好呀 在么 在嘛 亲 "
                           # an impatient "人呢", "说话啊": someone is asked for, the greeting offers 人工
                           "人呢 人 说话 回话 回个话 理我 理理我 ".split())
THANKS_WORDS = frozenset("谢谢 谢 多谢 多谢了 感谢 感激 谢啦 谢了 thanks thank you thx 好的 好 好嘞 嗯 嗯嗯 哦 哦哦 ok okay "
                         "知道 知道了 明白 明白了 收到 懂了 行 行吧 好吧 拜拜 再见 辛苦 辛苦了 赞 棒 服务 真好 不错 "
                         "厉害 满意 感谢感谢 谢谢你们 谢谢您 太 有用 帮 帮助 大忙 解决 问题 了解 清楚 非常感谢 万分感谢".split())
GOODBYE_WORDS = frozenset("拜拜 再见".split())    # "拜拜" is a goodbye, not thanks: answered with a closing line
LAUGH = re.compile(r"(哈|嘿|嘻|嘎|hh|ha|233)+(哈|嘿|嘻|h|3)*")        # "呵呵" is often sarcasm: not here
FILLER_WORDS = frozenset("啊 呀 哈 哈哈 呢 吗 吧 了 的 哦 噢 嘛 啦 你 您 你们 我 在 不 真 很 非常 太 一下 一 下 "
                         "啊啊 呐 哇 们 大 了解了 已经".split())
THANKS_EMOJI = frozenset("👍🙏❤♥🌹💐👌😊🙂☺🤝💪")
# WeChat's own emoticons arrive as text in brackets ("[捂脸]", "[强]", "[Facepalm]"): never words of the question
# ("[捂脸]" had got the face-recognition answer); the thankful ones read as thanks
WECHAT_EMOTICON = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,10}\]")
THANKS_EMOTICONS = frozenset({"[强]", "[抱拳]", "[玫瑰]", "[爱心]", "[握手]", "[OK]", "[胜利]", "[鼓掌]", "[合十]", "[微笑]",
                              "[愉快]", "[好的]", "[ThumbsUp]", "[Salute]", "[Rose]", "[Heart]", "[Shake]"})
# The 24 solar terms and the dog days, whose dates people ask as they ask a holiday's ("哪天立冬")
SOLAR_TERMS = ("立春|雨水|惊蛰|春分|谷雨|立夏|小满|芒种|夏至|小暑|大暑|立秋|处暑|白露|秋分|寒露|霜降|立冬|小雪|大雪|冬至|"
               "小寒|大寒|入伏|初伏|中伏|末伏|出伏|三伏|数九|腊八|小年|重阳|七夕")
# Requests no consumer-rights account answers (recommendations, homework, weather, songs): off-topic outright.
CHITCHAT = re.compile(r"(推荐|介绍)(个|一个|一下|点|些)?(好吃|好玩|好看|好听)|附近(哪里?|哪儿)?有(什么|啥)?(好吃|好玩)|哪(里|儿)?有(什么|啥)?(好吃|好玩)的|讲个笑话|"
                      r"(唱|来)(首|个)歌|作文|翻译成|天气(怎么样|咋样|如何|预报|好不好|好吗)|(今天|明天|后天|周末|这几天).{0,3}天气|股市|星期几|几点的(火车|飞机|汽车|车)|"
                      r"(下不下|会不会|要不要|还下|下)(雨|雪)(吗|啊|呀)?$|明天.{0,4}(下雨|下雪|几度|冷不冷|热不热)|气温|"
                      # the weather before work in the fields ("今天下午风大不大 地里想打点除草剂")
                      r"(今天|明天|后天|上午|下午|晚上|夜里|这两天|这几天).{0,4}(风|雨|雪)(大不大|大吗|停不停|多大)|刮不刮风|"
                      r"^今天是?(几号|礼拜几|周几)|"
                      # help with the phone itself ("咋用微信跟儿子视频", "手机字体咋调大")
                      r"^(?!.*(投诉|举报|维权|退|赔|买|骗)).*((咋|怎么|如何)(用|弄|开|打|发|设置|调)(微信|手机)?.{0,6}(视频|语音通话|字体|铃声|wifi|蓝牙|截图|截屏)|"
                      r"(字体|字|铃声|声音|屏幕|亮度)(咋|怎么|如何)(调|弄|改|设置)(大|小|亮|暗))|(作业|题目|这道题)(不会|怎么做|咋做|怎么写|咋写)|"
                      r"(车|火车|高铁|动车|班车|大巴|飞机).{0,2}几点(开|发车|到|的)?$|"
                      r"(离婚|结婚证|结婚登记|婚姻登记).{0,10}(材料|手续|带啥|带什么|要啥|去哪|怎么办)|"
                      r"(怎么|咋|如何)(做|炒|炖|烧|煮|腌)(才|更|比较)?(好吃|好喝|入味|嫩)|(菜谱|食谱|家常做法)|"
                      r"(数学|语文|英语|物理|化学|应用|奥数|思考)题|(孩子|娃|闺女|儿子|孙子|孙女)的?(家庭)?作业(?!本)|"
                      # a sum ("一个数的三倍加五等于二十 这个数是几"), an English word to read ("apple咋读")
                      r"等于.{0,8}(几|多少)|这个数是|^[a-z]+(咋|怎么|如何)(读|念|拼|发音)|(单词|英语).{0,6}(咋|怎么)(读|念|拼)|"
                      # a word to say in English ("会员卡英语咋说"), a holiday's date ("2027年春节是几号")
                      r"(英语|英文)(里)?(咋|怎么|如何)(说|讲|写|翻译)|用(英语|英文)(咋|怎么)(说|讲|写)|"
                      r"(春节|过年|大年初一|除夕|元宵|清明|端午|中秋|国庆|元旦|五一|劳动节|" + SOLAR_TERMS + r")(节)?(是|在)?(几号|哪天|哪一天|几月几号?|星期几|放几天)(啊|呀|吗)?$|"
                      # ... or a solar term's, asked the other way round ("哪天立冬", "今年啥时候入伏")
                      r"^(今年|明年)?(哪天|几号|啥时候|什么时候|几月几号?)(是|到|交|入)?(" + SOLAR_TERMS + r")(啊|呀|呢)?$|"
                      # a family's bride price or dowry ("闺女谈了个对象 彩礼要二十万合理吗"), not a matchmaker's fee
                      r"^(?!.*(婚介|红娘|婚恋|婚庆|相亲网|公司|店)).*(彩礼|嫁妆)|"
                      # a good shop nearby asked for, not a complaint about one ("这附近有好点的理发店不")
                      r"(附近|这边|镇上|县里|城里)(有|哪有|哪里有|哪儿有)(没有)?(好点|好一点|靠谱|便宜点|便宜|好)的.{0,6}(店|馆|医院|宾馆|酒店|超市)")
# A farmer's animals, not something bought: "母牛不吃草 镇上兽医不在", "谁家捡着一只黑头羊". Read as chat only when
# nothing was bought and no problem named: "兽药站卖的假药 猪吃了死了" is ours.
ANIMALS = re.compile(r"兽医|(牛|羊|猪|驴|马|鸡|鸭|鹅|狗|猫|兔)(犊子?|羔子?|崽子?|仔)?.{0,8}(不吃草|不吃食|不吃东西|不吃奶|不喝水|趴着不|拉稀|老吐|一直吐|咳嗽|打喷嚏|感冒|发烧|生病|病了|拉肚子|不下蛋|"
                     r"丢了|走丢|跑丢|跑没了|找不着|找不到|"
                     # ... or ate what it should not ("狗吃了巧克力咋办 急")
                     r"(吃了|误食|偷吃|吞了).{0,6}(咋办|怎么办|要紧|有事|会死|中毒))|"
                     r"(捡着|捡到|捡了|谁家丢)了?.{0,4}(只|头|匹|条)?.{0,4}(牛|羊|猪|驴|马|鸡|鸭|鹅|狗|猫|兔)")
ANIMAL_BOUGHT = re.compile(r"买|卖|兽药|饲料|疫苗|假药|药店|药房|店|商家|老板|厂")
# Farming and upkeep advice, not a purchase: "电动车电瓶冬天咋保养", "地里的白菜冻了咋办", "种大棚赚钱不", "养鸡啥品种好".
# Read as chat only when nothing was bought, sent or paid and no problem named ("买的种子冻了不出苗" is ours).
ADVICE = re.compile(r"(咋|怎么|如何|啥时候|什么时候|何时)(保养|养护|施肥|浇水|修剪|剪枝|打药|育苗|嫁接|储存|存放|过冬|越冬|防冻|"
                    r"防虫|治虫|追肥|间苗|晾|晒|保存|储藏|存)|(赚钱|挣钱|能赚钱|划算)(不|吗|么|啊)?$|(啥|什么|哪个|哪种)品种(好|高产|赚钱)?|"
                    r"(庄稼|麦子|小麦|玉米|稻子|水稻|白菜|菜地|苗|果树|大棚|地里|田里).{0,6}(冻|旱|涝|淹|霜打|冰雹|雹子打)(了|死|伤|坏)|"
                    r"哪(个|种|样)(劲大|高产|产量高|长得快|出肉多)|一亩(地)?.{0,6}(下|用|施|撒|打|种)多少|帮(我|俺)(算算|算一下|算个)|"
                    r"哪(个|种|家)(牌子|品牌|款)的?.{0,6}(好|好用|靠谱)|"
                    # a child's school work ("孩子上初一 英语老跟不上 有啥好办法"): a parent's worry, not a purchase
                    r"(学习|成绩|英语|数学|语文|物理|化学|功课|作文)(老|总|一直|有点|越来越)?(是)?(跟不上|不好|太差|很差|下降|"
                    r"不及格|提不上去|咋提高|怎么提高|如何提高)|"
                    # someone to fix a machine asked for, not a complaint about a repair ("谁会修拖拉机 急")
                    r"^(镇上|村里|附近|这边|县里)?(谁|哪个师傅|哪里|哪儿|哪有)(有)?(人)?(会|能)修[^修坏了过]{1,6}(的|师傅|的人)?(急|啊|呀|吗|不)*$|"
                    # which of two is better ("化肥跟农家肥哪个好")
                    r"(跟|和|与|还是).{1,8}(比)?哪(个|种|样)(更)?(好|强|合适|实惠)(些|点|一些)?(啊|呀|呢)?$|"
                    # how to take a photo, dress or do make-up ("咸鱼上咋给东西拍照好看"): a knack, not a right
                    r"(咋|怎么|如何|怎样).{0,6}(拍照|拍|修图|p图|化妆|打扮|穿搭|搭配).{0,4}(好看|上镜|显瘦|清楚|漂亮)|"
                    # "土豆发芽了还能吃吗": kitchen advice, unless a date or spoilage is named (that may be a shop's)
                    r"^(?!.*(过期|保质期|变质|发霉|长毛|生产日期)).*(还|能不能|可不可以)能?(吃|喝)(吗|不|么|啊)?$")
# ... and about what was made or kept at home ("坏了 腌的咸菜长白毛了 还能吃不", "过期的面膜还能敷吗"): chat whatever
# words of trouble it uses ("坏了" is a sigh here), as long as nothing bought is named
HOME_KEPT = re.compile(r"(腌|泡|做|晒|酿|蒸|包|炖|熬|卤)的.{0,8}(长毛|长白毛|发霉|霉了|酸了|坏了|变味|起白花|生花).{0,10}"
                       r"(还|能不能|可不可以)能?(吃|喝)|过期.{0,10}(还|能不能|可不可以)能?(敷|抹|涂|擦)(吗|不|么|啊)?$")
# A farmer's sum over his own crop ("二十亩能卖多少钱"), a book to read, produce for sale: chat, when no problem is named
OWN_SUMS = re.compile(r"[0-9一二三四五六七八九十百千万两几]+(亩|斤|公斤|吨|头|只|车|筐|箱).{0,16}(能|可以|一共|总共|一年)?卖(多少|几)(钱|块|万)|"
                      # ... or the market price of a crop ("现在收购价多少啊", "今年玉米啥价")
                      r"收购价|收购价格|(今年|现在|最近|明年|眼下)的?(玉米|小麦|麦子|稻谷|大豆|花生|向日葵|葵花|棉花|生猪|粮食?)的?"
                      r"(价|行情|啥价|多少钱)|(收购点|收购站|收购商|收粮的).{0,16}(价|别的地方|哪里|哪儿|推荐)|"
                      # ... or the yield of his own fields ("一亩地打一千二百斤 三十亩多少斤")
                      r"[0-9一二三四五六七八九十百千万两几]+亩.{0,12}(多少|几)(斤|公斤|吨|担|车)|"
                      r"(看|读|买)哪(本|几本|些)书|推荐.{0,4}(本|几本|些)书|"
                      # ... or his own produce offered for sale ("卖土鸡蛋 要不要", "谁要联系我 送货上门")
                      r"^(卖|出售|便宜卖|低价卖|自家)\S{1,10}(要不要|有要的|谁要(?!是))|谁要(?!是)的?(联系|找|加|私)|"
                      r"有要的(吗|没|不)?$|(有需要的|要的|需要的)(联系|找|加|私聊)(我|俺)|"
                      # ... or his own crop that will not sell ("大棚菜卖不出去 有人收吗")
                      r"(菜|瓜|果|苹果|梨|桃|枣|葡萄|玉米|土豆|白菜|大葱|辣椒|西红柿|黄瓜|粮|麦子|小米|羊|猪|牛|鸡|鸭|蛋)"
                      r".{0,6}(卖不出去|卖不掉|滞销|没人收|烂地里).{0,8}(有人收|谁收|收吗|收不|帮忙卖|咋办|怎么办)|"
                      # ... or where to buy something cheaply ("化肥涨价了 哪里便宜")
                      r"(哪里|哪儿|哪家|去哪|在哪|上哪)(买)?(的)?(更|比较)?(便宜|实惠|划算)|"
                      # ... or when ("化肥一般几月份最便宜"), or which make keeps its value ("二手车哪个牌子保值")
                      r"(几月份?|啥时候|什么时候|哪个月|哪段时间|啥时)(买)?(最|更|比较)?(便宜|实惠|划算)|"
                      r"哪(个|种|家|款)(牌子|品牌|车|款)?(最|更|比较)?(保值|耐用|省油|皮实)")
# Health lore heard somewhere ("网上都说鸡蛋黄吃多了胆固醇高 真的假的"): chat, unless it is about something sold or
# advertised ("网上说这个保健品能降血压 真的假的" is a health-food claim, ours)
HEALTH_LORE = re.compile(r"(网上|网传|都说|听说|听人说|人家说|有人说|朋友圈|抖音上|快手上|电视上|老人说|老话说).{0,30}"
                         r"(胆固醇|血压|血糖|血脂|血管|尿酸|致癌|抗癌|防癌|排毒|长胖|发胖|补钙|上火|伤胃|伤肝|养胃|对身体|寿命|长寿)"
                         r".{0,12}(真的假的|是真的吗|是不是真的|是真是假|靠谱吗|有道理吗|可信吗|对不对|对吗)")
LORE_ABOUT_SALE = re.compile(r"保健|药|产品|牌子|这(个|款|种)|店|商家|直播|主播|广告|卖|买|宣传|治|厂")
# Something to write for the consumer ("帮我写个卖羊的广告"): chat, unless it is a complaint or names a problem.
WRITE_REQUEST = re.compile(r"帮(我|俺)(写|编|拟|起草|想)(个|一个|一篇|一段|篇|段|条)")
PURCHASE = re.compile(r"买|卖|购|店|商家|老板|厂|快递|寄|单|淘宝|拼多多|京东|抖音|快手|平台|收费|花了|交了|付了|退钱|"
                      r"[0-9一二两三四五六七八九十百千万]+(块|元)|假|质量|投资|理财|入股|返利|项目|加盟")
# A consumer's problem in words the index may not know ("光伏板发电量不够"): in scope, so queued for staff rather
# than waved off as chit-chat when nothing matches.
PROBLEM = re.compile(r"坏了|(是|都|全)坏的|坏掉|不够|不足|故障|质量|不合格|漏(水|电|油|气)|假(的|货|滴|哒|冒)|"
                     # something found in food or drink ("奶茶店喝出头发")
                     r"(吃|喝|咬)出(了|来)?.{0,3}(头发|虫|异物|苍蝇|蟑螂|玻璃|钢丝|铁丝|塑料|石子|毛|指甲|创可贴|烟头)|"
                     r"假(化肥|种子|农药|兽药|药|酒|烟|奶粉|茅台|名牌|牌子|黄金|金子|首饰|手机|发票|证|币|钞|鞋|包|表|化妆品)|退(货|款|钱|不了)|赔|陪(偿|钱|付)|投诉|举报|维权|"
                     r"被?骗|被坑|坑(了|我|人|钱)|欺诈|缺斤|少给|多收|乱收|不给(退|换|修|开)|不(肯|让)?退|(商家|老板|店家)不(管|理)|能退|退吗|退不|可以退|换货|"
                     r"保修|三包|售后|多(扫|算|扣|刷)了?|重复(扫|扣|收|付)|算错|"
                     # the stuff inside not what was sold ("羽绒服里面是飞丝 不是羽绒")
                     r"不是(真的?)?(羽绒|鸭绒|鹅绒|真皮|纯棉|羊毛|羊绒|蚕丝|实木|黄金|纯金|纯银|翡翠|原装|正品)|飞丝|以次充好|掺假|"
                     # a price raised many times over ("国庆宾馆涨价三倍": a complaint, not a holiday greeting)
                     r"(涨价|涨了|贵了).{0,3}[0-9一两二三四五六七八九十几]+倍|翻(了)?[0-9一两二三四五六七八九十几]*倍|翻了一番|"
                     # a defect named without a verb of buying: "衣柜甲醛超标 孩子咳嗽", "到货有划痕"
                     r"甲醛|(重金属|农残|辐射|含量|指标)超标|异味|划痕|破损|掉漆|缺件|少件|过度包装|包装过度|"
                     # a shop that wiped what was left with it ("手机维修店 把我手机里的照片删了")
                     r"(把|给)我.{0,10}删(了|掉|光|除)|"
                     # something bought that does not work ("买的烟花不响"): a complaint, however few our words it uses
                     r"(买|网购|下单|订)(的|了|来).{0,20}(不(响|亮|转|动|制冷|制热|热|充电|出水|好用|能用|开机|灵|准)|坏|漏|裂|"
                     r"断|褪色|掉色|起球|开线|生锈|没用|没效果|死了|枯|烂|臭|发霉|变质|虫)|"
                     # harm after eating or using something ("教练卖的蛋白粉 吃了长痘"): a purchase that hurt
                     r"(吃|喝|用|抹|涂|敷|擦)(了|完)(以后|之后|后)?.{0,6}(长痘|过敏|起疹|红肿|发痒|心慌|头晕|烂脸|拉肚子|上吐下泻|中毒)")
# An interjection typed over and over ("怎么办呀呀呀", "啊啊啊啊"): read once, as it is said.
_STRETCHED = re.compile(r"([啊呀哈呢吗吧哦噢嘛啦哇呜唉哎])\1+")
ABOUT_ME = re.compile(r"你是(谁|哪位|机器人|真人|人工|ai|人吗)|你叫(什么|啥)|你(几|多大)岁|你的名字|你会(干|做)(什么|啥)")
# ... and the whole message asks who we are ("你们是干什么的", "这是哪个单位的"): the account and what it does ("这个号是
# 干啥的" names the account, whose own entry answers it)
ABOUT_US = re.compile(r"(请问|你好|您好|同志)*(你们|你|这里|这儿|这)(到底)?(是|属于)?"
                      r"(干(什么|啥|嘛)的|做(什么|啥)的|谁|哪个(单位|部门|机构)|什么(单位|部门|机构)|哪里的|哪儿的|管(什么|啥)的)"
                      r"(的)?(呀|啊|呢|吗)?")
# Upset and nothing else ("气死我了", "商家太坑了", "被坑了！！", "买东西被坑了"): the whole message, squeezed, is this
VENT_ONLY = re.compile(r"(我|俺|这|这个|那个|这家|商家|老板|店家|卖家|他们|他|真|真是|太|简直|都|也|要|快|被|好|又|"
                       r"买东西|买个东西|买的东西|网购|网上|购物)*"
                       r"(气死|太坑|坑人|坑爹|坑|骗人|无语|恶心|欺负人|太过分|过分|受不了|窝火|憋屈|郁闷|闹心|糟心|心塞|崩溃|"
                       r"气人|欺人太甚|没天理|黑心|奸商|忍不了)+(了|啊|呀|吧|呢|的|啦|人|我了|死了|透了|我|哦)*")
# A shop's link or an app's share text ("【淘宝】https://m.tb.cn/… 复制这条信息 打开手机淘宝"): not words of a question
LINK = re.compile(r"https?://\S+|www\.\S+|\S+\.(com|cn|net)/\S*")
SHARE_TEXT = re.compile(r"复制这条信息|复制本条信息|打开(手机)?(淘宝|天猫|京东|拼多多|抖音|快手|闲鱼|咸鱼|美团)(app|APP)?|"
                        r"【(淘宝|天猫|京东|拼多多|抖音|快手|闲鱼|美团)】|点击链接直接打开|长按复制|[￥$€¥][A-Za-z0-9]{6,}[￥$€¥]")
SHARED_TITLE = re.compile(r"「[^」]*」|“[^”]*”")     # the goods' title in a share text
LINK_WORDS = 4              # a link sent with fewer Chinese characters of the consumer's own is a link, not a question
# "都不是" after a menu: none of the choices was the question (the whole message, squeezed)
NONE_FITS = re.compile(r"(都|全|好像|好像都|这些都|这几个都)?(不是|不对)(的|啊|呀|吧)?|(都|全)?不是(我)?(要|想)(问|找)的|"
                       r"不是这(个|些|样|几个)|没有(我)?(要|想)(问|找)的|答非所问|(你)?说的(都)?不对|(都)?没(啥)?用")
# "2", "第二个", and as typed in a hurry: "我选2", "看第一个", "第二个吧"
_CHOICE = re.compile(r"^(?:(?:我|俺)?(?:想|要|就)?(?:选|要|看|点)了?)?(?:第)?([0-9]{1,3}|[一二三四五六七八九十])(?:个|条|项|号)?"
                     r"(?:吧|呀|啊|哈|呢|吗)?$")
_CHINESE_DIGITS = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)}


class Kind(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    REFER = "refer"
    UNKNOWN = "unknown"
    SMALLTALK = "smalltalk"


class Talk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    EMPTY = "empty"          # empty, blank, emoji or punctuation only
    TOO_LONG = "too_long"
    FOREIGN = "foreign"      # mostly another script
    ABOUT_ME = "about_me"    # 你是机器人吗 / 你叫什么名字
    OFF_TOPIC = "off_topic"
    CLOSING = "closing"      # 好的知道了 / 算了 / 我再想想: the conversation ends
    VENT = "vent"            # 气死我了 / 商家太坑了: upset, with nothing yet of what happened
    LINK = "link"            # a shop's link or share text and nothing of what went wrong


# The learned channel's small-talk labels (knowledge/examples.yaml `talk:`) → the reply they get.
LEARNED_TALK = {"offtopic": Talk.OFF_TOPIC, "greeting": Talk.GREETING, "thanks": Talk.THANKS,
                "closing": Talk.CLOSING}


@dataclass
class Result:
    kind: Kind
    entry: Entry | None = None
    choices: list[Entry] = field(default_factory=list)
    talk: Talk | None = None
    referral: Referral | None = None
    hits: list[Hit] = field(default_factory=list)
    via: str = ""            # "rank", "pin", "choice", "followup", "learned" (a referral by its examples); "repick": a
    #                          number outside the offer, shown again; "offer": a short detail sent after a menu, read
    #                          with the question that got the menu
    venting: bool = False    # the message reads as an upset story (the reply opens with a line of empathy)
    english: bool = False    # the message was English, read through the glossary (the reply says so in English)


def loaded() -> Snapshot:
    """This process's snapshot of the published knowledge base (rebuilt when it changed anywhere)."""
    return faq_snapshot.current()


# ---------------------------------------------------------------------------------------------------- asking

def ask(*, openid: str, text: str, now: datetime) -> Result:
    """Answer one message outside any flow. Queues what we could not answer (the consumer's own words)."""
    state = loaded()
    offered, offered_for = _take_offer(openid)
    choice = _choice(text)
    if choice is not None and offered and 1 <= choice <= len(offered):
        entry = state.entries.get(offered[choice - 1])
        if entry is not None:
            faq_followup.remember(openid=openid, slug=entry.slug, asked=offered_for)
            return Result(Kind.ANSWER, entry=entry, via="choice")
    previous, earlier = faq_followup.recall(openid)
    missed = offered_for if offered else earlier
    if missed and NONE_FITS.fullmatch(faq_route.squeeze(text)):
        # "都不是" after a menu, "不对" after an answer: the question that got it waits for a person, in the consumer's
        # own words
        if offered:
            faq_queue.none_fitted(text=missed)
        else:
            faq_queue.unanswered(openid=openid, text=missed, outcome=QuestionOutcome.UNANSWERED, best_score=0.0,
                                 best_slug=None, now=now)
        inbox.note_unanswered(openid=openid, text=missed, now=now)
        faq_followup.forget(openid)
        log.info("faq asked", kind=Kind.UNKNOWN.value, via="none-fitted")
        return Result(Kind.UNKNOWN, via="none-fitted")
    if choice is not None and offered:      # "4" after three choices: show them again, keep the offer open
        choices = [state.entries[s] for s in offered if s in state.entries]
        if choices:
            _keep_offer(openid, [e.slug for e in choices], question=offered_for)
            return Result(Kind.SUGGEST, choices=choices, via="repick")
    result = classify(text, previous=previous, earlier=earlier)
    if offered_for and _unsettled(result) and len(text.strip()) <= faq_followup.FOLLOW_MAX_CHARS and \
            state.routing.families(text) <= state.routing.families(offered_for):   # "网上买的手机…" is a new one
        joint = classify(f"{offered_for} {text}")   # "买到假货" (three choices), then "不到500块呢": one question
        if joint.kind is Kind.ANSWER:
            joint.via = "offer"
            result = joint
    if result.via == "followup" and earlier:
        text_asked = f"{earlier}；{text}"          # "网上买的衣服能退吗；那运费谁出": the follow-up with what it follows
    else:
        text_asked = text
    if result.kind is Kind.ANSWER and result.entry is not None:
        faq_followup.remember(openid=openid, slug=result.entry.slug, asked=text_asked)
    elif result.kind is Kind.REFER and result.referral is not None:
        faq_followup.remember(openid=openid, slug=faq_followup.REFERRAL + result.referral.id, asked=text_asked)
    elif result.kind is not Kind.SMALLTALK:
        faq_followup.forget(openid)
    if result.kind is Kind.SUGGEST:
        _keep_offer(openid, [e.slug for e in result.choices], question=text)
    if result.kind in {Kind.SUGGEST, Kind.UNKNOWN}:
        top = result.hits[0] if result.hits else None
        faq_queue.unanswered(openid=openid, text=text, now=now,
                             outcome=QuestionOutcome.CLOSE_CALL if result.kind is Kind.SUGGEST
                             else QuestionOutcome.UNANSWERED,
                             best_score=top.fused if top else 0.0, best_slug=top.slug if top else None)
    if result.kind is Kind.UNKNOWN:     # 件件有回音: an in-scope question we could not answer waits for a person
        inbox.note_unanswered(openid=openid, text=text, now=now)
    _tally(result, now)
    log.info("faq asked", kind=result.kind.value, via=result.via or None, talk=result.talk,
             entry=result.entry.slug if result.entry else None,
             referral=result.referral.id if result.referral else None,
             score=result.hits[0].fused if result.hits else None)
    return result


def _tally(result: Result, now: datetime) -> None:
    """Count the question for the 活动情况 report (one upsert; no openid, no text). A number picked from a menu, or a
    menu shown again, is the same question already counted as MENU; small talk is not a question."""
    if result.kind is Kind.ANSWER and result.entry is not None:
        qa_tally.count(outcome=AskOutcome.FIRST_REPLY, topic=result.entry.topic, category=result.entry.category,
                       now=now)
    elif result.kind is Kind.SUGGEST and result.choices:
        first = result.choices[0]
        qa_tally.count(outcome=AskOutcome.MENU, topic=first.topic, category=first.category, now=now)
    elif result.kind is Kind.REFER and result.referral is not None:
        qa_tally.count(outcome=AskOutcome.REFERRED, topic=result.referral.office, category="referral", now=now)
    elif result.kind is Kind.UNKNOWN:
        qa_tally.count(outcome=AskOutcome.UNANSWERED, topic="", category="", now=now)


def classify(text: str, *, previous: str | None = None, earlier: str = "") -> Result:
    """Decide what a message is, without side effects (the console's "try a question" uses this too).
    `previous`: the entry answered a few minutes ago in this conversation, for a follow-up; `earlier`: the consumer's
    words that got it (the setting they named still holds: "他就赔个电池钱中不" after a story about an e-bike)."""
    raw = _STRETCHED.sub(r"\1", unicodedata.normalize("NFKC", text or "")).strip()
    emoticons = WECHAT_EMOTICON.findall(raw)
    if emoticons:
        raw = WECHAT_EMOTICON.sub(" ", raw).strip()
        if not raw:
            thankful = any(e in THANKS_EMOTICONS for e in emoticons)
            return Result(Kind.SMALLTALK, talk=Talk.THANKS if thankful else Talk.EMPTY)
    if LINK.search(raw):
        raw = SHARE_TEXT.sub(" ", LINK.sub(" ", raw)).strip()
        if cjk_count(SHARED_TITLE.sub("", raw)) < LINK_WORDS:    # a shop's share text: ask what went wrong
            return Result(Kind.SMALLTALK, talk=Talk.LINK)
    if len(raw) > MAX_QUESTION_CHARS:
        return Result(Kind.SMALLTALK, talk=Talk.TOO_LONG)
    state = loaded()
    reading = state.pinyin().read(raw) if not cjk_count(raw) else None
    if reading is not None:                         # "wo yao tousu": pinyin, read as 我要投诉
        result = classify(reading.text, previous=previous, earlier=earlier)
        if result.kind is Kind.ANSWER and result.hits and any(     # xie: 写? 鞋? a guess is not answered outright
                _first(classify(text, previous=previous, earlier=earlier)) not in {None, result.entry}
                for text in reading.alternatives):
            return _offer(state, result.hits)
        return result
    if not cjk_count(raw):
        english = faq_english.glossary().read(raw)
        if english is not None:                 # "bought an air conditioner, it leaks water": read as 买的 空调 漏水
            result = classify(english, previous=previous, earlier=earlier)
            result.english = True
            return result
    norm = state.index.text.normalise(raw)
    squeezed = "".join(norm.split())
    if not squeezed:
        thanks = raw and all(c in THANKS_EMOJI or not c.strip() or unicodedata.category(c).startswith(("M", "C"))
                             for c in raw) and any(c in THANKS_EMOJI for c in raw)
        return Result(Kind.SMALLTALK, talk=Talk.THANKS if thanks else Talk.EMPTY)
    pinned = state.entries.get(state.pins.get(squeezed, ""))
    if pinned is not None:
        return Result(Kind.ANSWER, entry=pinned, via="pin")
    talk = _smalltalk(raw, state.index.text)
    if talk is not None:
        return Result(Kind.SMALLTALK, talk=talk)
    if VENT_ONLY.fullmatch("".join(c for c in raw if c.isalnum())):
        return Result(Kind.SMALLTALK, talk=Talk.VENT)
    referral = state.routing.referral(raw)
    if referral is not None and not (previous is not None and earlier and len(raw) <= faq_followup.FOLLOW_MAX_CHARS
                                     and not state.routing.families(raw)
                                     and state.routing.referral(f"{earlier} {raw}") is None):
        # a short follow-up is read with the words before it: "中奖了让先交五百税才给" after a supermarket's draw is
        # the shop's prize, as it would be in one message, not a scam; one that names its own purchase or service
        # ("快递员送到家还要加收上楼费"), or a story of its own, stands alone
        return Result(Kind.REFER, referral=referral)
    asked = faq_followup.without_marker(raw)      # "另外网购能七天退吗": a new question, ranked without its marker
    scored = asked[:MAX_SCORED_CHARS]
    query = state.index.query(scored)
    ranking = faq_rank.rank(state, query, scored)
    venting = faq_followup.is_venting(raw)
    if previous is not None and asked == raw and len(raw) <= faq_followup.FOLLOW_MAX_CHARS and \
            not faq_followup.points_back(squeezed):
        # read alone first: "你会唱歌不" after an answer is still small talk, "小区车位让物业卖给外人了" still another
        # office's matter
        alone = classify(text)
        learned = alone.kind in {Kind.REFER, Kind.SMALLTALK} and alone.via == "learned"
        # a referral by its patterns was decided above (this one the conversation's words ruled out); one read from
        # examples yields to the answer's own words ("合同没写违约金" after the renovation answer is not a broadband
        # contract)
        # ... and a fragment is taken only by a referral closer than any entry by a margin: "跟说的不一样" after a
        # booking not honoured is near one village example only because its few words get nothing better than a menu
        # alone, while "电动车让货车给刮了 司机跑了" is a story of its own
        strong = alone.kind is Kind.SMALLTALK or ranking.refers(unanswered=False) or \
            len(squeezed) >= faq_followup.STORY_CHARS
        if learned and strong and not _echoes(state, query, scored, previous):
            return alone
    if previous is not None and asked == raw:
        follow = faq_followup.resolve(state, query, scored, previous=previous, ranking=ranking,
                                      answerable=_known(ranking.top), earlier=earlier)
        if isinstance(follow, Referral):
            return Result(Kind.REFER, referral=follow, via="followup")
        if follow is not None:
            return Result(Kind.ANSWER, entry=state.entries[follow], hits=ranking.hits, via="followup",
                          venting=venting)
    learned = (_learned_referral(state, ranking, raw, unanswered=False)
               or _learned_talk(state, query, ranking, raw, unanswered=False))
    if learned is not None:
        return learned
    result = _decide(state, query, ranking, scored)
    if result.kind in {Kind.UNKNOWN, Kind.SUGGEST} or result.via == AGREED:
        # not answerable outright, or only on the channels' agreement over few words: the closest matter wins
        result = (_learned_referral(state, ranking, raw, unanswered=True)
                  or _learned_talk(state, query, ranking, raw, unanswered=True) or result)
    if result.via == AGREED:
        result.via = "rank"
    result.venting = venting
    return result


def _echoes(state: Snapshot, query, scored: str, previous: str) -> bool:
    """The message speaks the words of the answer it follows, as much as a question we know must ("俺不想录中不中"
    after the face-recognition answer is about that answer, however chatty it reads alone)."""
    if previous not in state.entries:
        return False
    own = faq_rank.rank(state, query, scored, only={previous}).top
    return own is not None and own.evidence >= EVIDENCE_MIN


def _first(result: Result) -> Entry | None:
    """The entry a reply shows first: the answer, or choice 1 of a menu."""
    return result.entry if result.kind is Kind.ANSWER else (result.choices or [None])[0]


def _learned_referral(state: Snapshot, ranking: faq_rank.Ranking, raw: str, *, unanswered: bool) -> Result | None:
    """Another office's matter recognised by its examples (knowledge/referrals.yaml) rather than its patterns."""
    if not ranking.refers(unanswered=unanswered):
        return None
    referral = state.routing.by_id(ranking.referral or "")
    if referral is None or referral.excluded(faq_route.squeeze(raw)):
        return None
    return Result(Kind.REFER, referral=referral, hits=ranking.hits, via="learned")


def _learned_talk(state: Snapshot, query, ranking: faq_rank.Ranking, raw: str, *, unanswered: bool) -> Result | None:
    """Not a consumer matter, recognised by the small-talk examples rather than the word lists: "猪肉多少钱一斤",
    "狗狗感冒了吃啥药", "中秋快乐"."""
    if ranking.talk not in LEARNED_TALK or PROBLEM.search("".join(raw.split())) or \
            not ranking.chats(raw, domain_words=len(state.index.domain_words(query)), unanswered=unanswered):
        return None                     # "新买的手机信号不好 能退吗": a problem named is never chat
    return Result(Kind.SMALLTALK, talk=LEARNED_TALK[ranking.talk], hits=ranking.hits, via="learned")


def _smalltalk(raw: str, text) -> Talk | None:
    plain = "".join(c for c in raw.lower() if c.isalnum() or c.isspace())
    if ABOUT_ME.search(plain.replace(" ", "")) or ABOUT_US.fullmatch(plain.replace(" ", "")):
        return Talk.ABOUT_ME
    squeezed = plain.replace(" ", "")
    if CHITCHAT.search(squeezed) or (ANIMALS.search(squeezed) and not ANIMAL_BOUGHT.search(squeezed)
                                     and not PROBLEM.search(squeezed)) or \
            (ADVICE.search(squeezed) and not PURCHASE.search(squeezed) and not PROBLEM.search(squeezed)) or \
            (WRITE_REQUEST.search(squeezed) and not PROBLEM.search(squeezed)) or \
            (OWN_SUMS.search(squeezed) and not PROBLEM.search(squeezed)) or \
            (HEALTH_LORE.search(squeezed) and not LORE_ABOUT_SALE.search(squeezed)) or \
            (HOME_KEPT.search(squeezed) and not PURCHASE.search(squeezed)):
        return Talk.OFF_TOPIC
    if "".join(plain.split()) in GREETING_WORDS:    # "在吗", "在不在": every word of it is also a filler word
        return Talk.GREETING
    if LAUGH.fullmatch(squeezed):                   # "哈哈", "嘿嘿": a friendly close, not "帮不上忙"
        return Talk.CLOSING
    words = [w for w in text.plain_words(plain) if w not in FILLER_WORDS]
    if not words:
        return None
    if all(w in GREETING_WORDS or w in THANKS_WORDS for w in words):
        if any(w in GREETING_WORDS for w in words):
            return Talk.GREETING
        return Talk.CLOSING if any(w in GOODBYE_WORDS for w in words) else Talk.THANKS
    return None


def _decide(state: Snapshot, query, ranking: faq_rank.Ranking, raw: str) -> Result:
    index = state.index
    hits = ranking.hits
    letters = [c for c in raw if c.isalpha()]
    foreign = sum(1 for c in letters if not c.isascii() and not cjk_count(c))
    if letters and foreign * 3 > len(letters):
        return Result(Kind.SMALLTALK, talk=Talk.FOREIGN, hits=hits)
    top = ranking.top
    known = _known(top)
    if not known:
        topical = bool(index.domain_words(query))
        agree = (top is not None and top.slug == ranking.lexical_top == ranking.learned_top and top.learned > 0
                 and top.evidence >= EVIDENCE_TOPICAL)      # "123456": no n-gram of ours, 12345 by lexical alone
        if topical and ranking.one_law and ranking.clear and top.evidence >= EVIDENCE_OFFER:
            # "网购能七天退吗": the menu would offer one article three ways, the first clearly ahead
            return Result(Kind.ANSWER, entry=state.entries[top.slug], hits=hits, via=AGREED)
        if topical and agree and ranking.clear and top.evidence >= EVIDENCE_OFFER:
            # "pdd七天咋算": a short question in our own words that both channels put first, clearly ahead
            return Result(Kind.ANSWER, entry=state.entries[top.slug], hits=hits, via=AGREED)
        if topical and top is not None and (top.coverage >= SHORT_COVERAGE or top.evidence >= EVIDENCE_OFFER or agree
                                            or top.learned >= OFFER_COSINE):
            return _offer(state, hits)             # a short question in our own words: "退款" → three choices; both
                                                   # channels on one entry, or an entry's phrasings near it ("淘宝买的包是
                                                   # 假货", 包是 one word): too
        if topical or (top is not None and top.evidence >= EVIDENCE_TOPICAL and index.known_words(query)) \
                or PROBLEM.search("".join(raw.split())):
            return Result(Kind.UNKNOWN, hits=hits)
        if letters and not cjk_count(raw):
            return Result(Kind.SMALLTALK, talk=Talk.FOREIGN, hits=hits)
        return Result(Kind.SMALLTALK, talk=Talk.OFF_TOPIC, hits=hits)
    if ranking.clear:
        return Result(Kind.ANSWER, entry=state.entries[top.slug], hits=hits, via="rank")
    return _offer(state, hits)


def _known(top: Hit | None) -> bool:
    """The first entry is something we know about: enough of the message's words, or close enough to its phrasings."""
    return top is not None and (top.evidence >= EVIDENCE_MIN or top.learned >= faq_rank.SURE_COSINE or
                                (top.learned >= faq_rank.KNOWN_COSINE and top.evidence >= EVIDENCE_TOPICAL))


def _offer(state: Snapshot, hits: list[Hit]) -> Result:
    choices = [state.entries[h.slug] for h in hits[:OFFER_SIZE] if h.slug in state.entries]
    return Result(Kind.SUGGEST, choices=choices, hits=hits)


# ---------------------------------------------------------------------------------------------------- offers

def _choice(text: str) -> int | None:
    """A bare number in any width, 一…十, "第2个" → the number; anything else → None."""
    bare = "".join(unicodedata.normalize("NFKC", text or "").split()).strip("。.!！")
    m = _CHOICE.match(bare)
    if not m:
        return None
    return _CHINESE_DIGITS.get(m.group(1)) or int(m.group(1))


def _keep_offer(openid: str, slugs: list[str], *, question: str) -> None:
    try:
        redis.set(keys.faq_offer(openid), json.dumps({"slugs": slugs, "question": question}, ensure_ascii=False),
                  ex=keys.FAQ_OFFER_TTL)
    except RedisError:
        log.warning("faq offer not kept: redis unavailable")


@followers.on_unsubscribe
def erase(openid: str, now: datetime) -> None:
    """An unsubscribe erases the words kept for a menu and for a follow-up at once (they expire within minutes)."""
    try:
        redis.delete(keys.faq_offer(openid), keys.faq_context(openid))
    except RedisError:
        log.warning("faq offer and context erase in redis failed")


def _take_offer(openid: str) -> tuple[list[str], str]:
    """The slugs offered last time and the words that got them, consumed (a number answers the last offer only
    once). An offer kept by an older release is a bare list of slugs."""
    try:
        raw = redis.getdel(keys.faq_offer(openid))
    except RedisError:
        return [], ""
    kept = json.loads(raw) if raw else []
    if isinstance(kept, list):
        return kept, ""
    return kept.get("slugs", []), kept.get("question", "")


def _unsettled(result: Result) -> bool:
    """A reply that leaves the consumer without an answer: a menu, a queued question, or "not something we know"."""
    return result.kind in {Kind.SUGGEST, Kind.UNKNOWN} or \
        result.kind is Kind.SMALLTALK and result.talk is Talk.OFF_TOPIC


# ---------------------------------------------------------------------------------------------------- seeding

def import_file(path: str | Path, *, now: datetime | None = None) -> dict[str, int]:
    return faq_store.import_file(path, now=now or utcnow())


def import_dir(directory: str | Path = faq_store.ENTRIES_DIR, *, now: datetime | None = None) -> dict[str, int]:
    return faq_store.import_dir(directory, now=now or utcnow())


def seed() -> str:
    """`flask seed`: import knowledge/entries (idempotent)."""
    counts = import_dir()
    return ", ".join(f"{k} {v}" for k, v in counts.items())
