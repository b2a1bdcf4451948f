"""The bundled demo data and ``run_demo``: counts in the store match the data's own labels and README."""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import ColumnElement, Engine, Table, func, select

from monitor import demo, store
from monitor.config import Config
from monitor.linking import link_replies
from monitor.pipeline import RunResult, build_sources, run_source
from sources.base import Source

ROOT = Path(__file__).resolve().parents[1]
LABELS = list(csv.DictReader((demo.DATA_DIR / "labels.csv").read_text(encoding="utf-8").splitlines()))
X_LABELS = [r for r in LABELS if r["platform"] == "twitter"]  # what the twarc archives hold
Loaded = tuple[Config, Engine, Source, RunResult]  # the demo archive loaded: config, store, source, result


def count(engine: Engine, table: Table, *where: ColumnElement[bool]) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


@pytest.fixture
def loaded(tmp_path: Path) -> Iterator[Loaded]:
    cfg = demo.demo_config(tmp_path)
    engine = demo.fresh_store(cfg)
    archive = next(s for s in build_sources(cfg) if s.kind == "twarc")
    res = run_source(engine, cfg, archive)
    assert res.status == "ok", res.error
    yield cfg, engine, archive, res
    engine.dispose()


def test_archives_load_with_the_labelled_counts(loaded: Loaded) -> None:
    _cfg, engine, _src, res = loaded
    labels = Counter(r["label"] for r in X_LABELS)
    assert res.new == res.fetched == len(X_LABELS) == count(engine, store.posts)
    official = count(engine, store.posts, store.posts.c.is_official.is_(True))
    assert official == labels["official_reply"] + labels["official_post"]
    fakes = {"BitpieSupport_Help", "Bitpie_Service_CS"}
    assert count(engine, store.posts, store.posts.c.author_handle.in_(fakes)) == labels["impersonator"]
    assert count(engine, store.posts, store.posts.c.author_handle.in_(fakes),
                 store.posts.c.is_official.is_(True)) == 0
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(select(store.posts.c.post_id))}
        langs = Counter(r[0] for r in conn.execute(select(store.posts.c.lang)))
    assert ids == {r["post_id"] for r in X_LABELS}
    assert set(langs) == {"en", "zh"}


def test_second_pass_changes_nothing(loaded: Loaded) -> None:
    cfg, engine, src, _res = loaded
    with engine.connect() as conn:
        before = store.table_counts(conn)
    again = run_source(engine, cfg, src)
    assert (again.status, again.fetched, again.new) == ("ok", 0, 0)
    # Forget the cursors: the files are read again and the upserts still store nothing twice.
    with engine.begin() as conn:
        conn.execute(store.cursors.delete())
    reread = run_source(engine, cfg, src)
    assert (reread.fetched, reread.new) == (len(X_LABELS), 0)
    with engine.connect() as conn:
        after = store.table_counts(conn)
    assert {k: v for k, v in after.items() if k not in ("runs", "cursors")} == \
           {k: v for k, v in before.items() if k not in ("runs", "cursors")}


def test_official_replies_link_and_impersonators_do_not(loaded: Loaded) -> None:
    _cfg, engine, _src, _res = loaded
    with engine.begin() as conn:
        linked = link_replies(conn)
        rows = conn.execute(select(store.reply_links.c.post_id, store.reply_links.c.latency_seconds)).all()
    assert linked == sum(r["label"] == "official_reply" for r in X_LABELS)
    first: dict[str, float] = {}
    for post_id, latency in rows:
        first[post_id] = min(latency, first.get(post_id, latency))
    by_id = {r["post_id"]: r for r in X_LABELS}
    answered = {r["post_id"]: float(r["official_reply_minutes"]) for r in X_LABELS if r["official_reply_minutes"]}
    assert first.keys() == answered.keys()
    for post_id, minutes in answered.items():
        assert first[post_id] == pytest.approx(minutes * 60, abs=6)  # labels round to 0.1 min
    complaints = [r for r in X_LABELS if r["label"] == "complaint"]
    assert sum(r["post_id"] in first for r in complaints) == sum(bool(r["official_reply_minutes"])
                                                                   for r in complaints)
    assert all(by_id[p]["label"] != "impersonator" for p in first)


def test_readme_counts_match_the_data() -> None:
    text = (demo.DATA_DIR / "README.md").read_text(encoding="utf-8")
    labels = Counter(r["label"] for r in LABELS)
    table = dict(re.findall(r"^\| (\w+) \| (\d+) \|$", text, re.M))
    assert {k: int(v) for k, v in table.items()} == dict(labels)
    complaints = [r for r in LABELS if r["label"] == "complaint"]
    never = sum(not r["official_reply_minutes"] for r in complaints)
    assert f"Complaints: {len(complaints)} " in text and f"never answered {never}." in text
    tz = ZoneInfo("Asia/Shanghai")
    per_day = Counter(dt.datetime.fromisoformat(r["created_at"]).astimezone(tz).date().isoformat()
                      for r in complaints)
    for day, n in re.findall(r"^\| (2026-11-\d\d) \| (\d+) \|", text, re.M):
        assert per_day[day] == int(n)
    # The story: the maintenance day has the most complaints by far, the release day the second most.
    ranked = [d for d, _ in per_day.most_common(3)]
    assert ranked[0] == demo.BURST_DAY.isoformat() and per_day[ranked[0]] > 3 * per_day[ranked[1]]
    assert "2026-11-12" in ranked[1:]


