"""The rule table: named word lists, rules that compose them, and exclusion triggers, loaded from YAML.

The built-in detection rules live in ``monitor/detect/data/*.yaml`` (one file per detector and
language), in the shape rule-based NLP converged on (spaCy ``Matcher`` patterns with shared word lists;
ConText triggers, Harkema et al. 2009, for exclusions; see ../shared/design/detection-as-data.md)::

    lists:
      reply_en: [reply, replies, replied, "call me back", "n't(?! mind)"]   # phrases, optional guards
      neg_en: ["\\bnot", "n't", "\\bnever", "@other_list"]                  # "@name" includes a list
    rules:
      - id: complaint.en.not_replied          # detector.lang.name
        family: non_response                  # what kind of saying it is (``mention-monitor rules``)
        scope: sentence                       # clause | sentence | post: where its parts must sit
        pattern: '{neg_en}\\s+{reply_en}'      # a regex template; {list} expands to the list's phrases
        needs: [about_support_zh]             # conditions (below) the post must meet
        examples: ["support hasnt replied"]   # run as tests: each must be labelled a complaint
        near_misses: ["no reply needed"]      # ... and each of these must not
    triggers:                                 # exclusions (ConText): a match vetoes the includes it covers
      - id: complaint.en.praise_fast
        category: praise                      # praise | agent | hypothetical | reported | other_subject | ...
        direction: both                       # forward | backward | both, from the trigger within its scope
        scope: sentence
        pattern: ...
        examples: [...]                       # texts an include fires on that this trigger vetoes
    conditions:
      about_support_zh: '{support_zh}|{brand}|@'

A list phrase is literal text (escaped when compiled; ``re:`` marks the rare regex phrase, such as a
number), optionally with regex *guards*: leading ``\\b`` or
look-behinds and trailing ``\\b`` or look-aheads (``不回(?!来|去|家)``). Phrases with an ``n't``
contraction also match without the apostrophe ("hasn't" -> "hasnt"): people type them both ways. Phrases
are written lower-case and in simplified characters, because text is normalised that way first.
``{brand}`` is the configured brand names.

Prefilter literals come from the lists, not from compiled regexes: a rule's anchors are the phrases of
the most selective list that every match must contain (a ``{list}`` at the template's top level, not
optional), or the rule's own ``anchors:``. A rule with neither is run on every post.

Errors: :class:`TableError` (a ``MonitorError``) names the file and the rule or list at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from monitor.detect.anchors import _score  # one selectivity measure for table and derived anchors
from monitor.errors import MonitorError

DATA_DIR = Path(__file__).parent / "data"
SCOPES = ("clause", "sentence", "post")
DIRECTIONS = ("forward", "backward", "both")
_REF = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_GUARD_HEAD = re.compile(r"^((?:\\b|\(\?<[!=][^()]*\))*)")
_GUARD_TAIL = re.compile(r"((?:\\b|\(\?[!=][^()]*\))*)$")


class TableError(MonitorError):
    """A rule table that cannot be loaded (bad YAML, an unknown list, a rule without examples)."""


@dataclass(frozen=True, slots=True)
class TableRule:
    """One compiled rule or trigger. ``pattern`` is the expanded regex over normalised text."""

    id: str  # detector.lang.name
    detector: str
    lang: str  # en | zh | any
    name: str
    kind: str  # include | exclude
    family: str  # rules: the kind of saying; triggers: the category
    scope: str
    direction: str
    template: str
    pattern: str
    anchors: frozenset[str] | None
    # Further literal sets every match also contains (one member of each), checked with ``in`` before
    # the regex runs: from the template's other required lists, or the rule's own ``requires:``.
    requires: tuple[frozenset[str], ...]
    lists: tuple[str, ...]
    needs: tuple[str, ...]
    examples: tuple[str, ...]
    near_misses: tuple[str, ...]
    source: str  # file name


@dataclass(slots=True)
class Table:
    """Everything loaded from the data files: lists (phrase tuples), rules, triggers, conditions."""

    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: list[TableRule] = field(default_factory=list)
    conditions: dict[str, str] = field(default_factory=dict)

    def expand(self, template: str, brand: str = "(?!)") -> str:
        """``{name}`` -> the list's phrases as one alternation; ``{brand}`` -> the brand pattern."""
        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "brand":
                return brand
            return _alternation(self.lists[name])
        return _REF.sub(sub, template)

    def condition(self, name: str, brand: str) -> re.Pattern[str]:
        return re.compile(self.expand(self.conditions[name], brand))


_NT = re.compile(r"(?<=[a-z]{2})n't")


