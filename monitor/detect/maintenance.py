"""Official notices: is this planned maintenance, what kind of notice is it, and when is the window?

Pure functions over text. ``maintenance_evidence`` follows the labelling convention of
``../shared/data/labelled/README.md``: planned maintenance, upgrades or suspensions for a window
still to come or under way count; unplanned incidents, after-the-fact reports, stand-alone
"completed" notices, releases and listings do not. The window parser lives in
:mod:`monitor.detect.windows` (dateparser was measured to fail on such notices: a small, tested set of
patterns is used instead); it is re-exported here as :func:`extract_window`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from monitor.detect import maintable
from monitor.detect.patterns import prepare_pattern
from monitor.detect.windows import extract_window
from monitor.textnorm import normalize

if TYPE_CHECKING:
    from monitor.config import Config, DetectorRules

__all__ = [
    "classify_kind", "evidence_in", "extract_window", "include_anchors", "maintenance_evidence", "rules",
]

# Vetoes only count in the lead (title + first sentences): real maintenance notices are often
# edited later with "Update: completed" at the bottom (TUNA's 2017 扩容 notice), and planned ones
# mention "to avoid failures"; an after-the-fact report says so up front ("**Resolved**: ...").
LEAD_CHARS = 300
INCLUDE_LEAD_CHARS = 500
# Appended edit-log lines ("**Update1**: 扩容作业已经全部完成") are not what the notice announces.
_VETO_FAMILIES = frozenset({"completed", "incident", "other"})
_UPDATE_LINE = re.compile(r"^\W*(?:update|更新)\s*\d*\W*[:：].*$", re.M)

_F = re.IGNORECASE


@lru_cache(maxsize=8)
def _table_rules(families: frozenset[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((r.name, r.regex) for r in maintable.table().rules if r.family in families)


@lru_cache(maxsize=1)
def _gate() -> tuple[Any, dict[str, frozenset[int]]]:
    """One prefilter over every (include rule, required word set) pair; a rule runs only when all
    of its pairs are found in the text (one automaton pass instead of hundreds of ``in`` checks)."""
    from monitor.detect.anchors import Prefilter

    sets: list[frozenset[str]] = []
    pairs: dict[str, frozenset[int]] = {}
    for r in maintable.table().rules:
        if r.include:
            pairs[r.name] = frozenset(range(len(sets), len(sets) + len(r.requires)))
            sets += r.requires
    return Prefilter(sets), pairs


def _kind(name: str) -> re.Pattern[str]:
    return maintable.table().kinds[name]


_RULES_CACHE: dict[int, tuple[Any, Any]] = {}


def rules(cfg: Config | None) -> tuple[list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]]:
    """Built-in + user rules (``detection.maintenance``: mode extend/replace, en/zh include/exclude).

    Cached per config object (it is immutable once validated; the cache keeps it alive so its id
    cannot be reused)."""
    got = _RULES_CACHE.get(id(cfg))
    if got is not None and got[0] is cfg:
        return got[1]
    out = _build_rules(cfg)
    if len(_RULES_CACHE) > 16:
        _RULES_CACHE.clear()
    _RULES_CACHE[id(cfg)] = (cfg, out)
    return out


def _build_rules(cfg: Config | None) -> tuple[list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]]:
    user: DetectorRules | None = cfg.detection.maintenance if cfg is not None else None
    inc: list[tuple[str, re.Pattern[str]]] = []
    exc: list[tuple[str, re.Pattern[str]]] = []
    if user is None or user.mode == "extend":
        inc += _table_rules(maintable.INCLUDE_FAMILIES)
        exc += _table_rules(_VETO_FAMILIES)
    if user is not None:
        for lang in ("en", "zh"):
            ks = getattr(user, lang)
            # User patterns are matched against normalised text too (casefolded, simplified).
            # Folded like the text, but only their literal parts: normalize() would turn \S into \s.
            inc += [(f"config.{lang}.include", re.compile(prepare_pattern(p), _F)) for p in ks.include]
            exc += [(f"config.{lang}.exclude", re.compile(prepare_pattern(p), _F)) for p in ks.exclude]
    return inc, exc


def include_anchors(cfg: Config | None) -> list[frozenset[str] | None]:
    """Per include rule of :func:`rules` (same order), the literals one of which each match contains.

    Built-in rules take them from their word lists (the table's ``anchors``); a config pattern from
    its parsed regex (``anchors.required_literals``). None: unknown, the rule always runs.
    """
    from monitor.detect.anchors import required_literals

    table_anchors = {r.name: r.anchors for r in maintable.table().rules if r.include}
    return [table_anchors[name] if name in table_anchors else required_literals(rx.pattern, rx.flags)
            for name, rx in rules(cfg)[0]]


# A veto word under a condition or a risk ("待升级完成后", "可能出现访问异常", "once the upgrade is
# complete", "to avoid a failure") describes the plan, not an outcome: such matches do not veto.
_HEDGE = re.compile(
    r"(?:可能|或将|或会|将会|以免|以防|谨防|避免|防止|一旦|待|等到|直到|如果|若|may|might|could|avoid|prevent|once|when"
    r"|(?<![a-z])scheduled|(?<![a-z])planned|upcoming"
    r"|after|until|unless|if)\b[^。.!?\n]{0,16}$|(?:可能|或将|以免|以防|谨防|避免|防止|一旦|待|等到|直到|如果|若)[^。.!?\n]{0,8}$",
    re.IGNORECASE)


# An outage stated for the future is the planned event itself ("due to the power outage of the
# school tomorrow", "明天的计划停电"): a trigger followed closely by a future day does not veto.
_PLANNED_AFTER = re.compile(r"[^.。!?\n]{0,20}?\b(?:tomorrow|tonight|next\s+(?:week|weekend|monday|tuesday|wednesday"
                            r"|thursday|friday|saturday|sunday))\b", re.IGNORECASE)


def _vetoed(exclude: list[tuple[str, re.Pattern[str]]], norm: str, lead: str) -> bool:
    for name, rx in exclude:
        if name.startswith("config."):
            if rx.search(norm):  # a user's exclude vetoes anywhere, hedged or not
                return True
            continue
        for m in rx.finditer(lead):
            if not _HEDGE.search(lead[max(0, m.start() - 24):m.start()]) and not _PLANNED_AFTER.match(lead, m.end()):
                return True
    return False


def _strip_updates(norm: str) -> str:
    # Only lines appended after the notice's own first body line: an entry whose body *starts*
    # with "**Update**: the cluster is back online" is an after-the-fact report.
    head, sep, rest = norm.partition("\n")
    first, sep2, tail = rest.partition("\n")
    return head + sep + first + sep2 + _UPDATE_LINE.sub("", tail)


# Edited announcements: a later status prepended ("[Final message] ... [Initial message] ...",
# "[UPDATE 15 Apr] ... completed", a title tagged "[Completed]") is not what the notice announced.
_INITIAL = re.compile(r"^\W*(?:initial|original)(?:\s+(?:message|announcement|notice|post))?\W*$"
                      r"|^\W*(?:原公告|原通知|原文)\W*$", re.M | re.I)
_EDIT_LINE = re.compile(
    r"^\s*(?:\[\s*(?:update|updated|resolved|completed|final|closing|edit|edited)\b[^\]\n]*\]"
    r"|[【\[]\s*(?:更新|已完成|已恢复|已结束)[^】\]\n]*[】\]]).*$", re.M | re.I)
_TITLE_TAG = re.compile(r"^\W*(?:[\[【(]\s*(?:update|updated|resolved|completed|已完成|已结束|更新)\s*[\]】)]\s*)+",
                        re.I)


def _announced_part(norm: str) -> str | None:
    """Title + body with later status sections/lines removed; None when there are none."""
    head, _, body = norm.partition("\n")
    marker = _INITIAL.search(body)
    cleaned = body[marker.end():] if marker else _EDIT_LINE.sub("", body)
    title = _TITLE_TAG.sub("", head)
    if cleaned == body and title == head:
        return None
    return f"{title}\n{cleaned.lstrip()}"


def _announces(include: list[tuple[str, re.Pattern[str]]], exclude: list[tuple[str, re.Pattern[str]]],
               norm: str) -> bool:
    """An edited notice whose original part, without the prepended status, still announces a plan."""
    part = _announced_part(norm)
    if part is None:
        return False
    body = part.partition("\n")[2][:INCLUDE_LEAD_CHARS]
    if not any(rx.search(body) for _, rx in include):
        return False
    return not _vetoed(exclude, part, _strip_updates(part)[:LEAD_CHARS])


def _ev(rule: str, m: re.Match[str]) -> dict[str, Any]:
    return {"detector": "maintenance", "rule": rule, "span": [m.start(), m.end()], "match": m.group(0)}


def maintenance_evidence(text: str, cfg: Config | None = None) -> list[dict[str, Any]]:
    """Evidence that ``text`` announces planned maintenance; empty list when it does not.

    Spans point into ``normalize(text)``. A user ``exclude`` pattern vetoes anywhere; a built-in
    veto (completed / incident wording) only in the lead, see ``LEAD_CHARS``.
    """
    return evidence_in(normalize(text), cfg)


def evidence_in(norm: str, cfg: Config | None = None) -> list[dict[str, Any]]:
    """:func:`maintenance_evidence` of text already normalised (``monitor.textnorm.normalize``)."""
    include, exclude = rules(cfg)
    gate, pairs = _gate()
    found = gate.candidates(norm)
    # none of the built-ins' words and no config include (those come last): nothing to run
    if not found and not (include and include[-1][0].startswith("config.")):
        return []
    hits = [_ev(name, m) for name, rx in include if pairs.get(name, frozenset()) <= found
            for m in rx.finditer(norm)]
    # A maintenance notice says so up front; "维护" deep in a server-opening notice ("开服初期我们可能
    # 会频繁进行维护") is an aside, not an announcement.
    if not any(h["span"][0] < INCLUDE_LEAD_CHARS for h in hits):
        return []
    if _vetoed(exclude, norm, _strip_updates(norm)[:LEAD_CHARS]) and not _announces(include, exclude, norm):
        return []
    hits.sort(key=lambda e: e["span"][0])
    return hits


def classify_kind(title: str, text: str, cfg: Config | None = None) -> str:
    """One of ``maintenance``, ``incident``, ``release``, ``other`` for an official entry.

    A stand-alone "maintenance completed" notice is ``other``: it announces no window to come.
    """
    body = text if text.startswith(title) else f"{title}\n{text}"
    norm = normalize(body)
    if evidence_in(norm, cfg):
        return "maintenance"
    head = normalize(title)
    lead = _strip_updates(norm)[:LEAD_CHARS]
    if any(rx.search(lead) for _, rx in _table_rules(frozenset({"completed"}))) and \
            any(rx.search(lead) for _, rx in _table_rules(maintable.INCLUDE_FAMILIES)):
        return "other"
    for target in (head, lead):  # the title decides first; the body only when the title is silent
        if _kind("incident").search(target):
            return "incident"
        if _kind("release").search(target):
            return "release"
    return "other"
