"""Impersonation suspects: non-official accounts that answer complaints while looking like support.

In crypto-wallet support this is the common scam: a complaint gets a reply within minutes from
"Bitpie Support Desk" / "@BitpieHelp_" / "比特派客服" asking to DM, to fill in a "support form", to
"validate your wallet" or to share the recovery phrase, or moving the victim to WhatsApp/Telegram.
The brand's own replies never count (``is_official`` comes from configured account ids).

A reply is flagged when its account looks like support *and* it lures (DM, link, chat app, wallet
"validation", seed phrase), when its identity is strongly brand-like (brand name plus a support word,
or a handle one or two edits away from an official one), or when it asks for secrets outright.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from monitor.config import Config
from monitor.detect import rules as builtin
from monitor.textnorm import normalize

if TYPE_CHECKING:
    from monitor.detect.engine import DetectInput, Rule

_SUPPORT_ID = re.compile(builtin.SUPPORT_IDENTITY)  # matched against normalised (casefolded) names
_WEAK = [(name, re.compile(p)) for name, p in builtin.IMPERSONATION_LURES_WEAK]
_SQUASH = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def _squash(s: str) -> str:
    return _SQUASH.sub("", normalize(s))


def _edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


class Impersonation:
    def __init__(self, cfg: Config, lure_rules: list[tuple[int, Rule, re.Pattern[str]]]) -> None:
        """``lure_rules``: (index, rule, its compiled regex) of the detector's impersonation rules."""
        self.brands = [b for b in (_squash(t) for t in cfg.brand.terms) if b]
        self.officials = {_squash(a.handle) for a in cfg.official_accounts}
        self.lure_rules = lure_rules

    def _identity(self, item: DetectInput) -> tuple[bool, bool, list[dict[str, Any]]]:
        """(strong, weak, evidence) about how support-like the author's handle and name look."""
        ev: list[dict[str, Any]] = []
        brand = support = lookalike = False
        for fname in ("author_handle", "author_name"):
            raw = getattr(item, fname) or ""
            if not raw:
                continue
            norm, squashed = normalize(raw), _squash(raw)
            for b in self.brands:
                if b in squashed:
                    brand = True
                    ev.append({"detector": "impersonation", "rule": "identity.brand", "field": fname,
                               "span": [0, len(raw)], "match": raw})
                    break
            m = _SUPPORT_ID.search(norm)
            if m:
                support = True
                ev.append({"detector": "impersonation", "rule": "identity.support_word", "field": fname,
                           "span": [m.start(), m.end()], "match": m.group(0)})
            if fname == "author_handle" and squashed not in self.officials and any(
                    _edit_distance(squashed, o) <= 2 for o in self.officials if len(o) >= 5):
                lookalike = True
                ev.append({"detector": "impersonation", "rule": "identity.lookalike_handle", "field": fname,
                           "span": [0, len(raw)], "match": raw})
        return (brand and support) or lookalike, brand or support, ev

    def check(self, item: DetectInput, text: str, cand: Iterable[int],
              parent_complaint: bool | None = None) -> tuple[bool, list[dict[str, Any]]]:
        """``parent_complaint`` False: the replied-to post is not a complaint, so only a support look-alike
        asking for secrets (seed phrase, wallet "validation") is flagged; that is a scam whatever it answers."""
        strong_id, weak_id, ev = self._identity(item)
        cand = set(cand)
        lures: list[dict[str, Any]] = []
        strong = vetoed = False
        for i, r, rx in self.lure_rules:
            if i not in cand:
                continue
            m = rx.search(text)
            if not m or m.end() == m.start():
                continue
            if r.kind == "exclude":
                vetoed = True
                continue
            strong = True
            lures.append({"detector": "impersonation", "rule": f"lure.{r.name}", "span": [m.start(), m.end()],
                          "match": m.group(0)})
        for name, rx in _WEAK:
            m = rx.search(text)
            if m:
                lures.append({"detector": "impersonation", "rule": f"lure.{name}", "span": [m.start(), m.end()],
                              "match": m.group(0)})
        if vetoed:
            return False, []
        if parent_complaint is False:
            secret = any(e["rule"] in ("lure.seed_phrase", "lure.validate_wallet") for e in lures)
            flagged = strong_id and secret
        else:
            flagged = bool(strong_id or strong or (weak_id and lures))
        return flagged, (ev + lures) if flagged else []
