"""Run every bench/bench_*.py in turn; each prints its own figures beside a raw-library baseline."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent))
only = set(sys.argv[1:])
for path in sorted(here.glob("bench_*.py")):
    if only and path.stem.removeprefix("bench_") not in only:
        continue
    print(f"== {path.stem} ==", flush=True)
    runpy.run_path(str(path), run_name="__main__")
