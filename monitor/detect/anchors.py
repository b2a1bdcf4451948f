"""Prefilter: literal "anchors" every match of a rule must contain, found in one pass over the text.

Most mentions contain no support word at all, so the engine first asks which rules *could* match
(one Aho-Corasick pass with pyahocorasick when installed, else a few ``in`` checks) and runs only
those rules' regexes. Anchors are derived from each compiled pattern's parse tree, so rules added in
``config.yaml`` get them too; a pattern with no required literal (``\\w+ly``) is simply always run.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
import re
from collections.abc import Iterable, Sequence, Set
from operator import itemgetter
from typing import Any, TypeAlias

# ``re._parser`` is the 3.11+ name of sre_parse (requires-python >= 3.11); a rename fails loudly here.
# Both are private and have no stubs (typeshed's sre_parse omits the int argument of LITERAL): Any.
sre_c: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

# A parse-tree node is (op, av); av's shape depends on op: an int (LITERAL), a list of (op, int)
# (IN), (lo, hi, subpattern) (repeats), (None, branches) (BRANCH), (..., subpattern) (SUBPATTERN).
_Av: TypeAlias = Any
_Node: TypeAlias = tuple[object, _Av]

# pyahocorasick is the optional extra "fast": absent, the prefilter uses ``in`` checks. Installed but
# broken (a bad wheel), the import error surfaces here instead of silently slowing every pass.
if importlib.util.find_spec("ahocorasick") is not None:
    import ahocorasick
else:
    ahocorasick = None

log = logging.getLogger(__name__)
_second = itemgetter(1)

_MAX_CLASS = 6  # a character class of up to this many characters still yields anchors (一|两|三...)
_MAX_SET = 40  # beyond this many alternatives an anchor set stops being selective


# Tokens so frequent in mentions that an anchor set containing one barely filters anything; another
# required part of the same pattern is preferred (``support`` in "support is slow" vs ``slow``).
_COMMON = frozenset([
    "support", "help", "since ", "just", "only", "when ", "from ", "back", "try ", "said ", "left ", "word",
    "call", "time", " time", "live", "real", "message", "messages", "no ", "not ", "day", "hr", "the ", "and ",
    "you", "they", "team", "account", "wallet", "app", "get ", "got ", "some", "any ", "still", "check ",
    "一", "不", "无", "没", "钱", "账", "扣", "问题", "消息", "信息", "你们", "他们", "平台", "客服",
    "了", "的", "是", "人", "有", "在", "我", "你", "他", "都", "也", "就", "还", "说", "出", "来", "去", "到",
    "个", "天", "回", "接", "理", "应", "管",
])


_RARE_PUNCT = frozenset("“”「」『』\"")


def _info(a: str) -> float:
    # Rough selectivity: a Chinese character says about as much as two or three Latin letters;
    # spaces and punctuation say little ("[- ]" must never become the anchor of a rule).
    # Quotes and corner brackets are rare in mentions: as selective as a letter.
    return sum(2.0 if "\u3400" <= ch <= "\u9fff" else 1.0 if ch.isalnum() or ch in _RARE_PUNCT else 0.3 for ch in a)


def _score(alts: Set[str]) -> float:
    """Higher is more selective: the weakest member counts, many members and common tokens cost."""
    common = 3.0 if any(a in _COMMON for a in alts) else 0.0
    return min(_info(a) for a in alts) - 0.5 * math.log2(len(alts)) - common


def _best(cands: list[frozenset[str]]) -> frozenset[str] | None:
    cands = [c for c in cands if c and len(c) <= _MAX_SET and all(c)]
    return max(cands, key=_score) if cands else None


def _seq(items: Sequence[_Node]) -> frozenset[str] | None:
    """Anchors for a sequence: join adjacent literals, else the best anchor set of any element."""
    return _best(_seq_all(items))


def _finite(items: Sequence[_Node]) -> frozenset[str] | None:
    """All strings the sequence can match, when that is a small finite set of literals (else None)."""
    out = _prefix_walk(items, full=True)
    return out


def _alternatives(op: object, av: _Av) -> frozenset[str] | None:
    """The finite language of one element (literal, class, group, alternation, optional), or None."""
    if op is sre_c.LITERAL:
        return frozenset([chr(av).casefold()])
    if op is sre_c.IN:
        if all(o is sre_c.LITERAL for o, _v in av) and len(av) <= _MAX_CLASS:
            return frozenset(chr(v).casefold() for _o, v in av)
        return None
    if op is sre_c.SUBPATTERN:
        return _finite(list(av[-1]))
    if op is sre_c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            got = _finite(list(branch))
            if got is None:
                return None
            out |= got
        return frozenset(out) if len(out) <= _MAX_SET else None
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        lo, hi, sub = av
        if (lo, hi) in ((0, 1), (1, 1)):
            got = _finite(list(sub))
            if got is not None:
                return got | {""} if lo == 0 else got
    return None


def _prefix_walk(items: Sequence[_Node], *, full: bool) -> frozenset[str] | None:
    """Literal prefixes every match starts with (``full``: the whole finite language, or None)."""
    cur: set[str] = {""}
    for op, av in items:
        if op is sre_c.AT:
            continue
        alts = _alternatives(op, av)
        if alts is None and not full:
            alts = _open_prefixes(op, av)  # not finite, but it starts with known text: take that, stop
            if alts and len(cur) * len(alts) <= _MAX_SET:
                cur = {p + a for p in cur for a in alts}
            break
        if alts is None or len(cur) * len(alts) > _MAX_SET:
            if full:
                return None
            break
        cur = {p + a for p in cur for a in alts}
    return frozenset(cur)


def _open_prefixes(op: object, av: _Av) -> frozenset[str] | None:
    """Literal prefixes of a group or alternation whose language is not finite (or None)."""
    if op is sre_c.SUBPATTERN:
        got = _prefix_walk(list(av[-1]), full=False)
        return got if got and all(got) else None
    if op is sre_c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            got = _prefix_walk(list(branch), full=False)
            if not got or not all(got):
                return None
            out |= got
        return frozenset(out) if len(out) <= _MAX_SET else None
    return None


def _seq_all(items: Sequence[_Node]) -> list[frozenset[str]]:
    """Every anchor set of a sequence: each one is required (one of its members is in every match)."""
    pre = _prefix_walk(items, full=False)
    # The literal prefixes of the whole sequence: "no" + (one| one|body|-one) -> "no one", "nobody"...
    cands: list[frozenset[str]] = [pre] if pre and all(pre) else []
    run = ""
    for op, av in items:
        if op is sre_c.LITERAL:
            run += chr(av).casefold()
            continue
        if run:
            cands.append(frozenset([run]))
            run = ""
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue  # zero-width: not part of the match text (lookarounds are not required text)
        sub = _node(op, av)
        if sub:
            cands.append(sub)
    if run:
        cands.append(frozenset([run]))
    return [c for c in cands if c and len(c) <= _MAX_SET and all(c)]


def _node(op: object, av: _Av) -> frozenset[str] | None:
    if op is sre_c.LITERAL:
        return frozenset([chr(av).casefold()])
    if op is sre_c.SUBPATTERN:
        return _seq(list(av[-1]))
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
        lo, _hi, sub = av
        return _seq(list(sub)) if lo >= 1 else None
    if op is sre_c.BRANCH:
        branches = av[1]
        budget = max(4, _MAX_SET // len(branches))  # keep the union of the branches' anchors small
        out: set[str] = set()
        for branch in branches:
            cands = _seq_all(list(branch))
            if not cands:
                return None
            small = [c for c in cands if len(c) <= budget]
            out |= max(small, key=_score) if small else min(cands, key=len)
        return frozenset(out) if len(out) <= _MAX_SET else None
    if op is sre_c.IN:
        chars = [chr(v).casefold() for o, v in av if o is sre_c.LITERAL]
        if len(chars) == len(av) and len(chars) <= _MAX_CLASS:
            return frozenset(chars)
    return None


def required_sets(pattern: str, limit: int = 3, flags: int = 0) -> list[frozenset[str]]:
    """Up to ``limit`` anchor sets of ``pattern``, all required, most selective first ([] if unknown).

    The first feeds the one-pass prefilter; the others are checked with ``in`` before the regex runs
    ("waited 3 days for a reply" needs "wait" *and* a time unit *and* a reply word).
    """
    try:
        items = list(sre_parse.parse(pattern, flags & re.VERBOSE))
    except Exception:
        return []
    while len(items) == 1 and items[0][0] is sre_c.SUBPATTERN:
        items = list(items[0][1][-1])
    return sorted(_seq_all(items), key=_score, reverse=True)[:limit]


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains (casefolded), or None if unknown."""
    try:
        tree = sre_parse.parse(pattern, flags & re.VERBOSE)  # re.X changes what is a literal
    except Exception:  # invalid patterns are reported by validate_rules, not here
        return None
    return _seq(list(tree))


