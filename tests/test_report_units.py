"""Report pieces: business hours across DST and holidays, local days, trend.csv, the index, escaping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import tests.test_report_golden as golden
from monitor.config import BusinessHours, parse_config
from monitor.errors import ConfigError
from reports import build_range, build_report, default_day
from reports.build import day_bounds
from reports.business_hours import business_seconds, open_intervals
from reports.csvout import ENCODING, cell, read_csv
from reports.html import safe_url

G = golden
NY = ZoneInfo("America/New_York")


def ts(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: ZoneInfo = NY) -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz).timestamp()


def test_business_hours_keep_local_opening_hours_across_dst() -> None:
    # 2026-03-08 is the US spring-forward Sunday: the calendar loses an hour, the desk does not.
    bh = BusinessHours(hours={d: "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    iv = open_intervals(bh, "America/New_York", dt.date(2026, 3, 1), dt.date(2026, 3, 15))
    start, end = ts(2026, 3, 7, 16), ts(2026, 3, 9, 10)
    assert business_seconds(iv, [start], [end])[0] == (1 + 8 + 1) * 3600
    assert end - start == 41 * 3600  # 42 wall-clock hours, one of which never existed


def test_weekends_holidays_and_closed_days() -> None:
    bh = BusinessHours(holidays=[dt.date(2026, 3, 9)])  # default: mon-fri 09:00-18:00
    iv = open_intervals(bh, "America/New_York", dt.date(2026, 3, 1), dt.date(2026, 3, 15))
    fri_evening, tue_morning = ts(2026, 3, 6, 23), ts(2026, 3, 10, 9, 30)
    assert business_seconds(iv, [fri_evening], [tue_morning])[0] == 1800  # weekend + holiday Monday closed
    assert business_seconds(iv, [tue_morning], [fri_evening])[0] == 0  # end before start


def test_business_hours_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"brand": {"names": ["Bitpie"]},
                      "report": {"business_hours": {"hours": {"mon": "18:00-09:00"}}}}, Path("."), env={})
    assert err.value.problems[0].startswith("report.business_hours.hours: mon: '18:00-09:00'")


def test_local_day_bounds_are_dst_safe() -> None:
    start, end = day_bounds(NY, dt.date(2026, 3, 8))
    assert end - start == dt.timedelta(hours=23)
    assert start == dt.datetime(2026, 3, 8, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(("tz", "expected"), [("Asia/Shanghai", dt.date(2026, 3, 10)), ("UTC", dt.date(2026, 3, 9))])
def test_default_day_is_yesterday_in_the_configured_zone(tz: str, expected: dt.date) -> None:
    cfg = parse_config({"brand": {"names": ["Bitpie"]}, "timezone": tz}, Path("."), env={})
    assert default_day(cfg, dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1 again", "'+1 again"), ("-2", "'-2"), ("@team", "'@team"),
    ("\tx", "'\tx"), ("fine = ok", "fine = ok"), (-0.25, "-0.25"), (3.0, "3"), (None, ""), (True, "true"),
])
def test_csv_cells_neutralise_formulas_but_not_numbers(value: object, expected: str) -> None:
    assert cell(value) == expected


@pytest.mark.parametrize(("url", "ok"), [
    ("https://x.com/a/status/1", True), ("http://bitpie.com/n?a=1&b=2", True), ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False), (" javascript:alert(1)", False), ("data:text/html,<b>", False),
    ("//evil.example/x", False), ("https://", False), ("https://a.b/\nx", False), (None, False),
])
def test_only_http_links_survive(url: str | None, ok: bool) -> None:
    assert safe_url(url) == (url if ok else None)


def test_trend_is_idempotent_and_index_links_every_day(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    cfg = G.make_config(tmp_path / "out")
    paths = build_range(engine, cfg, dt.date(2026, 3, 9), dt.date(2026, 3, 10), now=G.AS_OF)
    build_report(engine, cfg, dt.date(2026, 3, 10), now=G.AS_OF)  # again: replaces its row
    trend = read_csv(tmp_path / "out" / "trend.csv")
    assert [r["date"] for r in trend] == ["2026-03-09", "2026-03-10"]
    assert trend[1] == read_csv(paths[1].parent / "summary.csv")[0]
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert index.index('href="2026-03-10/index.html"') < index.index('href="2026-03-09/index.html"')
    from monitor.errors import MonitorError

    with pytest.raises(MonitorError, match="before --from"):
        build_range(engine, cfg, dt.date(2026, 3, 10), dt.date(2026, 3, 9))


def test_a_dst_day_has_23_local_hours(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    cfg = G.make_config(tmp_path / "out").model_copy(update={"timezone": "America/New_York"})
    path = build_report(engine, cfg, dt.date(2026, 3, 8), now=G.AS_OF)
    hours = [r["hour_start_local"] for r in read_csv(path.parent / "hourly.csv")]
    assert len(hours) == len(set(hours)) == 23
    assert "2026-03-08T01:00:00-05:00" in hours and "2026-03-08T03:00:00-04:00" in hours
    assert not any(h.startswith("2026-03-08T02:") for h in hours)


def test_rebuilding_later_shows_replies_that_arrived_since(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    cfg = G.make_config(tmp_path / "out")
    later = G.AS_OF + dt.timedelta(hours=2)  # after @BitpieWallet answered judy (09:00)
    path = build_report(engine, cfg, G.DAY, now=later)
    row = read_csv(path.parent / "summary.csv")[0]
    assert (row["unanswered"], row["day_censored"], row["replies"]) == ("5", "5", "2")
    text = (path.parent / "response_times.csv").read_text(encoding=ENCODING)
    assert "twitter,1012,2026-03-10T22:00:00+08:00,complaint,answered,2026-03-11T09:00:00+08:00,39600," in text


def test_unwritable_out_dir_is_one_clear_error(tmp_path: Path) -> None:
    from monitor.errors import MonitorError

    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    blocker = tmp_path / "out"
    blocker.write_text("a file where the report directory should be", encoding="utf-8")
    with pytest.raises(MonitorError, match=r"^report\.out_dir: cannot write .*out"):
        build_report(engine, G.make_config(blocker), G.DAY, now=G.AS_OF)


def test_usage_lines_of_a_twitter_source_appear_on_the_page(tmp_path: Path) -> None:
    from monitor import store

    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    run = store.start_run(engine, "x-search")
    with engine.begin() as conn:
        store.add_run_usage(conn, run, fetched=1234, new=10, requests=13)
    store.finish_run(engine, run, status="ok")
    cfg = G.make_config(tmp_path / "out")
    cfg = cfg.model_copy(update={"sources": [parse_config({
        "brand": {"names": ["Bitpie"]},
        "sources": [{"type": "twitter", "name": "x-search", "monthly_read_budget": 10000}]}, tmp_path, env={}
    ).sources[0]]})
    now = store.now_utc()
    path = build_report(engine, cfg, now.astimezone(cfg.tz).date(), now=now)
    row = read_csv(path.parent / "summary.csv")[0]
    assert (row["api_posts_read_month"], row["api_requests_month"]) == ("1234", "13")
    assert "1,234 posts read" in path.read_text(encoding="utf-8")
    # A report about an earlier month shows that month's use (none here), not the month it is written in.
    old = read_csv(build_report(engine, cfg, G.DAY, now=now).parent / "summary.csv")[0]
    assert (old["api_posts_read_month"], old["api_requests_month"]) == ("0", "0")


def test_market_moves_annotate_peaks_when_a_market_table_exists(tmp_path: Path) -> None:
    from monitor import store
    from monitor.records import MarketBar

    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as conn:  # BTC -8 % between 19:30 and 20:30 local; ETH moves 1 %
        store.upsert_market(conn, [MarketBar(sym, G.at(10, h, 30), p) for sym, h, p in [
            ("BTC", 19, 100.0), ("BTC", 20, 92.0), ("ETH", 19, 100.0), ("ETH", 20, 101.0)]])
    path = build_report(engine, G.make_config(tmp_path / "out"), G.DAY, now=G.AS_OF)
    hour_peak = read_csv(path.parent / "peaks.csv")[0]
    assert hour_peak["annotations"] == "maintenance: 钱包维护 Wallet maintenance | market: BTC −8 % in 1 h"
    assert "market: BTC −8 % in 1 h (to 20:30)" in path.read_text(encoding="utf-8")  # the day page's notes
