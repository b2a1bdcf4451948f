"""What ``check-config`` and ``status`` print: plain functions returning lines."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from monitor import store
from monitor.config import Config
from monitor.pipeline import STATE_KEY, build_sources

# Settings that name an environment variable holding a secret (checked for presence, never printed).
_ENV_KEYS = ("bearer_token_env", "api_key_env", "api_username_env", "client_id_env", "client_secret_env",
             "access_token_env")


def config_problems(cfg: Config) -> list[str]:
    """Problems pydantic cannot see: invalid regexes in keyword lists (with their key paths), files
    that do not exist, an official account's platform that looks like a typo of a collected one."""
    import difflib
    from urllib.parse import unquote, urlsplit

    from monitor.detect import validate_rules

    problems = validate_rules(cfg)
    for i, sc in enumerate(cfg.sources):
        for j, path in enumerate(getattr(sc, "paths", None) or []):
            if sc.enabled and not cfg.path(path).exists():
                problems.append(f"sources[{i}] ({sc.name}).paths[{j}]: {cfg.path(path)} does not exist")
        url = getattr(sc, "url", "")
        if sc.enabled and url.startswith("file://") and not Path(unquote(urlsplit(url).path)).exists():
            problems.append(f"sources[{i}] ({sc.name}).url: {unquote(urlsplit(url).path)} does not exist")
    collected = {"twitter"} | {getattr(s, "platform", "twitter") for s in cfg.sources}
    for i, a in enumerate(cfg.official_accounts):
        near = difflib.get_close_matches(a.platform, sorted(collected - {a.platform}), n=1, cutoff=0.75)
        if a.platform not in collected and near:
            problems.append(f"official_accounts[{i}].platform: unknown platform {a.platform!r}; did you mean "
                            f"{near[0]!r}? (platforms collected: {', '.join(sorted(collected))})")
    return problems


def check_file(path: str) -> tuple[Config | None, list[str]]:
    """Every problem of a config file in one round: schema problems and, even then, invalid regexes."""
    from monitor.config import load_config
    from monitor.errors import ConfigError

    try:
        cfg = load_config(path)
    except ConfigError as exc:
        return None, [*exc.problems, *_rule_problems(path, exc.problems)]
    return cfg, config_problems(cfg)


def _rule_problems(path: str, known: list[str]) -> list[str]:
    """Regex problems of the detection section alone, when the rest of the file did not validate."""
    from types import SimpleNamespace

    from ruamel.yaml import YAML

    from monitor.config import DetectionConfig
    from monitor.detect import validate_rules

    try:
        raw = YAML(typ="safe", pure=True).load(Path(path).read_text(encoding="utf-8")) or {}
        det = DetectionConfig.model_validate(raw.get("detection") or {})
    except Exception:  # a broken detection section is already among the schema problems
        return []
    return [p for p in validate_rules(SimpleNamespace(detection=det)) if p not in known]


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable store_url>"


def config_summary(cfg: Config) -> list[str]:
    lines = [
        "config OK",
        f"brand: {', '.join(cfg.brand.terms)}",
        f"time zone: {cfg.timezone}; report at {cfg.report.time:%H:%M} into {cfg.out_dir}",
        f"store: {_safe_url(cfg.resolved_store_url)}",
        f"official accounts: {', '.join(f'{a.platform}:@{a.handle}' for a in cfg.official_accounts) or 'none'}",
    ]
    from reports.coverage import reply_platforms

    linkable = reply_platforms(cfg)
    if not cfg.official_accounts:
        lines.append("  warning: official_accounts: none configured; no reply can be linked, so the report has "
                     "no response times (complaints count as volume only)")
    if cfg.alerts.enabled:
        urls = [u for u in os.environ.get(cfg.alerts.urls_env, "").replace(",", " ").split() if u]
        lines.append(f"alerts: on ({cfg.alerts.language}), {len(urls)} URL(s) in ${cfg.alerts.urls_env}"
                     if urls else f"  warning: alerts.urls_env: environment variable {cfg.alerts.urls_env} is "
                     "empty or not set; no alert will be sent (try `mention-monitor alert --test`)")
    for sc in cfg.sources:
        state = "enabled" if sc.enabled else "disabled"
        lines.append(f"source {sc.name} ({sc.type}, every {sc.interval_minutes} min, {state}){_replies(sc, linkable)}")
        for key in _ENV_KEYS:
            env_var = getattr(sc, key, None)
            if sc.enabled and env_var and env_var not in os.environ:
                lines.append(f"  warning: sources[{cfg.sources.index(sc)}].{key}: "
                             f"environment variable {env_var} is not set; collect will fail for {sc.name}")
    for source in build_sources(cfg):
        lines.extend(f"  {line}" for line in source.describe())
    return lines + pattern_lines(cfg)


