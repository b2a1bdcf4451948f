"""A reader that stops early (`mention-monitor detect posts.jsonl | head`) is not an error: exit 0, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def test_closed_stdout_exits_0_quietly(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("brand: {names: [Bitpie]}\nsources: []\n", encoding="utf-8")
    posts = tmp_path / "posts.jsonl"
    # far more output than a pipe buffer (64 KiB) holds, so the writer meets the closed pipe
    posts.write_text("".join(json.dumps({"id": str(i), "text": f"support never replied, day {i}"}) + "\n"
                             for i in range(20_000)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg), "detect", str(posts)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0, err
    assert json.loads(first)["id"] == "0"
    assert "Traceback" not in err and "Broken pipe" not in err


def test_a_broken_pipe_that_is_not_stdout_is_an_error(monkeypatch: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from monitor import checks
    from monitor.cli import cli

    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"brand: {{names: [Bitpie]}}\ndata_dir: {tmp_path / 'data'}\nsources: []\n", encoding="utf-8")

    def lines(*_a: object, **_k: object) -> list[str]:
        raise BrokenPipeError(32, "a socket closed by its peer")  # stdout itself is fine

    monkeypatch.setattr(checks, "status_lines", lines)
    res = CliRunner().invoke(cli, ["--config", str(cfg), "status"])
    assert res.exit_code == 1  # click's own handling of an unexpected EPIPE: a failure, not a quiet 0
