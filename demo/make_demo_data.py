"""Regenerate monitor/demo_data/ (the demo's invented posts, feed and labels): ``python demo/make_demo_data.py``.

The story and its counts are in demo/story.py, the files are written by demo/write.py; the output's
README.md says what is in it. Deterministic: the same seed gives the same bytes (tests/test_demo.py).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from demo import story
from demo.write import write_all

if __name__ == "__main__":
    rng = random.Random(story.SEED)
    write_all(story.build(rng), rng, story.OUT)
