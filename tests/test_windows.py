"""Maintenance windows from notice text: a table of notices written for these tests, modelled on
real exchange, wallet and status-page announcements (Chinese and English), with expected UTC windows.

Conventions (../shared/data/labelled/README.md): named zones literally, a missing year from the
publication date, an end before the start is the next day, the first window wins, a date without a
clock time or a vague end gives None, a stated duration ends the window at its upper bound.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.detect.windows import extract_window


def u(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)  # type: ignore[misc]


PUB = u(2024, 3, 1, 2, 0)  # published 2024-03-01 10:00 Beijing time

CASES = [
    # --- Chinese ----------------------------------------------------------------------------------
    ("zh-utc8-range", "比特派将于2024年3月5日14:00-16:00(UTC+8)进行系统维护，期间暂停转账。", PUB, None,
     u(2024, 3, 5, 6), u(2024, 3, 5, 8)),
    ("zh-no-year-lingchen", "尊敬的用户：我们将于3月5日凌晨2点至6点进行钱包节点升级。", PUB, "Asia/Shanghai",
     u(2024, 3, 4, 18), u(2024, 3, 4, 22)),
    ("zh-beijing-time", "北京时间2024年3月5日22:00至次日02:00，交易所将进行服务器维护。", PUB, None,
     u(2024, 3, 5, 14), u(2024, 3, 5, 18)),
    ("zh-cross-midnight", "维护时间：2024年3月5日 23:30 - 01:30（北京时间），届时充提暂停。", PUB, None,
     u(2024, 3, 5, 15, 30), u(2024, 3, 5, 17, 30)),
    ("zh-afternoon-inherit", "本平台计划于3月6日下午2点至4点进行数据库维护。", PUB, "Asia/Shanghai",
     u(2024, 3, 6, 6), u(2024, 3, 6, 8)),
    ("zh-traditional", "親愛的用戶：我們將於2024年3月8日 10:00 至 12:00 (GMT+8) 進行系統升級維護。", PUB, None,
     u(2024, 3, 8, 2), u(2024, 3, 8, 4)),
    ("zh-duration-hours", "币安将于2024年3月9日 08:00 (UTC) 进行钱包维护，预计持续2小时。", PUB, None,
     u(2024, 3, 9, 8), u(2024, 3, 9, 10)),
    ("zh-duration-minutes", "OKX计划在2024/03/10 06:00（UTC+8）升级现货系统，预计升级时长30分钟。", PUB, None,
     u(2024, 3, 9, 22), u(2024, 3, 9, 22, 30)),
    ("zh-half-hour", "定于3月11日晚上9点半至11点暂停充值、提现业务。", PUB, "Asia/Shanghai",
     u(2024, 3, 11, 13, 30), u(2024, 3, 11, 15)),
    ("zh-weekday-paren", "時間：2024/03/12 (二) 中午 12:00 至 下午 16:30，事由：機房電力維護。", PUB, None,
     u(2024, 3, 12, 4), u(2024, 3, 12, 8, 30)),
    ("zh-fullwidth", "维护时间：２０２４年３月１３日　１４：００～１６：００（ＵＴＣ＋８）", PUB, None,
     u(2024, 3, 13, 6), u(2024, 3, 13, 8)),
    ("zh-start-only", "币安将于东八区时间2024年03月14日19:45左右暂停ETH充值、提现业务。", PUB, None,
     u(2024, 3, 14, 11, 45), None),
    ("zh-spaced-year", "我们将在 2024 年 03 月 15 日 00:00 关闭旧版节点进行迁移维护。", PUB, "Asia/Shanghai",
     u(2024, 3, 14, 16), None),
    ("zh-date-only", "镜像站将于3月16日至3月20日进行扩容维护，期间带宽降低。", PUB, "Asia/Shanghai", None, None),
    ("zh-explicit-end-date", "维护时间：2024年3月17日 22:00 至 2024年3月18日 06:00 (UTC+8)", PUB, None,
     u(2024, 3, 17, 14), u(2024, 3, 17, 22)),
    ("zh-dateline-skipped", "关于钱包升级的公告\n2024-03-01 10:00\n\n比特派将于2024-03-18 09:00 (UTC) 至 "
     "2024-03-18 10:00 (UTC) 升级钱包服务。", PUB, None, u(2024, 3, 18, 9), u(2024, 3, 18, 10)),
    ("zh-no-window", "尊敬的用户：为提升服务质量，我们近期将对系统进行升级，具体时间另行通知。", PUB, None,
     None, None),
    # --- English ----------------------------------------------------------------------------------
    ("en-utc-range", "Scheduled maintenance: March 5, 14:00–16:00 UTC. Withdrawals will be paused.", PUB, None,
     u(2024, 3, 5, 14), u(2024, 3, 5, 16)),
    ("en-pst-12h", "Maintenance on Mar 5, 2024 from 2:00 PM to 4:00 PM PST.", PUB, None,
     u(2024, 3, 5, 22), u(2024, 3, 6, 0)),
    ("en-est-literal", "We will be performing scheduled system maintenance on September 13 from 9AM - 12PM EST.",
     u(2024, 9, 9), None, u(2024, 9, 13, 14), u(2024, 9, 13, 17)),
    ("en-gmt-offset", "The wallet service will be unavailable on 20 March 2024, 01:00-03:00 GMT+8.", PUB, None,
     u(2024, 3, 19, 17), u(2024, 3, 19, 19)),
    ("en-ordinal-through", "Our carrier will perform maintenance on the 6th of July, 10:00pm through the 7th "
     "of July, 4:30am GMT.", u(2024, 6, 24), None, u(2024, 7, 6, 22), u(2024, 7, 7, 4, 30)),
    ("en-duration-approx", "Bitpie will perform a scheduled system upgrade starting at 2024/03/12 2:00 AM (UTC). "
     "The upgrade will take approximately 8 hours.", PUB, None, u(2024, 3, 12, 2), u(2024, 3, 12, 10)),
    ("en-duration-range", "Maintenance on 13-10-2024 at 8PM GMT. It would be a brief maintenance window between "
     "10-15mins of downtime.", None, None, u(2024, 10, 13, 20), u(2024, 10, 13, 20, 15)),
    ("en-today-published-zone", "Login nodes will be rebooted at 4:30 PM today.",
     datetime.fromisoformat("2024-12-11T13:50:00-08:00"), None, u(2024, 12, 12, 0, 30), None),
    ("en-tomorrow", "Nodes will be rebooted tomorrow Thursday December 12 at 11:00.",
     datetime.fromisoformat("2024-12-11T16:30:00-08:00"), None, u(2024, 12, 12, 19), None),
    ("en-time-before-date", "The repository will be unavailable from around 10:30-11:30 today August 4.",
     datetime.fromisoformat("2024-08-04T03:30:00-07:00"), None, u(2024, 8, 4, 17, 30), u(2024, 8, 4, 18, 30)),
    ("en-default-tz", "Deposits will be suspended on March 21 from 09:00 to 10:00.", PUB, "Europe/London",
     u(2024, 3, 21, 9), u(2024, 3, 21, 10)),
    ("en-default-tz-dst", "Deposits will be suspended on April 2 from 09:00 to 10:00.", PUB, "Europe/London",
     u(2024, 4, 2, 8), u(2024, 4, 2, 9)),
    ("en-year-rollover", "Scheduled downtime on Jan 3 at 16:00 UTC, expected downtime is 1 hour.",
     u(2024, 12, 28), None, u(2025, 1, 3, 16), u(2025, 1, 3, 17)),
    ("en-first-of-several", "Phase 1: Mar 22, 01:00-02:00 UTC. Phase 2: Mar 23, 01:00-02:00 UTC.", PUB, None,
     u(2024, 3, 22, 1), u(2024, 3, 22, 2)),
    ("en-vague-end", "Wynton will be shut down on Tuesday September 24, 2024 at 21:00. We expect it back by "
     "the end of the workday on Thursday.", datetime.fromisoformat("2024-09-14T17:00:00-07:00"), None,
     u(2024, 9, 25, 4), None),
    ("en-statuspage-header", "THIS IS A SCHEDULED EVENT Jan 8, 21:00 UTC - Jan 9, 01:00 UTC", u(2024, 12, 12), None,
     u(2025, 1, 8, 21), u(2025, 1, 9, 1)),
    ("en-no-year-no-published", "Maintenance on March 5 from 14:00 to 16:00 UTC.", None, None, None, None),
    ("en-clock-without-date", "Settlement moves from UTC+8 18:00 to UTC+8 16:30.", PUB, None, None, None),
    ("en-iso-z", "Maintenance window: 2024-03-26T14:00:00Z to 2024-03-26T15:30:00Z.", PUB, None,
     u(2024, 3, 26, 14), u(2024, 3, 26, 15, 30)),
    ("en-between-and", "Trading will be halted between 14:00 and 16:00 UTC on 27 March 2024.", PUB, None,
     u(2024, 3, 27, 14), u(2024, 3, 27, 16)),
    ("en-for-duration", "Withdrawals will be suspended on March 28 at 06:00 UTC for about 3 hours.", PUB, None,
     u(2024, 3, 28, 6), u(2024, 3, 28, 9)),
    ("zh-double-dash", "维护时间：3月29日（周五）14:00——16:00（UTC+8）", PUB, "Asia/Shanghai",
     u(2024, 3, 29, 6), u(2024, 3, 29, 8)),
    ("zh-haoshi", "我们将于2024年3月30日 02:00（北京时间）升级节点，预计耗时90分钟。", PUB, None,
     u(2024, 3, 29, 18), u(2024, 3, 29, 19, 30)),
    ("en-cst-china-feed", "Maintenance: 2024-03-25 14:00 CST.", PUB, "Asia/Shanghai", u(2024, 3, 25, 6), None),
    ("en-cst-us-feed", "Maintenance: 2024-03-25 14:00 CST.", PUB, "America/Chicago", u(2024, 3, 25, 20), None),
]


@pytest.mark.parametrize(("text", "published", "tz", "start", "end"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_extract_window(text: str, published: datetime | None, tz: str | None,
                        start: datetime | None, end: datetime | None) -> None:
    assert extract_window(text, published, tz) == (start, end)


def test_table_is_large_and_bilingual() -> None:
    assert len(CASES) >= 30
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in c[1]) for c in CASES) >= 12


def test_results_are_aware_utc() -> None:
    start, end = extract_window(CASES[0][1], PUB, None)
    assert start is not None and end is not None
    assert start.tzinfo is UTC and end.tzinfo is UTC
