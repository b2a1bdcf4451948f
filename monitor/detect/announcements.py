"""Labelling official announcements in the detect stage: kind, maintenance window.

Sources state facts (title, text, dates, the feed's configured ``timezone``; for status pages the
status words of each update and the schedule header as text, see :class:`monitor.records.Announcement`).
The pipeline calls :func:`label_announcements` on each batch before it is stored, so every stored
announcement carries ``kind`` and, for maintenance, ``window_start``/``window_end`` (aware UTC or None).

Rules:

- A source that states the kind from its structure keeps it (``kind`` not None).
- A status page (Statuspage ``history.atom`` or its JSON API) holds incidents and maintenances only:
  an entry with a stated schedule (``scheduled_for``, or the "THIS IS A SCHEDULED EVENT" header) or a
  maintenance status word (scheduled, in progress, verifying) is ``maintenance``, any other
  ``incident``. Its window: the stated schedule, else the in-progress .. completed stamps, else the
  window written in the oldest "scheduled" update.
- Any other entry: :func:`monitor.detect.maintenance.classify_kind` over title and text, and for a
  maintenance the first window written in it (:func:`monitor.detect.windows.extract_window`).

The source's facts are kept in ``raw["facts"]``, so stored rows can be labelled again after a rules
or config change: ``monitor.labelling.relabel_announcements`` (for ``mention-monitor relabel``), :func:`from_row`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.detect.maintenance import classify_kind
from monitor.detect.windows import Window, extract_window
from monitor.records import Announcement, StatusUpdate

if TYPE_CHECKING:

    from monitor.config import Config

MAINTENANCE_STATUSES = frozenset({"scheduled", "in progress", "verifying"})


def _reference(a: Announcement) -> datetime | None:
    """The publication stamp the window is read against (a missing year, "tomorrow"), in the offset
    the feed wrote it with when it stated one (a zone-less time falls back to that offset)."""
    return a.published_local or a.published or a.updated


def _status_page_kind(a: Announcement) -> str:
    if a.window_start is not None or a.scheduled_text is not None:
        return "maintenance"
    return "maintenance" if {u.status for u in a.updates} & MAINTENANCE_STATUSES else "incident"


def _status_page_window(a: Announcement, report_tz: str | None) -> Window:
    ref, tz = _reference(a), a.timezone
    if a.scheduled_text is not None:
        start, end = extract_window(a.scheduled_text, ref, tz, report_tz)
        if start is not None:
            return start, end
    started = [u.at for u in a.updates if u.status == "in progress" and u.at]
    done = [u.at for u in a.updates if u.status == "completed" and u.at]
    if started:
        return min(started), (max(done) if done else None)
    for u in reversed(a.updates):  # oldest first: the announcement states the plan
        if u.status == "scheduled":
            return extract_window(u.text, u.at or ref, tz, report_tz)
    return None, None


def _facts(a: Announcement) -> dict[str, Any]:
    """What the source stated, kept in ``raw["facts"]`` so a stored row can be labelled again."""
    return {"kind": a.kind, "window_start": _iso(a.window_start), "window_end": _iso(a.window_end),
            "timezone": a.timezone, "status_page": a.status_page, "scheduled_text": a.scheduled_text,
            "published_local": _iso(a.published_local),
            "updates": [{"status": u.status, "at": _iso(u.at), "text": u.text} for u in a.updates]}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def _time(v: Any) -> datetime | None:
    return datetime.fromisoformat(v) if isinstance(v, str) and v else None


def from_row(row: Mapping[Any, Any]) -> Announcement:
    """The announcement a stored row was made from (its source facts from ``raw["facts"]``), unlabelled.

    ``row``: a mapping by column name (a SQLAlchemy RowMapping's keys may also be columns, hence Any)."""
    raw = dict(row.get("raw") or {})
    f = raw.get("facts") or {}
    return Announcement(
        source=row["source"], entry_id=row["entry_id"], title=row["title"], text=row["text"], url=row.get("url"),
        published=row.get("published"), updated=row.get("updated"), kind=f.get("kind"),
        window_start=_time(f.get("window_start")), window_end=_time(f.get("window_end")), status=row.get("status"),
        raw=raw, timezone=f.get("timezone"), status_page=bool(f.get("status_page")),
        updates=[StatusUpdate(u["status"], _time(u.get("at")), u.get("text") or "") for u in f.get("updates") or []],
        scheduled_text=f.get("scheduled_text"), published_local=_time(f.get("published_local")))


def label_announcement(a: Announcement, cfg: Config | None = None) -> Announcement:
    """Set ``a.kind`` (when the source left it None) and the window of a maintenance; returns ``a``.

    The source's facts are kept in ``a.raw["facts"]`` (see :func:`from_row` and
    ``monitor.labelling.relabel_announcements``)."""
    a.raw = {**(a.raw or {}), "facts": _facts(a)}
    stated = a.window_start is not None
    if a.kind is None:
        if a.status_page:
            a.kind = _status_page_kind(a)
        else:
            a.kind = classify_kind(a.title, f"{a.title}\n{a.text}", cfg)
    if a.kind != "maintenance" or stated:
        return a
    report_tz = cfg.timezone if cfg is not None else None
    if a.status_page:
        a.window_start, a.window_end = _status_page_window(a, report_tz)
    else:
        a.window_start, a.window_end = extract_window(f"{a.title}\n{a.text}", _reference(a), a.timezone, report_tz)
    return a


def label_announcements(items: Iterable[Announcement], cfg: Config | None = None) -> list[Announcement]:
    """:func:`label_announcement` on each item (in place); returns them as a list."""
    return [label_announcement(a, cfg) for a in items]
