"""Field cleaning at the record boundary: what every store, detector and report can take.

A source may carry any value a remote sends: a lone UTF-16 surrogate from a JSON escape
(``"\\ud83d"``), a NUL byte (PostgreSQL refuses it in TEXT and JSONB), a date in year 1 or 2999, a
number where text belongs, a list where an id belongs. The typed records (``monitor.records.Post`` /
``Announcement``) call these functions in ``normalise()``: what can be cleaned is cleaned (lone
surrogates become U+FFFD, C0 controls other than tab/LF/CR are dropped, over-long ids are hashed,
JSON is made JSON), and what cannot raises :class:`RecordError`, which the pipeline turns into a row
of the ``rejects`` table (``monitor.quarantine``) while the rest of the batch is stored.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

MIN_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # older than any platform we read: a parse error (epoch 0)
FUTURE_SLACK = timedelta(days=366)  # later than now + this: a parse or clock error, never a real post
MAX_ID = 512  # longer ids are hashed: PostgreSQL's btree index refuses rows over ~2.7 kB
MAX_DEPTH = 40  # deeper JSON is flattened to text (a hostile document can nest thousands deep)
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class RecordError(ValueError):
    """This record cannot be stored as it is; the message says which field and why."""


def text(value: Any, field: str, *, required: bool = False) -> str | None:
    """``value`` as clean text: numbers become text, lone surrogates U+FFFD, control characters go."""
    if type(value) is str and not _SUSPECT.search(value):  # the common case, one scan
        return value
    if value is None:
        if required:
            raise RecordError(f"{field} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(f"{field} is a {type(value).__name__}, not text")
    s = value if isinstance(value, str) else str(value)
    if _SURROGATE.search(s):
        # A valid pair (emoji written as two escapes) is joined; a lone half becomes U+FFFD.
        s = s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROLS.sub("", s)


def ident(value: Any, field: str) -> str:
    """A non-empty id; one longer than :data:`MAX_ID` is replaced by a stable hash of itself."""
    s = (text(value, field, required=True) or "").strip()
    if not s:
        raise RecordError(f"{field} is empty")
    if len(s) > MAX_ID:
        s = "sha256:" + hashlib.sha256(s.encode("utf-8")).hexdigest()[:32]
    return s


def moment(value: Any, field: str, now: datetime) -> datetime:
    """An aware UTC datetime between :data:`MIN_TIME` and ``now`` + :data:`FUTURE_SLACK`.

    Raises RecordError for a value that is not a time or is absurd; the caller decides whether the
    record is rejected (a post needs its time) or only loses the field (an announcement's window).
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise RecordError(f"{field} {value[:40]!r} is not a time") from None
    if not isinstance(value, datetime):
        raise RecordError(f"{field} is a {type(value).__name__}, not a time")
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise RecordError(f"{field} {value!r} is out of range") from None
    if value < MIN_TIME or value > now + FUTURE_SLACK:
        raise RecordError(f"{field} {value:%Y-%m-%d} is absurd (before {MIN_TIME:%Y} or over a year ahead)")
    return value


def _already_clean(value: Any) -> bool:
    """Fast path for the common case (a tweet's JSON): serialisable, finite, UTF-8-encodable, and no
    control character (json escapes those as \\u00XX; tab/LF/CR come out as \\t \\n \\r)."""
    try:
        dumped = json.dumps(value, ensure_ascii=False, allow_nan=False)
        dumped.encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    return "\\u00" not in dumped and dumped.count("[") + dumped.count("{") < 10_000


def json_value(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON every store takes: clean strings and keys, finite numbers, lists, bounded depth."""
    if depth == 0 and isinstance(value, dict | list) and _already_clean(value):
        return value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return text(value, "raw")
    if depth >= MAX_DEPTH:
        return text(repr(value)[:1000], "raw")
    if isinstance(value, dict):
        return {text(str(k), "raw key"): json_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_value(v, depth + 1) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return text(str(value), "raw")


_HAN = re.compile(r"[\u3400-\u9fff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LATIN = re.compile(r"[A-Za-z]")


def script_lang(text: str, lang: str | None) -> str | None:
    """The post's language where its script settles it, else ``lang`` as the source stated it.

    Sources that cannot tell (Discourse, Google Play's query language, feeds) would otherwise count a
    Chinese review as ``en`` or every forum post as unknown in the per-language report sections. Han
    characters (most of the text) without kana or hangul are Chinese (``zh``: simplified and traditional); text of
    Latin letters only, with no stated language, is counted as ``en`` (the two languages the detectors
    read). Anything else keeps what the source said.
    """
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    # A Chinese character says about as much as three Latin letters: "@比特派 support never replies" is English.
    if han >= 2 and han * 3 >= latin and not _KANA_HANGUL.search(text):
        return lang if lang and lang.lower().startswith("zh") else "zh"
    if lang is None and not han and latin >= 3 and not _KANA_HANGUL.search(text):
        return "en"
    return lang
