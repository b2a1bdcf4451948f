"""Alerts through apprise against a mocked JSON webhook (``json://`` posts the message to http://host/path)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner
from sqlalchemy import Engine

import tests.test_report_golden as G
from monitor import store
from monitor.alerts import check_alerts, run_alerts
from monitor.cli import cli
from monitor.config import Config, parse_config
from tests.calls import body

HOOK = "http://hooks.example.com/alert"
ENV = "TEST_ALERT_URLS"


def config(tmp_path: Path, language: str = "en", **alerts: object) -> Config:
    return parse_config({
        "brand": {"names": ["Bitpie"]}, "timezone": "Asia/Shanghai",
        "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet", "user_id": "100"}],
        "report": {"out_dir": str(tmp_path / "out")},
        "sources": [{"name": "weibo-search", "type": "feed", "platform": "weibo", "url": "https://rsshub.example/w"}],
        "alerts": {"enabled": True, "urls_env": ENV, "language": language, **alerts},
    }, tmp_path, env={})


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv(ENV, "json://hooks.example.com/alert")
    return G.build_store(f"sqlite:///{tmp_path / 's.db'}")


def bodies(rsps: responses.RequestsMock) -> list[dict]:
    return [json.loads(body(c)) for c in rsps.calls]


# The golden store at 2026-03-10 20:10 local: the look-alike replied to frank at 20:05 (impersonator);
# alice's high-urgency complaint (09:00) was answered at 09:30, so nothing urgent is waiting.
AT = dt.datetime(2026, 3, 10, 20, 10, tzinfo=G.TZ)


@responses.activate
def test_impersonator_alert_is_sent_once_with_the_link(engine: Engine, tmp_path: Path) -> None:
    responses.post(HOOK, json={})
    cfg = config(tmp_path, spike=False)
    assert check_alerts(engine, cfg, now=AT) == ["impersonator:twitter:1008"]
    (msg,) = bodies(responses.mock)
    assert msg["title"] == "Bitpie: suspected impersonator"
    assert "@BitpieSupport_Help replied to @frank" in msg["message"]
    assert "recovery phrase; DM us" in msg["message"]
    assert "https://x.com/BitpieSupport_Help/status/1008" in msg["message"]
    # Deduplicated: the next passes send nothing for it, however late.
    assert check_alerts(engine, cfg, now=AT + dt.timedelta(minutes=5)) == []
    assert check_alerts(engine, cfg, now=AT + dt.timedelta(hours=20)) == []
    assert len(responses.calls) == 1


@responses.activate
def test_spike_respects_the_cooldown_and_texts_follow_the_language(engine: Engine, tmp_path: Path) -> None:
    responses.post(HOOK, json={})
    cfg = config(tmp_path, language="zh", cooldown_minutes=60)
    at = dt.datetime(2026, 3, 10, 20, 45, tzinfo=G.TZ)  # 4 complaints 20:00-20:30, none that hour on 7 days
    sent = check_alerts(engine, cfg, now=at)
    assert "spike:hour" in sent and "spike:day" in sent  # 7 complaints in 24 h against 0-1 on earlier days
    spike = next(b for b in bodies(responses.mock) if "投诉激增" in b["title"])
    assert spike["message"] == "最近1 小时有 4 条投诉（通常约 0 条）。"
    n = len(responses.calls)
    again = check_alerts(engine, cfg, now=at + dt.timedelta(minutes=10))  # both still spiking, within cooldown
    assert "spike:hour" not in again and "spike:day" not in again
    assert len(responses.calls) == n
    # 61 min later the day window still spikes and its cooldown is over: sent again; the hour window
    # (20:46-21:46) holds no complaint any more.
    later = check_alerts(engine, cfg, now=at + dt.timedelta(minutes=61))
    assert "spike:day" in later and "spike:hour" not in later


@responses.activate
def test_urgent_complaint_waiting_beyond_the_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "json://hooks.example.com/alert")
    responses.post(HOOK, json={})
    engine = G.build_store(f"sqlite:///{tmp_path / 's.db'}")
    with engine.begin() as conn:  # make heidi's complaint (20:20) high urgency; the feed's weibo one too
        conn.execute(store.detections.update().where(store.detections.c.post_id == "1010").values(urgency="high"))
    cfg = config(tmp_path, spike=False, urgent_wait_minutes=90)
    assert check_alerts(engine, cfg, now=dt.datetime(2026, 3, 10, 21, 40, tzinfo=G.TZ)) == [
        "impersonator:twitter:1008"]  # 80 min: not yet
    got = check_alerts(engine, cfg, now=dt.datetime(2026, 3, 10, 21, 55, tzinfo=G.TZ))
    assert got == ["urgent:twitter:1010"]
    msg = bodies(responses.mock)[-1]["message"]
    assert "@heidi" in msg and "1.6 h" in msg and "https://x.com/heidi/status/1010" in msg


@responses.activate
def test_failing_source_alert_after_n_passes(engine: Engine, tmp_path: Path) -> None:
    responses.post(HOOK, json={})
    cfg = config(tmp_path, spike=False, failing_passes=3)
    with engine.begin() as conn:
        for i, status in enumerate(["ok", "error", "error"]):
            conn.execute(store.runs.insert().values(source="weibo-search", started_at=AT + dt.timedelta(minutes=i),
                                                    status=status, error="HTTP 503" if status == "error" else None))
    assert "source:weibo-search" not in check_alerts(engine, cfg, now=AT)
    with engine.begin() as conn:
        conn.execute(store.runs.insert().values(source="weibo-search", started_at=AT, status="error",
                                                error="feed weibo-search: HTTP 503"))
    assert "source:weibo-search" in check_alerts(engine, cfg, now=AT + dt.timedelta(minutes=1))
    assert "failed its last 3 passes: feed weibo-search: HTTP 503" in bodies(responses.mock)[-1]["message"]


@responses.activate
def test_delivery_failure_is_logged_retried_and_never_raises(engine: Engine, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    responses.post(HOOK, status=500)
    cfg = config(tmp_path, spike=False)
    with caplog.at_level(logging.WARNING, logger="monitor.alerts"):
        run_alerts_at = check_alerts(engine, cfg, now=AT)
    assert run_alerts_at == []
    assert "impersonator:twitter:1008 could not be delivered; will retry" in caplog.text
    assert "hooks.example.com" not in caplog.text  # URLs may hold tokens: never logged by us
    responses.replace(responses.POST, HOOK, json={})
    assert check_alerts(engine, cfg, now=AT) == ["impersonator:twitter:1008"]  # retried, then recorded


def test_a_broken_store_is_logged_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(ENV, "json://hooks.example.com/alert")
    engine = store.open_store(f"sqlite:///{tmp_path / 's.db'}")
    now = store.now_utc() - dt.timedelta(minutes=1)  # run_alerts looks at the real clock
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alerts_sent")  # the dedup table is gone: the check itself fails
        conn.execute(store.posts.insert().values(platform="twitter", post_id="1", created_at=now, text="x",
                                                 collected_at=now, is_official=False))
        conn.execute(store.detections.insert().values(platform="twitter", post_id="1", complaint=False,
                                                      maintenance=False, impersonation_suspect=True, detected_at=now))
    with caplog.at_level(logging.ERROR, logger="monitor.alerts"):
        run_alerts(engine, config(tmp_path, spike=False))  # must not raise
    assert "alerts: check failed, the pass carries on" in caplog.text


@responses.activate
def test_cli_alert_test_sends_one_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    responses.post(HOOK, json={})
    (tmp_path / "c.yaml").write_text(f"brand: {{names: [Bitpie]}}\nalerts: {{urls_env: {ENV}, language: zh}}\n",
                                     encoding="utf-8")
    monkeypatch.setenv(ENV, "json://hooks.example.com/alert")
    res = CliRunner().invoke(cli, ["--config", str(tmp_path / "c.yaml"), "alert", "--test"])
    assert res.exit_code == 0, res.output
    assert [b["title"] for b in bodies(responses.mock)] == ["mention-monitor 测试"]
    monkeypatch.setenv(ENV, "")
    res = CliRunner().invoke(cli, ["--config", str(tmp_path / "c.yaml"), "alert", "--test"])
    assert res.exit_code == 1 and f"alerts.urls_env: environment variable {ENV} is empty" in res.output


def test_check_config_says_whether_alerts_can_be_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.checks import config_summary

    monkeypatch.delenv(ENV, raising=False)
    lines = config_summary(config(tmp_path))
    assert any(f"alerts.urls_env: environment variable {ENV} is empty or not set" in line for line in lines)
    monkeypatch.setenv(ENV, "json://hooks.example.com/alert tgram://123:abc/456")
    lines = config_summary(config(tmp_path, language="zh"))
    assert f"alerts: on (zh), 2 URL(s) in ${ENV}" in lines
    assert not any("123:abc" in line for line in lines)  # URLs hold tokens: never printed
