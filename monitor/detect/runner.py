"""Running the detector over JSON lines (``mention-monitor detect``) and over the store (after each pass)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select

from monitor import store
from monitor.config import Config
from monitor.detect.engine import DetectInput, Detector, build_detector, effective_rules, prepare_pattern
from monitor.errors import MonitorError
from sources.base import utc

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


def detect_jsonl(cfg: Config, lines: Iterable[str]) -> Iterator[str]:
    """One output JSON line per input line; a malformed line raises MonitorError naming its number.

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
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MonitorError(f"input line {lineno}: not valid JSON ({exc.msg} at column {exc.colno}); "
                               "each line must be one JSON object") from None
        item = _input(obj, lineno, officials)
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


def detect_pending(engine: Engine, cfg: Config) -> int:
    """Label every stored post that has no detection row yet; return how many were labelled."""
    det = build_detector(cfg)
    total = 0
    while True:
        with engine.begin() as conn:
            rows = store.undetected_posts(conn, limit=_BATCH)
            if not rows:
                break
            results = {(r["platform"], r["post_id"]): det.detect(_to_input(r)) for r in rows}
            batch = {k: v.complaint for k, v in results.items()}
            parents = _parent_complaints(conn, det, rows, batch)
            now = store.now_utc()
            out = []
            for r in rows:
                key = (r["platform"], r["post_id"])
                res = results[key]
                if r.get("reply_to_id") and not r.get("is_official"):
                    res = det.detect(_to_input(r), replied_to_complaint=parents.get((r["platform"], r["reply_to_id"]),
                                                                                    False))
                out.append({"platform": r["platform"], "post_id": r["post_id"], "complaint": res.complaint,
                            "maintenance": res.maintenance, "claimed_wait_seconds": res.claimed_wait_seconds,
                            "urgency": res.urgency, "topics": res.topics,
                            "impersonation_suspect": res.impersonation_suspect, "evidence": res.evidence,
                            "detected_at": now})
            store.upsert_detections(conn, out)
        total += len(rows)
        if len(rows) < _BATCH:
            break
    if total:
        log.info("detect: labelled %d posts", total)
    return total


def list_rules(cfg: Config) -> list[str]:
    """Human lines for ``mention-monitor rules``: detector, language, origin, name, pattern."""
    lines = [f"{'detector':<13} {'lang':<4} {'origin':<8} {'kind':<7} {'rule':<26} pattern"]
    for r in effective_rules(cfg):
        lines.append(f"{r.detector:<13} {r.lang:<4} {r.origin:<8} {r.kind:<7} {r.name:<26} {r.pattern}")
    m = cfg.detection.maintenance
    for lang in ("en", "zh"):
        ks = getattr(m, lang)
        for kind in ("include", "exclude"):
            for i, p in enumerate(getattr(ks, kind)):
                lines.append(f"{'maintenance':<13} {lang:<4} {'config':<8} {kind:<7} "
                             f"{f'config:{lang}.{kind}[{i}]':<26} {p}")
    from monitor.detect.maintable import rule_lines

    return lines + rule_lines(m.mode)


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
    problems: list[str] = []
    d = cfg.detection
    for det in ("complaint", "maintenance", "urgency", "impersonation"):
        rules = getattr(d, det, None)
        if rules is None:
            continue
        for lang in ("en", "zh"):
            for kind in ("include", "exclude"):
                for i, p in enumerate(getattr(getattr(rules, lang), kind)):
                    problem = _check(f"detection.{det}.{lang}.{kind}[{i}]", p)
                    if problem:
                        problems.append(problem)
    for topic, terms in d.topics.items():
        for i, p in enumerate(terms):
            problem = _check(f"detection.topics.{topic}[{i}]", p)
            if problem:
                problems.append(problem)
    return problems
