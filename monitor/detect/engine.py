"""The detector: compiled rules (built-in + config), one prefilter pass, then only the rules that can match.

``build_detector(cfg)`` compiles everything once; ``Detector.detect(item)`` is a pure function of the
item (plus, for impersonation, whether the post it replies to is a complaint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.config import Config, DetectorRules
from monitor.detect import rules as builtin
from monitor.detect.anchors import Prefilter, required_literals, required_sets
from monitor.detect.impersonation import Impersonation
from monitor.detect.patterns import fold_literal, prepare_pattern, validate_rules
from monitor.detect.table import TableRule, load_table
from monitor.detect.waits import SENT_END, ZH_CLAUSE, bounds, claimed_wait
from monitor.errors import ConfigError
from monitor.textnorm import normalize

_CJK = re.compile(r"[\u3400-\u9fff]")

# "> quoted text" in issue comments and e-mail replies (">" then a space, or nested ">>"); an X
# "greentext" line (">be me", ">support ignored me") is the author's own words and stays.
_QUOTE_LINE = re.compile(r"^(?:>+[ \t][^\n]*|>+$|>>[^\n]*)", re.M)
# Others' words inside one line (sources.quotes stores these as "> " lines; text from elsewhere, e.g.
# `detect FILE`, may still carry them): a Weibo repost chain "my words//@b: b's words//@c: ..." and a
# mid-text retweet "my words rt @b: ...". Casefolded text, so lower-case "rt".
_CHAIN_QUOTE = re.compile(r"//\s*@\s?[^\s:：/]{1,40}\s*[:：][^\n]*")
_MID_RT = re.compile(r"(?<=\S)[ \t]+rt @\w{1,15}:[^\n]*")
# Text is casefolded and built-in patterns are written lower-case, so they compile without IGNORECASE
# (which costs sre a case-fold per character and its literal-prefix fast path); config patterns keep it.
FLAGS = re.IGNORECASE
# English rules match ASCII word boundaries: Python's \b counts CJK as word characters, so "客服no reply已经3天了"
# or "support 完全 ghost 我" would never match "\bno reply\b" without re.ASCII.
ASCII_LANGS = frozenset({"en", "any"})


@dataclass(slots=True)
class Rule:
    detector: str  # complaint | urgency | topic | maintenance(not run here)
    lang: str  # en | zh | any
    name: str
    pattern: str
    origin: str  # built-in | config
    kind: str = "include"  # include | exclude
    # The built-in rule's row in the rule table (monitor/detect/data): its scope, direction, prefilter
    # literals, conditions and family; None for a config pattern.
    table: TableRule | None = None


@dataclass(slots=True)
class DetectInput:
    id: str
    text: str
    lang: str | None = None
    created_at: datetime | None = None
    author_handle: str | None = None
    author_name: str | None = None
    in_reply_to: str | None = None
    is_official: bool = False
    quoted: bool | None = None


@dataclass(slots=True)
class DetectResult:
    id: str
    complaint: bool = False
    maintenance: bool = False
    claimed_wait_seconds: int | None = None
    urgency: str | None = None
    topics: list[str] = field(default_factory=list)
    impersonation_suspect: bool = False
    window_start: str | None = None
    window_end: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "complaint": self.complaint, "maintenance": self.maintenance,
            "claimed_wait_seconds": self.claimed_wait_seconds, "urgency": self.urgency, "topics": self.topics,
            "impersonation_suspect": self.impersonation_suspect, "window_start": self.window_start,
            "window_end": self.window_end, "evidence": self.evidence,
        }


def brand_pattern(cfg: Config) -> str:
    """The configured brand names and aliases as one alternation, folded like the text (the tables' ``{brand}``)."""
    terms = sorted({fold_literal(t) for t in cfg.brand.terms if t.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(t) for t in terms) + ")" if terms else "(?!)"


BRAND_TOKEN = "\u2039brand\u203a"


def _table_rule(r: TableRule, brand: str) -> Rule:
    return Rule(r.detector, r.lang, r.name, r.pattern.replace(BRAND_TOKEN, brand), "built-in", r.kind, table=r)


def _detector_rules(detector: str, user: DetectorRules | None, brand: str = "(?!)") -> list[Rule]:
    out: list[Rule] = []
    if user is None or user.mode == "extend":
        if detector == "impersonation":
            out += [Rule(detector, "en", name, pat, "built-in", "include")
                    for name, pat in builtin.IMPERSONATION_LURES_STRONG]
        else:
            rules = [r for r in load_table().rules if r.detector == detector]
            out += [_table_rule(r, brand) for r in rules if r.kind == "include"]
            out += [_table_rule(r, brand) for r in rules if r.kind == "exclude"]
    if user is not None:
        for lang in ("en", "zh"):
            ks = getattr(user, lang)
            out += [Rule(detector, lang, f"config:{lang}.include[{i}]", p, "config", "include")
                    for i, p in enumerate(ks.include)]
            out += [Rule(detector, lang, f"config:{lang}.exclude[{i}]", p, "config", "exclude")
                    for i, p in enumerate(ks.exclude)]
    return out


def _topic_rules(cfg: Config) -> list[Rule]:
    topics: dict[str, list[tuple[str, str]]] = {}
    if cfg.detection.topics_mode == "extend":
        for t, terms in builtin.TOPICS.items():
            topics[t] = [(p, "built-in") for p in terms]
    for t, terms in cfg.detection.topics.items():
        topics.setdefault(t, []).extend((p, "config") for p in terms)
    return [Rule("topic", "any", t, p, origin) for t, terms in topics.items() for p, origin in terms]


def _compiled_topics(rules: list[Rule]) -> list[Rule]:
    """One alternation per topic for matching (a topic needs one hit, not one search per term).

    A topic holding any config term is marked "config" and so compiled case-insensitively.
    """
    by_topic: dict[str, list[str]] = {}
    for r in rules:
        by_topic.setdefault(r.name, []).append(prepare_pattern(r.pattern) if r.origin == "config" else r.pattern)
    user = {r.name for r in rules if r.origin == "config"}
    return [Rule("topic", "any", t, "|".join(f"(?:{p})" for p in pats), "config" if t in user else "built-in")
            for t, pats in by_topic.items()]


def effective_rules(cfg: Config) -> list[Rule]:
    """Every rule the detector runs, uncompiled (``list_rules`` and ``validate_rules`` read this)."""
    d = cfg.detection
    brand = brand_pattern(cfg)
    rules = _detector_rules("complaint", d.complaint, brand) + _detector_rules("urgency", d.urgency, brand)
    rules += _detector_rules("impersonation", getattr(d, "impersonation", None))
    return rules + _topic_rules(cfg)


class Detector:
    """Compiled rules plus the prefilter. Build once per process with :func:`build_detector`."""

    def __init__(self, cfg: Config, *, use_aho: bool = True, without: frozenset[str] = frozenset()) -> None:
        """``without``: rule keys ``detector.lang.name`` to leave out (to show what a rule contributes)."""
        self.cfg = cfg
        self.rules: list[Rule] = []
        self._regexes: list[re.Pattern[str]] = []  # self.rules[i]'s pattern, compiled
        rules = effective_rules(cfg)
        topics = _compiled_topics([r for r in rules if r.detector == "topic"])
        for r in [r for r in rules if r.detector != "topic"] + topics:
            if f"{r.detector}.{r.lang}.{r.name}" in without:
                continue
            ascii_ = re.ASCII if r.lang in ASCII_LANGS else 0
            if r.origin == "config":
                rx = re.compile(prepare_pattern(r.pattern) if r.detector != "topic" else r.pattern, FLAGS | ascii_)
            else:
                rx = re.compile(r.pattern, ascii_)
            self.rules.append(r)
            self._regexes.append(rx)
        self._notices, maint_anchors = _load_notices(cfg)
        # Built-in rules bring their prefilter literals from the table's word lists; config, topic and
        # impersonation patterns are user regexes, so theirs are derived from the pattern (anchors.py).
        anchors = [r.table.anchors if r.table is not None else required_literals(rx.pattern)
                   for r, rx in zip(self.rules, self._regexes, strict=True)]
        # The maintenance include rules share the one prefilter pass (indices after ours).
        self._maint_idx = (frozenset(range(len(anchors), len(anchors) + len(maint_anchors)))
                           if maint_anchors is not None else None)
        self.prefilter = Prefilter(anchors + list(maint_anchors or []), use_aho=use_aho)
        # Further literal sets every match also contains (exact): the table's ``requires``, or for user
        # regexes the next-best required sets of their pattern; checked with ``in`` before the regex runs.
        # Small sets only for derived ones (the table caps its own: table.MAX_DERIVED_REQUIRES): a Python loop
        # over dozens of literals costs more than the regex it guards (routing them through the automaton was
        # slower still).
        self._also = [tuple(tuple(sorted(x)) for x in r.table.requires) if r.table is not None
                      else tuple(tuple(x) for x in required_sets(rx.pattern, limit=3)[1:] if len(x) <= 8)
                      for r, rx in zip(self.rules, self._regexes, strict=True)]
        self.impersonation = Impersonation(
            cfg, [(i, r, self._regexes[i]) for i, r in enumerate(self.rules) if r.detector == "impersonation"])
        self.ignore_quoted = cfg.detection.ignore_quoted
        self._inc = {d: frozenset(i for i, r in enumerate(self.rules) if r.detector == d and r.kind == "include")
                     for d in ("complaint", "urgency", "topic")}
        self._exc = {d: frozenset(i for i, r in enumerate(self.rules) if r.detector == d and r.kind == "exclude")
                     for d in ("complaint", "urgency", "topic")}
        # Conditions a rule's post must meet (the table's ``needs``), e.g. a Chinese post about support at all.
        table, brand = load_table(), brand_pattern(cfg)
        needs = {i: r.table.needs for i, r in enumerate(self.rules) if r.table is not None and r.table.needs}
        conds = {n: table.condition(n, brand) for ns in needs.values() for n in ns}
        self._needs: dict[int, tuple[re.Pattern[str], ...]] = {
            i: tuple(conds[n] for n in ns) for i, ns in needs.items()}
        self._zh_only = frozenset(i for i, r in enumerate(self.rules) if r.lang == "zh" and r.origin == "built-in")
        self._topic_idx = self._inc["topic"]
        self._complaint_idx = self._inc["complaint"]

    # --- the pieces -----------------------------------------------------------------------------
    def _matches(self, text: str, detector: str, cand: frozenset[int]) -> list[dict[str, Any]]:
        """Include matches of ``detector`` not vetoed by an exclude in their sentence/clause.

        Exclusions run only once an include has matched: most candidate posts match nothing.
        """
        hits = []
        also, regexes, needs = self._also, self._regexes, self._needs
        for i in sorted(cand & self._inc[detector]):  # rule order: evidence does not depend on the backend
            for alts in also[i]:  # plain loops: this runs for every candidate rule of every post
                for a in alts:
                    if a in text:
                        break
                else:
                    break
            else:
                m = regexes[i].search(text)
                if m is not None and (i not in needs or all(c.search(text) for c in needs[i])):
                    hits.append((i, m))
        if not hits:
            return []
        vetoes = []
        for i in sorted(cand & self._exc[detector]):
            r = self.rules[i]
            for m in regexes[i].finditer(text):
                vetoes.append(_covered(text, m.start(), m.end(), r))
        out = []
        for i, m in hits:
            r = self.rules[i]
            # A vetoed (or empty) match may hide a later one that is not vetoed: retry one character on
            # ("问题已解决一半，但是客服三天不回" must still find "客服三天不回").
            while m is not None and (m.end() == m.start() or any(s < m.end() and m.start() < e for s, e in vetoes)):
                m = regexes[i].search(text, m.start() + 1)
            if m is not None:
                out.append({"detector": detector, "rule": f"{r.lang}.{r.name}", "span": [m.start(), m.end()],
                            "match": m.group(0)})
        return out

    def _topics(self, text: str, cand: frozenset[int]) -> tuple[list[str], list[dict[str, Any]]]:
        found: dict[str, dict[str, Any]] = {}
        for i in sorted(cand & self._topic_idx):
            r = self.rules[i]
            if r.name in found:
                continue
            m = self._regexes[i].search(text)
            if m and m.end() > m.start():
                found[r.name] = {"detector": "topic", "rule": r.name, "span": [m.start(), m.end()],
                                 "match": m.group(0)}
        return sorted(found), [found[t] for t in sorted(found)]

    def _maintenance(self, item: DetectInput, plain: str, folded: str, cand: frozenset[int],
                     res: DetectResult) -> None:
        if self._maint_idx is not None:
            # None of the maintenance include rules can match: skip the call (exact, see _load_notices).
            # Folding (quote masking) may hide text from our pass, so then check the plain text.
            maint = cand if folded is plain else self.prefilter.candidates(plain)
            if not maint & self._maint_idx:
                return
        ev = self._notices.evidence_in(plain, self.cfg)  # plain = normalize(item.text), computed once
        if not ev:
            return
        res.maintenance = True
        res.evidence.extend(ev)
        # No feed zone for a post: its own stamp's offset, then the report zone (monitor.detect.windows).
        start, end = self._notices.extract_window(item.text, item.created_at, None, self.cfg.timezone)
        res.window_start = _iso(start)
        res.window_end = _iso(end)

    # --- the public call ------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        return self._fold(normalize(text))

    def _fold(self, out: str) -> str:
        if "’" in out or "‘" in out:
            out = out.replace("’", "'").replace("‘", "'")  # same length: spans stay valid
        if self.ignore_quoted and ">" in out:
            out = _QUOTE_LINE.sub(lambda m: " " * len(m.group(0)), out)
        if self.ignore_quoted and "@" in out:  # same length: spans stay valid
            if "//" in out:
                out = _CHAIN_QUOTE.sub(lambda m: " " * len(m.group(0)), out)
            if " rt @" in out:
                out = _MID_RT.sub(lambda m: " " * len(m.group(0)), out)
        return out

    def detect(self, item: DetectInput, *, replied_to_complaint: bool | None = None) -> DetectResult:
        """Label one post. ``replied_to_complaint``: is ``item.in_reply_to`` a complaint (None: unknown)."""
        plain = normalize(item.text)
        text = self._fold(plain)
        res = DetectResult(id=item.id)
        cand = self.prefilter.candidates(text)
        # isdisjoint allocates nothing: these checks run for every post.
        if not self._zh_only.isdisjoint(cand) and not _CJK.search(text):
            # Chinese rules need Chinese text; their anchors may be Latin ("support", "qq", "email").
            cand = cand - self._zh_only
        if cand:
            # Intersections in C decide which stages have work; a plain mention usually has none.
            if not self._topic_idx.isdisjoint(cand):
                res.topics, topic_ev = self._topics(text, cand)
            else:
                topic_ev = []
            if (not self._complaint_idx.isdisjoint(cand) and not item.is_official
                    and not (self.ignore_quoted and (item.quoted or text.startswith("rt @")))):
                self._complaint(text, cand, res)
            res.evidence.extend(topic_ev)
        if item.in_reply_to and not item.is_official:
            flagged, ev = self.impersonation.check(item, text, cand, replied_to_complaint)
            res.impersonation_suspect = flagged
            if flagged:
                res.evidence.extend(ev)
        if self._maint_idx is None or not self._maint_idx.isdisjoint(cand) or text is not plain:
            self._maintenance(item, plain, text, cand, res)
        return res

    def _complaint(self, text: str, cand: frozenset[int], res: DetectResult) -> None:
        comp = self._matches(text, "complaint", cand)
        if not comp:
            return
        res.complaint = True
        res.evidence.extend(comp)
        urg = self._matches(text, "urgency", cand)
        res.urgency = "high" if urg else "normal"
        res.evidence.extend(urg)
        near = [(e["span"][0], e["span"][1]) for e in comp]
        wait = claimed_wait(text, bool(_CJK.search(text)), near)
        if wait[0] is not None:
            res.claimed_wait_seconds = wait[0]
            res.evidence.append(wait[1])


def _load_notices(cfg: Config) -> tuple[Any, list[frozenset[str]] | None]:
    """monitor.detect.maintenance and the literals of its include rules (from its word lists).

    ``maintenance_evidence`` returns nothing unless one of its include rules matches
    ``normalize(text)``, so a post holding none of their anchors can skip the call; if a rule has
    no known anchor every post is passed on.
    """
    from monitor.detect import maintenance

    anchors = maintenance.include_anchors(cfg)
    known = [a for a in anchors if a]
    if not anchors or len(known) < len(anchors):
        return maintenance, None
    return maintenance, known


def _covered(text: str, start: int, end: int, r: Rule) -> tuple[int, int]:
    """The span an exclusion trigger vetoes (ConText): its scope unit, cut at the trigger by direction."""
    # A config exclusion covers its language's unit: a Chinese clause, an English sentence.
    scope = r.table.scope if r.table else ("post" if r.lang == "any" else "clause" if r.lang == "zh" else "sentence")
    direction = r.table.direction if r.table else "both"
    if scope == "post":
        lo, hi = 0, len(text)
    else:
        lo, hi = bounds(text, start, end, ZH_CLAUSE if scope == "clause" else SENT_END)
    if direction == "forward":
        return start, hi
    if direction == "backward":
        return lo, end
    return lo, hi


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    from monitor.records import utc

    return utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_detector(cfg: Config) -> Detector:
    """Compile the effective rules (built-ins + config ``detection:`` extend/replace) once.

    Raises ConfigError listing every bad pattern with its key path (as ``check-config`` prints them).
    """
    problems = validate_rules(cfg)
    if problems:
        raise ConfigError(problems)
    return Detector(cfg)
