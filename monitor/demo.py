"""``mention-monitor demo``: load the bundled demo data into a fresh store and write its reports.

The data (monitor/demo_data/, written by demo/make_demo_data.py, story and counts in its README.md)
goes through the same path as production data: a ``twarc`` source over the two archives, an
official ``feed`` source over ``file://.../announcements.atom``, a ``discourse`` source over the saved
forum answers and a ``googleplay`` source over the saved reviews answer, then ``pipeline.collect``
(detection and reply linking), then the reports. The hourly market closes are loaded from market.csv
directly (the market source needs a live exchange). Nothing here talks to the network.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import Engine

from monitor import pipeline, store
from monitor.config import Config, parse_config
from monitor.errors import ConfigError, MonitorError
from monitor.lock import file_lock

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
ARCHIVES = ("twarc_2026-11-09_15_pages.jsonl", "twarc_2026-11-16_22_flat.jsonl")
FEED = "announcements.atom"
FORUM_DIR = "forum"
GOOGLE_PLAY = "googleplay_reviews.txt"
MARKET = "market.csv"
OFFICIAL_ID = "1300000000000000001"
FIRST_DAY = dt.date(2026, 11, 9)
LAST_DAY = dt.date(2026, 11, 22)
BURST_DAY = dt.date(2026, 11, 18)  # the maintenance day (Asia/Shanghai) with the complaint burst
# The demo is observed the morning after its data ends (09:00 in Asia/Shanghai), not at the real clock:
# every run prints the same backlog ages, censored reply times and tiles, whatever the date.
AS_OF = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
STORE_FILES = ("mention-monitor.db", "mention-monitor.db-wal", "mention-monitor.db-shm")
# Settings a user's config may lend the demo (their rules and brand terms); the rest is the demo's.
BORROWED = ("brand", "detection", "report")


def demo_settings(out_dir: Path) -> dict[str, Any]:
    """The demo's config as a YAML-like tree: Bitpie brand, its official account, the bundled sources."""
    return {
        "brand": {"names": ["Bitpie", "比特派"], "aliases": ["bitpie wallet", "比特派钱包", "比特派錢包"]},
        "timezone": "Asia/Shanghai",
        "data_dir": str(out_dir / "data"),
        "report": {"out_dir": str(out_dir / "reports")},
        "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet", "user_id": OFFICIAL_ID}],
        # The demo's two weeks lie in the past: the first pass of each source must reach back to them.
        "sources": [
            {"name": "demo-x-archive", "type": "twarc", "platform": "twitter",
             "paths": [str(DATA_DIR / name) for name in ARCHIVES]},
            {"name": "demo-announcements", "type": "feed", "official": True,
             "url": (DATA_DIR / FEED).as_uri()},
            {"name": "demo-forum", "type": "discourse", "base_url": (DATA_DIR / FORUM_DIR).as_uri(),
             "initial_lookback_hours": 24 * 365, "host_spacing_seconds": 0},
            {"name": "demo-google-play", "type": "googleplay", "app_id": "com.bitpie.wallet",
             "developer_name": "Bitpie", "endpoint": (DATA_DIR / GOOGLE_PLAY).as_uri(),
             "initial_lookback_days": 365, "host_spacing_seconds": 0},
        ],
    }


def demo_config(out_dir: Path, base_cfg_path: Path | None = None) -> Config:
    """Build the demo Config; with ``base_cfg_path``, borrow that file's brand, detection and report
    settings (so ``demo --config`` shows how *your* rules label the demo data)."""
    return parse_config(demo_tree(out_dir, base_cfg_path), out_dir)


def demo_tree(out_dir: Path, base_cfg_path: Path | None = None) -> dict[str, Any]:
    """The settings :func:`demo_config` validates, as the tree ``demo-out/config.yaml`` holds."""
    data = demo_settings(out_dir)
    if base_cfg_path is not None:
        try:
            base = YAML(typ="safe", pure=True).load(Path(base_cfg_path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError([f"{base_cfg_path}: cannot read the config file ({exc.strerror})"]) from None
        for key in BORROWED:
            if key in base:
                data[key] = base[key]
        data["report"] = {**(data.get("report") or {}), "out_dir": str(out_dir / "reports")}
    return data


def write_config(out_dir: Path, data: dict[str, Any]) -> Path:
    """``<out_dir>/config.yaml``: the demo's settings, so ``status``, ``report`` or ``rules`` can be
    pointed at the demo store (``mention-monitor --config demo-out/config.yaml status``)."""
    path = out_dir / "config.yaml"
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    with path.open("w", encoding="utf-8") as fh:
        fh.write("# Written by `mention-monitor demo`: the demo's settings, to explore its store.\n")
        yaml.dump(data, fh)
    return path


def fresh_store(cfg: Config) -> Engine:
    """Open the demo store after deleting the previous demo database (only those files)."""
    data_dir = cfg.path(cfg.data_dir)
    for name in STORE_FILES:
        (data_dir / name).unlink(missing_ok=True)
    return store.open_store(cfg.resolved_store_url)


def load_market(engine: Engine) -> int:
    """Store the demo's hourly closes (market.csv: symbol, ts, price); return how many were new."""
    import csv

    from monitor.records import MarketBar

    with (DATA_DIR / MARKET).open(encoding="utf-8") as fh:
        bars = [MarketBar(r["symbol"], dt.datetime.fromisoformat(r["ts"].replace("Z", "+00:00")), float(r["price"]),
                          exchange="demo", pair=f"{r['symbol']}/USDT") for r in csv.DictReader(fh)]
    with engine.begin() as conn:
        return store.upsert_market(conn, bars)


def load_demo(engine: Engine, cfg: Config) -> list[pipeline.RunResult]:
    """Run every demo source once (then detection and linking); raise if a source failed."""
    load_market(engine)
    results = pipeline.collect(engine, cfg)
    failed = [r for r in results if r.failed]
    if failed:
        raise MonitorError("demo: " + "; ".join(r.error or r.source for r in failed))
    for r in results:
        log.info("demo: %s read %d, stored %d new", r.source, r.fetched, r.new)
    return results


def run_demo(out_dir: Path | None = None, *, base_cfg_path: Path | None = None) -> Path:
    """Load the demo data into ``out_dir`` (default ./demo-out) and write the reports for its two
    weeks; return the ``index.html`` of the maintenance day, the one that tells the story."""
    from reports import build_range, build_report  # local: reports pull in pandas and matplotlib

    out = (out_dir or Path("demo-out")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    tree = demo_tree(out, base_cfg_path)
    cfg = parse_config(tree, out)
    # The lock is taken before the old demo database is deleted: a second `demo` on the same folder
    # must not pull the store out from under the first.
    with file_lock(cfg.lock_dir):
        index = _build(cfg, build_range, build_report)
    write_config(out, tree)
    return index


def _build(cfg: Config, build_range: Any, build_report: Any) -> Path:
    engine = fresh_store(cfg)
    try:
        load_demo(engine, cfg)
        pages = build_range(engine, cfg, FIRST_DAY, LAST_DAY, now=AS_OF)
        # build_range already wrote the burst day; build it alone only if its page is not among them.
        index = next((p for p in pages if p.parent.name == BURST_DAY.isoformat()), None) \
            or build_report(engine, cfg, BURST_DAY, now=AS_OF)
    finally:
        engine.dispose()
    log.info("demo: wrote %d daily reports under %s", len(pages), cfg.out_dir)
    return index
