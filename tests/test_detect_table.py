"""The rule table (monitor/detect/data/*.yaml): every rule and trigger is tested from its own examples.

The assertions are about the label a post gets, not which rule named itself: a rule's example must be a
complaint (urgency rules: a high-urgency complaint), its near-misses must not; a trigger's example must
hold a match of the trigger and of some include, and still not be labelled.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.detect import DetectInput, build_detector
from monitor.detect.engine import BRAND_TOKEN, Detector
from monitor.detect.table import Table, TableError, _alternation, _required_lists, load_table
from tests.conftest import base_config

TABLE = load_table()
INCLUDES = [r for r in TABLE.rules if r.kind == "include"]
TRIGGERS = [r for r in TABLE.rules if r.kind == "exclude"]


@pytest.fixture(scope="module")
def det(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return build_detector(base_config(tmp_path_factory.mktemp("table")))


def _label(det: Detector, detector: str, text: str) -> bool:
    res = det.detect(DetectInput(id="x", text=text))
    return res.complaint if detector == "complaint" else res.urgency == "high"


@pytest.mark.parametrize(("rule", "text"), [(r.id, t) for r in INCLUDES for t in r.examples])
def test_rule_examples_are_labelled(det: Detector, rule: str, text: str) -> None:
    assert _label(det, rule.split(".")[0], text), f"{rule}: {text}"


@pytest.mark.parametrize(("rule", "text"), [(r.id, t) for r in INCLUDES for t in r.near_misses])
def test_rule_near_misses_are_not(det: Detector, rule: str, text: str) -> None:
    assert not _label(det, rule.split(".")[0], text), f"{rule}: {text}"


@pytest.mark.parametrize(("rule", "text"), [(r.id, t) for r in TRIGGERS for t in r.examples])
def test_trigger_examples_are_vetoed(det: Detector, rule: str, text: str) -> None:
    trig = next(r for r in TABLE.rules if r.id == rule)
    folded = det.normalize(text)
    assert re.search(trig.pattern.replace(BRAND_TOKEN, "bitpie"), folded), "the trigger must occur in its example"
    includes = [r for r in INCLUDES if (r.detector == trig.detector and r.lang in (trig.lang, "any"))
                or (trig.lang == "any" and r.detector == trig.detector)]
    assert any(re.search(r.pattern.replace(BRAND_TOKEN, "bitpie"), folded) for r in includes), \
        "an include must fire, or the example shows nothing"
    assert not _label(det, trig.detector, text), f"{rule}: {text}"


def test_every_rule_and_trigger_has_examples_and_a_family() -> None:
    assert len(INCLUDES) >= 60 and len(TRIGGERS) >= 20
    for r in TABLE.rules:
        assert r.examples, r.id
        assert r.family and r.scope in ("clause", "sentence", "post"), r.id


def test_prefilter_literals_come_from_lists_or_the_table() -> None:
    for r in TABLE.rules:
        assert r.anchors is None or all(isinstance(a, str) and a for a in r.anchors), r.id
        # A built-in rule without anchors would run its regex on every post.
        assert r.anchors, f"{r.id}: no prefilter literals; compose a list or give anchors:"
    assert _required_lists("{a}\\s+{b}?x{c}") == ["a", "c"]
    assert _required_lists("{a}|{b}") == []
    assert _required_lists("(?:{a}|x){b}") == ["b"]


@pytest.mark.parametrize("rule", [r.id for r in TABLE.rules if r.anchors is not None])
def test_anchors_occur_wherever_the_rule_matches(det: Detector, rule: str) -> None:
    """The prefilter is exact: on every example text the rule matches, one of its anchors occurs."""
    r = next(x for x in TABLE.rules if x.id == rule)
    rx = re.compile(r.pattern.replace(BRAND_TOKEN, "bitpie"))
    for text in r.examples + r.near_misses:
        folded = det.normalize(text)
        if rx.search(folded):
            assert any(a in folded for a in r.anchors or ()), f"{rule}: no anchor in {text!r}"
            for group in r.requires:
                assert any(a in folded for a in group), f"{rule}: none of {sorted(group)[:5]} in {text!r}"


def test_phrases_with_nt_also_match_without_the_apostrophe() -> None:
    rx = re.compile(_alternation(("hasn't", "can't reach", "n't", "we're")))
    for text in ("hasn't", "hasnt", "cant reach", "can't reach", "we're"):
        assert rx.fullmatch(text), text
    assert not rx.fullmatch("were")  # only n't contractions: "we're" -> "were" is another word
    assert not rx.fullmatch("nt")


def test_guards_are_kept_and_phrases_escaped() -> None:
    rx = re.compile(_alternation(("不回(?!来|去)", "\\bno reply", "c.s")))
    assert rx.search("客服不回") and not rx.search("不回来")
    assert rx.search("no reply") and not rx.search("ano reply")
    assert rx.search("c.s") and not rx.search("cxs")


def test_table_errors_name_file_and_rule(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("lists:\n  x: [a]\nrules:\n  - id: complaint.en.r\n    pattern: '{y}'\n"
                                     "    examples: [a]\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"a.yaml: complaint.en.r: unknown list \{y\}"):
        load_table(tmp_path)
    (tmp_path / "a.yaml").write_text("lists:\n  x: [a]\nrules:\n  - id: complaint.en.r\n    pattern: '{x}'\n",
                                     encoding="utf-8")
    with pytest.raises(TableError, match="no examples"):
        load_table(tmp_path)


def test_list_includes_resolve() -> None:
    t = Table(lists={"a": ("x", "@b"), "b": ("y", "z")})
    from monitor.detect.table import _resolve_includes

    _resolve_includes(t)
    assert t.lists["a"] == ("x", "y", "z")