def pattern_lines(cfg: Config) -> list[str]:
    """The rules fingerprint and the prepared form of each configured pattern that folding changed."""
    from monitor.detect.fingerprint import rules_fingerprint
    from monitor.detect.patterns import prepared_differences

    lines = [f"detection rules fingerprint: {rules_fingerprint(cfg)}"]
    for path, written, prepared in prepared_differences(cfg):
        lines.append(f"pattern {path}: {written!r} is matched as {prepared!r} (literal text folded like posts)")
    return lines


def _replies(sc: Any, linkable: set[str]) -> str:
    """What the report measures for a source's posts (reports.coverage.reply_platforms)."""
    from reports.coverage import SELF_OFFICIAL, _platform

    if getattr(sc, "official", False) or sc.type == "statuspage":
        return "; announcements"
    if sc.type == "market":
        return "; market prices (no posts, no replies)"
    platform = "twitter" if sc.type == "twarc" else _platform(sc)
    if platform in linkable or sc.type in SELF_OFFICIAL:
        who = {"discourse": "staff posts", "googleplay": "developer replies"}.get(sc.type, "official accounts")
        return f"; {platform}: response times measured ({who})"
    why = ("feeds carry no reply link" if sc.type == "feed" else "App Store reviews show no developer replies"
           if sc.type == "appstore" else f"no official account on {platform}")
    return f"; {platform}: volume only ({why})"


def _local(ts: Any, cfg: Config) -> str:
    return ts.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M") if ts else "never"


def _state_sentence(name: str, state: dict[str, Any], now: datetime) -> str | None:
    """A source's skip/disabled state as one sentence; None once a skip has expired."""
    if state.get("disabled"):
        return (f"disabled: {state['disabled']}; fix the cause, then run `mention-monitor reset {name}`")
    until = state.get("skip_until")
    if until:
        at = datetime.fromisoformat(until)
        if at > now:
            return f"skipped until {at:%Y-%m-%d %H:%M}Z ({state.get('skip_why', 'rate limited')}); no action needed"
    return None


def _report_line(conn: Any) -> str:
    """The daily report's runs, like a source's: last run, its status and the last day written."""
    from monitor.reportschedule import RUN_SOURCE

    last = conn.execute(select(store.runs).where(store.runs.c.source == RUN_SOURCE)
                        .order_by(store.runs.c.id.desc()).limit(1)).first()
    if last is None:
        return "daily report job (mention-monitor run): no run yet"
    day = (store.load_cursors(conn, RUN_SOURCE).get("daily") or {}).get("last_day") or "none yet"
    line = (f"daily report job (mention-monitor run): last run {last.started_at:%Y-%m-%d %H:%M}Z {last.status}; "
            f"last day it wrote {day}")
    return line + (f"; error={last.error}" if last.error else "")


