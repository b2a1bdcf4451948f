"""Structured status sources: the public Statuspage JSON API, and a base for other status endpoints.

Preferred over parsing ``history.atom`` HTML when a brand runs a Statuspage: the API states
``scheduled_for`` / ``scheduled_until`` exactly, plus ``impact`` and ``status``. Endpoints read:
``/api/v2/scheduled-maintenances.json`` and ``/api/v2/incidents.json``. The source states facts
(schedule as window times, status words, text); detection labels the kind (an item with
``scheduled_for`` is a maintenance, any other a Statuspage incident).

:class:`StatusApiSource` does the fetching (conditional GET per endpoint via :mod:`sources.http`,
one cursor per endpoint, one batch per endpoint). Another exchange's status endpoint is a subclass
with ``endpoints()`` and ``to_announcements()``, nothing else (``tests/test_statuspage.py`` has a
twenty-line example); to configure it, add a model with its ``type`` to ``monitor/config.py`` and
the class to ``sources.SOURCES``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any

import requests

from monitor.errors import SourceError
from monitor.records import Announcement, Batch, StatusUpdate, query_key
from sources.base import Source, SourceContext
from sources.http import HostPacer, fetch

log = logging.getLogger(__name__)


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 from a status API (``2026-07-30T09:07:42.419Z``) as aware UTC; None when absent/bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else None


class StatusApiSource(Source):
    """Base for JSON status endpoints: subclasses list endpoints and map a document to announcements."""

    kind = "status-api"

    def __init__(self, config: Any, settings: Any, *, session: requests.Session | None = None,
                 pacer: HostPacer | None = None) -> None:
        super().__init__(config, settings)
        self.session = session or requests.Session()
        self.pacer = pacer or HostPacer()
        self.rejected: list[tuple[str | None, str, str]] = []  # items to_announcements could not map

    def endpoints(self) -> list[str]:
        raise NotImplementedError

    def to_announcements(self, endpoint: str, doc: Any) -> list[Announcement]:
        raise NotImplementedError

    def describe(self) -> list[str]:
        return [f"{self.kind} {self.name}: GET {url}" for url in self.endpoints()]

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        for url in self.endpoints():
            key = query_key(url)
            state = dict(ctx.cursors.get(key) or {})
            self.pacer.wait(url)
            res = fetch(self.name, state.get("url") or url, session=self.session,
                        user_agent=self.settings.user_agent, timeout=self.config.timeout_seconds,
                        max_bytes=getattr(self.config, "max_bytes", 5_000_000), now=ctx.now(),
                        etag=state.get("etag"), last_modified=state.get("last_modified"))
            new_state = {"url": res.url, "etag": res.etag, "last_modified": res.last_modified}
            batch = Batch(requests=1)
            if res.moved_from:
                batch.notes.append(f"moved permanently: {res.moved_from} -> {res.url}")
            if not res.not_modified:
                try:
                    doc = json.loads(res.body)
                except ValueError:
                    raise SourceError(self.name, f"{url} did not return JSON (content-type "
                                                 f"{res.content_type or 'unknown'}); check base_url") from None
                batch.announcements = self.to_announcements(url, doc)
                batch.fetched = len(batch.announcements)
                batch.rejects, self.rejected = self.rejected, []
            if new_state != state:
                batch.cursors[key] = new_state
            yield batch


class StatuspageSource(StatusApiSource):
    """Atlassian Statuspage public API (``https://status.example.com``)."""

    kind = "statuspage"

    def endpoints(self) -> list[str]:
        base = self.config.base_url.rstrip("/")
        urls = [f"{base}/api/v2/scheduled-maintenances.json"]
        if self.config.include_incidents:
            urls.append(f"{base}/api/v2/incidents.json")
        return urls

    def to_announcements(self, endpoint: str, doc: Any) -> list[Announcement]:
        key = "scheduled_maintenances" if endpoint.endswith("scheduled-maintenances.json") else "incidents"
        items = doc.get(key) if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise SourceError(self.name, f"{endpoint}: no '{key}' list in the response; is base_url a "
                                         "Statuspage (it should answer /api/v2/summary.json)?")
        out = []
        for it in items:
            if isinstance(it, dict) and it.get("id"):
                # One item with odd field types must not stop the pass: it goes to the rejects table.
                probe = Batch(rejects=self.rejected)
                ann = probe.attempt(partial(self.to_announcement, it), it, str(it.get("id")))
                out.extend([ann] if ann else [])
        return out

    def to_announcement(self, it: dict[str, Any]) -> Announcement:
        updates = sorted((u for u in it.get("incident_updates") or [] if isinstance(u, dict)),
                         key=lambda u: u.get("display_at") or u.get("created_at") or "", reverse=True)
        text = "\n".join(f"{str(u.get('status', '')).replace('_', ' ').title()} - {u.get('body') or ''}"
                         for u in updates)
        # Facts only: the stated schedule and the status words; detection labels the kind.
        return Announcement(
            source=self.name, entry_id=str(it["id"]), title=str(it.get("name") or "(untitled)"),
            text=text, url=it.get("shortlink"), published=parse_time(it.get("created_at")),
            updated=parse_time(it.get("updated_at")),
            window_start=parse_time(it.get("scheduled_for")), window_end=parse_time(it.get("scheduled_until")),
            status=str(it.get("status") or "") or None, status_page=True,
            updates=[StatusUpdate(str(u.get("status") or "").replace("_", " ").lower(),
                                  parse_time(u.get("display_at") or u.get("created_at")), str(u.get("body") or ""))
                     for u in updates],
            raw={"impact": it.get("impact"), "started_at": it.get("started_at"),
                 "resolved_at": it.get("resolved_at"),
                 "components": [c.get("name") for c in it.get("components") or [] if isinstance(c, dict)],
                 "updates": [{"status": u.get("status"), "at": u.get("display_at") or u.get("created_at"),
                              "body": u.get("body")} for u in updates]})
