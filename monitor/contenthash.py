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

CONTENT_HASH_CHARS = 16  # 64 bits: collisions between two versions of one post are not a concern


def content_hash(*, text: str | None, author_handle: str | None = None, author_name: str | None = None,
                 reply_to_id: str | None = None, is_official: bool | None = False, lang: str | None = None) -> str:
    """Hex digest (``CONTENT_HASH_CHARS`` chars) of the detector's inputs.

    Fields are joined with NUL (None as SOH) rather than JSON-encoded: it runs on every upserted post and
    is ~3x cheaper; a NUL inside a field could only make two versions of one post collide by moving text
    across fields, which no edit does.
    """
    raw = "\0".join("\1" if v is None else v for v in (
        text or "", author_handle, author_name, reply_to_id, "1" if is_official else "0", lang))
    # surrogatepass: a lone surrogate in an imported tweet must not stop the batch here.
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=CONTENT_HASH_CHARS // 2).hexdigest()
