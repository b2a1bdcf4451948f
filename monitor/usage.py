"""API quota use per calendar month, for ``status`` and the daily report (no source imports here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from monitor import store


def usage_lines(engine: Engine, cfg: Any, now: datetime | None = None) -> list[str]:
    """This calendar month's X API use per twitter source, against its budget.

    ``now`` picks the month (UTC): the daily report passes the end of its own day, so the report for
    the 31st written on the 1st still shows the month it is about.
    """
    now = now or store.now_utc()
    lines = []
    with engine.connect() as conn:
        for sc in cfg.sources:
            if sc.type != "twitter":
                continue
            use = store.month_usage(conn, sc.name, now)
            line = (f"{sc.name}: {use['posts_read']:,} posts read, {use['requests']:,} requests in "
                    f"{now:%Y-%m} (UTC)")
            if sc.monthly_read_budget:
                pct = 100 * use["posts_read"] / sc.monthly_read_budget
                left = max(0, sc.monthly_read_budget - use["posts_read"])
                line += f"; budget {sc.monthly_read_budget:,} ({pct:.0f}% used, {left:,} left)"
            else:
                line += "; no monthly_read_budget set"
            lines.append(line)
    return lines
