"""Figures that misled (issue 12): coverage per source, zero baselines, unlinkable platforms, week-over-week.

Each store here is written by hand; the expected figures are counted from it in the comments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import Engine

from monitor import store
from monitor.config import Config, parse_config
from monitor.linking import link_replies
from monitor.records import Post
from reports import build_report
from reports.coverage import reply_platforms
from reports.csvout import read_csv
from reports.peaks import Flags, group_peaks, robust_flags, zero_baseline_onsets

TZ = ZoneInfo("Asia/Shanghai")
FEED_START = dt.datetime(2026, 5, 15, 9, 0, tzinfo=TZ)  # the feed source's first successful pass


def config(out: Path, *, feed_official_account: bool = False, officials: bool = True) -> Config:
    accounts = [{"platform": "twitter", "handle": "BitpieWallet", "user_id": "100"}] if officials else []
    if feed_official_account:
        accounts.append({"platform": "weibo", "handle": "比特派"})
    return parse_config({
        "brand": {"names": ["Bitpie"]}, "timezone": "Asia/Shanghai", "official_accounts": accounts,
        "report": {"out_dir": str(out)},
        "sources": [{"name": "weibo-search", "type": "feed", "platform": "weibo",
                     "url": "https://rsshub.example/weibo/search/bitpie"},
                    {"name": "x-archive", "type": "twarc", "paths": [str(out)]}],
    }, out.parent, env={})


def complaint(platform: str, pid: str, when: dt.datetime, origin: str | None, text: str = "客服不回复") -> tuple:
    return (Post(platform, pid, when, text, url=f"https://{platform}.example/{pid}", author_handle=f"h{pid}",
                 origin=origin), True)


def official_reply(pid: str, when: dt.datetime, parent: str) -> tuple:
    return (Post("twitter", pid, when, "@x on it", author_id="100", author_handle="BitpieWallet", is_official=True,
                 reply_to_id=parent, origin="twarc:a.jsonl"), False)


def make_store(url: str, records: list[tuple], runs: Sequence[tuple[str, dt.datetime]] = ()) -> Engine:
    engine = store.open_store(url)
    now = store.now_utc()
    with engine.begin() as conn:
        store.upsert_posts(conn, [p for p, _c in records])
        store.upsert_detections(conn, [{
            "platform": p.platform, "post_id": p.post_id, "complaint": c, "maintenance": False,
            "claimed_wait_seconds": None, "urgency": None, "topics": None, "impersonation_suspect": False,
            "evidence": None, "detected_at": now} for p, c in records])
        link_replies(conn, now=dt.datetime(2026, 6, 30, tzinfo=dt.UTC))
        for source, started in runs:
            conn.execute(store.runs.insert().values(source=source, started_at=started, finished_at=started,
                                                    status="ok"))
    return engine


def old_feed_store(url: str) -> Engine:
    """One twitter post 40 days before the feed existed (the store's history starts early), then the
    feed's first pass on 05-15 09:00 returns 14 days of old entries, 6 complaints a day."""
    records = [complaint("twitter", "t0", FEED_START - dt.timedelta(days=40), "twarc:a.jsonl", "hello")]
    records[0] = (records[0][0], False)
    for d in range(14, 0, -1):
        for k in range(6):
            records.append(complaint("weibo", f"w{d}-{k}", FEED_START - dt.timedelta(days=d, hours=k), "weibo-search"))
    for k in range(2):  # after the first pass: what the feed really observed
        records.append(complaint("weibo", f"new{k}", FEED_START + dt.timedelta(hours=3 + k), "weibo-search"))
    return make_store(url, records, [("weibo-search", FEED_START.astimezone(dt.UTC))])


def test_old_feed_entries_make_no_peak_from_a_zero_baseline(tmp_path: Path) -> None:
    engine = old_feed_store(f"sqlite:///{tmp_path / 's.db'}")
    cfg = config(tmp_path / "out")
    for offset in range(-13, 2):
        day = FEED_START.date() + dt.timedelta(days=offset)
        path = build_report(engine, cfg, day, now=dt.datetime(2026, 5, 20, tzinfo=TZ))
        peaks = read_csv(path.parent / "peaks.csv")
        assert peaks == [], (day, peaks)
        summary = read_csv(path.parent / "summary.csv")[0]
        # Before the first pass the feed's entries are not evidence; on 05-15 only the two seen live count.
        assert summary["complaints"] == ("2" if offset == 0 else "0"), (day, summary["complaints"])


def test_without_a_run_an_archive_counts_from_its_first_post(tmp_path: Path) -> None:
    # No runs at all (an imported archive or a hand-built store): the old rule, history from the first post.
    records = [complaint("twitter", f"a{k}", FEED_START - dt.timedelta(hours=k), "twarc:a.jsonl") for k in range(4)]
    engine = make_store(f"sqlite:///{tmp_path / 's.db'}", records)
    path = build_report(engine, config(tmp_path / "out"), FEED_START.date(), now=dt.datetime(2026, 5, 20, tzinfo=TZ))
    assert read_csv(path.parent / "summary.csv")[0]["complaints"] == "4"


@pytest.mark.parametrize(("counts", "expected"), [
    ([0] * 10 + [5, 5, 5, 5], [10]),  # a zero baseline starts a burst but cannot stretch it over days
    ([0] * 10 + [5, 0, 5], [10, 12]),  # separate bursts stay separate one-bin peaks
    ([0] * 10 + [6], [10]),  # a single bin on a zero baseline is still a peak
])
def test_a_zero_baseline_cannot_make_a_multi_bin_peak(counts: list[int], expected: list[int]) -> None:
    f = zero_baseline_onsets(robust_flags(counts, period=7, fallback=(1, 7)))
    assert np.flatnonzero(f.flagged).tolist() == expected
    starts = [dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i) for i in range(len(counts))]
    peaks = group_peaks(starts, [s + dt.timedelta(days=1) for s in starts], counts, f, "day")
    assert all(p.end - p.start == dt.timedelta(days=1) for p in peaks)


