"""Store idempotency, migrations, and the runner's commit-then-cursor contract."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select

from monitor import store
from monitor.config import Config
from monitor.errors import RateLimited, SourceError
from monitor.linking import link_replies
from monitor.pipeline import run_source
from monitor.records import Announcement, Batch, Post
from sources.base import Source, SourceContext
from tests.pg import pg_schema_url

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _post(pid: str, minutes: int = 0, **kw: Any) -> Post:
    return Post(platform="twitter", post_id=pid, created_at=T0 + timedelta(minutes=minutes), text=f"post {pid}",
                **kw)


class ScriptedSource(Source):
    """A source that yields pre-built batches, then optionally raises."""

    kind = "scripted"

    def __init__(self, name: str, batches: list[Batch], error: Exception | None = None) -> None:
        super().__init__(SimpleNamespace(name=name), None)
        self.batches, self.error = batches, error
        self.seen_cursors: dict[str, dict[str, Any]] | None = None

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        self.seen_cursors = dict(ctx.cursors)
        yield from self.batches
        if self.error:
            raise self.error


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return store.table_counts(c)


def test_migrations_are_recorded_and_run_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    eng = store.open_store(url, migrate_schema=False)
    assert store.migrate(eng) == [name for name, _ in store.MIGRATIONS]
    assert store.migrate(eng) == []


def test_same_pass_twice_stores_nothing_twice(engine: Engine, cfg: Config) -> None:
    def batches() -> list[Batch]:
        return [Batch(posts=[_post("1"), _post("2"), _post("2")],
                      announcements=[Announcement(source="feed", entry_id="a", title="t", text="x")],
                      cursors={"q": {"since_id": "2"}}, fetched=3, requests=1)]

    first = run_source(engine, cfg, ScriptedSource("s", batches()))
    after_first = _counts(engine)
    second = run_source(engine, cfg, ScriptedSource("s", batches()))
    after_second = _counts(engine)
    assert (first.new, second.new) == (3, 0)  # 2 posts + 1 announcement, then nothing new
    assert {k: v for k, v in after_first.items() if k != "runs"} == {
        k: v for k, v in after_second.items() if k != "runs"}
    assert after_second["posts"] == 2 and after_second["runs"] == 2


def test_upsert_updates_edited_rows(engine: Engine) -> None:
    with engine.begin() as c:
        store.upsert_announcements(c, [Announcement(source="f", entry_id="1", title="v1", text="a")])
        assert store.upsert_announcements(c, [Announcement(source="f", entry_id="1", title="v2", text="b")]) == 0
        assert c.execute(select(store.announcements.c.title)).scalar() == "v2"


def test_times_round_trip_as_aware_utc(engine: Engine) -> None:
    local = datetime(2026, 11, 20, 16, 0, tzinfo=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    with engine.begin() as c:
        store.upsert_posts(c, [Post(platform="x", post_id="1", created_at=local, text="t")])
        got = c.execute(select(store.posts.c.created_at)).scalar()
    assert got == datetime(2026, 11, 20, 8, 0, tzinfo=UTC) and got.tzinfo is UTC


def test_cursor_saved_only_with_committed_batches(engine: Engine, cfg: Config) -> None:
    """A failure after page 1 keeps page 1 and its cursor; page 2's cursor is never written."""
    src = ScriptedSource("s", [Batch(posts=[_post("1")], cursors={"q": {"page": 1}}, fetched=1)],
                         error=SourceError("s", "HTTP 503 after 3 tries"))
    res = run_source(engine, cfg, src)
    assert res.failed and res.error == "s: HTTP 503 after 3 tries"
    with engine.connect() as c:
        assert store.load_cursors(c, "s") == {"q": {"page": 1}}
        assert store.table_counts(c)["posts"] == 1
        run = c.execute(select(store.runs)).one()
    assert (run.status, run.fetched, run.new) == ("error", 1, 1)


def test_failed_commit_leaves_cursor_unchanged(engine: Engine, cfg: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    run_source(engine, cfg, ScriptedSource("s", [Batch(posts=[_post("1")], cursors={"q": {"since": "1"}})]))

    def boom(conn: Connection, items: Sequence[Post]) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "upsert_posts", boom)
    res = run_source(engine, cfg, ScriptedSource("s", [Batch(posts=[_post("2")], cursors={"q": {"since": "2"}})]))
    assert res.failed and "disk full" in (res.error or "")
    with engine.connect() as c:
        assert store.load_cursors(c, "s") == {"q": {"since": "1"}}


