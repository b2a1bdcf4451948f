"""RSSHub and other post feeds: text stored once, quotes kept as quotes, ids scoped to their feed.

Feeds written for these tests in the shapes RSSHub's Weibo routes and small forums produce.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import responses
from sqlalchemy import select

from monitor import store
from monitor.config import parse_config
from monitor.detect import DetectInput, build_detector
from monitor.pipeline import post_process, run_source
from monitor.records import Post
from sources.base import SourceContext
from sources.feed import FeedSource, entry_ids
from sources.quotes import html_text, mark_inline_quotes
from sources.statusfold import plain

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
WEIBO = "https://rsshub.example/weibo/user/1234"


def rss(items: str, title: str = "Weibo") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://weibo.com/</link>{items}</channel></rss>").encode()


def item(guid: str, title: str, desc: str, *, pub: str = "Fri, 20 Nov 2026 07:00:00 GMT",
         link: str | None = None) -> str:
    esc = desc.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (f"<item><title>{title}</title><description>{esc}</description><guid>{guid}</guid>"
            f"<pubDate>{pub}</pubDate>{f'<link>{link}</link>' if link else ''}</item>")


def cfg_for(tmp_path: Path, feeds: dict[str, str]) -> Any:
    return parse_config({"brand": {"names": ["Bitpie", "比特派"]}, "data_dir": str(tmp_path / "d"),
                         "sources": [{"type": "feed", "name": n, "url": u, "platform": "weibo",
                                      "host_spacing_seconds": 0} for n, u in feeds.items()]}, tmp_path, env={})


def fetch(cfg: Any, i: int = 0) -> list[Post]:
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)
    return [p for b in FeedSource(cfg.sources[i], cfg).fetch(ctx) for p in b.posts]


BODY = "比特派客服三天不回复，提币一直没到账"
A = '<a href="https://weibo.com/1234">小明</a>'


# KIND: a feed that repeats the post's text in title and description.
@pytest.mark.parametrize(("title", "desc"), [
    (f"小明: {BODY}", f"{A}:&ensp;{BODY}"),                               # RSSHub showAuthorInTitle/Desc
    (f"小明: {BODY[:8]}…", f"{A}:&ensp;{BODY}"),                           # title cut with an ellipsis
    (f"小明: {BODY[:8]}...", f"{A}:&ensp;{BODY}<br><img src='x.jpg'>"),
    (BODY, f"{A}:&ensp;{BODY}"),                                          # author only in the body
    (f"小明: {BODY}", f"<p>{BODY}</p>"),                                  # author only in the title
    (f"小明：{BODY}", f"{A}：&ensp;{BODY}"),                               # full-width colon
])
@responses.activate
def test_weibo_text_is_stored_once(tmp_path: Path, title: str, desc: str) -> None:
    responses.get(WEIBO, body=rss(item("https://weibo.com/1234/A1", title, desc)))
    [post] = fetch(cfg_for(tmp_path, {"weibo": WEIBO}))
    assert post.text.count(BODY) == 1
    assert post.text.count(BODY[:8]) == 1


@responses.activate
def test_a_distinct_title_is_kept(tmp_path: Path) -> None:
    responses.get(WEIBO, body=rss(item("g", "Withdrawal stuck", "<p>Support has not answered for 3 days</p>")))
    [post] = fetch(cfg_for(tmp_path, {"weibo": WEIBO}))
    assert post.text == "Withdrawal stuck\nSupport has not answered for 3 days"


# KIND: quoted text in each platform's form -> "> " lines that ignore_quoted skips.
@pytest.mark.parametrize(("raw", "own", "quoted"), [
    ("转发微博//@小红: 比特派客服三天不回复", "转发微博", ["//@小红: 比特派客服三天不回复"]),
    ("同问//@小红: 客服不回//@小明: 比特派客服三天不回复", "同问",
     ["//@小红: 客服不回", "//@小明: 比特派客服三天不回复"]),
    ("//@小红：比特派客服三天不回复", "", ["//@小红：比特派客服三天不回复"]),
    ("same here RT @alice: Bitpie support never replies", "same here", ["RT @alice: Bitpie support never replies"]),
    ("> Bitpie support never replies\nthanks, solved now", "thanks, solved now", ["Bitpie support never replies"]),
    ("see https://example.com//path and @bob", "see https://example.com//path and @bob", []),
])
def test_inline_quote_forms(raw: str, own: str, quoted: list[str]) -> None:
    out = mark_inline_quotes(raw).splitlines()
    assert [line for line in out if not line.startswith(">")] == ([own] if own else [])
    assert [line.removeprefix("> ").removeprefix(">").strip() for line in out if line.startswith(">")] == quoted


def test_blockquotes_become_quote_lines_nested_too() -> None:
    html = (f"{A}:&ensp;转发微博<br clear='both'><div></div><blockquote> - 转发 <a>@小红</a>: 还是不回"
            f"<blockquote>比特派客服三天不回复</blockquote></blockquote>")
    lines = html_text(html, plain).splitlines()
    assert lines[0] == "小明: 转发微博"
    assert all(line.startswith(">") for line in lines[1:]) and len(lines) >= 3
    assert any("比特派客服三天不回复" in line for line in lines[1:])


COMPLAINT = "比特派客服三天了都不回复，提币一直没到账"


@pytest.mark.parametrize(("text", "complaint"), [
    (mark_inline_quotes(f"转发微博//@小红: {COMPLAINT}"), False),
    (mark_inline_quotes(f"哈哈//@小红: {COMPLAINT}"), False),
    (html_text(f"转发微博<blockquote> - 转发 <a>@小红</a>: {COMPLAINT}</blockquote>", plain), False),
    (mark_inline_quotes("lol RT @alice: Bitpie support still hasn't replied to my ticket, 3 days now"), False),
    ("RT @alice: Bitpie support still hasn't replied to my ticket, 3 days now", False),
    (mark_inline_quotes(f"{COMPLAINT}//@小红: 同问"), True),      # the author's own complaint counts
    (html_text(f"{COMPLAINT}<blockquote>转发 @小红: 同问</blockquote>", plain), True),
])
def test_quoted_complaints_are_not_the_authors(tmp_path: Path, text: str, complaint: bool) -> None:
    det = build_detector(cfg_for(tmp_path, {}))
    assert det.detect(DetectInput(id="1", text=text, lang="zh")).complaint is complaint


@responses.activate
def test_one_complaint_and_two_reposts_count_once(tmp_path: Path, engine: Any) -> None:
    items = (item("https://weibo.com/1/A", f"小明: {COMPLAINT}", f"{A}:&ensp;{COMPLAINT}")
             + item("https://weibo.com/2/B", "小红: 转发微博", f"<a>小红</a>:&ensp;转发微博<br clear='both'>"
                    f"<blockquote> - 转发 <a>@小明</a>: {COMPLAINT}</blockquote>")
             + item("https://weibo.com/3/C", f"小刚: 扩散//@小明: {COMPLAINT}",
                    f"<a>小刚</a>:&ensp;扩散//@<a>小明</a>: {COMPLAINT}"))
    responses.get(WEIBO, body=rss(items))
    cfg = cfg_for(tmp_path, {"weibo": WEIBO})
    run_source(engine, cfg, FeedSource(cfg.sources[0], cfg), now=lambda: T0)
    post_process(engine, cfg)
    with engine.connect() as conn:
        flagged = conn.execute(select(store.detections.c.post_id).where(store.detections.c.complaint.is_(True))).all()
    assert [r[0] for r in flagged] == ["https://weibo.com/1/A"]


# KIND: ids that are not unique where the store needs them to be.
@pytest.mark.parametrize(("entries", "scope", "expected"), [
    ([{"id": "1"}, {"id": "2"}], "forum-a", ["forum-a:1", "forum-a:2"]),
    ([{"id": "https://x/1"}, {"id": "tag:x,2026:2"}], "forum-a", ["https://x/1", "tag:x,2026:2"]),
    ([{"id": "same", "link": "https://x/a"}, {"id": "same", "link": "https://x/b"}], "f",
     ["https://x/a", "https://x/b"]),
    ([{"id": "https://x/p", "link": "https://x/p"}, {"id": "https://x/p", "link": "https://x/p", "title": "2"}],
     None, None),
    ([{"id": "1", "title": "A"}, {"id": "1", "title": "A"}], "f", None),  # truly identical: one id is right
])
def test_entry_ids(entries: list[dict[str, str]], scope: str | None, expected: list[str] | None) -> None:
    got = entry_ids(entries, scope)
    if expected is not None:
        assert got == expected
    elif entries[0] == entries[1]:
        assert got[0] == got[1]
    else:
        assert len(set(got)) == 2


@responses.activate
def test_two_forums_numbering_from_1_and_a_repeated_guid(tmp_path: Path, engine: Any) -> None:
    a, b = "https://forum-a.example/rss", "https://forum-b.example/rss"
    responses.get(a, body=rss(item("1", "A1", "<p>forum A first post</p>", pub="Fri, 20 Nov 2026 01:00:00 GMT",
                                   link="https://forum-a.example/t/1")
                              + item("1", "A2", "<p>forum A second post, same guid</p>",
                                     link="https://forum-a.example/t/2")))
    responses.get(b, body=rss(item("1", "B1", "<p>forum B first post</p>", pub="Fri, 20 Nov 2026 05:00:00 GMT")))
    cfg = cfg_for(tmp_path, {"forum-a": a, "forum-b": b})
    ra = run_source(engine, cfg, FeedSource(cfg.sources[0], cfg), now=lambda: T0)
    rb = run_source(engine, cfg, FeedSource(cfg.sources[1], cfg), now=lambda: T0)
    assert (ra.fetched, ra.new, rb.fetched, rb.new) == (2, 2, 1, 1)
    with engine.connect() as conn:
        rows = {r.post_id: r for r in conn.execute(select(store.posts))}
    assert set(rows) == {"https://forum-a.example/t/1", "https://forum-a.example/t/2", "forum-b:1"}
    assert rows["forum-b:1"].created_at == datetime(2026, 11, 20, 5, tzinfo=UTC)
    assert "forum B" in rows["forum-b:1"].text and rows["forum-b:1"].origin == "forum-b"


def test_an_update_changes_content_never_identity(engine: Any) -> None:
    first = Post(platform="forum", post_id="p1", created_at=T0, text="old text", author_id="u1",
                 reply_to_id="r1", conversation_id="c1", origin="forum-a", raw={"v": 1})
    later = Post(platform="forum", post_id="p1", created_at=T0 + timedelta(days=3), text="new text",
                 author_id="u2", reply_to_id="r2", conversation_id="c2", origin="forum-b", raw={"v": 2})
    with engine.begin() as conn:
        store.upsert_posts(conn, [first])
        store.upsert_posts(conn, [later])
    with engine.connect() as conn:
        row = conn.execute(select(store.posts)).one()
    assert (row.text, row.raw) == ("new text", {"v": 2})
    assert (row.created_at, row.author_id, row.reply_to_id, row.conversation_id, row.origin) == (
        T0, "u1", "r1", "c1", "forum-a")


# KIND: the same quote forms reaching detection unmarked (`detect FILE`, posts stored before this).
@pytest.mark.parametrize(("text", "complaint"), [
    (f"转发微博//@小红: {COMPLAINT}", False),
    (f"哈哈哈//@小红：{COMPLAINT}//@小明: 同问", False),
    ("lol RT @alice: Bitpie support still hasn't replied to my ticket, 3 days now", False),
    (f"{COMPLAINT}//@小红: 同问", True),
    ("Bitpie support still hasn't replied to my ticket, 3 days now. see https://x.com//a", True),
])
def test_unmarked_inline_quotes_are_skipped_by_the_detector(tmp_path: Path, text: str, complaint: bool) -> None:
    det = build_detector(cfg_for(tmp_path, {}))
    res = det.detect(DetectInput(id="1", text=text))
    assert res.complaint is complaint
    for ev in res.evidence:  # spans still index the text as given
        a, b = ev["span"]
        assert 0 <= a <= b <= len(text)
