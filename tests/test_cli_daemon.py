"""The daemon as a real process: starts, holds the lock against a second instance, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _wait_for(proc: subprocess.Popen[str], needle: str, timeout: float = 30.0) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        if needle in line:
            return seen
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"{needle!r} not seen; stderr so far:\n{seen}")


def test_daemon_stops_on_sigterm_and_locks_out_a_second_instance(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("brand:\n  names: [Bitpie]\ndata_dir: data\nsources: []\n")
    cmd = [sys.executable, "-m", "monitor", "--config", str(cfg)]
    daemon = subprocess.Popen([*cmd, "run"], cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        _wait_for(daemon, "daemon started")
        second = subprocess.run([*cmd, "collect"], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "another mention-monitor process" in second.stderr
        daemon.send_signal(signal.SIGTERM)
        rest = daemon.communicate(timeout=30)[1]
        assert daemon.returncode == 0
        assert "daemon stopped" in rest
    finally:
        if daemon.poll() is None:
            daemon.kill()
