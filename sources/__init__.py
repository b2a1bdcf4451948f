"""Collectors, one module per platform. The registry below is explicit on purpose: no plugin magic,
``grep SOURCES`` finds every kind. A source's ``type:`` in config.yaml is its key here."""

from __future__ import annotations

from monitor.records import Announcement, Batch, Post
from sources.appstores import AppStoreSource, GooglePlaySource
from sources.base import Source, SourceContext
from sources.discourse import DiscourseSource
from sources.feed import FeedSource
from sources.market import MarketSource
from sources.mastodon import MastodonSource
from sources.reddit import RedditSource
from sources.statuspage import StatuspageSource
from sources.twarc import TwarcSource
from sources.twitter import TwitterSource

SOURCES: dict[str, type[Source]] = {
    "feed": FeedSource,
    "twarc": TwarcSource,
    "twitter": TwitterSource,
    "statuspage": StatuspageSource,
    "discourse": DiscourseSource,
    "reddit": RedditSource,
    "mastodon": MastodonSource,
    "googleplay": GooglePlaySource,
    "appstore": AppStoreSource,
    "market": MarketSource,
}

__all__ = ["SOURCES", "Announcement", "Batch", "Post", "Source", "SourceContext"]
