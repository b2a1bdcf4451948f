"""Alerts for what must not wait for the morning report, sent through apprise after each pass.

Why apprise: one well-kept library speaks Slack, Telegram, e-mail, Discord, plain JSON webhooks and
~100 more services from a URL, so the team picks its channel in the environment, not in our code.

Rules (``alerts`` in config.yaml), each with a dedup key:

- ``spike:hour`` / ``spike:day``: complaints in the last 60 min (or 24 h) above the report's peak rule
  (reports.peaks: median of the same window on the previous 7 days + ``report.spike_threshold`` x
  max(1.4826 MAD, sqrt(median)), and at least ``report.spike_min_count``); repeated after the cooldown.
- ``urgent:<platform>:<id>``: a high-urgency complaint on a platform whose replies can be linked
  (reports.coverage) still without an official reply after ``urgent_wait_minutes``; once per post.
- ``impersonator:<platform>:<id>``: a suspected impersonator replied (last 24 h); once per post.
- ``source:<name>``: a source failed its last ``failing_passes`` passes; repeated after the cooldown.

Keys and send times live in ``alerts_sent`` (migration report12_alerts_sent). A message that could
not be delivered is logged and not recorded, so the next pass tries again; nothing here ever raises
into a pass (:func:`run_alerts`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.engine import Connection

from monitor import schema, store
from monitor.config import Config
from monitor.errors import MonitorError
from monitor.schema import alerts_sent, detections, posts, runs

log = logging.getLogger(__name__)

class _Texts(TypedDict):
    """(title, body) of each alert in one language, and the names of the spike windows."""
    test: tuple[str, str]
    spike: tuple[str, str]
    urgent: tuple[str, str]
    impersonator: tuple[str, str]
    source: tuple[str, str]
    windows: dict[str, str]


TEXTS: dict[str, _Texts] = {
    "en": {
        "test": ("mention-monitor test", "Alerts work: this is a test message from mention-monitor ({brand})."),
        "spike": ("{brand}: complaint spike", "{count} complaints in the last {window} (usually {base:.0f})."),
        "urgent": ("{brand}: urgent complaint waiting", "A high-urgency complaint by @{handle} has waited {wait} "
                   "without an official reply: {text}\n{url}"),
        "impersonator": ("{brand}: suspected impersonator", "@{handle} replied to @{parent} with a lure "
                         "({lure}). Report the account and warn the user: {text}\n{url}"),
        "source": ("{brand}: source failing", "Source {name} failed its last {n} passes: {error}"),
        "windows": {"hour": "hour", "day": "24 hours"},
    },
    "zh": {
        "test": ("mention-monitor 测试", "告警可用：这是 mention-monitor（{brand}）发送的测试消息。"),
        "spike": ("{brand}：投诉激增", "最近{window}有 {count} 条投诉（通常约 {base:.0f} 条）。"),
        "urgent": ("{brand}：紧急投诉待回复", "@{handle} 的紧急投诉已等待 {wait}，官方尚未回复：{text}\n{url}"),
        "impersonator": ("{brand}：疑似冒充客服", "@{handle} 以诱导话术（{lure}）回复了 @{parent}。"
                         "请举报该账号并提醒用户：{text}\n{url}"),
        "source": ("{brand}：数据源连续失败", "数据源 {name} 最近 {n} 次采集均失败：{error}"),
        "windows": {"hour": "1 小时", "day": "24 小时"},
    },
}


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    title: str
    body: str
    cooldown: dt.timedelta | None  # None: once per key, ever


def _urls(cfg: Config) -> list[str]:
    raw = os.environ.get(cfg.alerts.urls_env, "")
    return [u for u in re.split(r"[\s,]+", raw) if u]


def _sender(urls: list[str]) -> Callable[[str, str], bool]:
    import apprise  # local: only passes with alerts enabled pay for the import

    ap = apprise.Apprise()
    for url in urls:
        if not ap.add(url):
            # The URL itself may hold a token: name the variable, never the value.
            log.warning("alerts: one URL in the alert URL variable is not understood by apprise; skipped")
    return lambda title, body: bool(len(ap) and ap.notify(title=title, body=body))


def send_test(cfg: Config) -> None:
    """``mention-monitor alert --test``: one message to every configured URL; raise if it failed."""
    urls = _urls(cfg)
    if not urls:
        raise MonitorError(f"alerts.urls_env: environment variable {cfg.alerts.urls_env} is empty or not set; "
                           "put apprise URLs there (e.g. slack://..., tgram://..., json://host/path)")
    title, body = TEXTS[cfg.alerts.language]["test"]
    if not _sender(urls)(title, body.format(brand=cfg.brand.names[0])):
        raise MonitorError("alerts: the test message could not be delivered (see the log above)")


def _short(text: str | None, n: int = 140) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _wait_text(seconds: float, lang: str) -> str:
    h = seconds / 3600
    if lang == "zh":
        return f"{h:.1f} 小时" if h < 48 else f"{h / 24:.1f} 天"
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def _complaints_between(conn: Connection, start: dt.datetime, end: dt.datetime) -> int:
    q = (select(func.count()).select_from(posts.join(detections, and_(
        detections.c.platform == posts.c.platform, detections.c.post_id == posts.c.post_id)))
         .where(posts.c.created_at >= start, posts.c.created_at < end, posts.c.is_official.is_(False),
                detections.c.complaint.is_(True)))
    return int(conn.execute(q).scalar_one())


def spike_alerts(conn: Connection, cfg: Config, now: dt.datetime) -> list[Alert]:
    from reports.peaks import robust_flags

    t = TEXTS[cfg.alerts.language]
    out = []
    for window, length in (("hour", dt.timedelta(hours=1)), ("day", dt.timedelta(days=1))):
        counts = [_complaints_between(conn, now - length - dt.timedelta(days=d), now - dt.timedelta(days=d))
                  for d in range(7, -1, -1)]  # the same window on each of the 7 previous days, then now
        f = robust_flags(counts, period=1, seasons=7, k=cfg.report.spike_threshold,
                         min_count=cfg.report.spike_min_count)
        if f.flagged[-1]:
            title, body = t["spike"]
            out.append(Alert(f"spike:{window}", title.format(brand=cfg.brand.names[0]),
                             body.format(count=counts[-1], window=t["windows"][window], base=f.baseline[-1]),
                             dt.timedelta(minutes=cfg.alerts.cooldown_minutes)))
    return out


def urgent_alerts(conn: Connection, cfg: Config, now: dt.datetime) -> list[Alert]:
    from reports.coverage import reply_platforms
    from reports.data import _first_reply

    platforms = sorted(reply_platforms(cfg))
    if not platforms:
        return []
    limit = now - dt.timedelta(minutes=cfg.alerts.urgent_wait_minutes)
    q = (select(posts.c.platform, posts.c.post_id, posts.c.author_handle, posts.c.text, posts.c.url,
                posts.c.created_at)
         .select_from(posts.join(detections, and_(detections.c.platform == posts.c.platform,
                                                  detections.c.post_id == posts.c.post_id)))
         .where(posts.c.created_at >= now - dt.timedelta(days=7), posts.c.created_at <= limit,
                posts.c.is_official.is_(False), posts.c.platform.in_(platforms), detections.c.complaint.is_(True),
                detections.c.urgency == "high", _first_reply(now).is_(None)))
    lang = cfg.alerts.language
    title, body = TEXTS[lang]["urgent"]
    out = []
    for r in conn.execute(q):
        wait = _wait_text((now - r.created_at).total_seconds(), lang)
        out.append(Alert(f"urgent:{r.platform}:{r.post_id}", title.format(brand=cfg.brand.names[0]),
                         body.format(handle=r.author_handle or "?", wait=wait, text=_short(r.text), url=r.url or ""),
                         None))
    return out


def impersonator_alerts(conn: Connection, cfg: Config, now: dt.datetime) -> list[Alert]:
    from reports.data import impersonators_between
    from reports.rows import lures

    title, body = TEXTS[cfg.alerts.language]["impersonator"]
    return [Alert(f"impersonator:{i['platform']}:{i['post_id']}", title.format(brand=cfg.brand.names[0]),
                  body.format(handle=i["author_handle"] or "?", parent=i["parent_handle"] or "?",
                              lure=lures(i["evidence"]) or "?", text=_short(i["text"]), url=i["url"] or ""), None)
            for i in impersonators_between(conn, now - dt.timedelta(days=1), now + dt.timedelta(seconds=1))]


def source_alerts(conn: Connection, cfg: Config) -> list[Alert]:
    n = cfg.alerts.failing_passes
    title, body = TEXTS[cfg.alerts.language]["source"]
    out = []
    for sc in cfg.sources:
        last = conn.execute(select(runs.c.status, runs.c.error).where(runs.c.source == sc.name,
                                                                      runs.c.status != "running")
                            .order_by(runs.c.id.desc()).limit(n)).all()
        if len(last) == n and all(r.status == "error" for r in last):
            out.append(Alert(f"source:{sc.name}", title.format(brand=cfg.brand.names[0]),
                             body.format(name=sc.name, n=n, error=_short(last[0].error, 200)),
                             dt.timedelta(minutes=cfg.alerts.cooldown_minutes)))
    return out


def due(conn: Connection, alerts: list[Alert], now: dt.datetime) -> list[Alert]:
    """The alerts not sent before (per-post) or not within their cooldown (spikes, sources)."""
    if not alerts:
        return []
    sent = dict(conn.execute(select(alerts_sent.c.key, alerts_sent.c.last_sent)
                             .where(alerts_sent.c.key.in_([a.key for a in alerts]))).all())
    return [a for a in alerts if a.key not in sent or (a.cooldown is not None and now - sent[a.key] >= a.cooldown)]


def _record(engine: Engine, key: str, now: dt.datetime) -> None:
    with engine.begin() as conn:
        stmt = schema.insert(conn, alerts_sent).values(key=key, last_sent=now, times=1)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={
            "last_sent": now, "times": alerts_sent.c.times + 1}))


def check_alerts(engine: Engine, cfg: Config, now: dt.datetime | None = None,
                 sender: Callable[[str, str], bool] | None = None) -> list[str]:
    """Evaluate every rule, send what is due, record what was delivered; return the keys sent."""
    if not cfg.alerts.enabled:
        return []
    urls = _urls(cfg)
    if not urls and sender is None:
        log.warning("alerts: enabled but %s is empty; nothing sent", cfg.alerts.urls_env)
        return []
    now = now or store.now_utc()
    with engine.connect() as conn:
        found = (spike_alerts(conn, cfg, now) if cfg.alerts.spike else []) + urgent_alerts(conn, cfg, now)
        found += impersonator_alerts(conn, cfg, now) + source_alerts(conn, cfg)
        todo = due(conn, found, now)
    send = sender or _sender(urls)
    delivered = []
    for a in todo:
        try:
            ok = send(a.title, a.body)
        except Exception as exc:  # a plugin bug must not stop the pass
            log.warning("alerts: %s could not be sent (%s)", a.key, type(exc).__name__)
            ok = False
        if ok:
            _record(engine, a.key, now)
            delivered.append(a.key)
        else:
            log.warning("alerts: %s could not be delivered; will retry on the next pass", a.key)
    return delivered


def run_alerts(engine: Engine, cfg: Config) -> None:
    """After a pass: :func:`check_alerts`, logging (never raising) any failure."""
    try:
        sent = check_alerts(engine, cfg)
    except Exception as exc:
        log.error("alerts: check failed, the pass carries on: %s: %s", type(exc).__name__, exc)
        return
    if sent:
        log.info("alerts: sent %d (%s)", len(sent), ", ".join(sent))
