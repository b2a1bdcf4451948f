"""Reply linking looks at what arrived since its last call: replies first or parents first, both link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from monitor import store
from monitor.linking import LINK_STATE, link_replies
from monitor.records import Post

T0 = datetime.now(UTC) - timedelta(hours=2)


def _p(pid: str, minutes: int = 0, official: bool = False, **kw: Any) -> Post:
    return Post(platform="twitter", post_id=pid, created_at=T0 + timedelta(minutes=minutes), text=pid,
                is_official=official, **kw)


# (case, first batch, second batch, links expected after both calls: reply id -> (post id, linked_by))
CASES = [
    ("parent first", [_p("u1")], [_p("r1", 5, True, reply_to_id="u1")], {"r1": ("u1", "reply_to")}),
    ("reply first", [_p("r2", 5, True, reply_to_id="u2")], [_p("u2")], {"r2": ("u2", "reply_to")}),
    ("conversation root arrives later", [_p("r3", 9, True, reply_to_id="gone", conversation_id="u3")],
     [_p("u3")], {"r3": ("u3", "conversation")}),
    ("direct parent beats the root", [_p("u4"), _p("u4b", 1, conversation_id="u4")],
     [_p("r4", 5, True, reply_to_id="u4b", conversation_id="u4")], {"r4": ("u4b", "reply_to")}),
    ("brand to brand", [_p("o5", 0, True)], [_p("r5", 5, True, reply_to_id="o5")], {}),
    ("parent never comes", [_p("r6", 5, True, reply_to_id="nope")], [_p("other")], {}),
    ("user reply to user", [_p("u7")], [_p("r7", 5, False, reply_to_id="u7")], {}),
]


@pytest.mark.parametrize(("case", "first", "second", "expected"), CASES, ids=[c[0] for c in CASES])
def test_links_whichever_side_arrives_first(engine: Engine, case: str, first: list[Post], second: list[Post],
                                            expected: dict[str, tuple[str, str]]) -> None:
    with engine.begin() as c:
        store.upsert_posts(c, first)
        link_replies(c)
    with engine.begin() as c:
        store.upsert_posts(c, second)
        link_replies(c)
        assert link_replies(c) == 0  # idempotent
        links = {r.reply_id: (r.post_id, r.linked_by) for r in c.execute(select(store.reply_links))}
        mark = store.load_cursors(c, LINK_STATE[0])[LINK_STATE[1]]
    assert links == expected
    assert datetime.fromisoformat(mark["at"]) > T0


def test_candidates_are_what_arrived_since_the_last_call(engine: Engine) -> None:
    """300 unlinkable official replies stored an hour before the last call are not looked at again;
    one new user post brings exactly the replies that point at it."""
    from monitor.linking import RETRY_WINDOW, _candidates, _since

    with engine.begin() as c:
        store.upsert_posts(c, [_p(f"r{i}", 5, True, reply_to_id=f"missing{i}") for i in range(300)])
        store.upsert_posts(c, [_p("late-reply", 6, True, reply_to_id="u9")])
    later = datetime.now(UTC) + timedelta(hours=1)
    with engine.begin() as c:
        assert len(_candidates(c, _since(c, later), later - RETRY_WINDOW)) == 301  # first call: the window
        link_replies(c, now=later)
        assert _candidates(c, _since(c, later), later - RETRY_WINDOW) == {}
    with engine.begin() as c:
        c.execute(store.posts.update().values(collected_at=later - timedelta(hours=1)))  # stored an hour earlier
        store.upsert_posts(c, [_p("u9")])
        c.execute(store.posts.update().where(store.posts.c.post_id == "u9").values(collected_at=later))
        cand = _candidates(c, _since(c, later), later - RETRY_WINDOW)
        assert set(cand) == {("twitter", "late-reply")}
        assert link_replies(c, now=later) == 1
