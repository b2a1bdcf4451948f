"""Every real feed file under ../shared/data through the feed source without an uncaught exception."""

from __future__ import annotations

from pathlib import Path

from monitor.feedcheck import check, feed_files


def test_every_shared_feed_goes_through_the_source(shared_data: Path) -> None:
    res = check(shared_data)
    print(f"feeds: {res.files} files processed, {res.entries} entries stored, "
          f"{res.source_errors} typed source errors, {res.seconds:.1f}s")
    assert res.bugs == []
    assert res.files == len(list(feed_files(shared_data))) > 0
    # Typed errors are only for documents that are not feeds (e.g. the corpus's empty document);
    # a feed that yields entries must store them.
    assert res.source_errors <= res.files // 50
    assert res.entries > res.files
