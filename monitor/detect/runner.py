"""Running the detector over JSON lines (``mention-monitor detect``) and over the store (after each pass)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, select

from monitor import store
from monitor.config import Config
from monitor.detect.engine import DetectInput, Detector, build_detector, effective_rules
from monitor.detect.fingerprint import rules_fingerprint
from monitor.detect.patterns import config_patterns, prepare_pattern
from monitor.detect.table import load_table
from monitor.errors import MonitorError
from monitor.records import utc

log = logging.getLogger(__name__)

_BATCH = 2000


def _parse_time(value: Any, lineno: int) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        # Keep the offset as written: a zone-less time in a notice falls back to it (detect.windows).
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return dt if dt.tzinfo else utc(dt)
    except ValueError:
        raise MonitorError(f"input line {lineno}: created_at {value!r} is not an ISO 8601 time; "
                           "use e.g. 2026-11-25T08:00:00Z or leave it out") from None


def _input(obj: Any, lineno: int, officials: set[str]) -> DetectInput:
    if not isinstance(obj, dict) or "id" not in obj or not isinstance(obj.get("text"), str):
        raise MonitorError(f'input line {lineno}: expected a JSON object with "id" and a string "text"')
    if obj["id"] is None or (isinstance(obj["id"], str) and not obj["id"].strip()) or isinstance(obj["id"], bool):
        # str(None) would label the post "None" and merge every such line into one id downstream.
        raise MonitorError(f'input line {lineno}: "id" is {json.dumps(obj["id"])}; give each line a non-empty '
                           'string or number id')
    handle = obj.get("author_handle")
    handle = str(handle).lstrip("@") if handle else None
    official = bool(obj.get("is_official")) or (handle is not None and handle.casefold() in officials)
    reply = obj.get("in_reply_to")
    return DetectInput(
        id=str(obj["id"]), text=obj["text"], lang=obj.get("lang"),
        created_at=_parse_time(obj.get("created_at") or obj.get("published"), lineno),
        author_handle=handle, author_name=obj.get("author_name"),
        in_reply_to=str(reply) if reply not in (None, "") else None,
        is_official=official, quoted=obj.get("quoted"),
    )


def detect_jsonl(cfg: Config, lines: Iterable[str], on_error: Callable[[str], None] | None = None) -> Iterator[str]:
    """One output JSON line per input line; a malformed line raises MonitorError naming its number,
    or, with ``on_error``, is reported there and skipped (the CLI: the other lines still come out).

    Replies are judged for impersonation against the complaints seen earlier in the same stream.
    """
    det = build_detector(cfg)
    officials = {a.handle.casefold() for a in cfg.official_accounts}
    seen: set[str] = set()
    complaints: set[str] = set()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise MonitorError(f"input line {lineno}: not valid JSON ({exc.msg} at column {exc.colno}); "
                                   "each line must be one JSON object") from None
            item = _input(obj, lineno, officials)
        except MonitorError as exc:
            if on_error is None:
                raise
            on_error(f"{exc} (line skipped)")
            continue
        parent = item.in_reply_to
        replied = (parent in complaints) if parent and parent in seen else None
        res = det.detect(item, replied_to_complaint=replied)
        seen.add(item.id)
        if res.complaint:
            complaints.add(item.id)
        yield json.dumps(res.to_json(), ensure_ascii=False)


def _parent_complaints(conn: Any, det: Detector, rows: list[dict[str, Any]],
                       batch: dict[tuple[str, str], bool]) -> dict[tuple[str, str], bool]:
    """Is the stored post each reply answers a complaint? (batch results, then the store)."""
    out: dict[tuple[str, str], bool] = {}
    for r in rows:
        if not r.get("reply_to_id") or r.get("is_official"):
            continue
        key = (r["platform"], r["reply_to_id"])
        if key in batch or key in out:
            out[key] = batch.get(key, out.get(key, False))
            continue
        d = store.detections
        got = conn.execute(select(d.c.complaint).where(and_(d.c.platform == key[0], d.c.post_id == key[1]))).first()
        if got is not None:
            out[key] = bool(got[0])
            continue
        p = store.posts
        parent = conn.execute(select(p.c.text, p.c.is_official).where(
            and_(p.c.platform == key[0], p.c.post_id == key[1]))).first()
        out[key] = bool(parent) and not parent.is_official and det.detect(
            DetectInput(id=key[1], text=parent.text)).complaint
    return out


def _to_input(r: dict[str, Any]) -> DetectInput:
    return DetectInput(id=r["post_id"], text=r["text"] or "", lang=r.get("lang"), created_at=r.get("created_at"),
                       author_handle=r.get("author_handle"), author_name=r.get("author_name"),
                       in_reply_to=r.get("reply_to_id"), is_official=bool(r.get("is_official")))


@dataclass(slots=True)
class LabelCounts:
    """What a labelling pass did: rows written, split by why, and how many labels changed value."""

    fingerprint: str
    labelled: int = 0
    new: int = 0  # posts with no label yet
    edited: int = 0  # content changed since it was labelled (an edited entry)
    rules: int = 0  # labelled by other rules (another fingerprint, or before fingerprints), or --force
    changed: int = 0  # relabelled posts whose complaint, urgency or maintenance label changed
    replies: int = 0  # replies relabelled because the post they answer changed its complaint label

    def line(self) -> str:
        return (f"labelled {self.labelled} posts ({self.new} new, {self.edited} edited, {self.rules} by other "
                f"rules, {self.replies} replies to changed complaints; {self.changed} labels changed) "
                f"with rules {self.fingerprint}")


def _label_rows(conn: Any, det: Detector, rows: list[dict[str, Any]], fp: str) -> list[dict[str, Any]]:
    results = {(r["platform"], r["post_id"]): det.detect(_to_input(r)) for r in rows}
    parents = _parent_complaints(conn, det, rows, {k: v.complaint for k, v in results.items()})
    now = store.now_utc()
    out = []
    for r in rows:
        res = results[(r["platform"], r["post_id"])]
        if r.get("reply_to_id") and not r.get("is_official"):
            res = det.detect(_to_input(r), replied_to_complaint=parents.get((r["platform"], r["reply_to_id"]), False))
        out.append({"platform": r["platform"], "post_id": r["post_id"], "complaint": res.complaint,
                    "maintenance": res.maintenance, "claimed_wait_seconds": res.claimed_wait_seconds,
                    "urgency": res.urgency, "topics": res.topics,
                    "impersonation_suspect": res.impersonation_suspect, "evidence": res.evidence,
                    "detected_at": now, "rules_fingerprint": fp, "content_hash": r.get("content_hash")})
    return out


def _tally(counts: LabelCounts, rows: list[dict[str, Any]], out: list[dict[str, Any]],
           replies: bool = False) -> dict[tuple[str, str], datetime]:
    """Add a batch to ``counts``; return the keys whose complaint label is new or changed (a reply's
    impersonation label depends on it), with the time of their new label."""
    counts.labelled += len(out)
    flipped = {}
    for r, o in zip(rows, out, strict=True):
        if bool(r["old_complaint"]) != o["complaint"]:
            flipped[(r["platform"], r["post_id"])] = o["detected_at"]
        if not r["labelled"]:
            counts.new += 1
            continue
        if replies:
            counts.replies += 1
        elif (r.get("old_content_hash") or "") != (r.get("content_hash") or ""):
            counts.edited += 1
        else:
            counts.rules += 1
        if (bool(r["old_complaint"]), r["old_urgency"], bool(r["old_maintenance"])) != (
                o["complaint"], o["urgency"], o["maintenance"]):
            counts.changed += 1
    return flipped


def _relabel_replies(engine: Engine, det: Detector, counts: LabelCounts,
                     flipped: dict[tuple[str, str], datetime]) -> None:
    """Relabel stored replies to posts whose complaint label changed (their impersonation check reads it).

    A reply labelled in the parent's batch or after it already read the new label (same batch: the batch
    results; later: the store), so only replies labelled before the parent's new label are redone.
    """
    for platform in sorted({p for p, _ in flipped}):
        ids = sorted(i for p, i in flipped if p == platform)
        for start in range(0, len(ids), _BATCH):
            with engine.begin() as conn:
                rows = [r for r in store.replies_to_label(conn, platform, ids[start:start + _BATCH])
                        if (r["platform"], r["post_id"]) not in flipped and not (
                            r["labelled"] and r["old_detected_at"] >= flipped[(platform, r["reply_to_id"])])]
                if not rows:
                    continue
                out = _label_rows(conn, det, rows, counts.fingerprint)
                _write(conn, rows, out)
            _tally(counts, rows, out, replies=True)


def _write(conn: Any, rows: list[dict[str, Any]], out: list[dict[str, Any]]) -> None:
    store.upsert_detections(conn, out)
    store.mark_labelled(conn, rows)


def label_posts(engine: Engine, cfg: Config, *, mode: str = "stale", since: datetime | None = None,
                det: Detector | None = None, counts: LabelCounts | None = None) -> LabelCounts:
    """Label the stored posts ``store.posts_to_label`` selects (``mode``: pending | rules | stale | all;
    ``since``: created at or after it), in batches of ``_BATCH``, one transaction each, then the replies
    to posts whose complaint label changed. Idempotent: a second call labels nothing (except ``all``).
    """
    det = det or build_detector(cfg)
    counts = counts or LabelCounts(rules_fingerprint(cfg))
    after: tuple[str, str] | None = None
    flipped: dict[tuple[str, str], datetime] = {}
    seen: set[tuple[str, str]] = set()  # "rules" has no keyset: relabelled rows leave the selection
    while True:
        with engine.begin() as conn:
            rows = store.posts_to_label(conn, counts.fingerprint, mode=mode, since=since, after=after, limit=_BATCH)
            if mode == "rules":
                rows = [r for r in rows if (r["platform"], r["post_id"]) not in seen]
                seen.update((r["platform"], r["post_id"]) for r in rows)
            if not rows:
                break
            out = _label_rows(conn, det, rows, counts.fingerprint)
            _write(conn, rows, out)
        flipped |= _tally(counts, rows, out)
        if mode != "rules":
            after = (rows[-1]["platform"], rows[-1]["post_id"])
            if len(rows) < _BATCH:
                break
    if flipped:
        _relabel_replies(engine, det, counts, flipped)
    return counts


def detect_pending(engine: Engine, cfg: Config) -> int:
    """After each pass: label new and edited posts (found through a partial index, so the cost follows
    their number, not the store's size), then relabel posts created within ``detection.relabel_recent_days``
    (0: never) whose label carries another rules fingerprint. Returns how many posts were labelled."""
    det = build_detector(cfg)
    counts = label_posts(engine, cfg, mode="pending", det=det)
    days = cfg.detection.relabel_recent_days
    if days > 0:
        label_posts(engine, cfg, mode="rules", since=store.now_utc() - timedelta(days=days), det=det, counts=counts)
    if counts.labelled:
        log.info("detect: %s", counts.line())
    return counts.labelled


def relabel(engine: Engine, cfg: Config, *, since: datetime | None = None, force: bool = False) -> LabelCounts:
    """``mention-monitor relabel``: every post (created at or after ``since``) whose label is missing, stale
    or (``force``) any, whatever its age."""
    counts = label_posts(engine, cfg, mode="all" if force else "stale", since=since)
    log.info("relabel: %s", counts.line())
    return counts


def _shown(pattern: str) -> str:
    prepared = prepare_pattern(pattern)
    return pattern if prepared == pattern else f"{pattern}  (matched as {prepared})"


def list_rules(cfg: Config, detector: str | None = None, lang: str | None = None, short: bool = False) -> list[str]:
    """Human lines for ``mention-monitor rules``: the rule table and the config patterns.

    One line a rule: detector, language, origin, kind (include rule / exclude trigger), family (or the
    trigger's category), scope, name, examples count, word lists it composes, then its template (built-in)
    or pattern (config, with the form it is matched as when folding changed it). The table's lists follow.
    ``detector`` / ``lang`` keep only those rules; ``short`` prints how many rules each detector and
    language has (built-in and from config) instead.
    """
    rows: list[tuple[str, str, str, str, str, str, str, str, int, str]] = []
    for r in effective_rules(cfg):
        t = r.table
        body = (f"{','.join(t.lists) or '-'} | {t.template}" if t
                else f"- | {_shown(r.pattern) if r.origin == 'config' else r.pattern}")
        rows.append((r.detector, r.lang, r.origin, r.kind, t.family if t else "-", t.scope if t else "-",
                     r.name, body, len(t.examples) + len(t.near_misses) if t else 0, r.pattern))
    m = cfg.detection.maintenance
    if m.mode == "extend":  # the maintenance table (monitor/detect/tables/maintenance.yaml)
        from monitor.detect.maintable import table as maint_table

        rows += [("maintenance", r.lang, "built-in", "include" if r.include else "exclude", r.family, r.scope,
                  r.name, f"{','.join(dict.fromkeys(r.lists)) or '-'} | {r.pattern}",
                  len(r.examples) + len(r.near_misses), r.pattern) for r in maint_table().rules]
    for lg in ("en", "zh"):
        ks = getattr(m, lg)
        for kind in ("include", "exclude"):
            rows += [("maintenance", lg, "config", kind, "-", "-", f"config:{lg}.{kind}[{i}]", f"- | {_shown(p)}", 0, p)
                     for i, p in enumerate(getattr(ks, kind))]
    rows = [r for r in rows if (detector is None or r[0] == detector) and (lang is None or r[1] in (lang, "any"))]
    if short:
        counts: dict[tuple[str, str], list[int]] = {}
        for r in rows:
            counts.setdefault((r[0], r[1]), [0, 0])[r[2] != "built-in"] += 1
        lines = [f"{'detector':<13} {'lang':<4} {'built-in':>8} {'config':>6}"]
        lines += [f"{d:<13} {lg:<4} {b:>8} {c:>6}" for (d, lg), (b, c) in sorted(counts.items())]
    else:
        lines = [f"{'detector':<13} {'lang':<4} {'origin':<8} {'kind':<7} {'family':<16} {'scope':<8} "
                 f"{'rule':<26} {'ex':>3}  lists | pattern"]
        lines += [f"{d:<13} {lg:<4} {o:<8} {k:<7} {fam:<16} {sc:<8} {n:<26} {ex:>3}  {body}"
                  for d, lg, o, k, fam, sc, n, body, ex, _p in rows]
        table = load_table()
        if detector not in ("maintenance", "topic", "impersonation"):
            lines.append(f"(word lists ({len(table.lists)}): "
                         + ", ".join(f"{n} ({len(v)})" for n, v in table.lists.items()) + ")")
    return lines


def _check(path: str, pattern: str) -> str | None:
    try:
        rx = re.compile(prepare_pattern(pattern), re.IGNORECASE)
    except re.error as exc:
        return f"{path}: invalid regex: {exc}; escape special characters such as ( ) [ ] + ? * with a backslash"
    if rx.search("") is not None:
        return f"{path}: pattern {pattern!r} matches the empty string and would flag every post; make it require text"
    return None


def validate_rules(cfg: Config) -> list[str]:
    """Problems in the configured patterns, one line each with its key path (used by check-config)."""
    return [problem for path, p in config_patterns(cfg) if (problem := _check(path, p))]