def _minimal(anchors: Iterable[str]) -> list[str]:
    """Drop anchors that contain a shorter anchor (finding the shorter one already triggers)."""
    out: list[str] = []
    for a in sorted(set(anchors), key=len):
        if not any(b in a for b in out):
            out.append(a)
    return out


class Prefilter:
    """Maps a text to the indices of rules that might match it.

    ``rule_anchors[i]`` is the anchor set of rule ``i`` or None (rule always runs).
    """

    def __init__(self, rule_anchors: Sequence[frozenset[str] | None], *, use_aho: bool = True) -> None:
        self.always = frozenset(i for i, a in enumerate(rule_anchors) if not a)
        by_anchor: dict[str, set[int]] = {}
        for i, alts in enumerate(rule_anchors):
            for a in alts or ():
                by_anchor.setdefault(a, set()).add(i)
        self.by_anchor = {a: frozenset(ix) for a, ix in by_anchor.items()}
        self.backend = "none"
        self._aho = None
        if use_aho and ahocorasick is not None and self.by_anchor:
            auto = ahocorasick.Automaton()
            for a, ix in self.by_anchor.items():
                auto.add_word(a, ix)
            auto.make_automaton()
            self._aho = auto
            self.backend = "pyahocorasick"
        elif self.by_anchor:
            # Substring checks in C; only the minimal anchors are checked, then the ones containing them.
            self._roots = _minimal(self.by_anchor)
            self._children = {r: [a for a in self.by_anchor if r in a] for r in self._roots}
            self.backend = "str.find"

    def candidates(self, text: str) -> frozenset[int]:
        if self._aho is not None:
            return self.always.union(*map(_second, self._aho.iter(text)))
        if self.backend == "none":
            return self.always
        hits = set(self.always)
        for root in self._roots:
            if root in text:
                for a in self._children[root]:
                    if a in text:
                        hits |= self.by_anchor[a]
        return frozenset(hits)
