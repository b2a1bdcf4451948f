"""What ``check-config`` and ``status`` print: plain functions returning lines."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, func, select

from monitor import store
from monitor.config import Config
from monitor.pipeline import STATE_KEY, build_sources


def config_problems(cfg: Config) -> list[str]:
    """Problems pydantic cannot see: invalid regexes in keyword lists (with their key paths)."""
    from monitor.detect import validate_rules

    problems = validate_rules(cfg)
    for i, sc in enumerate(cfg.sources):
        for j, path in enumerate(getattr(sc, "paths", None) or []):
            if sc.enabled and not cfg.path(path).exists():
                problems.append(f"sources[{i}].paths[{j}]: {cfg.path(path)} does not exist")
    return problems


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
    for sc in cfg.sources:
        state = "enabled" if sc.enabled else "disabled"
        lines.append(f"source {sc.name} ({sc.type}, every {sc.interval_minutes} min, {state})")
        env_var = getattr(sc, "bearer_token_env", None)
        if sc.enabled and env_var and env_var not in os.environ:
            lines.append(f"  warning: sources[{cfg.sources.index(sc)}].bearer_token_env: "
                         f"environment variable {env_var} is not set; collect will fail for {sc.name}")
    for source in build_sources(cfg):
        lines.extend(f"  {line}" for line in source.describe())
    return lines


def status_lines(engine: Engine, cfg: Config) -> list[str]:
    now = store.now_utc()
    with engine.connect() as conn:
        counts = store.table_counts(conn)
        lines = ["store: " + ", ".join(f"{k}={v}" for k, v in counts.items())]
        for sc in cfg.sources:
            last = conn.execute(
                select(store.runs).where(store.runs.c.source == sc.name)
                .order_by(store.runs.c.started_at.desc()).limit(1)).first()
            usage = store.month_usage(conn, sc.name, now)
            state: dict[str, Any] = store.load_cursors(conn, sc.name).get(STATE_KEY, {})
            desc = "never run" if last is None else (
                f"last run {last.started_at:%Y-%m-%d %H:%M}Z {last.status} fetched={last.fetched} "
                f"new={last.new}" + (f" error={last.error}" if last.error else ""))
            budget = getattr(sc, "monthly_read_budget", None)
            month = f"this month: {usage['posts_read']} posts read, {usage['requests']} requests"
            if budget:
                month += f" (budget {budget}, {usage['posts_read'] / budget:.0%} used)"
            lines.append(f"{sc.name}: {desc}; {month}")
            if state.get("skip_until") or state.get("disabled"):
                lines.append(f"  state: {state}")
            lines.extend(_reject_lines(conn, sc.name))
        last_detect = conn.execute(select(func.max(store.detections.c.detected_at))).scalar()
        lines.append(f"last detection: {last_detect:%Y-%m-%d %H:%M}Z" if last_detect else "last detection: never")
    return lines


def _reject_lines(conn: Any, source: str) -> list[str]:
    """``  rejected: N records ...`` when the source served records the store could not take."""
    from monitor.quarantine import reject_summary

    count, latest = reject_summary(conn, source)
    if not count or latest is None:
        return []
    return [f"  rejected: {count} record{'s' if count != 1 else ''} kept aside in the rejects table "
            f"(latest {latest['last_seen']:%Y-%m-%d %H:%M}Z, {latest['kind']} "
            f"{latest['record_id'] or '(no id)'}: {latest['reason']})"]
