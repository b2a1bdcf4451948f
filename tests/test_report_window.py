"""A report reads its window, not the store's history (issue 14, load): the queries behind the figures
that used to scan every row keep their meaning and go through the indexes of migration
perf14_report_window_indexes (SQLite query plans checked; PostgreSQL runs the same queries)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from monitor import store
from monitor.records import Announcement, Post
from reports import data
from tests.pg import pg_schema_url

END = datetime(2026, 6, 1, tzinfo=UTC)
START = END - timedelta(days=28)


def _post(platform: str, pid: str, days_before_end: float, official: bool = False) -> Post:
    return Post(platform=platform, post_id=pid, created_at=END - timedelta(days=days_before_end),
                text=f"post {pid}", is_official=official)


def _fill(engine: Engine) -> None:
    posts = [_post("twitter", "1", 3), _post("twitter", "2", 4),
             _post("twitter", "9", 300, official=True),  # the platform's only official post: long ago
             _post("appstore", "a1", 2), _post("appstore", "a2", 400),  # never an official post
             _post("reddit", "r1", 200, official=True)]  # nothing in the window: not listed
    anns = [Announcement(source="sp", entry_id="in", title="in", text="", kind="incident",
                         published=END - timedelta(days=1)),
            Announcement(source="sp", entry_id="long", title="long", text="", kind="maintenance",
                         published=END - timedelta(days=90), window_start=END - timedelta(days=60),
                         window_end=END - timedelta(days=10)),
            Announcement(source="sp", entry_id="old", title="old", text="", kind="maintenance",
                         published=END - timedelta(days=90), window_start=END - timedelta(days=60),
                         window_end=END - timedelta(days=50))]
    with engine.begin() as conn:
        store.upsert_posts(conn, posts)
        store.upsert_announcements(conn, anns)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: Any, tmp_path: Any) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = store.open_store(f"sqlite:///{tmp_path}/s.db")
        _fill(eng)
        yield eng
        eng.dispose()
        return
    with pg_schema_url() as url:
        eng = store.open_store(url)
        _fill(eng)
        yield eng
        eng.dispose()


def test_platform_volumes_keep_the_all_time_official_fact(engine: Engine) -> None:
    with engine.connect() as conn:
        got = data.platform_volumes(conn, START, END)
    assert got == {"twitter": (2, 1), "appstore": (1, 0)}


def test_announcements_window_overlap_unchanged(engine: Engine) -> None:
    with engine.connect() as conn:
        got = [a["entry_id"] for a in data.announcements_between(conn, START, END)]
    assert got == ["long", "in"]


def _plan(engine: Engine, sql: str, params: tuple[Any, ...]) -> str:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        return " | ".join(r[3] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_window_queries_use_indexes_not_scans(tmp_path: Any) -> None:
    eng = store.open_store(f"sqlite:///{tmp_path}/s.db")
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cur: Any, stmt: str, params: Any, ctx: Any, many: bool) -> None:
        seen.append((stmt, params))

    from sqlalchemy import event

    event.listen(eng, "before_cursor_execute", record)
    _fill(eng)
    seen.clear()
    with eng.connect() as conn:
        data.platform_volumes(conn, START, END)
        data.announcements_between(conn, START, END)
    data.market_moves(eng, START, END)
    plans = [_plan(eng, s, p) for s, p in seen if s.lstrip().startswith("SELECT") and "sqlite_master" not in s]
    eng.dispose()
    assert plans and not [p for p in plans if "SCAN posts" in p or "SCAN announcements" in p or "SCAN market" in p]
    joined = " ".join(plans)
    assert "ix_posts_official" in joined and "ix_announcements_published" in joined
    assert "ix_announcements_window_end" in joined and "ix_market_ts" in joined
