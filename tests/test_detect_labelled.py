"""The detectors on the labelled real posts (../shared/data/labelled, development third): quality targets.

Skips cleanly when the shared data is absent. The same figures, with the misclassified examples, are
printed by ``make eval``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.errors import MonitorError
from monitor.evaluate import eval_notices, eval_posts, evaluate, failures
from tests.conftest import base_config


def test_complaint_targets_on_labelled_posts(shared_data: Path, tmp_path: Path) -> None:
    files = sorted((shared_data / "labelled").glob("posts_*.jsonl"))
    assert files, "posts_*.jsonl missing from the labelled set"
    conf, notes = eval_posts(base_config(tmp_path), files)
    for lang in ("en", "zh"):
        c = conf[f"complaint/{lang}"]
        assert c.tp + c.fn >= 40  # the README's positives: 59 en, 51 zh
        assert c.precision >= 0.90, c.line(lang)
        assert c.recall >= 0.85, c.line(lang)
    assert any("claimed wait exact" in n for n in notes)
    assert failures(conf) == []


def test_maintenance_through_notices_functions(shared_data: Path, tmp_path: Path) -> None:
    files = sorted((shared_data / "labelled").glob("notices_*.jsonl"))
    conf, notes = eval_notices(base_config(tmp_path), files)
    assert {"maintenance/en", "maintenance/zh"} <= set(conf)
    assert all(conf[k].f1 >= 0.95 for k in ("maintenance/en", "maintenance/zh"))
    assert any(n.startswith("window exact (zh all)") for n in notes)


def test_evaluate_returns_lines_and_verdict(shared_data: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    lines, ok = evaluate(shared_data / "labelled", examples=2)
    assert any(x.startswith("complaint/en ") and "tp=" in x for x in lines)
    assert any(x.startswith("complaint/zh ") for x in lines)
    # Both batches, each source on its own line; the verdict agrees with the BELOW TARGET lines.
    assert any(x.startswith("complaint/en@b2 ") for x in lines)
    assert any(x.startswith("complaint/zh@b2/hkvb ") for x in lines)
    assert ok == (not any(x.startswith("BELOW TARGET") for x in lines))
    assert not any(x.startswith("  FN ") for x in lines)  # the rows it gets wrong only with verbose
    vlines, _ = evaluate(shared_data / "labelled", examples=2, verbose=True)
    assert any(x.startswith(("  FN ", "  FP ")) for x in vlines)
    assert capsys.readouterr().out == ""  # library code does not print
    with pytest.raises(MonitorError, match="labelled data not found"):
        evaluate(tmp_path / "nowhere")


def test_maintenance_shortcut_exact_on_labelled_notices(shared_data: Path, tmp_path: Path) -> None:
    import json

    from monitor.detect import DetectInput, build_detector
    from monitor.detect.maintenance import maintenance_evidence

    cfg = base_config(tmp_path)
    det = build_detector(cfg)
    for path in sorted((shared_data / "labelled").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            got = det.detect(DetectInput(id=str(row["id"]), text=row["text"])).maintenance
            assert got == bool(maintenance_evidence(row["text"], cfg)), row["id"]


def test_eval_command_prints_checks_and_skips(shared_data: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    res = CliRunner().invoke(cli, ["eval", str(shared_data / "labelled"), "--examples", "1"])
    assert res.exit_code == 0, res.output
    assert "complaint/en" in res.output and "maintenance/zh" in res.output
    res = CliRunner().invoke(cli, ["eval", str(tmp_path / "nowhere"), "--check"])
    assert res.exit_code == 0
    assert "nothing to evaluate" in res.output
    # A missed target fails --check: a labelled set where every post is a complaint nobody would flag.
    bad = tmp_path / "bad"
    bad.mkdir()
    row = {"id": "x:1", "text": "lovely weather today", "lang": "en", "complaint": True}
    (bad / "posts_en.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["eval", str(bad), "--check"])
    assert res.exit_code == 1
    assert "BELOW TARGET complaint/en" in res.output
    assert CliRunner().invoke(cli, ["eval", str(bad)]).exit_code == 0
