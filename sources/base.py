"""The small base class every source shares, and the read-only context a pass gives it.

The records a source yields (:class:`monitor.records.Post`, ``Announcement``, ``MarketBar``, ``Batch``)
live in :mod:`monitor.records`, below both sources and detection.

A source reads one platform and yields :class:`Batch` objects. It never writes the store: the runner
(``monitor.pipeline``) commits each batch's records and *then* its cursor updates in one transaction,
so a cursor can never move past posts that were not stored (a crash between pages re-reads nothing
that was committed and skips nothing that was not).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from monitor.records import Batch


@dataclass(slots=True)
class SourceContext:
    """What a source may know about the world besides its config: read-only views, injected.

    ``cursors`` is this source's saved cursor state by key. ``known_post_ids(platform, ids)`` returns
    the subset already stored. ``now`` is a clock (tests freeze it). ``since`` is a backfill start.
    ``usage_this_month`` is posts read this calendar month (for budget checks).
    """

    cursors: Mapping[str, dict[str, Any]]
    known_post_ids: Callable[[str, Iterable[str]], set[str]]
    now: Callable[[], datetime]
    since: datetime | None = None
    dry_run: bool = False
    usage_this_month: int = 0
    progress: bool = False
    # End of this source's last successful pass (monitor.store.last_ok_run): lets a source with a
    # limited look-back window (X recent search: 7 days) say how large a gap is.
    last_ok_run: datetime | None = None


class Source(ABC):
    """Base for every collector. Subclasses set ``kind`` and implement :meth:`fetch`."""

    kind: ClassVar[str]

    def __init__(self, config: Any, settings: Any) -> None:
        # ``config`` is this source's pydantic model, ``settings`` the whole validated Config.
        self.config = config
        self.settings = settings
        self.name: str = config.name

    @abstractmethod
    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        """Yield batches. Raise :class:`monitor.errors.SourceError` subclasses on failure."""

    def describe(self) -> list[str]:
        """Human-readable lines about what this source will request (``collect --dry-run``)."""
        return [f"{self.kind} source {self.name}"]
