"""Labelling official announcements in the detect stage: kind, maintenance window.

Sources state facts (title, text, dates, the feed's configured ``timezone``; for status pages the
status words of each update and the schedule header as text, see :class:`sources.base.Announcement`).
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
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.detect.maintenance import classify_kind
from monitor.detect.windows import Window, extract_window
from sources.base import Announcement

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


def label_announcement(a: Announcement, cfg: Config | None = None) -> Announcement:
    """Set ``a.kind`` (when the source left it None) and the window of a maintenance; returns ``a``."""
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
