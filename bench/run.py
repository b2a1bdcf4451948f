"""Run every bench/bench_*.py in turn; each prints its own figures beside a raw-library baseline.

Each bench runs in its own interpreter: resident-memory figures (the report's peak, the daemon's RSS)
would otherwise include what the benches before it loaded. ``python bench/run.py detect report`` runs
only those. Exits non-zero when a bench fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
only = set(sys.argv[1:])
failed = []
for path in sorted(here.glob("bench_*.py")):
    if only and path.stem.removeprefix("bench_") not in only:
        continue
    print(f"== {path.stem} ==", flush=True)
    if subprocess.run([sys.executable, str(path)], cwd=here.parent).returncode != 0:
        failed.append(path.stem)
if failed:
    sys.exit(f"bench failed: {', '.join(failed)}")