def test_a_nonzero_baseline_still_extends_a_peak() -> None:
    base = np.array([2.0, 2.0, 2.0])
    f = zero_baseline_onsets(Flags(base, base + 3, np.array([True, True, True])))
    assert f.flagged.tolist() == [True, True, True]


def linkable_store(url: str) -> Engine:
    """05-15: two twitter complaints (one answered after 1 h) and three weibo complaints via a feed."""
    day = dt.datetime(2026, 5, 15, 10, 0, tzinfo=TZ)
    records = [complaint("twitter", "t1", day, "twarc:a.jsonl"), complaint("twitter", "t2", day, "twarc:a.jsonl"),
               official_reply("r1", day + dt.timedelta(hours=1), "t1")]
    records += [complaint("weibo", f"w{k}", day + dt.timedelta(minutes=k), "weibo-search") for k in range(3)]
    return make_store(url, records, [("weibo-search", day - dt.timedelta(days=30))])


@pytest.mark.parametrize("weibo_account", [False, True])
def test_feed_platform_complaints_do_not_enter_response_times(tmp_path: Path, weibo_account: bool) -> None:
    engine = linkable_store(f"sqlite:///{tmp_path / 's.db'}")
    cfg = config(tmp_path / "out", feed_official_account=weibo_account)
    assert reply_platforms(cfg) == {"twitter"}
    path = build_report(engine, cfg, dt.date(2026, 5, 15), now=dt.datetime(2026, 5, 16, 8, tzinfo=TZ))
    summary = read_csv(path.parent / "summary.csv")[0]
    assert summary["complaints"] == "5"  # volume counts every platform
    assert (summary["day_needing"], summary["day_censored"], summary["backlog_complaints"]) == ("2", "1", "1")
    assert summary["day_answered_24h"] == "0.5" and summary["reply_platforms"] == "twitter"
    assert {r["platform"] for r in read_csv(path.parent / "response_times.csv")} == {"twitter"}
    assert {r["platform"] for r in read_csv(path.parent / "backlog.csv")} == {"twitter"}
    status = {r["post_id"]: r["status"] for r in read_csv(path.parent / "complaints.csv")}
    assert status == {"t1": "answered", "t2": "waiting", "w0": "volume only", "w1": "volume only",
                      "w2": "volume only"}
    page = path.read_text(encoding="utf-8")
    assert "Response times cover only <b>twitter</b>" in page