def _variants(phrase: str) -> list[str]:
    """A phrase and its apostrophe-less spelling ("hasn't" -> "hasnt", "can't" -> "cant").

    Only the ``n't`` contractions: "we're" -> "were" or "she'll" -> "shell" would be other words.
    """
    return [phrase, _NT.sub("nt", phrase)] if _NT.search(phrase) else [phrase]


def _split_guards(entry: str) -> tuple[str, str, str]:
    head = _GUARD_HEAD.match(entry)
    h = head.group(1) if head else ""
    rest = entry[len(h):]
    tail = _GUARD_TAIL.search(rest)
    t = tail.group(1) if tail else ""
    return h, rest[: len(rest) - len(t)] if t else rest, t


def _alternation(phrases: tuple[str, ...]) -> str:
    """The phrases as one regex alternation, phrases sharing guards grouped under them.

    ``\\b(?:not|never|hasn't)`` rather than ``(?:\\bnot|\\bnever|\\bhasn't)``: sre tries a guard inside an
    alternative at every position, and grouping made the rules that start with a negation ~10x faster on
    long reviews (bench/bench_detect.py, labelled-shaped mix). Longest phrase first within a group, so that
    "customer service" wins over "customer" wherever both could match.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    raw = [e[3:] for e in phrases if e.startswith("re:")]
    for entry in (e for e in phrases if not e.startswith("re:")):
        head, body, tail = _split_guards(entry)
        groups.setdefault((head, tail), []).extend(
            re.escape(v).replace(chr(92) + " ", " ") for v in _variants(body))
    parts = list(raw)
    for (head, tail), bodies in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        alts = sorted(dict.fromkeys(bodies), key=lambda b: (-len(b), b))
        inner = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        parts.append(f"{head}{inner}{tail}")
    return "(?:" + "|".join(parts) + ")"


def phrase_literals(phrases: tuple[str, ...]) -> frozenset[str]:
    """The literal text of each phrase (guards dropped), with apostrophe-less variants.

    Empty when a phrase is a regex (``re:``): such a list cannot anchor the prefilter.
    """
    if any(e.startswith("re:") for e in phrases):
        return frozenset()
    return frozenset(v for e in phrases for v in _variants(_split_guards(e)[1]) if v)


def _scan(template: str) -> Iterator[tuple[int, str, int]]:
    """``(index, char, group depth)`` for each character of a template that is syntax, not literal:
    escapes and character classes are skipped whole, so a ``|`` or ``{`` inside them is not seen."""
    depth, i = 0, 0
    while i < len(template):
        ch = template[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            j = i + 1
            while j < len(template) and template[j] != "]":
                j += 2 if template[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        yield i, ch, depth
        i += 1


def _branches(template: str) -> list[str]:
    """The template split at its top-level ``|`` (outside groups and character classes)."""
    cuts = [i for i, ch, depth in _scan(template) if ch == "|" and depth == 0]
    starts, ends = [0, *(c + 1 for c in cuts)], [*cuts, len(template)]
    return [template[a:b] for a, b in zip(starts, ends, strict=True)]


def _required_lists(template: str) -> list[str]:
    """Lists every match of a branch must contain: ``{name}`` at depth 0 and not optional."""
    out: list[str] = []
    for i, ch, depth in _scan(template):
        if ch == "|" and depth == 0:
            return []
        if ch == "{" and depth == 0 and (m := _REF.match(template, i)) and m.group(1) != "brand":
            nxt = template[m.end(): m.end() + 1]
            if nxt not in ("?", "*") and not template.startswith("{0", m.end()):
                out.append(m.group(1))
    return out


def _anchors(table: Table, spec: dict[str, Any], template: str) -> frozenset[str] | None:
    if "anchors" in spec:
        given = spec["anchors"]
        return None if given is None else frozenset(v for a in given for v in _variants(str(a)))
    # Each top-level alternative needs its own anchors; the rule's are their union.
    out: set[str] = set()
    for branch in _branches(template):
        cands = [phrase_literals(table.lists[n]) for n in _required_lists(branch)]
        cands = [c for c in cands if c and all(c)]
        if not cands:
            return None
        out |= max(cands, key=_score)
    return frozenset(out)


MAX_DERIVED_REQUIRES = 12


def _requires(table: Table, spec: dict[str, Any], template: str, anchors: frozenset[str] | None,
              ) -> tuple[frozenset[str], ...]:
    given = [frozenset(v for a in group for v in _variants(str(a))) for group in spec.get("requires") or ()]
    if len(_branches(template)) != 1:
        return tuple(given)
    sets = [phrase_literals(table.lists[n]) for n in _required_lists(template)]
    # A derived set is kept only when small: a Python loop over dozens of literals costs more than the regex
    # it guards (bench/bench_detect.py). A rule's own ``requires:`` is always kept: its author chose it.
    derived = [c for c in sets if c and all(c) and c != anchors and len(c) <= MAX_DERIVED_REQUIRES]
    return tuple(dict.fromkeys([*derived, *given]))


def _load_lists(table: Table, raw: dict[str, Any] | None, where: str) -> None:
    for name, terms in (raw or {}).items():
        if name in table.lists:
            raise TableError(f"{where}: list {name!r} is defined twice")
        if not isinstance(terms, list) or not terms:
            raise TableError(f"{where}: list {name!r} must be a non-empty list of phrases")
        table.lists[name] = tuple(str(t) for t in terms)


def _resolve_includes(table: Table) -> None:
    def flat(name: str, seen: tuple[str, ...]) -> list[str]:
        if name in seen:
            raise TableError(f"list {name!r} includes itself")
        if name not in table.lists:
            raise TableError(f"unknown list @{name} (included by {seen[-1]})")
        out: list[str] = []
        for t in table.lists[name]:
            out += flat(t[1:], (*seen, name)) if t.startswith("@") else [t]
        return out
    table.lists = {n: tuple(dict.fromkeys(flat(n, ()))) for n in table.lists}


def _rule(table: Table, spec: dict[str, Any], kind: str, where: str) -> TableRule:
    rid = str(spec.get("id", ""))
    parts = rid.split(".")
    if len(parts) != 3:
        raise TableError(f"{where}: rule id {rid!r} must be detector.lang.name")
    template = str(spec.get("pattern", ""))
    used = tuple(dict.fromkeys(n for n in _REF.findall(template) if n != "brand"))
    for n in used:
        if n not in table.lists:
            raise TableError(f"{where}: {rid}: unknown list {{{n}}}")
    scope = str(spec.get("scope", "sentence"))
    direction = str(spec.get("direction", "both"))
    if scope not in SCOPES or direction not in DIRECTIONS:
        raise TableError(f"{where}: {rid}: scope must be one of {SCOPES}, direction one of {DIRECTIONS}")
    examples = tuple(str(e) for e in spec.get("examples") or ())
    if not examples:
        raise TableError(f"{where}: {rid}: no examples (every rule and trigger carries its own)")
    # Contractions in templates match without the apostrophe too, like list phrases ("doesn't" -> "doesnt").
    pattern = table.expand(_NT.sub("n'?t", template), "\u2039brand\u203a")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise TableError(f"{where}: {rid}: invalid pattern: {exc}") from exc
    anchors = _anchors(table, spec, template)
    return TableRule(
        id=rid, detector=parts[0], lang=parts[1], name=parts[2], kind=kind,
        family=str(spec.get("family") or spec.get("category") or parts[2]), scope=scope, direction=direction,
        template=template, pattern=pattern, anchors=anchors, requires=_requires(table, spec, template, anchors),
        lists=used,
        needs=tuple(spec.get("needs") or ()), examples=examples,
        near_misses=tuple(str(e) for e in spec.get("near_misses") or ()), source=where)


@cache
def load_table(directory: Path = DATA_DIR) -> Table:
    """Read every ``*.yaml`` under ``directory`` into one :class:`Table` (cached per directory).

    Raises TableError naming the file and rule for unknown lists, missing examples, bad regexes.
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    table = Table()
    docs = []
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            doc = yaml.load(path.read_text(encoding="utf-8")) or {}
        except Exception as exc:  # ruamel raises many types; one line naming the file
            raise TableError(f"{path.name}: cannot be read as YAML: {exc}") from exc
        docs.append((path.name, doc))
        _load_lists(table, doc.get("lists"), path.name)
    _resolve_includes(table)
    ids: set[str] = set()
    for name, doc in docs:
        table.conditions.update({str(k): str(v) for k, v in (doc.get("conditions") or {}).items()})
        for kind, key in (("include", "rules"), ("exclude", "triggers")):
            for spec in doc.get(key) or ():
                rule = _rule(table, spec, kind, name)
                if rule.id in ids:
                    raise TableError(f"{name}: rule id {rule.id!r} is defined twice")
                ids.add(rule.id)
                table.rules.append(rule)
    for rule in table.rules:
        for need in rule.needs:
            if need not in table.conditions:
                raise TableError(f"{rule.source}: {rule.id}: unknown condition {need!r}")
    return table
