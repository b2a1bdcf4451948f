"""Claimed wait -> seconds: stated waits for support only; vague waits and other durations are None."""

from __future__ import annotations

import pytest

from monitor.detect import DetectInput, build_detector
from monitor.detect.engine import Detector
from monitor.detect.waits import _zh_number
from tests.conftest import base_config

D = 86400

WAITS = [
    ("waited 3 days for a reply, nothing from support", 3 * D),
    ("48 hours and no answer from support", 48 * 3600),
    ("Been on hold for 45 minutes with customer care", 45 * 60),
    ("half an hour on hold and still no human", 1800),
    ("I contacted support 2 weeks ago and no reply", 14 * D),
    ("a month without any reply from support", 30 * D),
    ("Day 4 waiting on a response from your team", 4 * D),
    ("support hasn't replied in 3 days", 3 * D),
    ("Over 24+ hours since I opened the ticket and still no response", 24 * 3600),
    ("ｓｕｐｐｏｒｔ　ｈａｓ　ｉｇｎｏｒｅｄ　ｍｅ　ｆｏｒ　ｔｈｅ　ｐａｓｔ　１０　ｄａｙｓ", 10 * D),
    ("一周了，客服还是没回", 7 * D),
    ("等了两天客服都没回", 2 * D),
    ("客服三天都没回", 3 * D),
    ("十多天了客服还是不理我", 10 * D),
    ("客服一个半小时都没回", 5400),
    ("等了三個星期客服都沒回覆", 21 * D),  # traditional
    ("前天找客服，到今天都没人回我", 2 * D),
    ("发了邮件至少2周了，没人应", 14 * D),
    ("客服都快24小时了也没人回复", 24 * 3600),
    ("半个月了，客服电话一直没人接", 15 * D),
    ("一个多月了客服还是没回复", 30 * D),
    ("3rd day without a response from support", 3 * D),
    ("I've been waiting 2 weeks for a response from support", 14 * D),
    ("still no reply after 48 hours", 48 * 3600),
    ("My ticket number is 55321, nobody has touched it in a week", 7 * D),
    ("联系客服三次，等了五天还是没人回", 5 * D),
    ("Emailed support on Monday, it's Friday and still nothing", None),
    # vague waits
    ("been waiting forever for support, no reply", None),
    ("Waiting for days, support never replied", None),
    ("several hours later still no response from support", None),
    ("好几天了客服都不回", None),
    ("半天了客服都不回", None),
    ("客服几百年都不回", None),
    # durations of something else
    ("our site was down for 6 hours and support never replied", None),
    ("withdrawal pending for 5 days and support not responding", None),
    ("两个小时没送来，客服电话也没人接", None),
    ("我两天前充值的，客服一直不回", None),
    ("I've been a customer for 5 years and now support ignores me", None),
    ("2007年12月21日入住，前台电话一直没人接", None),
]


@pytest.fixture(scope="module")
def det(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return build_detector(base_config(tmp_path_factory.mktemp("cfg")))


@pytest.mark.parametrize(("text", "seconds"), WAITS)
def test_claimed_wait(det: Detector, text: str, seconds: int | None) -> None:
    res = det.detect(DetectInput(id="w", text=text))
    assert res.complaint, text  # waits are only read from complaints
    assert res.claimed_wait_seconds == seconds
    waits = [e for e in res.evidence if e["detector"] == "wait"]
    assert len(waits) == (0 if seconds is None else 1)


def test_no_wait_on_non_complaints(det: Detector) -> None:
    res = det.detect(DetectInput(id="w", text="waited 3 days for my new card, love it"))
    assert not res.complaint and res.claimed_wait_seconds is None


@pytest.mark.parametrize(("numeral", "value"), [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("两", 2), ("一百", 100), ("12", 12), ("半", 0.5),
])
def test_chinese_numerals(numeral: str, value: float) -> None:
    assert _zh_number(numeral) == value


@pytest.mark.parametrize(("text", "seconds"), [
    # compound durations: a larger unit then a smaller one is one wait
    ("3hrs 15 minutes on hold with your helpline, unbelievable", 3 * 3600 + 15 * 60),
    ("been on hold for 1 hour and 20 mins now", 4800),
    ("waited 2 days, 6 hours and still no reply from an agent", 2 * 86400 + 6 * 3600),
    # "N months in": the time elapsed so far
    ("still no response from support 2 months in and counting", 60 * 86400),
    # the company's average or promise is not the wait
    ("25 minutes holding. your average wait time is over 10 minutes they say", 1500),
    # Cantonese hours and Mandarin 'submitted N days ago'
    ("打客服熱線等咗兩個鐘都冇人聽", 7200),
    ("工单提交了5天，客服没有回复", 5 * 86400),
])
def test_claimed_wait_kinds(det: Detector, text: str, seconds: int) -> None:
    res = det.detect(DetectInput(id="x", text=text))
    assert res.complaint, text
    assert res.claimed_wait_seconds == seconds, text


@pytest.mark.parametrize(("text", "seconds"), [
    ("客服三天不回复 提币卡住了", 3 * 86400),  # a space between clauses, as Weibo and app reviews write
    ("客服三天不回复　提币卡住了", 3 * 86400),  # the ideographic space
    ("客服三天不回复，提币卡住了", 3 * 86400),
    ("提币卡了三天 客服一直不回复", None),  # the three days measure the withdrawal, in its own clause
])
def test_a_space_between_chinese_clauses_separates_them(det: Detector, text: str, seconds: int | None) -> None:
    assert det.detect(DetectInput(id="w", text=text)).claimed_wait_seconds == seconds, text