def test_without_official_accounts_the_page_says_no_platform(tmp_path: Path) -> None:
    engine = linkable_store(f"sqlite:///{tmp_path / 's.db'}")
    cfg = config(tmp_path / "out", officials=False)
    path = build_report(engine, cfg, dt.date(2026, 5, 15), now=dt.datetime(2026, 5, 16, 8, tzinfo=TZ))
    summary = read_csv(path.parent / "summary.csv")[0]
    assert (summary["complaints"], summary["day_needing"], summary["reply_platforms"]) == ("5", "0", "")
    assert "Response times cover only <b>no platform</b>" in path.read_text(encoding="utf-8")


def test_check_config_says_which_sources_are_volume_only(tmp_path: Path) -> None:
    from monitor.checks import config_summary

    lines = config_summary(config(tmp_path / "out"))
    assert any(line.startswith("source weibo-search") and "weibo: volume only (feeds carry no reply link)" in line
               for line in lines)
    assert any(line.startswith("source x-archive") and "twitter: response times measured" in line for line in lines)
    assert not any("official_accounts: none configured" in line for line in lines)
    lines = config_summary(config(tmp_path / "out", officials=False))
    assert any("official_accounts: none configured" in line for line in lines)
    assert any(line.startswith("source x-archive") and "volume only (no official account on twitter)" in line
               for line in lines)


def test_backlog_csv_cells_cannot_start_a_formula(tmp_path: Path) -> None:
    day = dt.datetime(2026, 5, 15, 10, 0, tzinfo=TZ)
    records = [complaint("twitter", pid, day + dt.timedelta(minutes=i), "twarc:a.jsonl")
               for i, pid in enumerate(["=1+1", "@SUM(A1)", "-2", "ok"])]
    engine = make_store(f"sqlite:///{tmp_path / 's.db'}", records)
    path = build_report(engine, config(tmp_path / "out"), day.date(), now=dt.datetime(2026, 5, 16, 8, tzinfo=TZ))
    got = read_csv(path.parent / "backlog.csv")
    assert [r["post_id"] for r in got] == ["'=1+1", "'@SUM(A1)", "'-2", "ok"]
    assert got[0]["created_local"] == "2026-05-15T10:00:00+08:00" and got[0]["waiting_seconds"] == "79200"
    assert (got[0]["reason"], got[0]["urgency"]) == ("complaint", "")


def test_tables_escape_every_header_cell_and_link() -> None:
    import pandas as pd

    from reports.html import table

    frame = pd.DataFrame({"<b>head</b>": ['"><script>alert(1)</script>', None], "post": ["a & b", float("nan")],
                          "link": ['https://x.example/?q="><img src=x>', ""]}, dtype=object)
    out = str(table(frame, "t", {"link": "open"}))
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;b&gt;head&lt;/b&gt;" in out and "&#34;&gt;&lt;script&gt;" in out and "a &amp; b" in out
    assert 'href="https://x.example/?q=&#34;&gt;&lt;img src=x&gt;"' in out
    assert out.count('class="link"') == 1  # an empty URL draws no link
    assert '<td class="w">a &amp; b</td>' in out  # free text wraps, the rest never breaks a word
    assert str(table(frame.iloc[0:0], "t", empty="none open")) == '<p class="empty">none open</p>'
