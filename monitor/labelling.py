"""Labelling what is stored: new and edited posts after each pass, every stale label on ``relabel``.

The store side of detection (``monitor.detect`` itself is pure): select the posts whose label is
missing or stale (``store.posts_to_label``: no label, edited text, other rules' fingerprint), run the
detector on them in batches of 2,000, write ``detections`` and record the content hash each label was
made from. Replies by non-official accounts are relabelled with their parent (impersonation suspects
answer complaints). Stored announcements are labelled again from their kept facts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, select, update

from monitor import schema, store
from monitor.config import Config
from monitor.detect.announcements import from_row, label_announcement
from monitor.detect.engine import DetectInput, Detector, build_detector
from monitor.detect.fingerprint import rules_fingerprint

log = logging.getLogger(__name__)

_BATCH = 2000


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


def relabel_announcements(engine: Engine, cfg: Config | None = None, since: datetime | None = None) -> int:
    """Label stored announcements again with the current rules (published at or after ``since``, or
    all); rows labelled before their facts were kept are left alone. Returns how many changed."""
    t = schema.announcements
    q = select(t)
    if since is not None:
        q = q.where(t.c.published >= since)
    changed = 0
    with engine.begin() as conn:
        for row in conn.execute(q).mappings().all():
            if not (row["raw"] or {}).get("facts"):
                continue
            a = label_announcement(from_row(row), cfg)
            new = {"kind": a.kind, "window_start": a.window_start, "window_end": a.window_end}
            if new != {k: row[k] for k in new}:
                conn.execute(update(t).where(and_(t.c.source == a.source, t.c.entry_id == a.entry_id)).values(**new))
                changed += 1
    return changed
