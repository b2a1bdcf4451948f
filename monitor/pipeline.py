"""One collection pass: run sources, commit their batches, then detect and link replies.

A source that fails is recorded on its run row and the others carry on; the caller (CLI or daemon)
decides the exit status from the returned results.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from monitor import store
from monitor.config import Config
from monitor.errors import BudgetExceeded, MonitorError, RateLimited, SourceDisabled, SourceError
from monitor.linking import link_replies
from monitor.quarantine import commit_batch
from monitor.records import Batch
from sources import SOURCES
from sources.base import Source, SourceContext
from sources.http import requests_made, share_pacer

log = logging.getLogger(__name__)

DEFAULT_PASS_DEADLINE = 900.0  # seconds; a source's pass_deadline_seconds overrides it
STATE_KEY = "_state"  # per-source bookkeeping cursor: skip_until (rate limits), disabled (HTTP 410)


@dataclass(slots=True)
class RunResult:
    source: str
    status: str  # ok | error | skipped
    fetched: int = 0
    new: int = 0
    requests: int = 0
    took: float = 0.0
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "error"


def build_sources(cfg: Config, names: Sequence[str] | None = None) -> list[Source]:
    """Instantiate the enabled sources (or exactly ``names``, enabled or not)."""
    chosen = []
    for sc in cfg.sources:
        if names and sc.name not in names:
            continue
        if not names and not sc.enabled:
            continue
        chosen.append(SOURCES[sc.type](sc, cfg))
    share_pacer(chosen)  # one clock per pass: feeds on the same host are spaced politely
    missing = set(names or ()) - {s.name for s in chosen}
    if missing:
        raise MonitorError(f"--source: no source named {', '.join(sorted(missing))} in the config; its sources "
                           f"are {', '.join(sc.name for sc in cfg.sources) or 'none yet'}")
    return chosen


def _skip_reason(state: dict, now: datetime) -> str | None:
    if state.get("disabled"):
        return f"disabled: {state['disabled']}"
    until = state.get("skip_until")
    if until and datetime.fromisoformat(until) > now:
        why = state.get("skip_why", "rate limited")
        return f"{why} until {until}; the next pass after that picks up"
    return None


def _next_month(now: datetime) -> datetime:
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def run_source(engine: Engine, cfg: Config, source: Source, *, since: datetime | None = None,
               now: Callable[[], datetime] = store.now_utc, progress: bool = False) -> RunResult:
    """Run one source to completion or first error, committing batch by batch."""
    started = time.monotonic()
    with engine.connect() as conn:
        saved = store.load_cursors(conn, source.name)
        usage = store.month_usage(conn, source.name, now())["posts_read"]
        last_ok = store.last_ok_run(conn, source.name)
    state = dict(saved.get(STATE_KEY, {}))
    reason = _skip_reason(state, now())
    store.mark_interrupted(engine, source.name)  # callers hold the store or this job's lock
    run_id = store.start_run(engine, source.name, covers_from=since)
    sent = requests_made()
    if reason:
        store.finish_run(engine, run_id, status="skipped", error=reason)
        # A disabled source stays disabled until someone acts: say so on every pass, even with -q.
        log.log(logging.WARNING if state.get("disabled") else logging.INFO, "%s: skipped (%s)",
                source.name, reason)
        return RunResult(source.name, "skipped", error=reason)

    def known(platform: str, ids: Iterable[str]) -> set[str]:
        with engine.connect() as c:
            return store.existing_post_ids(c, platform, ids)

    ctx = SourceContext(cursors=saved, known_post_ids=known, now=now, since=since,
                        usage_this_month=usage, progress=progress, last_ok_run=last_ok)
    res = RunResult(source.name, "ok")
    try:
        _consume(engine, source, ctx, run_id, res)
    except Exception as exc:
        _record_failure(engine, source.name, state, exc, res, now())
        unbatched = requests_made() - sent - res.requests  # requests of the page that failed
        if unbatched > 0:
            with engine.begin() as conn:
                store.add_run_usage(conn, run_id, fetched=0, new=0, requests=unbatched)
            res.requests += unbatched
    res.took = time.monotonic() - started
    store.finish_run(engine, run_id, status=res.status, error=res.error)
    line = "%s: fetched=%d new=%d requests=%d took=%.2fs"
    if res.failed:
        log.error(line + " error=%s", source.name, res.fetched, res.new, res.requests, res.took, res.error)
    else:
        log.info(line, source.name, res.fetched, res.new, res.requests, res.took)
    return res


def _consume(engine: Engine, source: Source, ctx: SourceContext, run_id: int, res: RunResult) -> None:
    limit = float(getattr(getattr(source, "config", None), "pass_deadline_seconds", None) or DEFAULT_PASS_DEADLINE)
    deadline = time.monotonic() + limit
    for batch in source.fetch(ctx):
        _commit(engine, source, ctx, run_id, res, batch)
        if time.monotonic() > deadline:
            # Each fetch has its own deadline (sources.http); this bounds a pass of many pages. What was
            # committed stays, cursors included, so the next pass continues from there.
            raise SourceError(source.name, f"pass stopped after {limit:g}s (pass_deadline_seconds); "
                                           "what was stored so far is kept and the next pass continues")


def _commit(engine: Engine, source: Source, ctx: SourceContext, run_id: int, res: RunResult, batch: Batch) -> None:
    from monitor.detect.announcements import label_announcements  # local: detection pulls in opencc

    # Sources state facts; detection labels kind and window before anything is stored.
    label_announcements(batch.announcements, getattr(source, "settings", None))
    # Records (cleaned; the uncleanable ones quarantined), then cursors, in one transaction.
    new, _rejected = commit_batch(engine, source.name, batch, run_id, ctx.now())
    res.new += new
    res.fetched += batch.fetched
    res.requests += batch.requests
    for note in batch.notes:
        log.warning("%s: %s", source.name, note)


def _record_failure(engine: Engine, name: str, state: dict, exc: Exception, res: RunResult,
                    now: datetime) -> None:
    """Classify a source's exception: what the run row says and which skip state is saved."""
    res.status, res.error = "error", str(exc)
    if isinstance(exc, BudgetExceeded):
        # Not a failure: the source did what the budget asked. Warn once, then skip until the 1st.
        res.status, res.error = "ok", None
        log.warning("%s", exc)
        _save_state(engine, name, {**state, "skip_until": _next_month(now).isoformat(),
                                   "skip_why": "monthly_read_budget reached"})
    elif isinstance(exc, RateLimited):
        # Planned, like the budget: the source resumes by itself after the reset, so the run is
        # "skipped" and collect exits 0 (cron would otherwise mail the operator every pass).
        res.status = "skipped"
        log.warning("%s", exc)
        _save_state(engine, name, {**state, "skip_until": exc.reset_at.isoformat(), "skip_why": "rate limited"})
    elif isinstance(exc, SourceDisabled):
        _save_state(engine, name, {**state, "disabled": str(exc)})
    elif not isinstance(exc, SourceError):
        log.error("%s: unexpected failure", name, exc_info=exc)
        res.error = f"{name}: unexpected {type(exc).__name__}: {exc}"