def status_lines(engine: Engine, cfg: Config) -> list[str]:
    """Store counts, each source's last run (local time; disabled ones marked), the open backlog and
    the last report written. Times are in ``timezone``."""
    now = store.now_utc()
    with engine.connect() as conn:
        counts = store.table_counts(conn)
        lines = [f"times in {cfg.timezone}", "store: " + ", ".join(f"{k}={v}" for k, v in counts.items())]
        for sc in cfg.sources:
            last = conn.execute(
                select(store.runs).where(store.runs.c.source == sc.name)
                .order_by(store.runs.c.started_at.desc()).limit(1)).first()
            usage = store.month_usage(conn, sc.name, now)
            state: dict[str, Any] = store.load_cursors(conn, sc.name).get(STATE_KEY, {})
            desc = "never run" if last is None else (
                f"last run {_local(last.started_at, cfg)} {last.status} fetched={last.fetched} "
                f"new={last.new}" + (f" error={last.error}" if last.error else ""))
            budget = getattr(sc, "monthly_read_budget", None)
            month = f"this month: {usage['posts_read']} posts read, {usage['requests']} requests"
            if budget:
                month += f" (budget {budget}, {usage['posts_read'] / budget:.0%} used)"
            off = "" if sc.enabled else " [disabled in config]"
            lines.append(f"{sc.name}{off}: {desc}; {month}")
            if sentence := _state_sentence(sc.name, state, now):
                lines.append(f"  {sentence}")
            lines.extend(_reject_lines(conn, sc.name))
        lines.append(_report_line(conn))
        last_detect = conn.execute(select(func.max(store.detections.c.detected_at))).scalar()
        lines.append(f"last detection: {_local(last_detect, cfg)}")
        lines += label_lines(conn, cfg)
        lines.append(_backlog_line(conn, cfg, now))
        rep = conn.execute(select(store.runs.c.finished_at, store.runs.c.covers_from)
                           .where(store.runs.c.source == "_report", store.runs.c.status == "ok")
                           .order_by(store.runs.c.id.desc()).limit(1)).first()
        lines.append("last report: never (run `mention-monitor report`)" if rep is None else
                     f"last report: {rep.covers_from.astimezone(cfg.tz):%Y-%m-%d}, written "
                     f"{_local(rep.finished_at, cfg)} into {cfg.out_dir}")
    return lines


def label_lines(conn: Any, cfg: Config) -> list[str]:
    """Which rules made the stored labels, and what waits for a relabel (for ``status``)."""
    from monitor.detect.fingerprint import rules_fingerprint

    current = rules_fingerprint(cfg)
    by_fp = store.label_fingerprints(conn)
    other = sum(n for fp, n in by_fp.items() if fp != current)
    lines = [f"labels: {by_fp.get(current, 0)} by the current rules {current}"
             + (f", {other} by other rules ({_fp_list(by_fp, current)}); run `mention-monitor relabel`"
                if other else "")]
    edited = store.stale_content_labels(conn)
    if edited:
        lines.append(f"labels: {edited} posts edited since they were labelled; the next pass relabels them")
    return lines


def _fp_list(by_fp: dict[str | None, int], skip: str | None = None) -> str:
    return ", ".join(f"{fp or 'before fingerprints'}: {n}" for fp, n in sorted(
        by_fp.items(), key=lambda kv: -kv[1]) if fp != skip)


def _backlog_line(conn: Any, cfg: Config, now: Any) -> str:
    """The open backlog as the report counts it (reports.backlog): last 28 days, measured platforms."""
    from datetime import timedelta

    from reports.backlog import backlog_counts, open_posts
    from reports.coverage import reply_platforms
    from reports.data import needing_answer

    linkable = reply_platforms(cfg)
    if not linkable:
        return "open backlog: not measured (no official account on a platform whose replies can be linked)"
    frame = needing_answer(conn, cfg, now - timedelta(days=28), now, now, platforms=linkable)
    c = backlog_counts(open_posts(frame, now))
    return (f"open backlog (last 28 days, {', '.join(sorted(linkable))}): {c['backlog_complaints']} complaints "
            f"({c['backlog_high_urgency']} high urgency), {c['backlog_questions']} questions")


def _reject_lines(conn: Any, source: str) -> list[str]:
    """``  rejected: N records ...`` when the source served records the store could not take."""
    from monitor.quarantine import reject_summary

    count, latest = reject_summary(conn, source)
    if not count or latest is None:
        return []
    return [f"  rejected: {count} record{'s' if count != 1 else ''} kept aside in the rejects table "
            f"(latest {latest['last_seen']:%Y-%m-%d %H:%M}Z, {latest['kind']} "
            f"{latest['record_id'] or '(no id)'}: {latest['reason']})"]
