"""The detector over JSON lines (``mention-monitor detect``) and the rule listing (``mention-monitor rules``).

Pure: nothing here reads or writes the store; labelling stored posts is ``monitor.labelling``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from monitor.config import Config
from monitor.detect.engine import DetectInput, build_detector, effective_rules
from monitor.detect.patterns import prepare_pattern
from monitor.detect.table import load_table
from monitor.errors import MonitorError
from monitor.records import utc


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
    rows = [row for row in rows
            if (detector is None or row[0] == detector) and (lang is None or row[1] in (lang, "any"))]
    if short:
        counts: dict[tuple[str, str], list[int]] = {}
        for row in rows:
            counts.setdefault((row[0], row[1]), [0, 0])[row[2] != "built-in"] += 1
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