def _save_state(engine: Engine, source: str, state: dict) -> None:
    with engine.begin() as conn:
        store.save_cursors(conn, source, {STATE_KEY: state})


def reset_source(engine: Engine, source: str) -> None:
    """Forget a source's skip/disabled state (its query cursors stay)."""
    with engine.begin() as conn:
        store.save_cursors(conn, source, {STATE_KEY: None})


def post_process(engine: Engine, cfg: Config) -> dict[str, int]:
    """Detect on posts not yet labelled, link official replies, then send due alerts. Idempotent."""
    from monitor.alerts import run_alerts
    from monitor.labelling import detect_pending  # local: detection pulls in opencc

    detected = detect_pending(engine, cfg)
    with engine.begin() as conn:
        linked = link_replies(conn)
    run_alerts(engine, cfg)  # logs its own failures; never stops the pass
    return {"detected": detected, "linked": linked}


def import_twarc(engine: Engine, cfg: Config, paths: Sequence[Path], platform: str = "twitter", *,
                 progress: bool = False) -> list[tuple[Path, RunResult]]:
    """``mention-monitor import``: the twarc source over each file in turn (one result per file, a
    progress bar over the files when ``progress``), then detection and linking once."""
    from tqdm import tqdm

    from sources.twarc import TwarcSource

    out = []
    for path in tqdm(paths, desc="import", unit="file", disable=not progress or len(paths) < 2):
        out.append((path, run_source(engine, cfg, TwarcSource.for_paths([path], cfg, platform=platform),
                                     progress=progress)))
    post_process(engine, cfg)
    return out


def collect(engine: Engine, cfg: Config, names: Sequence[str] | None = None, *,
            since: datetime | None = None, progress: bool = False) -> list[RunResult]:
    """One pass of every enabled source (or ``names``), then detection and linking."""
    results = [_run_locked(engine, cfg, s, since, progress) for s in build_sources(cfg, names)]
    post_process(engine, cfg)
    return results


def _run_locked(engine: Engine, cfg: Config, source: Source, since: datetime | None, progress: bool) -> RunResult:
    """``run_source``, under the source's own job lock when several hosts share the store."""
    if not cfg.multi_host:
        return run_source(engine, cfg, source, since=since, progress=progress)
    from monitor.lock import job_lock

    with job_lock(engine, f"source:{source.name}") as got:
        if got:
            return run_source(engine, cfg, source, since=since, progress=progress)
    log.warning("%s: another host is running this source now; skipped", source.name)
    return RunResult(source.name, "skipped", error="running on another host")
