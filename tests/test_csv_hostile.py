"""No cell of any CSV we write can start a formula, on any line of it; bidi controls never reach a CSV."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from reports.csvout import ENCODING, MAX_CELL, TRUNCATED, cell, read_csv, write_csv, write_raw

PAYLOAD = "=cmd|' /C calc'!A0"
BREAKS = ["\r", "\n", "\r\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x1c", "\x1e"]
STARTERS = ["=", "+", "-", "@", "\t", " =", "  +"]
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c"]
# Every character a reader might split a row at (str.splitlines' set, plus CR/LF).
_ANY_BREAK = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _hostile() -> list[str]:
    cells = [f"ok{br}{st}{PAYLOAD}" for br in BREAKS for st in STARTERS]
    cells += [f"{st}{PAYLOAD}" for st in STARTERS]
    cells += [f"客服不回{b}txt.exe" for b in BIDI]
    cells += ["a" * (MAX_CELL + 10), "=" + "b" * MAX_CELL]
    return cells


def _assert_inert(path: Path) -> None:
    raw = path.read_text(encoding=ENCODING)
    assert not any(ch in raw for ch in BIDI)
    # A reader that splits rows at ANY line-break character still sees no formula at a line start.
    for line in _ANY_BREAK.split(raw):
        start = line.lstrip(' "')
        assert not start.startswith(("=", "+", "-", "@", "\t")), repr(line[:40])
    # A conforming reader: every line of every cell is neutralised and each cell fits a spreadsheet.
    with path.open(encoding=ENCODING, newline="") as fh:
        for row in csv.reader(fh):
            for value in row:
                if re.fullmatch(r"-?\d+(\.\d+)?", value):
                    continue  # a number cell (negative changes stay numbers)
                assert len(value) <= MAX_CELL
                for part in value.split("\n"):
                    assert not part.lstrip(" ").startswith(("=", "+", "-", "@", "\t")), repr(part[:40])


@pytest.mark.parametrize("value", _hostile(), ids=lambda v: repr(v[:12]))
def test_hostile_cell_is_inert_in_written_csv(tmp_path: Path, value: str) -> None:
    path = write_csv(tmp_path / "x.csv", ["id", "text", "n"], [{"id": "1", "text": value, "n": -3}])
    _assert_inert(path)
    rows = read_csv(path)
    assert len(rows) == 1 and rows[0]["n"] == "-3"  # the row did not split; numbers stay numbers
    assert rows[0]["text"].replace("'", "").replace(TRUNCATED, "").lstrip(" ")  # text kept
    # Rewriting already-rendered cells (trend.csv) keeps them inert and unchanged.
    again = write_raw(tmp_path / "y.csv", ["id", "text", "n"], rows)
    _assert_inert(again)
    assert read_csv(again) == rows


@pytest.mark.parametrize(("value", "expected"), [
    ("line one\r=1+1", "line one\n'=1+1"),
    ("a\u2028@x", "a\n'@x"),
    ("a\r\n-2", "a\n'-2"),
    ("fine = ok\nsecond line", "fine = ok\nsecond line"),
    ("\u202eexe.txt", "exe.txt"),
    ("比特派\u2067客服\u2069", "比特派客服"),
])
def test_cell_normalises_breaks_and_strips_bidi(value: str, expected: str) -> None:
    assert cell(value) == expected


def test_long_cell_capped_with_marker() -> None:
    out = cell("x" * 100_000)
    assert len(out) == MAX_CELL and out.endswith(TRUNCATED)
    assert cell("y" * MAX_CELL) == "y" * MAX_CELL  # exactly at the limit: untouched


def test_bidi_controls_isolated_in_html_and_stripped_from_csv(tmp_path: Path) -> None:
    import tests.test_report_golden as G
    from reports import build_report
    from tests.test_report_review import add

    engine = G.build_store(f"sqlite:///{tmp_path / 'store.db'}")
    hostile = [f"客服不回 {b}gpj.exe 3 days" for b in BIDI]
    add(engine, [(G.user(f"90{i:02d}", "mallory", G.at(10, 9, i), text), True, False)
                 for i, text in enumerate(hostile)])
    page = build_report(engine, G.make_config(tmp_path / "out"), G.DAY, now=G.AS_OF)
    html = page.read_text(encoding="utf-8")
    assert re.search(r"table\.data td[^{]*\{[^}]*unicode-bidi:\s*isolate", html)
    for text in hostile:  # each control reaches the page only inside a table cell (an isolate)
        i = html.find(text)
        assert i > 0 and html.rfind("<td", 0, i) > html.rfind("</td>", 0, i)
    for f in page.parent.glob("*.csv"):
        raw = f.read_text(encoding=ENCODING)
        assert not any(b in raw for b in BIDI), f.name
    assert "gpj.exe" in (page.parent / "complaints.csv").read_text(encoding=ENCODING)
