"""Placeholder: being written (see the issue for this source)."""

from __future__ import annotations

from collections.abc import Iterator

from sources.base import Batch, Source, SourceContext


class TwitterSource(Source):
    kind = "twitter"

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        raise NotImplementedError
