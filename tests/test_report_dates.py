"""Report dates (issue 12): a future day is an error, today is partial and stays out of trend.csv,
an empty store says what to do, ``--from`` alone runs to yesterday."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import tests.test_report_golden as G
from monitor import store
from monitor.cli import cli
from monitor.errors import MonitorError
from reports import build_report
from reports.csvout import read_csv


@pytest.mark.parametrize("days_ahead", [1, 2, 400])
def test_a_future_day_is_an_error(tmp_path: Path, days_ahead: int) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 's.db'}")
    day = G.AS_OF.date() + dt.timedelta(days=days_ahead)
    with pytest.raises(MonitorError, match=rf"{day} is in the future \(today is 2026-03-11 in Asia/Shanghai\)"):
        build_report(engine, G.make_config(tmp_path / "out"), day, now=G.AS_OF)


def test_today_is_partial_and_kept_out_of_trend(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 's.db'}")
    cfg = G.make_config(tmp_path / "out")
    build_report(engine, cfg, G.DAY, now=G.AS_OF)
    today = build_report(engine, cfg, G.AS_OF.date(), now=G.AS_OF)  # 03-11 at 08:00: partial
    assert read_csv(today.parent / "summary.csv")[0]["partial"] == "true"
    assert [r["date"] for r in read_csv(tmp_path / "out" / "trend.csv")] == ["2026-03-10"]
    assert "partial day</span>" in today.read_text(encoding="utf-8")
    assert "2026-03-11 (partial)" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    # the finished day is not partial
    assert read_csv(tmp_path / "out" / "2026-03-10" / "summary.csv")[0]["partial"] == "false"


def test_empty_store_says_run_collect(tmp_path: Path) -> None:
    engine = store.open_store(f"sqlite:///{tmp_path / 's.db'}")
    with pytest.raises(MonitorError, match=r"nothing collected yet: run `mention-monitor collect`"):
        build_report(engine, G.make_config(tmp_path / "out"), G.DAY, now=G.AS_OF)
    assert not (tmp_path / "out").exists()


def test_from_alone_runs_to_yesterday(tmp_path: Path) -> None:
    G.build_store(f"sqlite:///{tmp_path / 'data' / 'mention-monitor.db'}").dispose()
    (tmp_path / "config.yaml").write_text(
        "brand: {names: [Bitpie]}\ntimezone: Asia/Shanghai\nreport: {out_dir: out}\n"
        "official_accounts: [{platform: twitter, handle: BitpieWallet, user_id: '100'}]\n", encoding="utf-8")
    today = dt.datetime.now(G.TZ).date()
    start = today - dt.timedelta(days=3)
    res = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.yaml"), "-q", "report", "--from", str(start)])
    assert res.exit_code == 0, res.output
    built = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir())
    assert built == [str(start + dt.timedelta(days=i)) for i in range(3)]  # up to yesterday, not today
    res = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.yaml"), "report", "--to", str(start)])
    assert res.exit_code == 1 and "--to needs --from" in res.output


def test_index_tiles_compare_the_newest_finished_day_with_the_one_before(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 's.db'}")
    cfg = G.make_config(tmp_path / "out")
    for day in (dt.date(2026, 3, 9), G.DAY):
        build_report(engine, cfg, day, now=G.AS_OF)
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    got = G.tiles(index)
    assert got[0] == ("complaints (2026-03-10)", "8", "+8, more", "was 0 the day before")
    assert got[5] == ("suspected impersonators", "1", "+1, more", "was 0 the day before")
    assert got[2][2].startswith("too few to compare")  # 10 and 2 posts: below report.min_sample


def test_index_tiles_name_the_day_when_days_between_were_not_reported(tmp_path: Path) -> None:
    engine = G.build_store(f"sqlite:///{tmp_path / 's.db'}")
    cfg = G.make_config(tmp_path / "out")
    for day in (dt.date(2026, 3, 6), G.DAY):  # 7, 8 and 9 March never reported
        build_report(engine, cfg, day, now=G.AS_OF)
    got = G.tiles((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))
    assert got[0][3].endswith(" on 2026-03-06 (the last day reported before it)") and got[0][3].startswith("was ")
    assert "the day before" not in " ".join(t[3] for t in got)
