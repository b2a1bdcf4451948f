"""The twarc2 importer: both layouts, official detection, bad lines, cursors, the real recorded bodies."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, func, select

from monitor import store
from monitor.config import Config, parse_config
from monitor.errors import SourceError
from monitor.pipeline import run_source
from monitor.records import Batch, Post, query_key
from sources.base import SourceContext
from sources.twarc import TwarcSource, snowflake_time

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "twarc"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OFFICIAL_ID = "1300000000000000001"
IMPERSONATOR_ID = "1411000000000000299"


def make_cfg(tmp_path: Path, paths: list[str], official: dict | None = None) -> Config:
    account = official or {"platform": "twitter", "handle": "@BitpieWallet", "user_id": OFFICIAL_ID}
    return parse_config({
        "brand": {"names": ["Bitpie", "比特派"]},
        "official_accounts": [account],
        "sources": [{"name": "archive", "type": "twarc", "paths": paths}],
    }, tmp_path, env={})


def ctx(cursors: dict | None = None) -> SourceContext:
    return SourceContext(cursors=cursors or {}, known_post_ids=lambda _p, _i: set(),
                         now=lambda: datetime.now(UTC))


def read_all(cfg: Config, cursors: dict | None = None) -> list[Batch]:
    src = TwarcSource(cfg.sources[0], cfg)
    return list(src.fetch(ctx(cursors)))


def posts_of(batches: Iterable[Batch]) -> dict[str, Post]:
    return {p.post_id: p for b in batches for p in b.posts}


def test_page_layout_joins_authors_and_threads(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, [str(FIXTURES / "pages.jsonl")])
    batches = read_all(cfg)
    posts = posts_of(batches)
    assert len(posts) == 6  # 4 + 2 tweets; the empty third page yields nothing
    by_text = {p.text[:20]: p for p in posts.values()}
    alice = by_text["@BitpieWallet suppor"]
    assert (alice.author_handle, alice.author_name, alice.lang) == ("alice_onchain", "Alice", "en")
    assert alice.created_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert alice.url == f"https://x.com/alice_onchain/status/{alice.post_id}"
    assert alice.conversation_id == alice.post_id and alice.reply_to_id is None
    assert alice.origin == "twarc:pages.jsonl" and alice.platform == "twitter"
    replies = [p for p in posts.values() if p.is_official]
    assert len(replies) == 2 and all(p.author_id == OFFICIAL_ID for p in replies)
    answer = next(p for p in replies if p.reply_to_id == alice.post_id)
    assert answer.conversation_id == alice.post_id
    assert answer.raw is not None and answer.raw["id"] == answer.post_id and "author" not in answer.raw
    fake = next(p for p in posts.values() if p.author_id == IMPERSONATOR_ID)
    assert fake.author_handle == "BitpieSupport_Help" and not fake.is_official
    complaint = next(p for p in posts.values() if p.text.startswith("@BitpieWallet 比特派客服三天"))
    assert fake.reply_to_id == complaint.post_id
    # One cursor per file, set only on the file's last batch, with what was read.
    assert [list(b.cursors) for b in batches][-1] == [query_key(str((FIXTURES / "pages.jsonl").resolve()))]
    state = batches[-1].cursors[query_key(str((FIXTURES / "pages.jsonl").resolve()))]
    assert state is not None and state["size"] == (FIXTURES / "pages.jsonl").stat().st_size and state["lines"] == 3
    assert sum(b.fetched for b in batches) == 6


def test_flattened_layout_gives_the_same_posts(tmp_path: Path) -> None:
    # flat.jsonl is pages.jsonl run through twarc2's flatten (author, referenced tweets inline).
    pages = posts_of(read_all(make_cfg(tmp_path, [str(FIXTURES / "pages.jsonl")])))
    flat = posts_of(read_all(make_cfg(tmp_path, [str(FIXTURES / "flat.jsonl")])))
    assert flat.keys() == pages.keys()
    fields = ("created_at", "text", "url", "author_id", "author_handle", "author_name", "is_official",
              "lang", "reply_to_id", "conversation_id")
    for pid, post in flat.items():
        assert {f: getattr(post, f) for f in fields} == {f: getattr(pages[pid], f) for f in fields}
        assert post.raw is not None and "__twarc" in post.raw and post.raw["author"]["id"] == post.author_id


@pytest.mark.parametrize(("account", "official_ids"), [
    # Renamed official account: the pinned id still identifies it, the old handle matches nothing.
    ({"platform": "twitter", "handle": "BitpieOld", "user_id": OFFICIAL_ID}, {OFFICIAL_ID}),
    # No id configured: the handle matches case-insensitively.
    ({"platform": "twitter", "handle": "bitpiewallet"}, {OFFICIAL_ID}),
    # The impersonator's handle is configured for another platform only: nobody is official here.
    ({"platform": "weibo", "handle": "BitpieWallet"}, set()),
    # A pinned id is authoritative: whoever holds the configured handle now is not official by it.
    ({"platform": "twitter", "handle": "BitpieSupport_Help", "user_id": OFFICIAL_ID}, {OFFICIAL_ID}),
])
def test_official_by_id_or_handle(tmp_path: Path, account: dict[str, str], official_ids: set[str]) -> None:
    cfg = make_cfg(tmp_path, [str(FIXTURES / "flat.jsonl")], official=account)
    posts = posts_of(read_all(cfg)).values()
    assert {p.author_id for p in posts if p.is_official} == official_ids
    assert sum(p.is_official for p in posts) == (2 if official_ids else 0)


def test_malformed_lines_are_noted_and_the_rest_imported(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, [str(FIXTURES / "bad.jsonl")])
    batches: list[Batch] = []
    with pytest.raises(SourceError, match=r"bad\.jsonl: 5 of 7 line\(s\) could not be imported"):
        batches.extend(TwarcSource(cfg.sources[0], cfg).fetch(ctx()))  # the good lines come first
    posts = posts_of(batches)
    assert len(posts) == 2
    notes = [n for b in batches for n in b.notes]
    path = str((FIXTURES / "bad.jsonl").resolve())
    assert [n.split(": ")[0] for n in notes] == [f"{path}:{i}" for i in (2, 3, 4, 5, 6)]
    assert "not valid JSON" in notes[0] and "not an object" in notes[1]
    assert "not a snowflake" in notes[2] and "not a tweet" in notes[4]


def test_missing_file_raises_after_the_others(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, ["nope/missing.jsonl", str(FIXTURES / "pages.jsonl")])
    src = TwarcSource(cfg.sources[0], cfg)
    got = []
    with pytest.raises(SourceError) as err:
        for batch in src.fetch(ctx()):
            got.extend(batch.posts)
    assert len(got) == 6
    assert str(tmp_path / "nope" / "missing.jsonl") in str(err.value) and "archive" in str(err.value)


def test_directory_means_its_jsonl_files(tmp_path: Path) -> None:
    for name in ("pages.jsonl", "flat.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an archive")
    batches = read_all(make_cfg(tmp_path, ["."]))
    assert {p.origin for b in batches for p in b.posts} == {"twarc:pages.jsonl", "twarc:flat.jsonl"}
    assert len(posts_of(batches)) == 6


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_pipeline_pass_is_idempotent_and_resumes_appended_files(tmp_path: Path) -> None:
    archive = tmp_path / "search.jsonl"
    lines = (FIXTURES / "flat.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    archive.write_text("".join(lines[:4]), encoding="utf-8")
    cfg = make_cfg(tmp_path, ["search.jsonl"])
    engine = store.open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    src = TwarcSource(cfg.sources[0], cfg)
    first = run_source(engine, cfg, src)
    assert (first.status, first.fetched, first.new) == ("ok", 4, 4)
    again = run_source(engine, cfg, src)
    assert (again.status, again.fetched, again.new) == ("ok", 0, 0)  # unchanged file: skipped
    assert _count(engine, store.posts) == 4
    # twarc2 appends to a running archive: the next pass reads only the new lines.
    with archive.open("a", encoding="utf-8") as fh:
        fh.writelines(lines[4:])
    grown = run_source(engine, cfg, src)
    assert (grown.fetched, grown.new) == (2, 2)
    assert _count(engine, store.posts) == 6
    # Rewritten in place (same size, other bytes): read again from the start, nothing stored twice.
    archive.write_text("".join(reversed(lines)), encoding="utf-8")
    os.utime(archive, (1, 1))
    rewritten = run_source(engine, cfg, src)
    assert (rewritten.fetched, rewritten.new) == (6, 0)
    assert _count(engine, store.posts) == 6
    with engine.connect() as conn:
        saved = store.load_cursors(conn, "archive")[query_key(str(archive.resolve()))]
    assert saved["size"] == archive.stat().st_size and saved["lines"] == 6


def test_half_written_last_line_waits_for_the_next_pass(tmp_path: Path) -> None:
    archive = tmp_path / "live.jsonl"
    lines = (FIXTURES / "flat.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    archive.write_text(lines[0] + lines[1][:40], encoding="utf-8")
    cfg = make_cfg(tmp_path, ["live.jsonl"])
    batches = read_all(cfg)
    assert len(posts_of(batches)) == 1
    assert any("incomplete last line" in n for b in batches for n in b.notes)
    state = batches[-1].cursors[query_key(str(archive.resolve()))]
    assert state is not None and state["size"] == len(lines[0].encode("utf-8"))
    archive.write_text(lines[0] + lines[1], encoding="utf-8")
    later = read_all(cfg, cursors={query_key(str(archive.resolve())): state})
    assert [p.post_id for b in later for p in b.posts] == [json.loads(lines[1])["id"]]


def test_snowflake_time() -> None:
    assert snowflake_time("1578516068309794817") == datetime(2022, 10, 7, 22, 42, 12, 752000, tzinfo=UTC)
    assert snowflake_time("abc") is None and snowflake_time("12") is None


def test_for_paths_builds_an_adhoc_source(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, [str(FIXTURES / "flat.jsonl")])
    src = TwarcSource.for_paths([FIXTURES / "pages.jsonl"], cfg)
    assert len(posts_of(src.fetch(ctx()))) == 6
    assert src.name == "import" and src.config.platform == "twitter"
    assert str((FIXTURES / "pages.jsonl").resolve()) in src.describe()[0]


def test_real_recorded_search_body_wrapped_as_a_page(tmp_path: Path) -> None:
    recorded = SHARED / "x-api-v2" / "search_recent_tweets.json"
    if not recorded.exists():
        pytest.skip(f"{recorded} not present")
    body = json.loads(recorded.read_text(encoding="utf-8"))[0]["body"]
    page = {**body, "__twarc": {"url": json.loads(recorded.read_text())[0]["uri"], "version": "2.14.0"}}
    archive = tmp_path / "recorded.jsonl"
    archive.write_text(json.dumps(page) + "\n", encoding="utf-8")
    posts = posts_of(read_all(make_cfg(tmp_path, ["recorded.jsonl"])))
    assert set(posts) == {t["id"] for t in body["data"]}
    for post in posts.values():
        # Default fields only (no created_at, no author): the time comes from the id. These texts are
        # the bot's own timestamps, so the id-derived time must agree to within a second.
        stamp = re.match(r"(\S+ \S+) tweepy", post.text)
        if stamp:
            written = datetime.fromisoformat(stamp.group(1)).replace(tzinfo=UTC)
            assert abs((post.created_at - written).total_seconds()) < 1
        assert post.author_handle is None and not post.is_official
        assert post.url == f"https://x.com/i/web/status/{post.post_id}"


@pytest.mark.parametrize("name", ["search_all_tweets.json", "get_users_mentions.json", "get_tweet.json",
                                  "get_quote_tweets.json", "get_users.json"])
def test_other_recorded_bodies(tmp_path: Path, name: str) -> None:
    recorded = SHARED / "x-api-v2" / name
    if not recorded.exists():
        pytest.skip(f"{recorded} not present")
    body = json.loads(recorded.read_text(encoding="utf-8"))[0]["body"]
    (tmp_path / "rec.jsonl").write_text(json.dumps(body) + "\n", encoding="utf-8")
    data = body["data"] if isinstance(body["data"], list) else [body["data"]]
    if "text" not in data[0]:  # a users page (get_users): every entry noted, nothing imported, an error
        cfg = make_cfg(tmp_path, ["rec.jsonl"])
        batches: list[Batch] = []
        with pytest.raises(SourceError, match="could not be imported"):
            batches.extend(TwarcSource(cfg.sources[0], cfg).fetch(ctx()))
        assert posts_of(batches) == {} and len([n for b in batches for n in b.notes]) == len(data)
        return
    batches = read_all(make_cfg(tmp_path, ["rec.jsonl"]))
    posts = posts_of(batches)
    assert set(posts) == {t["id"] for t in data}
    for post in posts.values():
        assert datetime(2020, 1, 1, tzinfo=UTC) < post.created_at < datetime(2023, 1, 1, tzinfo=UTC)
