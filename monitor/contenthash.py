"""A hash of what the detector reads from a post, stored beside the post and beside its label.

An edited entry keeps its natural key (platform + post id) and gets new text; the label made from the
old text must not survive it (issue 14, "stale labels"). ``posts.content_hash`` is written with every
upsert and ``detections.content_hash`` with every label: when they differ the label is stale and the
next detection pass relabels the post. Only the updatable fields the detector reads are hashed (text,
author handle and name, reply target, official flag, language); ``created_at`` is never updated on a
stored post, and a changed URL or raw payload does not cost a relabel.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CONTENT_HASH_CHARS = 16  # 64 bits: collisions between two versions of one post are not a concern


def content_hash(*, text: str | None, author_handle: str | None = None, author_name: str | None = None,
                 reply_to_id: str | None = None, is_official: bool | None = False, lang: str | None = None) -> str:
    """Hex digest (``CONTENT_HASH_CHARS`` chars) of the detector's inputs."""
    doc: list[Any] = [text or "", author_handle, author_name, reply_to_id, bool(is_official), lang]
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # surrogatepass: a lone surrogate in an imported tweet must not stop the batch here.
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:CONTENT_HASH_CHARS]