def test_rate_limited_source_is_skipped_until_reset(engine: Engine, cfg: Config) -> None:
    reset = datetime.now(UTC) + timedelta(minutes=10)
    res = run_source(engine, cfg, ScriptedSource("s", [], error=RateLimited("s", "HTTP 429", reset)))
    assert res.status == "skipped" and not res.failed and "HTTP 429" in (res.error or "")
    again = ScriptedSource("s", [Batch(posts=[_post("9")])])
    res2 = run_source(engine, cfg, again)
    assert res2.status == "skipped" and again.seen_cursors is None
    later = run_source(engine, cfg, ScriptedSource("s", [Batch(posts=[_post("9")])]),
                       now=lambda: reset + timedelta(seconds=1))
    assert later.status == "ok" and later.new == 1


def test_unexpected_exception_is_recorded_not_raised(engine: Engine, cfg: Config) -> None:
    res = run_source(engine, cfg, ScriptedSource("s", [], error=KeyError("entries")))
    assert res.failed and "unexpected KeyError" in (res.error or "")


def test_reply_linking_by_reply_to_then_conversation(engine: Engine) -> None:
    with engine.begin() as c:
        store.upsert_posts(c, [
            _post("10", 0, conversation_id="10"),
            _post("11", 5, is_official=True, reply_to_id="10", conversation_id="10"),
            _post("20", 0, conversation_id="20"),
            _post("21", 90, is_official=True, conversation_id="20"),  # no reply_to: thread root
            _post("30", 0),
            _post("31", 3, reply_to_id="30"),  # a look-alike, not official: never linked
            _post("41", 3, is_official=True, reply_to_id="999"),  # parent not stored: nothing
        ])
        assert link_replies(c) == 2
        assert link_replies(c) == 0
        rows = {r.reply_id: (r.post_id, r.latency_seconds, r.linked_by)
                for r in c.execute(select(store.reply_links))}
    assert rows == {"11": ("10", 300.0, "reply_to"), "21": ("20", 5400.0, "conversation")}


@pytest.mark.postgres
def test_postgres_store_round_trip() -> None:
    with pg_schema_url() as url:
        eng2 = store.open_store(url)
        try:
            with eng2.begin() as c:
                assert store.upsert_posts(c, [_post("1"), _post("2")]) == 2
                assert store.upsert_posts(c, [_post("1")]) == 0
                store.save_cursors(c, "s", {"q": {"since_id": "2"}})
                assert store.load_cursors(c, "s") == {"q": {"since_id": "2"}}
        finally:
            eng2.dispose()


def test_budget_stop_is_a_warning_and_skips_until_next_month(engine: Engine, cfg: Config,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    from monitor.errors import BudgetExceeded

    nov = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    src = ScriptedSource("s", [Batch(posts=[_post("1")], fetched=1)],
                         error=BudgetExceeded("s", "monthly_read_budget 100 reached"))
    with caplog.at_level("WARNING"):
        res = run_source(engine, cfg, src, now=lambda: nov)
    assert res.status == "ok" and res.new == 1
    assert [r.levelname for r in caplog.records if "monthly_read_budget" in r.getMessage()] == ["WARNING"]
    assert run_source(engine, cfg, ScriptedSource("s", []), now=lambda: nov + timedelta(days=10)).status == "skipped"
    december = datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    assert run_source(engine, cfg, ScriptedSource("s", []), now=lambda: december).status == "ok"


def test_disabled_source_warns_on_every_pass(engine: Engine, cfg: Config, caplog: pytest.LogCaptureFixture) -> None:
    from monitor.errors import SourceDisabled

    run_source(engine, cfg, ScriptedSource("s", [], error=SourceDisabled("s", "410 Gone")))
    with caplog.at_level("WARNING"):
        res = run_source(engine, cfg, ScriptedSource("s", []))
    assert res.status == "skipped" and "410 Gone" in (res.error or "")
    assert any(r.levelname == "WARNING" and "skipped" in r.getMessage() for r in caplog.records)


def test_linking_stops_retrying_replies_whose_parent_never_came(engine: Engine) -> None:
    with engine.begin() as c:
        store.upsert_posts(c, [_post("51", 3, is_official=True, reply_to_id="50")])
    later = store.now_utc() + timedelta(days=8)
    with engine.begin() as c:
        store.upsert_posts(c, [_post("50", 0)])  # the parent turns up after the retry window
        assert link_replies(c, now=later) == 0
        assert link_replies(c) == 1  # within the window it links
