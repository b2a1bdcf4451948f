"""Small display tables of the day page: why (topics, urgency, claimed waits) and per platform/language.

Shares are of the day's complaints inside coverage (the ``complaints`` tile); a complaint can carry
several topics, so topic shares may add up to more than 100 %.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from reports import rows
from reports.survival import kaplan_meier


def _topics(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [t for t in value.split(";") if t]
    return [str(t) for t in value]


def counts_frame(counter: Counter[str], total: int, label: str) -> pd.DataFrame:
    """``label``, complaints, share: most frequent first, ties by name."""
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame([{label: k, "complaints": str(v), "share": rows.pct(v / total) if total else rows.EMPTY}
                         for k, v in items], columns=[label, "complaints", "share"], dtype=object)


def why_frames(complaints: Sequence[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Topics and urgency of the day's complaints (counts and shares)."""
    total = len(complaints)
    topics: Counter[str] = Counter()
    urgency: Counter[str] = Counter()
    for c in complaints:
        topics.update(_topics(c.get("topics")) or ["(no topic found)"])
        urgency[c.get("urgency") or "not stated"] += 1
    return {"topics": counts_frame(topics, total, "topic"), "urgency": counts_frame(urgency, total, "urgency")}


def breakdown(complaints: Sequence[dict[str, Any]], needing_day: pd.DataFrame, key: str,
              linkable: Sequence[str]) -> pd.DataFrame:
    """Per platform (``key`` = "platform") or language ("lang"): the day's complaints, and for posts on
    platforms where replies can be linked, how many needed an answer, were answered, and the KM median."""
    comp = Counter(str(c.get(key) or "unknown") for c in complaints)
    groups = needing_day.assign(_k=needing_day[key].fillna("unknown").astype(str)) if len(needing_day) else None
    names = sorted(set(comp) | (set(groups["_k"]) if groups is not None else set()))
    out = []
    for name in names:
        sub = groups[groups["_k"] == name] if groups is not None else needing_day.iloc[0:0]
        tracked = key != "platform" or name in linkable
        km = kaplan_meier(sub["wait"].to_numpy(), sub["answered"].to_numpy(dtype=bool)) if len(sub) else None
        med = km.median() if km else None
        out.append({key if key != "lang" else "language": name, "complaints": str(comp.get(name, 0)),
                    "needed an answer": str(len(sub)) if tracked else "volume only",
                    "answered": str(int(sub["answered"].sum())) if len(sub) else rows.EMPTY,
                    "median wait": rows.duration(med, "not reached" if len(sub) else rows.EMPTY)})
    return pd.DataFrame(out, dtype=object)
