"""What ``check-config`` and ``status`` print: plain functions returning lines."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, func, select

from monitor import store
from monitor.config import Config
from monitor.pipeline import STATE_KEY, build_sources

# Settings that name an environment variable holding a secret (checked for presence, never printed).
_ENV_KEYS = ("bearer_token_env", "api_key_env", "api_username_env", "client_id_env", "client_secret_env",
             "access_token_env")


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
        last_detect = conn.execute(select(func.max(store.detections.c.detected_at))).scalar()
        lines.append(f"last detection: {last_detect:%Y-%m-%d %H:%M}Z" if last_detect else "last detection: never")
        lines += label_lines(conn, cfg)
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
