"""check-config (issue 12): every problem in one round, one line each, in our words."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli


def run(tmp_path: Path, text: str) -> tuple[int, list[str]]:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "check-config"])
    return res.exit_code, [line for line in res.output.splitlines() if line]


def test_schema_and_regex_problems_in_one_round(tmp_path: Path) -> None:
    code, lines = run(tmp_path, "brand: {names: [B]}\nreport: {unanswerd_limit: 5}\n"
                                "detection: {complaint: {en: {include: ['(unclosed']}, zh: {exclude: ['[']}}}\n")
    assert code == 1
    assert lines[0] == "config error: report.unanswerd_limit: unknown setting 'unanswerd_limit'; " \
                       "did you mean 'unanswered_limit'?"
    assert any(line.startswith("config error: detection.complaint.en.include[0]: invalid regex") for line in lines)
    assert any(line.startswith("config error: detection.complaint.zh.exclude[0]: invalid regex") for line in lines)
    assert len(lines) == 3


@pytest.mark.parametrize(("value", "shown"), [("2026-02-30", "2026-02-30"), ("2026-13-01", "2026-13-01"),
                                               ("2025-02-29", "2025-02-29")])
def test_an_invalid_date_is_one_line(tmp_path: Path, value: str, shown: str) -> None:
    code, lines = run(tmp_path, f"brand: {{names: [B]}}\nreport:\n  business_hours: {{holidays: [{value}]}}\n")
    assert code == 1 and len(lines) == 1, lines
    assert f"(line 3: {shown})" in lines[0] and "write dates as real YYYY-MM-DD days" in lines[0]
    assert "Traceback" not in lines[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("sources:\n  - {name: notes, type: feed, url: 'file:///nonexistent/dir/feed.xml'}\n",
     "config error: sources[0] (notes).url: /nonexistent/dir/feed.xml does not exist"),
    ("official_accounts: [{platform: twiter, handle: x}]\n",
     "config error: official_accounts[0].platform: unknown platform 'twiter'; did you mean 'twitter'?"),
    ("official_accounts: [{platform: weibbo, handle: x}]\nsources:\n"
     "  - {name: wb, type: feed, platform: weibo, url: 'https://rsshub.example/wb'}\n",
     "config error: official_accounts[0].platform: unknown platform 'weibbo'; did you mean 'weibo'?"),
    ("sources:\n  - {name: a, type: feed, url: 'https://x.example/f', enabled: maybe}\n",
     "config error: sources[0] (a).enabled: must be true or false, not 'maybe'"),
])
def test_problems_name_the_source_and_suggest(tmp_path: Path, text: str, expected: str) -> None:
    code, lines = run(tmp_path, "brand: {names: [B]}\n" + text)
    assert code == 1
    assert any(line.startswith(expected) for line in lines), lines


def test_an_unusual_but_intended_platform_is_fine(tmp_path: Path) -> None:
    code, lines = run(tmp_path, "brand: {names: [B]}\nofficial_accounts: [{platform: mastodon, handle: x}]\n")
    assert code == 0, lines
