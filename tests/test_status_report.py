"""`status` (issue 12): local times, disabled sources marked, open backlog, last report written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import tests.test_report_golden as G
from monitor import store
from monitor.checks import status_lines
from monitor.config import parse_config
from reports import build_report


def test_status_shows_backlog_and_the_last_report(tmp_path: Path) -> None:
    now = store.now_utc()
    engine = G.build_store(f"sqlite:///{tmp_path / 's.db'}")
    with engine.begin() as conn:  # two open complaints of today, one high urgency, one answered question
        for pid, urgency in (("n1", "high"), ("n2", None)):
            conn.execute(store.posts.insert().values(platform="twitter", post_id=pid, text="support never replies",
                                                     created_at=now - dt.timedelta(hours=2), collected_at=now,
                                                     is_official=False, author_handle="zoe"))
            conn.execute(store.detections.insert().values(platform="twitter", post_id=pid, complaint=True,
                                                          maintenance=False, urgency=urgency,
                                                          impersonation_suspect=False, detected_at=now))
        conn.execute(store.runs.insert().values(source="x-search", started_at=dt.datetime(2026, 3, 11, 0, 5,
                                                tzinfo=dt.UTC), status="ok"))
    cfg = parse_config({
        "brand": {"names": ["Bitpie"]}, "timezone": "Asia/Shanghai", "report": {"out_dir": str(tmp_path / "out")},
        "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet", "user_id": "100"}],
        "sources": [{"name": "x-search", "type": "twitter"},
                    {"name": "weibo", "type": "feed", "platform": "weibo", "url": "https://r.example/w",
                     "enabled": False}]}, tmp_path, env={})
    lines = status_lines(engine, cfg)
    assert lines[0] == "times in Asia/Shanghai"
    assert any(line.startswith("x-search: last run 2026-03-11 08:05 ok") for line in lines)  # 00:05Z in +08:00
    assert any(line.startswith("weibo [disabled in config]: never run") for line in lines)
    assert "open backlog (last 28 days, twitter): 2 complaints (1 high urgency), 0 questions" in lines
    assert lines[-1] == "last report: never (run `mention-monitor report`)"
    build_report(engine, cfg, G.DAY, now=G.AS_OF)
    last = status_lines(engine, cfg)[-1]
    assert last.startswith("last report: 2026-03-10, written ") and last.endswith(f"into {tmp_path / 'out'}")
