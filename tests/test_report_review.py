"""Review fixes: what counts as a maintenance notice, whole-handle mentions, DST-safe hourly
baselines, half-hour zones, and the API card on the day page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

import tests.test_report_golden as G
from monitor import store
from monitor.config import parse_config
from monitor.errors import ConfigError
from monitor.records import Announcement, Post
from reports import build_report
from reports.csvout import read_csv
from reports.data import mention_pattern


def add(engine: Engine, records: list[tuple[Post, bool, bool]], anns: Sequence[Announcement] = ()) -> None:
    """Store posts with (complaint, maintenance) detections, and announcements."""
    now = store.now_utc()
    with engine.begin() as conn:
        store.upsert_posts(conn, [p for p, _c, _m in records])
        if anns:
            store.upsert_announcements(conn, list(anns))
        store.upsert_detections(conn, [{
            "platform": p.platform, "post_id": p.post_id, "complaint": c, "maintenance": m,
            "claimed_wait_seconds": None, "urgency": None, "topics": None, "impersonation_suspect": False,
            "evidence": None, "detected_at": now} for p, c, m in records])


def test_maintenance_notices_are_announcements_and_official_top_level_posts(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    # Flagged maintenance by the detector, but not notices: an official reply repeating the notice to
    # one user (the demo's `@x 维护期间提币暂停…`) and a user complaining about the maintenance.
    add(engine, [
        (G.official("2101", G.at(10, 19, 30), "@frank 维护期间提币暂停，结束后自动处理", "1007"), False, True),
        (G.user("1101", "oscar", G.at(10, 19, 40), "维护了一整晚，客服也不回"), True, True),
        (G.official("2102", G.at(10, 19, 50), "@oscar maintenance until 21:00, withdrawals paused", "1101"),
         False, True),
    ], [Announcement("status-feed", "m-2", "Node upgrade", "window 2026-03-10 01:00-03:00",
                     url="https://bitpie.com/notice/3", published=G.at(8, 12), kind="maintenance",
                     window_start=G.at(10, 1), window_end=G.at(10, 3))])
    path = build_report(engine, G.make_config(tmp_path / "out"), G.DAY, now=G.AS_OF)
    row = read_csv(path.parent / "summary.csv")[0]
    anns = read_csv(path.parent / "announcements.csv")
    # official post 2003 + m-1 (published that day) + m-2 (published on the 8th, window on the 10th)
    assert [a["entry_id"] for a in anns if a["kind"] == "maintenance"] == ["m-2", "m-1"]
    assert row["maintenance_notices"] == "3"


@pytest.mark.parametrize(("text", "mentions"), [
    ("@BitpieWallet is this down?", True),
    ("@bitpiewallet, is this down?", True),
    ("@BitpieWallet?", True),
    ("@BitpieWallet客服在吗", True),  # X handles are ASCII: the Chinese text ends the mention
    ("hey @BitpieWallet", True),
    ("@BitpieWallet_Support is this you?", False),
    ("@BitpieWalletHelp 在吗", False),
    ("@BitpieWallet_Support and @BitpieWallet, which one is real?", True),
    ("BitpieWallet?", False),
])
def test_mention_needs_the_whole_handle(text: str, mentions: bool) -> None:
    assert bool(mention_pattern(["BitpieWallet"]).search(text)) is mentions


def test_look_alike_handle_mention_is_not_a_question_to_the_brand(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    add(engine, [
        (G.user("1201", "pat", G.at(10, 16), "@BitpieWallet_Support is this the real support?"), False, False),
        (G.user("1202", "quinn", G.at(10, 16, 5), "@bitpiewallet客服在吗"), False, False),
    ])
    path = build_report(engine, G.make_config(tmp_path / "out"), G.DAY, now=G.AS_OF)
    ids = [r["post_id"] for r in read_csv(path.parent / "response_times.csv")]
    assert "1202" in ids
    assert "1201" not in ids
    assert read_csv(path.parent / "summary.csv")[0]["day_needing"] == "10"  # golden 9 + 1202


NY = ZoneInfo("America/New_York")


def test_hourly_baseline_follows_local_hours_across_dst(tmp_path: Path) -> None:
    # Every Monday at 10:00 New York time, four complaints (a weekly team call that fails, say).
    # 2026-11-01 the clocks go back: 10:00 is 14:00 UTC before and 15:00 UTC after. A baseline
    # taken 168 UTC hours back sees 0 at 10:00 EST and calls a routine Monday a spike.
    engine = store.open_store(f"sqlite:///{tmp_path / 'store.db'}")
    mondays = [dt.date(2026, 10, 5) + dt.timedelta(weeks=w) for w in range(5)]
    records = [(Post("twitter", f"{d:%m%d}{i}", dt.datetime.combine(d, dt.time(10, 10 * i), tzinfo=NY),
                     "support never replies", author_id=f"u{i}", author_handle=f"user{i}"), True, False)
               for d in mondays for i in range(4)]
    add(engine, records)
    cfg = G.make_config(tmp_path / "out").model_copy(update={"timezone": "America/New_York"})
    path = build_report(engine, cfg, dt.date(2026, 11, 2), now=dt.datetime(2026, 11, 3, 12, tzinfo=NY))
    hourly = {r["hour_start_local"]: r for r in read_csv(path.parent / "hourly.csv")}
    ten = hourly["2026-11-02T10:00:00-05:00"]
    assert (ten["complaints"], ten["complaint_baseline"], ten["peak"]) == ("4", "4", "false")
    assert hourly["2026-11-02T11:00:00-05:00"]["complaint_baseline"] == "0"
    assert read_csv(path.parent / "peaks.csv") == []


def test_half_hour_zone_counts_by_local_hour(tmp_path: Path) -> None:
    # Asia/Kolkata is UTC+05:30: local hours start at :30 UTC.
    kol = ZoneInfo("Asia/Kolkata")
    engine = store.open_store(f"sqlite:///{tmp_path / 'store.db'}")
    add(engine, [(Post("twitter", f"k{m}", dt.datetime(2026, 3, 10, 20, m, tzinfo=kol), "support never replies",
                       author_id="u1", author_handle="ravi"), True, False) for m in (0, 20, 59)]
        + [(Post("twitter", "k99", dt.datetime(2026, 3, 10, 21, 0, tzinfo=kol), "Bitpie is fine",
                 author_id="u2", author_handle="sita"), False, False)])
    cfg = G.make_config(tmp_path / "out").model_copy(update={"timezone": "Asia/Kolkata"})
    path = build_report(engine, cfg, G.DAY, now=dt.datetime(2026, 3, 11, 8, tzinfo=kol))
    hourly = {r["hour_start_local"]: r for r in read_csv(path.parent / "hourly.csv")}
    assert len(hourly) == 24
    assert (hourly["2026-03-10T20:00:00+05:30"]["complaints"], hourly["2026-03-10T21:00:00+05:30"]["mentions"]) \
        == ("3", "1")
    row = read_csv(path.parent / "summary.csv")[0]
    assert (row["mentions"], row["complaints"]) == ("4", "3")


def test_api_card_only_with_a_twitter_source(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    page = build_report(engine, G.make_config(tmp_path / "out"), G.DAY, now=G.AS_OF).read_text(encoding="utf-8")
    assert "X API reads" not in page
    assert 'class="figure">mentions<b>' in page


def test_business_hours_per_team(tmp_path: Path) -> None:
    from sqlalchemy import update

    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as conn:
        conn.execute(update(store.posts).where(store.posts.c.post_id.in_(["1001", "1007", "1010"]))
                     .values(lang="zh"))
    cfg = G.make_config(tmp_path / "out")
    teams = parse_config({"brand": {"names": ["Bitpie"]}, "report": {"business_hours": [
        {"team": "cn", "languages": ["zh"]},  # default mon-fri 09:00-18:00, report zone
        {"team": "global", "timezone": "UTC", "hours": {d: "00:00-24:00" for d in
                                                       ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
    ]}}, tmp_path, env={}).report
    cfg = cfg.model_copy(update={"report": cfg.report.model_copy(update={"business_hours": teams.business_hours})})
    path = build_report(engine, cfg, G.DAY, now=G.AS_OF)
    day = {r["team"]: r for r in read_csv(path.parent / "business_hours.csv") if r["window"] == "day"}
    # cn answers 1001 (09:00, replied 09:30) and waits on 1007/1010 (20:00+, after closing: 0 s so far)
    assert (day["cn"]["needing"], day["cn"]["censored"], day["cn"]["bh_km_median_seconds"],
            day["cn"]["bh_answered_1h"], day["cn"]["languages"]) == ("3", "2", "1800", "1", "zh")
    summary = read_csv(path.parent / "summary.csv")[0]
    # a desk open around the clock counts every second: its figures are the calendar ones
    assert (day["global"]["needing"], day["global"]["bh_km_median_seconds"], day["global"]["bh_answered_1h"]) \
        == (summary["day_needing"], summary["day_km_median_seconds"], summary["day_answered_1h"])
    # summary.csv keeps the first team's hours over all posts (the single-team figures)
    golden = read_csv(G.GOLDEN / "summary.csv")[0]
    assert summary["day_bh_km_median_seconds"] == golden["day_bh_km_median_seconds"] == "14400"
    page = path.read_text(encoding="utf-8")
    assert "Business hours per team" in page and ">global</td>" in page


@pytest.mark.parametrize(("value", "problem"), [
    ([{"team": "cn", "hours": {"mon": "18:00-09:00"}}], "report.business_hours[0].hours: mon: '18:00-09:00'"),
    ([{"team": "cn"}, {"team": "cn"}], "report.business_hours: team names must be unique"),
    ([{"team": "cn"}, {"team": "en", "hourz": {}}], "report.business_hours[1].hourz: unknown setting"),
    ({"hours": {"mon": "9-5"}}, "report.business_hours.hours: mon: '9-5'"),
])
def test_team_list_config_errors_name_the_key(value: object, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"brand": {"names": ["Bitpie"]}, "report": {"business_hours": value}}, Path("."), env={})
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith(problem), err.value.problems