def test_committed_data_is_what_the_generator_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from demo import story as gen
    from demo.write import write_all

    rng = random.Random(gen.SEED)
    write_all(gen.build(rng), rng, tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (demo.DATA_DIR / rel).read_bytes(), rel
    assert written == sorted(p.relative_to(demo.DATA_DIR) for p in demo.DATA_DIR.rglob("*") if p.is_file())


def test_base_config_lends_rules_but_not_sources(tmp_path: Path) -> None:
    base = tmp_path / "config.yaml"
    base.write_text("brand: {names: [Bitpie]}\ndetection:\n  complaint:\n    en:\n      include: ['no answer']\n"
                    "sources:\n  - {name: x, type: twitter}\n", encoding="utf-8")
    cfg = demo.demo_config(tmp_path / "out", base)
    assert cfg.detection.complaint.en.include == ["no answer"]
    assert [s.name for s in cfg.sources] == ["demo-x-archive", "demo-announcements", "demo-forum",
                                             "demo-google-play"]
    assert cfg.out_dir == tmp_path / "out" / "reports"


def test_run_demo_end_to_end(tmp_path: Path) -> None:
    index = demo.run_demo(tmp_path / "demo-out")
    assert index.name == "index.html" and index.is_file()
    assert demo.BURST_DAY.isoformat() in str(index)
    engine = store.open_store(f"sqlite:///{tmp_path / 'demo-out' / 'data' / 'mention-monitor.db'}")
    try:
        assert count(engine, store.posts) == len(LABELS)
        with engine.connect() as conn:
            notices = conn.execute(select(store.announcements.c.kind, store.announcements.c.window_start,
                                          store.announcements.c.window_end)).all()
            detected = conn.execute(select(store.posts.c.post_id, store.posts.c.created_at).join(
                store.detections, (store.detections.c.platform == store.posts.c.platform)
                & (store.detections.c.post_id == store.posts.c.post_id)).where(
                store.detections.c.complaint.is_(True))).all()
    finally:
        engine.dispose()
    # The story: the announced window is the one the burst follows.
    assert len(notices) == 4
    assert [(n.window_start.hour, n.window_end.hour) for n in notices if n.kind == "maintenance"] == [(6, 10)]
    # The day's page counts what the store holds, and the burst stands out in the daily summaries.
    tz = ZoneInfo("Asia/Shanghai")
    per_day = Counter(created.astimezone(tz).date() for _pid, created in detected)
    summaries = {}
    for path in sorted((tmp_path / "demo-out" / "reports").glob("2026-11-*/summary.csv")):
        row = next(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
        summaries[dt.date.fromisoformat(row["date"])] = int(row["complaints"])
    assert len(summaries) == 14 and summaries == {d: per_day[d] for d in summaries}
    burst = summaries.pop(demo.BURST_DAY)
    assert burst > 3 * max(summaries.values())
    # The detectors on the demo's intended labels (labels.csv): no false complaint, most found.
    intended = {r["post_id"] for r in LABELS if r["label"] == "complaint"}
    found = {pid for pid, _ in detected}
    assert found <= intended, sorted(found - intended)
    assert len(found) >= 0.85 * len(intended)
    # Beyond X: the forum thread's slow staff reply, Google Play's developer replies and the BTC slide
    # that lines up with the burst are all on the maintenance day's page.
    page = index.read_text(encoding="utf-8")
    forum = next(r for r in LABELS if r["platform"] == "discourse" and r["official_reply_minutes"])
    hours = float(forum["official_reply_minutes"]) / 60
    said = "posts needing an answer in 28 days answered, median first reply among those answered"
    assert f"discourse: 1 of 2 {said} {hours:.1f} h" in page
    assert "googleplay: 3 of 4 posts needing an answer in 28 days answered" in page
    assert re.search(r"market: BTC −1[0-9] % in (6|24) h", page), "no market move named on the burst day"


def test_demo_figures_do_not_follow_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo is observed at demo.AS_OF: run on two different dates, its reports say the same."""
    pages = {}
    for when in (dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC), dt.datetime(2027, 2, 14, 3, 0, tzinfo=dt.UTC)):
        monkeypatch.setattr(store, "now_utc", lambda when=when: when)
        out = tmp_path / when.strftime("%Y%m%d")
        demo.run_demo(out)
        pages[when] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "reports").glob("*/*.csv"))}
    first, second = pages.values()
    assert len(first) >= 14 * 7 and first == second
    row = next(csv.DictReader(first["reports/2026-11-18/summary.csv"].decode("utf-8-sig").splitlines()))
    assert row["as_of"] == "2026-11-23T09:00:00+08:00"



def test_the_demo_leaves_a_config_that_points_at_its_store(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    demo.run_demo(tmp_path / "demo-out")
    config = tmp_path / "demo-out" / "config.yaml"
    res = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert res.exit_code == 0, res.output
    assert f"posts={len(LABELS)}" in res.output and "demo-x-archive: last run" in res.output
