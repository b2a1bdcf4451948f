"""The maintenance rule table (monitor/detect/tables/maintenance.yaml): every rule's own examples and
near misses run here, asserting the label (maintenance or not), not which rule fired."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.detect import maintable
from monitor.detect.maintenance import include_anchors, maintenance_evidence
from monitor.errors import MonitorError
from monitor.textnorm import normalize

RULES = maintable.table().rules


def _cases(kind: str) -> list[tuple[str, str]]:
    return [(r.name, text) for r in RULES for text in getattr(r, kind)]


# An announce rule's examples are maintenance notices; an exclusion's examples are not (it vetoes them).
@pytest.mark.parametrize(("rule", "text"), _cases("examples"), ids=[f"{n}-{i}" for i, (n, _) in
                                                                     enumerate(_cases("examples"))])
def test_examples(rule: str, text: str) -> None:
    r = next(x for x in RULES if x.name == rule)
    assert bool(maintenance_evidence(text)) is r.include, text


@pytest.mark.parametrize(("rule", "text"), _cases("near_misses"), ids=[f"{n}-{i}" for i, (n, _) in
                                                                        enumerate(_cases("near_misses"))])
def test_near_misses(rule: str, text: str) -> None:
    r = next(x for x in RULES if x.name == rule)
    assert bool(maintenance_evidence(text)) is not r.include, text


def test_every_rule_has_examples_and_near_misses() -> None:
    assert RULES
    for r in RULES:
        assert r.examples and r.near_misses, r.name
        assert r.family in {"announce", "completed", "incident", "other"} and r.scope in {"text", "lead"}


def test_announce_examples_are_found_by_their_own_rule_and_anchors() -> None:
    """Each include rule matches its own examples, and every match holds one of its anchors (the
    prefilter would otherwise skip a notice the rule finds)."""
    for r in RULES:
        if not r.include:
            continue
        assert r.anchors, r.name
        for text in r.examples:
            norm = normalize(text)
            m = r.regex.search(norm)
            assert m, (r.name, text)
            for req in r.requires:  # the anchors and every `requires` list
                assert any(a in m.group(0) for a in req), (r.name, m.group(0), sorted(req))


def test_include_anchors_cover_config_patterns(tmp_path: Path) -> None:
    from tests.conftest import base_config

    cfg = base_config(tmp_path, detection={"maintenance": {"zh": {"include": ["钱包.{0,4}停机"]}}})
    anchors = include_anchors(cfg)
    assert len(anchors) == sum(r.include for r in RULES) + 1
    assert anchors[-1] and "钱包" in "".join(anchors[-1])


def test_unknown_word_list_is_a_clear_error() -> None:
    doc = {"words": {"en": {"x": ["a"]}}, "rules": [{"name": "en.bad", "lang": "en", "family": "announce",
                                                     "pattern": "{y}"}]}
    with pytest.raises(MonitorError, match=r"en\.bad uses unknown word list"):
        maintable.compile_table(doc)
