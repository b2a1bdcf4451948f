"""`rules` filters and short view, `detect` skipping bad lines (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "c.yaml"
    path.write_text("brand: {names: [Bitpie]}\ndetection:\n  urgency: {zh: {include: ['急急急']}}\n", encoding="utf-8")
    return str(path)


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines()[1:] if line and not line.startswith("(")]


@pytest.mark.parametrize(("args", "detectors", "langs"), [
    (["--detector", "urgency"], {"urgency"}, {"en", "zh"}),
    (["--detector", "urgency", "--lang", "zh"], {"urgency"}, {"zh"}),
    (["--lang", "en"], {"complaint", "urgency", "impersonation", "topic", "maintenance"}, {"en", "any"}),
    (["--detector", "maintenance", "--lang", "en"], {"maintenance"}, {"en"}),  # the built-in table too
])
def test_rules_filters(cfg: str, args: list[str], detectors: set[str], langs: set[str]) -> None:
    res = CliRunner().invoke(cli, ["--config", cfg, "rules", *args])
    assert res.exit_code == 0, res.output
    got = rows(res.output)
    assert got and {r[0] for r in got} <= detectors and {r[1] for r in got} == langs


def test_rules_short_view_counts_builtin_and_config(cfg: str) -> None:
    full = rows(CliRunner().invoke(cli, ["--config", cfg, "rules", "--detector", "urgency", "--lang", "zh"]).output)
    short = CliRunner().invoke(cli, ["--config", cfg, "rules", "--short", "--detector", "urgency", "--lang", "zh"])
    assert short.output.splitlines()[0].split() == ["detector", "lang", "built-in", "config"]
    (row,) = rows(short.output)
    assert row[:2] == ["urgency", "zh"] and int(row[3]) == 1 and int(row[2]) + 1 == len(full)


@pytest.mark.parametrize("bad", ["not json", '{"id": 2}', '{"id": null, "text": "x"}', "[1, 2]",
                                 '{"id": 5, "text": "x", "created_at": "yesterday-ish"}'])
def test_detect_skips_a_bad_line_and_labels_the_rest(cfg: str, bad: str) -> None:
    lines = ['{"id": 1, "text": "support never replies to my ticket"}', bad, '{"id": 3, "text": "客服三天不回复"}']
    res = CliRunner().invoke(cli, ["--config", cfg, "detect"], input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["1", "3"] and all(o["complaint"] for o in out)
    assert res.exit_code == 1
    assert "input line 2:" in res.stderr and "(line skipped)" in res.stderr
    assert "1 input line(s) skipped" in res.stderr


def test_detect_help_documents_the_fields_that_change_results(cfg: str) -> None:
    text = CliRunner().invoke(cli, ["detect", "--help"]).output
    for field in ("created_at", "published", "in_reply_to", "author_handle"):
        assert field in text


def test_import_prints_one_line_per_file_and_nothing_new_on_the_second_run(tmp_path: Path) -> None:
    fixtures = Path(__file__).resolve().parent / "fixtures" / "twarc"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"brand: {{names: [Bitpie]}}\ndata_dir: {tmp_path / 'data'}\n", encoding="utf-8")
    files = [str(fixtures / "flat.jsonl"), str(fixtures / "pages.jsonl")]
    first = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "import", *files])
    assert first.exit_code == 0, first.output
    # the two fixtures hold the same six tweets, flattened and as raw pages
    assert first.output.splitlines() == [f"{files[0]}: read=6 new=6",
                                         f"{files[1]}: read 6, all already in the store: nothing new"]
    again = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "import", *files])
    assert again.output.splitlines() == [f"{f}: already imported: nothing new" for f in files]
