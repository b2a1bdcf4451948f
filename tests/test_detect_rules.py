"""Every built-in complaint rule, with the real-world phrasing that motivated it, and look-alike non-complaints.

The examples are written for these tests (not copied from the labelled set): English, simplified,
traditional, full-width, emoji and mixed-language posts as they reach a wallet's support team.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.detect import DetectInput, build_detector
from monitor.detect.anchors import required_literals
from monitor.detect.engine import Detector, DetectResult
from monitor.detect.table import load_table
from tests.conftest import base_config

COMPLAINTS_EN = [
    ("@BitpieWallet 3 days and no reply to my ticket. Where is everyone?", "no_reply"),
    ("Support still hasn't replied to my email from Monday", "not_replied"),
    ("They won't answer me at all, it's been a week", "not_replied"),
    ("I haven't received any response from your team since I opened the case", "not_received_reply"),
    ("Still waiting for a reply from @BitpieWallet support, this is ridiculous", "still_waiting_reply"),
    ("Day 3 waiting on a response from your agents", "still_waiting_reply"),
    ("Still waiting for you to answer my ticket", "still_waiting_reply"),
    ("Opened a chat with support and kept waiting forever.", "waiting_endlessly"),
    ("Waited 2 hours for an agent in the live chat", "waited_for_reply"),
    ("Been on hold with customer care for 45 minutes now 🙄", "on_hold"),
    ("Can't reach anyone at Bitpie, my funds are stuck", "cannot_contact"),
    ("Impossible to get hold of a human at this company", "cannot_contact"),
    ("Try to contact them. Good luck with that.", "try_contact_no_luck"),
    ("Nobody at the helpdesk answers, what is going on?", "nobody_answers"),
    ("There is no one to talk to about a locked wallet", "nobody_answers"),
    ("Sent several DMs and no one is responding as usual", "nobody_answers"),
    ("My emails go unanswered for weeks", "unanswered"),
    ("Bitpie support is completely unresponsive", "unresponsive"),
    ("Non-existent customer support, avoid", "unresponsive"),
    ("I feel ignored by your support team", "ignored"),
    ("thanks for ignoring all my DMs @BitpieWallet", "ignored"),
    ("Bitpie support ghosted me after I sent the screenshots", "ghosted"),
    ("Withdrawals stuck since the upgrade and support chat is dead. Anyone got a reply?", "unresponsive"),
    ("Day 3 of waiting for Bitpie support to answer my email", "waiting_on_support"),
    ("My ticket #4821 has been open for 9 days", "ticket_open"),
    ("Worst support ever, extremely slow to respond", "slow_reply"),
    ("Your support is painfully slow", "slow_reply"),
    ("It takes them forever to reply to a simple question", "takes_forever"),
    ("Sent my complaint two weeks ago and only just got a reply", "late_reply"),
    ("Your hotline is always busy", "phone_unanswered"),
    ("Called five times, all I get is voicemail", "phone_unanswered"),
    ("Nobody picking up the phone at your office", "phone_unanswered"),
    ("Contacting support only gets an automated reply", "bot_only"),
    ("I've emailed support 5 times about this", "repeated_contact"),
    ("please reply to my DM, it's urgent", "please_reply"),
    ("@BitpieWallet check your DMs! I sent the txid", "please_reply"),
    ("When will someone from support get back to me?", "when_reply"),
    ("They promised to call me back yesterday. Nothing.", "broken_callback"),
    ("2 days without reply. Is anyone working there?", "no_contact_since"),
    ("Nobody from Bitpie has got back to me", "nobody_got_in_touch"),
    ("hello?? is anyone there? sent 3 emails this week", "anyone_there"),
    ("@BitpieWallet are you guys even reading DMs?", "anyone_there"),
    ("Been messaging your support for days with no luck", "tried_in_vain"),
    ("I've been trying to get in touch with support for a week", "tried_in_vain"),
    ("Zero communication from support after a week. Unacceptable.", "no_communication"),
    ("Your live chat is always offline and emails bounce", "channel_offline"),
    ("The support email auto-replies and then silence", "channel_offline"),
    ("Why won't anyone at Bitpie reply to me?", "nobody_answers"),
    ("respond to my DMs please, my funds are stuck", "please_reply"),
    ("It's been a week since I emailed you about my missing deposit", "since_contact"),
    ("No phone number, no email, no live chat. Nothing.", "no_channels"),
    ("3rd time asking about my transfer", "repeated_contact"),
    ("Useless, you can only talk to a bot", "bot_only"),
    ("Submitted a ticket, got an automated email and nothing since", "nothing_since"),
    ("Their response time is terrible", "unresponsive"),
    ("Been trying to call you all day", "tried_in_vain"),
    ("can someone please get back to me about my deposit", "please_reply"),
    ("No customer support at all, stay away", "no_channels"),
    ("5 emails, 2 tickets, 0 answers. What is going on?", "no_reply"),
    ("My ticket number is 55321, nobody has touched it in a week", "nobody_answers"),
    ("Contacted you via app, email and twitter. Silence.", "channel_offline"),
    ("Thanks for nothing @BitpieWallet, still waiting since Monday", "waiting_since"),
    ("@BitpieWallet helloooo? it's been 5 days", "hello_nudge"),
    ("Do you guys even have customer support? @BitpieWallet", "even_have_support"),
    ("@BitpieWallet I've sent 4 emails. Nothing. Nada. Zilch.", "sent_then_nothing"),
    ("Wow @BitpieWallet, 5 days and not a peep. Amazing customer service 👏👏", "not_a_peep"),
    ('Bitpie support is so "fast", a week for one email', "scare_quotes"),
    ("I'm tired of waiting for your team to respond", "waiting_on_support"),
    ("The chat bot keeps looping and there's no way to get a human", "cannot_contact"),
    ("Bitpie support response time: never", "unresponsive"),
    ("@BitpieWallet I DM'd you 3 days ago about my transfer", "sent_days_ago"),
    ("@BitpieWallet plz respond", "please_reply"),
    ("answer me please, my USDT is stuck", "please_reply"),
    # full-width letters, emoji, mixed language
    ("ｓｕｐｐｏｒｔ　ｎｅｖｅｒ　ｒｅｐｌｉｅｄ", "not_replied"),
    ("客服 no reply 已经三天了 😡", "no_reply"),
    ("Still no response from support 😤😤", "no_reply"),
    ("Support didn’t respond to my ticket", "not_replied"),  # curly apostrophe as phones type it
    ("The auto-reply promised an answer within 48 hours. It's been 6 days.", "promise_passed"),
    ("Messaged the admins on Telegram and they left me on seen", "left_on_read"),
]

COMPLAINTS_ZH = [
    ("比特派客服三天都不回消息", "support_no_reply"),
    ("客服完全不回覆，等了兩天", "support_no_reply"),  # traditional script
    ("客服装死，问什么都不说话", "support_no_reply"),
    ("提交了工单，一直没人回复", "nobody_replies"),
    ("问了好几遍，没有一个工作人员回应", "nobody_replies"),
    ("发了三封邮件至今没有回复", "no_reply"),
    ("到现在都没收到任何答复", "not_received_reply"),
    ("反馈的问题石沉大海", "sunk"),
    ("消息已读不回，什么态度", "sunk"),
    ("出了问题根本联系不上客服", "unreachable"),
    ("這個錢包出事了找不到客服", "unreachable"),  # traditional
    ("APP里客服入口都找不到在哪", "support_entry_missing"),
    ("客服电话一直占线", "phone_unanswered"),
    ("官方微信一直加不上", "wechat_full"),
    ("客服回复太慢了", "slow_reply"),
    ("找客服催了好几次都没用", "chased"),
    ("人工客服排队两个小时", "queue"),
    ("全是机器人自动回复", "bot_only"),
    ("出了事也没有人出来说明", "nobody_came"),
    ("等客服回复等了一整天", "wait_for_support"),
    ("比特派的客服形同虚设", "dead_support"),
    ("你们客服到底还上不上班", "anyone_there"),
    ("比特派客服能不能回一下消息", "plea"),
    ("找了好几次客服都没人搭理", "nobody_replies"),
    ("留言反馈了很多次，一点回应都没有", "no_reply"),
    ("打了十几次客服电话都没打通", "phone_unanswered"),
    ("聯絡不到客服，真的很扯", "unreachable"),  # Taiwanese usage: 聯絡 -> 联络, not 联系
    ("寄信給客服都沒回", "support_no_reply"),
    ("客服電話永遠忙線中", "phone_unanswered"),
    ("打去客服都轉語音信箱", "phone_unanswered"),
    ("客服很難打進去", "phone_unanswered"),
    ("在线客服一直显示繁忙", "phone_unanswered"),
    ("提交工单后一直待处理", "support_no_reply"),
    ("客服爱答不理的，什么态度", "support_no_reply"),
    ("客服像死了一样", "dead_support"),
    ("问东西秒回，一说退款就不回了", "silent_on_request"),
    ("没有官方人员出来说明一下吗", "silent_on_request"),
    ("比特派客服是机器人吗？问什么都不回", "sunk"),
    ("工单显示已受理，然后就没有然后了", "sunk"),
    ("在线客服排了两个小时的队，还是没接通", "queue"),
    ("客服回复永远是请耐心等待，等了一个星期也没结果", "wait_for_support"),
    ("客服３天没回复我", "support_no_reply"),  # full-width digit
    ("support 联系不上 🙃", "unreachable"),
    ("等客服等到花儿都谢了", "wait_idiom"),
    ("@比特派 回个话啊", "plea_brand"),
    ("客服一直踢皮球，问了一周都没结果", "asked_no_result"),
    ("客服让我等24小时，现在都72小时了", "broken_promise"),
    ("客服回复真是太“快”了，等了五天 🙃", "scare_quotes"),
    ("提币 pending 三天 support 完全没回", "en_support_no_reply"),
    ("客服到现在都没reply我", "mixed_no_reply"),
    ("工单提交了四天还是待处理", "ticket_pending"),
    ("转账卡住一整天了，你们的客服呢？", "where_is_support"),
]

NOT_COMPLAINTS = [
    "Support replied fast, thanks @BitpieWallet!",
    "Thanks for the quick response, issue solved",
    "What's your support email?",
    "The app is slow after the update",
    "Withdrawal fees are too high",
    "The app is not responding after the update",
    "Sorry for the late reply, we have sent you a DM",
    "Has anyone else had slow replies from support lately?",
    "My withdrawal has been on hold for 2 days",
    "Please ignore my previous tweet",
    "Can't wait for the new version!",
    "No problem, I'll wait for the next release",
    "The courier isn't answering the phone",
    "I waited 2 hours for my food delivery",
    "Bitpie support answered within 10 minutes, great service",
    "Customer service was rude and didn't solve anything",
    "How long does support usually take to reply?",
    "No response needed, just sharing my experience",
    "@alice Hi there, we haven't heard back from you. Please DM us if you still need help. ^AB",
    "@Uber_Support I've responded to your email",
    "Stuck on the loading screen, the game won't respond",
    "您好，我们还没有收到您的回复，请私信提供订单号",
    "外卖送得太慢了，打电话给骑手也不接",
    "问题反馈之后，官方很快回复了",
    "无人机接收不到信号",
    "没人管理这个仓库了吗",
    "商家发货慢，催了好几次才发",
    "平台今天交易繁忙，行情太猛了",
    "第一轮降息如泥牛入海，市场一点反应也没有",
    "The load balancer was not able to respond with a healthy status during startup",
    "Notice: the job scheduler, SGE, does not respond to user requests",
    "Once the points load you get it immediately! Are you almost there? ^AC",
    "Does Bitpie have support for Solana yet? No support for SPL tokens in the app",
    "@AskPlayStation can you dm me I have a question",
    "Still waiting for you guys to add Solana 🙏",
    "My friend couldn't reach the summit, too windy",
    "Sent you a DM 2 hours ago with my wallet address, thanks",
    "the new update drained my battery, no response from the phone when I press the button",
    "still waiting for someone to buy my NFT lol",
    "客服态度很差，问什么都说不知道",
    "售后处理太慢了，换个货要半个月",
    "物流信息一直不更新，问客服也说不清楚",
    "客服说三天内回复，结果第二天就回了",
    "@AmazonHelp I never received my package",
    "The customer service rep was very rude",
    "I haven't replied to my messages all day lol",
    "My friend never answers her phone",
    "the app didn't respond when I tapped send, had to restart",
    "请问怎么联系客服？",
    "客服说明天回复我，等等看",
    "这个币最近没什么反应啊",
    "等了三天终于到账了，感谢",
    "They responded quickly and fixed it 👍",
    "客服回复很快，问题已解决",
    "客服態度很好，很快就幫我處理了",
    "提币手续费太高了",
    "请问客服邮箱是多少？",
    "APP更新后打开没反应",
    "快递员电话打不通",
    "效果不理想",
    "不管怎么说，比特派还是好用的",
    "商家不接受退货，说是规定",
    "钱包转账到账很慢",
    "大家的客服回复了吗？",
    "ｇｒｅａｔ ａｐｐ，ｎｏ ｉｓｓｕｅｓ",
]


@pytest.fixture(scope="module")
def det(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return build_detector(base_config(tmp_path_factory.mktemp("cfg")))


def _detect(det: Detector, text: str) -> DetectResult:
    return det.detect(DetectInput(id="t", text=text))


@pytest.mark.parametrize(("text", "rule"), COMPLAINTS_EN)
def test_english_complaints(det: Detector, text: str, rule: str) -> None:
    res = _detect(det, text)
    assert res.complaint, text
    assert f"en.{rule}" in {e["rule"] for e in res.evidence if e["detector"] == "complaint"}


@pytest.mark.parametrize(("text", "rule"), COMPLAINTS_ZH)
def test_chinese_complaints(det: Detector, text: str, rule: str) -> None:
    res = _detect(det, text)
    assert res.complaint, text
    rules = {e["rule"] for e in res.evidence if e["detector"] == "complaint"}
    assert f"zh.{rule}" in rules or f"en.{rule}" in rules, rules


@pytest.mark.parametrize("text", NOT_COMPLAINTS)
def test_not_complaints(det: Detector, text: str) -> None:
    res = _detect(det, text)
    assert not res.complaint, res.evidence
    assert res.urgency is None and res.claimed_wait_seconds is None


def test_the_rules_these_examples_name_still_exist() -> None:
    # The rules live in the table now, each with examples of its own; these hand-picked ones name rules
    # that must still exist (a rename must update them).
    names = {r.name for r in load_table().rules if r.detector == "complaint" and r.kind == "include"}
    covered = {r for _, r in COMPLAINTS_EN} | {r for _, r in COMPLAINTS_ZH}
    assert covered - names == set()


@pytest.mark.parametrize(("text", "exclusion"), [
    ("The app is not responding after the update", "device_not_responding"),
    ("Sorry for the late response, please check your DM", "agent_apology"),
    ("My account is on hold for 3 days", "status_on_hold"),
    ("快递员电话打不通", "courier_phone"),
])
def test_exclusions_veto_a_matching_include(tmp_path: Path, text: str, exclusion: str) -> None:
    """The include does fire on these texts; only the exclusion keeps them from being complaints."""
    cfg = base_config(tmp_path)
    with_excl = build_detector(cfg).detect(DetectInput(id="x", text=text))
    assert not with_excl.complaint
    # Without that one exclusion (same includes, other excludes kept) the same text is a complaint.
    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"
    plain = Detector(cfg, without=frozenset({f"complaint.{lang}.{exclusion}"}))
    assert plain.detect(DetectInput(id="x", text=text)).complaint


def test_exclusion_only_vetoes_its_own_clause(det: Detector) -> None:
    # Praise of the goods in one clause does not cancel "客服不回" in the next.
    res = _detect(det, "物流很快，问题已解决一半，但是客服三天不回消息")
    assert res.complaint
    res = _detect(det, "Sorry for the late reply. Support has not answered my ticket for a week")
    assert res.complaint


def test_evidence_spans_point_at_the_match(det: Detector) -> None:
    for text, _ in COMPLAINTS_EN + COMPLAINTS_ZH:
        norm = det.normalize(text)
        for ev in _detect(det, text).evidence:
            s, e = ev["span"]
            assert norm[s:e] == ev["match"], (text, ev)


def test_official_and_quoted_posts_are_not_complaints(det: Detector) -> None:
    text = "Still no reply from support"
    assert not det.detect(DetectInput(id="1", text=text, is_official=True)).complaint
    assert not det.detect(DetectInput(id="2", text=text, quoted=True)).complaint
    assert not det.detect(DetectInput(id="3", text="RT @alice: " + text)).complaint
    # GitHub/e-mail style quote lines are masked; the author's own words still count
    assert not _detect(det, "> 客服不回怎么办\n谢谢，已经收到了").complaint
    assert _detect(det, "> 请提供用户ID\n已经发了，客服还是不回").complaint


def test_quoted_text_counts_when_configured(tmp_path: Path) -> None:
    cfg = base_config(tmp_path, detection={"ignore_quoted": False})
    d = build_detector(cfg)
    assert d.detect(DetectInput(id="2", text="Still no reply from support", quoted=True)).complaint


def test_prefilter_backends_agree(tmp_path: Path) -> None:
    cfg = base_config(tmp_path)
    fast, slow = Detector(cfg, use_aho=True), Detector(cfg, use_aho=False)
    assert slow.prefilter.backend == "str.find"
    for text in [t for t, _ in COMPLAINTS_EN + COMPLAINTS_ZH] + NOT_COMPLAINTS:
        item = DetectInput(id="x", text=text)
        assert fast.detect(item).to_json() == slow.detect(item).to_json(), text


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"客服[^。]{0,12}?不回", {"不回"}),  # 客服 is in most posts to a support account: less selective
    (r"\bno (?:reply|response)\b", {"no reply", "no response"}),  # prefixes joined across the group
    (r"(?:石沉大海|已读不回)", {"石沉大海", "已读不回"}),
    (r"\w+ly", {"ly"}),
    (r"\w+", None),
    (r"(?:a|)b?", None),
])
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    got = required_literals(pattern)
    assert (set(got) if got else None) == expected
