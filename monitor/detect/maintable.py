"""The maintenance rule table (``monitor/detect/tables/maintenance.yaml``): word lists, rules, examples.

:func:`table` loads and compiles it once per process. A rule is a regex template over named word
lists of its language (``{name}``), with a family (``announce`` includes; ``completed``, ``incident``,
``other`` exclusions), a scope (``text`` or ``lead``), ``anchors`` (the literals every match
contains: the prefilter's keys, taken from the word lists rather than parsed out of the regex), and
its own ``examples`` and ``near_misses`` (run by ``tests/test_maintenance_table.py``).
``mention-monitor rules`` lists them (``monitor.detect.runner.list_rules``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from monitor.errors import MonitorError

PATH = Path(__file__).with_name("tables") / "maintenance.yaml"
INCLUDE_FAMILIES = frozenset({"announce"})
FLAGS = re.IGNORECASE | re.MULTILINE
_REF = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(slots=True)
class TableRule:
    name: str
    lang: str
    family: str
    scope: str
    pattern: str  # the template as written
    regex: re.Pattern[str]
    anchors: frozenset[str] | None  # None: no literal known (the rule always runs)
    lists: tuple[str, ...]
    # Every set here has a member in each match (``anchors`` and the table's ``requires``): checked
    # with ``in`` before the regex runs, so a common word alone ("will") costs no regex.
    requires: tuple[frozenset[str], ...] = ()
    examples: list[str] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)

    @property
    def include(self) -> bool:
        return self.family in INCLUDE_FAMILIES


@dataclass(slots=True)
class Table:
    words: dict[str, dict[str, list[str]]]
    regex_lists: set[tuple[str, str]]
    rules: list[TableRule]
    kinds: dict[str, re.Pattern[str]]


def _alternation(words: list[str], regex: bool) -> str:
    alts = words if regex else [r"\s+".join(re.escape(w) for w in word.split()) for word in words]
    return "(?:" + "|".join(sorted(alts, key=len, reverse=True)) + ")"


def _word_list(raw: Any) -> tuple[list[str], bool]:
    if isinstance(raw, dict):
        return [str(w) for w in raw["words"]], bool(raw.get("regex"))
    return [str(w) for w in raw], False


def _anchors(spec: Any, lang_words: dict[str, list[str]], regex_lists: set[str]) -> frozenset[str] | None:
    if spec is None:
        return None
    names = spec if isinstance(spec, list) else [spec]
    out: set[str] = set()
    for name in names:
        if name in lang_words and name not in regex_lists:
            # A multi-word entry matches across any whitespace: its longest word is the literal.
            out.update(max(w.casefold().split(), key=len) for w in lang_words[name])
        else:
            out.add(str(name).casefold())  # a literal written in place
    return frozenset(out)


def _expand(template: str, alts: dict[str, str]) -> str:
    return _REF.sub(lambda m: alts[m.group(1)], template)


def compile_table(doc: dict[str, Any]) -> Table:
    """Compile a parsed table; raises MonitorError naming the rule and list for a bad reference."""
    words: dict[str, dict[str, list[str]]] = {}
    regex_lists: set[tuple[str, str]] = set()
    for lang, lists in (doc.get("words") or {}).items():
        words[lang] = {}
        for name, raw in lists.items():
            words[lang][name], is_regex = _word_list(raw)
            if is_regex:
                regex_lists.add((lang, name))
    rules = []
    for r in doc.get("rules") or []:
        lang = r["lang"]
        lang_words = words.get(lang, {})
        used = tuple(_REF.findall(r["pattern"]))
        missing = [n for n in used if n not in lang_words]
        if missing:
            raise MonitorError(f"{PATH.name}: rule {r['name']} uses unknown word list(s) {', '.join(missing)}")
        alts = {n: _alternation(lang_words[n], (lang, n) in regex_lists) for n in used}
        pattern = _expand(r["pattern"], alts)
        rules.append(TableRule(
            name=r["name"], lang=lang, family=r["family"], scope=r.get("scope", "text"), pattern=r["pattern"],
            regex=re.compile(pattern, FLAGS), lists=used,
            anchors=_anchors(r.get("anchors"), lang_words, {n for lg, n in regex_lists if lg == lang}),
            requires=tuple(a for a in (_anchors(x, lang_words, {n for lg, n in regex_lists if lg == lang})
                                       for x in [r.get("anchors"), *(r.get("requires") or [])]) if a),
            examples=list(r.get("examples") or []), near_misses=list(r.get("near_misses") or [])))
    kinds = {}
    for kind, raw in (doc.get("kinds") or {}).items():
        ws, is_regex = _word_list(raw)
        kinds[kind] = re.compile(_alternation(ws, is_regex), FLAGS)
    return Table(words, regex_lists, rules, kinds)


@lru_cache(maxsize=1)
def table() -> Table:
    """The built-in table, compiled once."""
    from ruamel.yaml import YAML

    with PATH.open(encoding="utf-8") as fh:
        doc = YAML(typ="safe").load(fh)
    return compile_table(doc)
