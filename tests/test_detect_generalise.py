"""How people write to (and about) a wallet's support, beyond the labelled development rows.

Each table is a kind of writing the first rules got wrong when a reviewer probed them with fresh
sentences: sarcasm, English glued to Chinese with no spaces, a later clause that undoes the fear, the
author being the one who does not reply, mailers, market talk, hypotheticals and advice questions,
double negatives, someone's wife or friend not answering, the brand's own notices. The sentences are
written for these tests (some are the reviewer's probes); the "unseen" tables were written before the
rules they exercise were changed, to check that the rules generalise rather than memorise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.detect import DetectInput, build_detector
from monitor.detect.engine import Detector
from tests.conftest import base_config

D = 86400


@pytest.fixture(scope="module")
def det(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return build_detector(base_config(tmp_path_factory.mktemp("cfg")))


def _complaint_rules(det: Detector, text: str) -> set[str]:
    res = det.detect(DetectInput(id="t", text=text))
    return {e["rule"] for e in res.evidence if e["detector"] == "complaint"} if res.complaint else set()


# --- complaints the first rules missed ------------------------------------------------------------
@pytest.mark.parametrize("text", [
    # English beside CJK with no space: Python's \b sees CJK as word characters (rules compile re.ASCII).
    "ｂｉｔｐｉｅ客服ｎｏ ｒｅｐｌｙ已经３天了",
    "客服no reply已经3天了",
    "bitpie客服ghosted我",
    "提币 pending 三天 support 完全 ghost 我",
    "support没回复",
    "客服ignore我三天了",
    "比特派support一直no response，急死了",
    "提现卡住了，customer service 完全不回",
    # sarcasm and ellipsis
    "Wow @BitpieWallet, 5 days and not a peep. Amazing customer service 👏👏",
    "Love how @BitpieWallet support takes a week to read a single email. Stellar.",
    "Appreciate the silence @BitpieWallet, 6 days now",
    "客服效率真“高”，一周了还在等",
    "比特派客服真是“神速”啊，半个月没人理",
    # plain forms
    "Day 4 of waiting for @BitpieWallet support",
    "Week 2 of waiting for Bitpie support to get back to me",
    "still waiting on my ticket @BitpieWallet",
    "Bitpie support takes forever",
    "Bitpie customer service takes ages",
    "Does anyone at Bitpie actually read DMs?",
    "Is anyone at @BitpieWallet actually reading tickets?",
    "Does Bitpie even have a support team? Been messaging for days",
    "I've submitted 3 tickets. Nothing back.",
    "客服呢？？？",
    "等客服回复等到天荒地老",
    "@比特派 回句话好吗",
    "比特派客服装聋作哑",
    "比特派客服对我的问题视而不见",
    "问了客服好几次都没有结果，一拖再拖",
    "客服说48小时内回复，现在已经过去5天了",
    "10天了 还没回复",  # an issue title: the stated wait anchors it
])
def test_complaints(det: Detector, text: str) -> None:
    assert _complaint_rules(det, text), text


# --- look-alikes that are not complaints ----------------------------------------------------------
@pytest.mark.parametrize("text", [
    # a later clause undoes the fear
    "I was worried support would ignore me but they replied within an hour. No complaints!",
    "Thought I'd never get a reply, but Bitpie support came through. Thanks!",
    "I expected support to ghost me but they sorted it out in 20 minutes",
    # the author is the one not replying
    "The new Zelda game is so good I've been ignoring my emails all week",
    "Sorry guys, I've been ignoring my DMs this week, will catch up",
    "他发消息我都不回，哈哈",
    # mailers
    "Please use the no-reply address, do not reply to this email.",
    "This is an automated message, please do not reply.",
    # market talk
    "Nobody answers the question of why BTC dropped today",
    "Market makers are slow to respond to the news, BTC flat",
    "no reply from the market today, flat candles all day",
    "Bitpie never answered my prayers for a bull market lol",
    "The market did not respond to the CPI print at all",
    "这个币一直不涨，没人理它",
    # someone else's silence, no support anywhere
    "我老婆已读不回我消息了，怎么办",
    "朋友联系不上了，担心他",
    "我男朋友又不回我消息了",
    # hypotheticals and advice questions
    "What should I do if support doesn't reply?",
    "Just in case support doesn't answer, keep your txid handy",
    "How long should I wait if support doesn't answer my ticket?",
    "如果客服不回复怎么办？",
    "要是客服一直不回，应该去哪里投诉？",
    "有没有人知道客服不回复怎么办",
    "客服回复慢吗？准备用比特派",
    "客服不回复是正常的吗，第一次用",
    "比特派没有客服功能的话，我就用别的钱包",
    # double negatives
    "比特派客服从来不会不回消息，很靠谱",
    "客服很耐心，没有不回复的情况",
    "客服不可能不回你的，放心",
    # the brand's notices, and not answering noise
    "官方公告：春节期间客服上班时间调整，回复可能略慢，敬请谅解",
    "Bitpie team doesn't respond to FUD, they just ship. Respect.",
    "We don't reply to trolls. Have a nice day.",
])
def test_not_complaints(det: Detector, text: str) -> None:
    assert not _complaint_rules(det, text)


# Complaints that must survive the new exclusions (they share words with them).
@pytest.mark.parametrize("text", [
    "Support ignored me for a week and then replied after 9 days",  # no good outcome
    "I've been ignored by Bitpie support for 3 days",  # passive: the author is ignored
    "要是客服再不回，我就去投诉了",  # "再": it has not replied
    "客服再不回的话我就报警",
    "找了客服，他一直不回",  # 他 is the agent
    "My BTC withdrawal is stuck and support hasn't replied in 4 days",  # BTC is not market talk here
    "客服回复永远是请耐心等待，等了一个星期也没结果",  # quoted boilerplate is not a notice
    "Don't bother emailing support, they never reply",
    "If you ever get back to me, my ticket is #5521. Nobody has replied in a week",  # sarcastic "if ever"
    "客服三天不回复正常吗？",  # rhetorical: the stated wait makes it a complaint
])
def test_complaints_that_look_like_exclusions(det: Detector, text: str) -> None:
    assert _complaint_rules(det, text), text


@pytest.mark.parametrize(("text", "exclusion"), [
    ("I was worried support would ignore me but they replied within an hour", "en.contrast_good_outcome"),
    ("I've been ignoring my emails all week", "en.first_person_ignoring"),
    ("Please do not reply to this email.", "en.do_not_reply"),
    ("Market makers are slow to respond to the news", "en.market_subject"),
    ("Bitpie team doesn't respond to FUD", "en.respond_to_noise"),
    ("What should I do if support doesn't reply?", "en.hypothetical"),
    ("我老婆已读不回我消息了，客服", "zh.personal_contacts"),
    ("客服从来不会不回消息", "zh.double_negative"),
    ("如果客服不回复怎么办", "zh.conditional"),
    ("客服不回复是正常的吗", "zh.asking_how"),
    ("春节期间客服回复可能略慢", "zh.hedged_delay"),
    ("官方公告：客服电话打不通的问题已修复", "any.notice"),
])
def test_each_exclusion_is_what_vetoes(tmp_path: Path, text: str, exclusion: str) -> None:
    """The include fires on these; without that one exclusion the text would be a complaint."""
    cfg = base_config(tmp_path)
    assert not build_detector(cfg).detect(DetectInput(id="x", text=text)).complaint
    plain = Detector(cfg, without=frozenset({f"complaint.{exclusion}"}))
    assert plain.detect(DetectInput(id="x", text=text)).complaint, text


def test_chinese_rules_without_a_support_anchor_need_one(det: Detector) -> None:
    # "联系不上" / "已读不回" / "没人理" say nothing about support by themselves.
    assert not _complaint_rules(det, "联系不上了，担心死了")
    assert _complaint_rules(det, "客服联系不上了，担心死了")
    assert not _complaint_rules(det, "她已读不回")
    assert _complaint_rules(det, "私信比特派已读不回")


def test_brand_names_come_from_config(tmp_path: Path) -> None:
    # "@比特派 回个话啊" is a plea because of the @; without it, the configured brand name must carry it.
    text = "比特派回个话啊"
    mine = build_detector(base_config(tmp_path))
    other = build_detector(parse_config({"brand": {"names": ["Acme"]}}, tmp_path, env={}))
    assert mine.detect(DetectInput(id="x", text=text)).complaint
    assert not other.detect(DetectInput(id="x", text=text)).complaint
    assert other.detect(DetectInput(id="x", text="acme回个话啊")).complaint


# --- written before the rules changed (unseen by the tuning) --------------------------------------
UNSEEN = [
    ("@BitpieWallet four days since my ticket, still nothing. Incredible service.", True),
    ("My support request from last Tuesday is still unanswered @BitpieWallet", True),
    ("bitpie客服真的没人回吗？已经一个礼拜了", True),
    ("客服到现在一个字都没回我", True),
    ("工单提交了十多天，毫无音讯", True),
    ("在线客服排队排了两个小时都没轮到", True),
    ("Still no word from Bitpie support about my missing deposit. 3 days.", True),
    ("客服給我已讀不回，三天了", True),
    ("Bitpie support replied in 10 minutes, super helpful 👍", False),
    ("I'll reply to your comment later, busy now", False),
    ("Bitpie, please ignore the spam bots in your mentions", False),
    ("No reply needed, just wanted to say thanks @BitpieWallet", False),
    ("I never reply to unknown numbers", False),
    ("Does Bitpie support Tron tokens?", False),
    ("The ETH price never responds to good news anymore", False),
    ("客服很快回复了，还帮我查了交易", False),
    ("我一般不回陌生人的私信", False),
    ("请问比特派客服工作时间是几点到几点？", False),
    ("比特派支持TRC20吗", False),
    ("她一直不回我微信，好烦", False),
    ("如果以后客服回复慢了，我会再来评价", False),
    ("客服虽然回复得晚了点，但问题解决了", False),
    ("Waiting for the next Bitpie update, hope it adds dark mode", False),
    ("What's the fastest way to reach Bitpie support?", False),
    # these six failed when first written; fixed by general rules (bot-only, "ever gonna answer",
    # "no one from @x has acknowledged", "response time is a joke", "不上班", "有没有人在管")
    ("Bitpie support只会发自动回复，从来没有真人", True),
    ("@BitpieWallet y'all ever gonna answer my DM or nah", True),
    ("Been 48 hrs, no one from @BitpieWallet has even acknowledged my ticket", True),
    ("Bitpie support's response time is a joke", True),
    ("比特派客服都不上班的吗？消息发了两天了", True),
    ("联系客服n次了都没用，到底有没有人在管", True),
]


# A third batch in the labelled sources' styles (brand tweets, reviews, issues), also written before
# the rules it exercises; five failed at first and were fixed by general rules ("on the phone for 40
# minutes", "all agents are busy", "only sends canned replies", a stated wait anchoring "没人回",
# "has not responded to the proposal").
UNSEEN += [
    ("@AmazonHelp I've been on the phone for 40 minutes and still no one has helped", True),
    ("@VirginMedia 3rd day without internet and your chat just says all agents are busy", True),
    ("Terrible exchange. Submitted KYC a month ago, support only sends canned replies", True),
    ("@British_Airways how hard is it to get an answer from you? Asked 3 times now", True),
    ("卖家发货很快，但是售后一直不理人，问了好几次", True),
    ("酒店前台电话打了十几次都没人接，差评", True),
    ("外卖送得很慢，打商家电话也没人接", True),
    ("这个项目付费了，提issue一个月都没人回", True),
    ("Seven working days and still waiting patiently @BitpieWallet", True),
    ("Trustpilot review: withdrawals are fast and support answered my question in minutes", False),
    ("@Uber_Support thanks, that sorted it!", False),
    ("Great hotel, staff were friendly and answered every question", False),
    ("物流很快，东西不错，客服态度也好", False),
    ("味道一般，送餐员态度不好，不会再点了", False),
    ("房间干净，前台服务热情，下次还来", False),
    ("如果有问题可以随时联系客服，回复很及时", False),
    ("I don't respond well to mornings lol", False),
    ("我回头再看看这个版本", False),
    ("客服说明天给我回复，好的", False),
    ("The team has not responded to the proposal yet, vote closes Friday", False),
    ("3 weeks and still waiting for my parcel, courier is useless", False),
]


@pytest.mark.parametrize(("text", "complaint"), UNSEEN)
def test_unseen_variants(det: Detector, text: str, complaint: bool) -> None:
    assert bool(_complaint_rules(det, text)) is complaint, text


# --- the claimed wait: the duration nearest the not-replying phrase ------------------------------
@pytest.mark.parametrize(("text", "seconds"), [
    ("My account was hacked 2 years ago and support still hasn't replied after 5 days", 5 * D),
    ("客服已经十几天没回复了", 10 * D),
    ("客服让我等24小时，现在都72小时了", 72 * 3600),
    ("Support told me to wait 24 hours. It's been 3 days and no reply", 3 * D),
    ("Emailed support 5 days ago, no reply", 5 * D),
    ("Day 4 of waiting for @BitpieWallet support", 4 * D),
    ("ｂｉｔｐｉｅ客服ｎｏ ｒｅｐｌｙ已经３天了", 3 * D),
    ("Bought BTC 3 months ago and now support ignores me", None),
])
def test_claimed_wait_nearest(det: Detector, text: str, seconds: int | None) -> None:
    res = det.detect(DetectInput(id="t", text=text))
    assert res.complaint, text
    assert res.claimed_wait_seconds == seconds


# --- probe 2: an independent tester's posts, written blind to the rules ---------------------------
# Each (text, complaint, claimed wait) row below is one of that probe's misses or false positives. The
# fixes are general rules (a promised reply time long passed, typos of "support", "left it on seen",
# "sent X to support@... N days ago", 当没看见, "你们的支持团队呢？", a Chinese negation before an English
# verb, a ticket open N days and still pending, others' claim rebutted by the author's own experience)
# and each has fresh variants and look-alikes of our own in the next table.
PROBE2 = [
    ("Your live chat says 'typically replies in a few minutes'. Been 2 hours @coinbase", True, 7200),
    ("bitpie suport = read and ignore. they saw my msg in the telegram group and just left it on seen",
     True, None),
    ("Hi @BitpieWallet, I sent the tx hash and screenshots to support@bitpie.com 4 days ago. "
     "Can someone please look at it?", True, 4 * D),
    ("电报群里问了好几次，管理员全当没看见。比特派你们的支持团队呢？", True, None),
    ("比特派 support 根本不reply，ticket开了3天还是pending 🙄", True, 3 * D),
    ("比特派的客服是不是都放假了？工單開了五天還是「處理中」", True, 5 * D),
    # rebuttals: the author says support did answer
    ("之前说比特派客服没人回的，我今天试了一下，秒回，可能之前是假期吧", False, None),
    ("有人說比特派客服都不回，我覺得還好啊，我每次問都有回", False, None),
    # detected, but the stated wait was missed
    ("been trying to reach bitpie support for two weeks. emails bounce, telegram admins ignore me. "
     "great wallet until something goes wrong 🙃", True, 14 * D),
    ("Anyone know how to actually get a human at @Comcast? I've been in the chat queue for 45 min", True, 2700),
    ("Binance support took a week to respond to a simple KYC question. A WEEK.", True, 7 * D),
    ("打了京东客服电话排队排了40分钟，最后还给我挂了", True, 2400),
]

# Our own variants of each probe-2 pattern, and look-alikes that must stay non-complaints.
PROBE2_VARIANTS = [
    # a promised reply time long passed
    ("Auto-reply promised a response within 24 hours. It's been 5 days @BitpieWallet", True, 5 * D),
    ("Your website says support answers within 1 hour. 6 hours later, nothing.", True, 6 * 3600),
    ("The bot claims agents reply in under 10 minutes. Been 3 hours.", True, 3 * 3600),
    ("Your FAQ says support responds within 2 business days. Day 9 today.", True, 9 * D),
    ("The app says deposits arrive within 10 minutes, been 2 hours", False, None),  # not support
    ("Live chat says typically replies in a few minutes, and they did: answered in 2.", False, None),
    ("Support said they'd reply within 24 hours, so I'll wait until tomorrow", False, None),
    # typos, read-and-ignore, left on seen
    ("bitpie supprot is a joke, messages get read and ignored", True, None),
    ("DM'd the admins twice, they left me on seen again", True, None),
    ("suport is unresponsive for days @BitpieWallet", True, None),
    ("they saw it and left it on read. bitpie suport at its finest", True, None),
    ("I read and ignore most crypto news", False, None),
    ("lol I left it on read, he's annoying", False, None),
    # sent to support N days ago
    ("Emailed my KYC documents to help@bitpie.com 3 days ago. Any update?", True, 3 * D),
    ("I forwarded the screenshots to your support team two weeks ago, still waiting", True, 14 * D),
    ("I sent the docs to support 2 days ago and they replied within an hour, great", False, None),
    ("I DM'd you 3 days ago and you fixed it the same day, thanks", False, None),
    ("I sent 0.5 ETH to my friend 3 days ago", False, None),
    # 当没看见 / 你们的客服呢
    ("在群里@了客服好几次，客服装作没看到", True, None),
    ("群主和管理员都装没看见，币还卡着", True, None),
    ("提币卡了两天，比特派你们的客服呢？", True, None),  # the two days are the withdrawal's
    ("客服说这种钓鱼短信当没看见就行", False, None),
    ("我就当没看见他的消息", False, None),
    ("春节客服放假了吗？", False, None),
    # Chinese negation + English verb
    ("客服一直没reply，邮件发了一周了", True, 7 * D),
    ("Bitpie客服根本不answer问题", True, None),
    ("我不reply陌生人的DM", False, None),
    # a ticket open N days, still pending
    ("工单提交了一周还是待处理，到底有没有人管", True, 7 * D),
    ("投诉邮件发了5天了还是没人理", True, 5 * D),
    ("工單開了三天還是「待處理」", True, 3 * D),
    ("提现申请开了三天还是处理中", False, None),  # a withdrawal's status, not support
    ("订单三天还是待发货", False, None),
    ("工单开了一天，今天已经处理好了", False, None),
    # others' claim: rebutted (not a complaint) or agreed with (a complaint)
    ("Everyone says Bitpie support never answers. Mine replied within 10 minutes today.", False, None),
    ("Reddit says Bitpie support never replies, but mine got back to me within the hour", False, None),
    ("听说比特派客服回复很慢，我试了一下五分钟就回了", False, None),
    ("网上都说比特派客服不理人，其实还好，我问的都回了", False, None),
    ("朋友说比特派客服没回他，我帮他问了一下，秒回", False, None),
    ("Everyone says Bitpie support never answers and it's true, 5 days and nothing.", True, 5 * D),
    ("听说比特派客服不回，果然，我等了三天也没人回", True, 3 * D),
    ("有人说客服不回，我也遇到了，工单开了一周没动静", True, 7 * D),
    # stated waits in the probe's phrasings
    ("Tried to contact Bitpie support for three days, nobody replies", True, 3 * D),
    ("in the support queue for 20 minutes and still no agent", True, 1200),
    ("It took Bitpie support 10 days to answer my email", True, 10 * D),
    ("排队等人工排了半个小时，还是没人接", True, 1800),
    ("在线客服排了两个小时队都没轮到", True, 7200),
]


@pytest.mark.parametrize(("text", "complaint", "seconds"), PROBE2 + PROBE2_VARIANTS)
def test_probe2_and_variants(det: Detector, text: str, complaint: bool, seconds: int | None) -> None:
    res = det.detect(DetectInput(id="t", text=text))
    assert res.complaint is complaint, (text, res.evidence)
    assert res.claimed_wait_seconds == seconds, text


@pytest.mark.parametrize(("text", "exclusion"), [
    ("People say Bitpie support never replies. Tried today, got an answer in 2 minutes.", "en.reported_claim"),
    ("有人说比特派客服都不回，我觉得还好啊，我每次问都有回", "zh.reported_claim"),
    ("I just left his DM on read, Bitpie support can wait lol", "en.first_person_left_on_read"),
    ("I emailed support 3 days ago and they replied within an hour", "en.contrast_good_outcome"),
])
def test_probe2_exclusions_are_what_veto(tmp_path: Path, text: str, exclusion: str) -> None:
    cfg = base_config(tmp_path)
    assert not build_detector(cfg).detect(DetectInput(id="x", text=text)).complaint
    plain = Detector(cfg, without=frozenset({f"complaint.{exclusion}"}))
    assert plain.detect(DetectInput(id="x", text=text)).complaint, text


# KIND: text that arrives with HTML character references (X's &amp;, a feed's &#39;): rules read the
# characters, not the reference names.
@pytest.mark.parametrize(("text", "complaint"), [
    ("Emailed support twice &amp;amp; still nothing", True),
    ("Sent my documents on Monday. Still haven&#39;t heard &amp; the live chat doesn&#39;t load", True),
    ("support never replied &#x1F620;", True),
    ("Support replied in 5 minutes &amp; fixed it, thanks", False),
    # only complete references: "&not" without its semicolon is the user's text, not ¬
    ("support&not one reply in a week", True),
    ("emailed them &copy of my ID, no reply since Monday", True),
    # X greentext: ">" lines escaped as &gt; are the author's words, not a quote to ignore
    ("&gt;be me\n&gt;support ignored me for 9 days", True),
    # an e-mail style quote ("> " then text) is still someone else's words
    ("> support never replied\nthanks, it is fixed now", False),
])
def test_character_references_are_read_as_characters(det: Detector, text: str, complaint: bool) -> None:
    assert det.detect(DetectInput(id="t", text=text)).complaint is complaint, text
