"""Config patterns are prepared in one place: literal text folded like posts, regex syntax untouched."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from monitor.detect import DetectInput, build_detector
from monitor.detect.patterns import prepare_pattern, prepared_differences
from monitor.textnorm import normalize
from tests.conftest import base_config

# Kind 1: escapes and syntax that folding the whole pattern string would change.
# (written, must match in the normalised text, must NOT match in the normalised text)
SYNTAX_KEPT = [
    (r"停服\S{0,2}通知", "停服的通知", "停服 通知"),  # \S must not become \s
    (r"support\W+team", "support - team", "support_team"),  # \W must not become \w
    (r"ticket\D+open", "ticket is open", "ticket 42 open"),  # \D must not become \d
    (r"\Bpie\b", "bitpie", "pie"),  # \B must not become \b
    (r"\N{LATIN SMALL LETTER A}pp", "app", "opp"),  # \N{NAME} keeps its upper-case name
    (r"\u4E00直没回", "一直没回", "二直没回"),  # \uXXXX stays a code point escape
    (r"客服[^\S\n]+不回", "客服  不回", "客服\n不回"),  # class escapes stay put
    (r"(?P<Agent>客服)\s*(?P=Agent)", "客服 客服", "客服 人工"),  # group names keep their case
    (r"(?i)NO\s+REPLY", "no reply", "no-reply"),  # inline flags kept, literal folded
    (r"等了\d{2,3}天", "等了12天", "等了1天"),  # a quantifier keeps its braces
    (r"wait(?#Comment)ing", "waiting", "wait ing"),  # comments stay comments
    (r"(?:DM|PM)\s?me", "dm me", "dx me"),
    (r"fee\Z", "the fee", "fee more"),
]

# Kind 2: literal text that must be folded like the posts are.
# (written, prepared form, text it must match after normalisation)
LITERAL_FOLDED = [
    ("客服不回覆", "客服不回复", "客服不回覆"),  # traditional -> simplified
    ("聯繫不上客服", "联系不上客服", "聯繫不上客服"),
    ("ＳＵＰＰＯＲＴ", "support", "support"),  # full-width -> ASCII
    ("等了３天", "等了3天", "等了3天"),
    ("NO REPLY", "no reply", "No Reply"),  # upper -> lower
    ("STRASSE", "strasse", "Straße"),  # casefold, not lower()
    ("ß+", "(?:ss)+", "ss"),  # a quantified letter that folds to two stays one atom
    ("客服不回覆+", "客服不回复+", "客服不回覆"),  # folded as a phrase, then the quantified character split off
    ("（客服）", r"\(客服\)", "(客服)"),  # full-width punctuation folds to ASCII and is escaped
    ("｛２，３｝", r"\{2\,3\}", "{2,3}"),  # a full-width brace is literal text, never a quantifier
    ("[Ａ-Ｚ]+客服", "[a-z]+客服", "ab客服"),  # a range folds when every member does
    (r"\（工单\）", r"\(工单\)", "(工单)"),
    ("(?x) 客服 　回复", r"(?x) 客服 \ 回复", "客服 回复"),  # verbose: a folded U+3000 stays a literal space
]


@pytest.mark.parametrize(("written", "hit", "miss"), SYNTAX_KEPT)
def test_folding_never_changes_regex_syntax(written: str, hit: str, miss: str) -> None:
    prepared = prepare_pattern(written)
    rx = re.compile(prepared, re.IGNORECASE)
    assert rx.search(normalize(hit)), (written, prepared)
    assert not rx.search(normalize(miss)), (written, prepared)


@pytest.mark.parametrize(("written", "prepared", "text"), LITERAL_FOLDED)
def test_literal_text_is_folded_like_posts(written: str, prepared: str, text: str) -> None:
    assert prepare_pattern(written) == prepared
    assert re.compile(prepared, re.IGNORECASE).search(normalize(text))


# [A-z] holds [ \\ ] ^ _ ` too; a CJK range does not fold member by member; ß folds to two letters and
# cannot live in a class; \\1 is a back-reference; "{b}" is no quantifier (literal text, as in re).
@pytest.mark.parametrize(("written", "prepared"), [
    (r"[A-z]", r"[A-z]"), (r"[一-龥]", r"[一-龥]"), (r"[ß]", r"[ß]"), (r"(a)\1", r"(a)\1"),
    (r"A{b}", r"a\{b\}"), (r"x\\Y", r"x\\y"),  # a changed run is re-escaped: still "a{b}" literally
])
def test_ranges_members_and_references_that_cannot_fold_stay_as_written(written: str, prepared: str) -> None:
    assert prepare_pattern(written) == prepared
    assert re.compile(prepared).pattern == prepared
    if "{b" in written:
        assert re.compile(prepared).fullmatch("a{b}")


def test_an_invalid_pattern_stays_invalid() -> None:
    for bad in (r"客服(不回", r"[abc", "\\", r"(?P<1x>a)"):
        with pytest.raises(re.error):
            re.compile(prepare_pattern(bad))


def test_config_patterns_go_through_it_in_every_detector(tmp_path: Path) -> None:
    cfg = base_config(tmp_path, detection={
        "complaint": {"mode": "replace", "zh": {"include": [r"停服\S{0,2}通知"]}},
        "maintenance": {"zh": {"include": [r"停機\S{0,2}維護"]}},
        "topics": {"fees": [r"ＦＥＥ\W"]},
    })
    det = build_detector(cfg)
    assert det.detect(DetectInput("1", "收到停服的通知了")).complaint
    assert not det.detect(DetectInput("2", "收到停服 通知了")).complaint  # \S kept: a space does not count
    assert det.detect(DetectInput("3", "the fee? too high")).topics == ["fees"]
    from monitor.detect import maintenance

    include, _ = maintenance.rules(cfg)
    user = [rx for name, rx in include if name.startswith("config.")]
    assert [rx.pattern for rx in user] == [r"停机\S{0,2}维护"]
    assert user[0].search(normalize("明天停機 維護")) is None and user[0].search(normalize("停機的維護"))


def test_check_config_lists_prepared_forms_that_differ(tmp_path: Path) -> None:
    cfg = base_config(tmp_path, detection={
        "complaint": {"zh": {"include": [r"客服不回覆", r"停服\S{0,2}通知"]}},
        "topics": {"x": ["ＡＢＣ"]},
    })
    diffs = prepared_differences(cfg)
    assert diffs == [("detection.complaint.zh.include[0]", "客服不回覆", "客服不回复"),
                     ("detection.topics.x[0]", "ＡＢＣ", "abc")]
    from monitor.checks import pattern_lines

    lines = pattern_lines(cfg)
    assert lines[0].startswith("detection rules fingerprint: ")
    assert any("detection.complaint.zh.include[0]" in ln and "客服不回复" in ln for ln in lines)
    assert not any("include[1]" in ln for ln in lines)  # unchanged patterns are not listed
    from monitor.detect import list_rules

    shown = list_rules(cfg)
    assert any(ln.endswith("客服不回覆  (matched as 客服不回复)") for ln in shown)
    assert any(ln.endswith(r"停服\S{0,2}通知") for ln in shown)


def _demo_texts() -> list[str]:
    import json

    path = Path(__file__).resolve().parents[1] / "monitor" / "demo_data" / "twarc_2026-11-16_22_flat.jsonl"
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [*texts, "客服！！三天不回？？", "support??? no reply, 3 days",
            "（工单）等了２天，没人理", "ＤＭ\u3000us now"]


def test_built_in_patterns_are_already_prepared(tmp_path: Path) -> None:
    """The built-in rules are written in folded form: preparing them changes no match on normalised text
    (a broad check that the tokenizer keeps syntax: ~200 patterns, thousands of alternatives)."""
    from monitor.detect import maintenance
    from monitor.detect.engine import effective_rules

    patterns = [(r.pattern, re.ASCII if r.lang in ("en", "any") else 0)
                for r in effective_rules(base_config(tmp_path)) if r.origin == "built-in"]
    include, exclude = maintenance.rules(None)
    patterns += [(rx.pattern, rx.flags) for _n, rx in include + exclude]
    texts = [normalize(t) for t in _demo_texts()]
    assert len(patterns) > 50 and len(texts) > 300
    matched = 0
    for pattern, flags in patterns:
        a, b = re.compile(pattern, flags), re.compile(prepare_pattern(pattern), flags)
        for t in texts:
            spans = [m.span() for m in a.finditer(t)]
            assert spans == [m.span() for m in b.finditer(t)], (pattern, t)
            matched += bool(spans)
    assert matched > 100  # the comparison saw real matches, not only misses


# (written, prepared) pieces: syntax that must survive, literal text that must fold. Random sequences
# of them (seeded) must prepare to the sequence of the prepared pieces, and compile when joined.
_SYNTAX = [r"\S", r"\W", r"\D", r"\B", r"\b", r"\s", r"\d", r"\w", r"\N{DIGIT ONE}", r"\u4E00", r"\x41", r"\.",
           r"[^\S\n]", r"[\W_]", ".", "{2,3}", "{1}", "*", "+?", "?", "{,2}"]
_LITERAL = [("SUPPORT", "support"), ("Ticket", "ticket"), ("ＤＭ", "dm"), ("３天", "3天"), ("客服", "客服"),
            ("回覆", "回复"), ("聯繫", "联系"), ("（", r"\("), ("？", r"\?"), ("ｘ", "x"), ("no", "no"),
            ("[Ａ-Ｚ]", "[a-z]"), ("[A-Z]", "[a-z]")]


def _random_pattern(rng: Any) -> tuple[str, str]:
    written: list[str] = []
    prepared: list[str] = []
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.5:
            w, p = rng.choice(_LITERAL)
        else:
            w = rng.choice(_SYNTAX)
            if w.startswith(("{", "*", "+", "?")) and (not written or written[-1].endswith(
                    ("}", "*", "?", "+", r"\b", r"\B"))):
                w = r"\S"  # a quantifier needs something to repeat
            p = w
        if rng.random() < 0.15 and not p.startswith(("{", "*", "+", "?")):
            w, p = f"(?P<Grp{len(written)}>{w})", f"(?P<Grp{len(written)}>{p})"
        written.append(w)
        prepared.append(p)
    return "".join(written), "".join(prepared)


def test_random_mixes_of_syntax_and_literals_prepare_piecewise() -> None:
    import random

    rng = random.Random(20261129)
    for _ in range(400):
        written, expected = _random_pattern(rng)
        assert prepare_pattern(written) == expected, written
        re.compile(expected)


def test_a_cantonese_config_pattern_is_folded_like_posts() -> None:
    """Config literals get the same fold as posts (textnorm.fold), Cantonese included: 冇人覆 -> 没人回."""
    from monitor.detect.patterns import prepare_pattern
    from monitor.textnorm import normalize

    for literal in ("冇人覆", "唔覆email", "覆咗"):
        assert prepare_pattern(literal) == normalize(literal), literal
