"""Maintenance windows: the grammar's example corpus (``monitor/detect/tables/windows_{en,zh}.jsonl``).

Each line is one notice written for the corpus (not copied from the labelled rows), modelled on real
exchange, bank, game-server, HPC and status-page announcements: ``text``, ``published`` (ISO 8601, a
date, or null), ``tz`` (the feed's configured zone), optional ``report_tz``, and the expected UTC
``start``/``end`` (null for none). ``kind`` names the way of writing it covers; the test asserts the
window, whatever rule produced it. Conventions: ../shared/data/labelled/README.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.detect.windows import extract_window

DATA = Path(__file__).resolve().parents[1] / "monitor" / "detect" / "tables"


def _corpus() -> list[tuple[str, dict]]:
    out = []
    for lang in ("en", "zh"):
        for i, line in enumerate((DATA / f"windows_{lang}.jsonl").read_text(encoding="utf-8").splitlines()):
            if line.strip():
                row = json.loads(line)
                out.append((f"{lang}-{i}-{row['kind']}", row))
    return out


CORPUS = _corpus()


def _time(v: str | None) -> datetime | None:
    if not v:
        return None
    dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@pytest.mark.parametrize("row", [r for _, r in CORPUS], ids=[i for i, _ in CORPUS])
def test_corpus_window(row: dict) -> None:
    got = extract_window(row["text"], _time(row["published"]), row.get("tz"), row.get("report_tz"))
    assert got == (_time(row["start"]), _time(row["end"]))


def test_corpus_is_large_and_covers_kinds() -> None:
    langs = [i.split("-", 1)[0] for i, _ in CORPUS]
    assert langs.count("en") >= 40 and langs.count("zh") >= 30
    kinds = {r["kind"] for _, r in CORPUS}
    # the ways of writing a window the grammar promises to read (issue 10, section 3)
    for k in ("upper-bound-up-to", "duration-range-offline", "duration-about-hours", "afternoon-bare-hour-range",
              "shi-range", "lingshi-to-24shi", "roc-year-full", "table-row", "end-only-qian-hui-fu",
              "relative-tomorrow-lingchen", "publication-offset-zone", "report-zone-last", "12am-crosses-midnight",
              "est-in-summer-literal", "first-of-several", "date-without-time", "vague-end"):
        assert k in kinds, k


def test_results_are_aware_utc() -> None:
    start, end = extract_window("维护时间：2024年3月5日 14:00-16:00（UTC+8）")
    assert start is not None and end is not None
    assert start.tzinfo is UTC and end.tzinfo is UTC
    assert (start.hour, end.hour) == (6, 8)


def test_offset_of_publication_is_used_only_without_a_feed_zone() -> None:
    text = "Nodes reboot on 5 June 2025 at 15:00."
    pacific = datetime.fromisoformat("2025-06-01T09:00:00-07:00")
    assert extract_window(text, pacific)[0] == datetime(2025, 6, 5, 22, tzinfo=UTC)
    assert extract_window(text, pacific, "Asia/Tokyo")[0] == datetime(2025, 6, 5, 6, tzinfo=UTC)
    # A UTC stamp says nothing about the publisher: the report zone decides.
    paris = extract_window(text, pacific.astimezone(UTC), None, "Europe/Paris")
    assert paris[0] == datetime(2025, 6, 5, 13, tzinfo=UTC)
