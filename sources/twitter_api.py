"""The X API v2 calls the twitter source makes, with its error policy, and tweet -> Post parsing.

Error policy (issue 3): never sleep until a rate-limit reset inside a job (``wait_on_rate_limit=False``;
a 429 becomes :class:`RateLimited` and the runner skips the source until the reset); retry 5xx and
connection errors a bounded number of times with exponential backoff and jitter, then give up with a
:class:`SourceError`; 401/403 become one :class:`AuthError` line naming the variable or access tier.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy

from monitor.errors import AuthError, RateLimited, SourceError
from monitor.records import Post
from sources.http import MAX_RETRY_AFTER, count_request, deadline, with_deadlines
from sources.neterr import network_problem
from sources.twitter_query import full_text, snowflake_time

log = logging.getLogger(__name__)

# note_tweet: a post longer than 280 characters comes with ``text`` cut at about 270 and the whole text
# in ``note_tweet.text`` (docs.x.com, "Long posts"); edit_history_tweet_ids is a default field.
TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets",
                "lang", "entities", "note_tweet", "edit_history_tweet_ids"]
EXPANSIONS = ["author_id"]
USER_FIELDS = ["username", "name"]
_DEFAULT_RESET = timedelta(minutes=15)  # X's rate-limit window, when a 429 lacks x-rate-limit-reset


class InvalidRequest(SourceError):
    """HTTP 400: the API rejected the parameters (e.g. an expired next_token or since_id)."""


def _api_message(exc: tweepy.HTTPException) -> str:
    msgs = [str(m) for m in exc.api_messages if m]
    text = "; ".join(msgs) or getattr(exc.response, "reason", "") or "no detail"
    return " ".join(text.split())[:200]


class XApi:
    """A tweepy ``Client`` (dict return type: we keep each tweet's JSON as ``Post.raw``) plus policy.

    ``sleep`` and ``rng`` are injectable so tests and benchmarks never wait.
    """

    def __init__(self, source: str, token_env: str, *, timeout: float, max_retries: int,
                 sleep: Callable[[float], None], rng: random.Random, now: Callable[[], datetime],
                 user_agent: str | None = None) -> None:
        import os

        token = os.environ.get(token_env, "").strip()
        if not token:
            raise AuthError(source, f"environment variable {token_env} is not set: put the X app's "
                            "Bearer Token there (sources.*.bearer_token_env names the variable)")
        self.source, self.token_env = source, token_env
        self.max_retries, self.sleep, self.rng, self.now = max_retries, sleep, rng, now
        self.client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
        self.timeout = timeout
        with_deadlines(self.client.session)
        # tweepy sends requests without a timeout; a stalled connection would hang the whole pass.
        self.client.session.request = functools.partial(
            self.client.session.request, timeout=timeout)
        if user_agent:
            self.client.user_agent = f"{user_agent} {self.client.user_agent}"
        # tweepy logs request headers, Bearer token included, at DEBUG: keep its logger above that so
        # `--verbose` can never write the secret to a log file.
        logging.getLogger("tweepy.client").setLevel(max(logging.INFO, logging.getLogger(
            "tweepy.client").level))
        self.requests = 0  # HTTP attempts made (each costs rate-limit allowance)

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run one API call under the error policy; ``what`` names it in messages."""
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            count_request()  # counted for the run even when the pass then fails
            try:
                return _page(self.source, what, self._bounded(what, fn, *args, **kwargs))
            except tweepy.TooManyRequests as exc:
                raise self._rate_limited(what, exc) from None
            except tweepy.Unauthorized:
                raise AuthError(self.source, f"X API answered 401 Unauthorized to {what}: check that "
                                f"{self.token_env} holds the app's current Bearer Token") from None
            except tweepy.Forbidden as exc:
                raise AuthError(self.source, f"X API answered 403 Forbidden to {what} "
                                f"({_api_message(exc)}): recent search needs a paid access tier (Basic "
                                f"or above) for the app whose Bearer Token is in {self.token_env}; "
                                "check the app's Project and tier in the developer portal") from None
            except tweepy.BadRequest as exc:
                raise InvalidRequest(self.source, f"X API rejected {what}: {_api_message(exc)}") from None
            except (tweepy.TwitterServerError, requests.ConnectionError, requests.Timeout,
                    requests.exceptions.JSONDecodeError, requests.exceptions.ChunkedEncodingError) as exc:
                # A 200 whose JSON body is cut off (a proxy or X dropping the connection mid-body) is
                # as transient as a 5xx: same retries, same one-line failure.
                why = (f"HTTP {exc.response.status_code}" if isinstance(exc, tweepy.HTTPException)
                       else "truncated JSON body" if isinstance(exc, ValueError)
                       else network_problem(exc, "https://api.x.com/2/"))
                if attempt > self.max_retries:
                    raise SourceError(self.source, f"X API {what} failed {attempt} times ({why}); "
                                      "giving up for this pass, the next pass resumes") from None
                delay = min(60.0, 2.0 * 2 ** (attempt - 1)) + self.rng.uniform(0, 1.0)
                log.warning("%s: %s failed (%s), retry %d/%d in %.1fs", self.source, what, why,
                            attempt, self.max_retries, delay)
                self.sleep(delay)
            except tweepy.HTTPException as exc:
                raise SourceError(self.source, f"X API {what}: HTTP {exc.response.status_code} "
                                  f"{_api_message(exc)}") from None

    def _bounded(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn()`` within the source's ``timeout_seconds`` as a whole (sources.http.deadline): the
        session's timeout alone is per socket read, which a drip-feeding server never trips."""
        with deadline(self.timeout) as fired:
            try:
                return fn(*args, **kwargs) or {}
            except (requests.RequestException, OSError, ValueError):
                if fired.is_set():
                    raise SourceError(self.source, f"X API {what} did not finish within {self.timeout:g}s "
                                      "(timeout_seconds bounds the whole request); the next pass retries") from None
                raise

    def _rate_limited(self, what: str, exc: tweepy.TooManyRequests) -> RateLimited:
        reset, limit = exc.reset_time, self.now() + MAX_RETRY_AFTER
        try:
            reset_at = datetime.fromtimestamp(int(reset), UTC) if reset else self.now() + _DEFAULT_RESET
        except (ValueError, OverflowError, OSError):  # a reset time no clock can hold
            reset_at = limit + timedelta(seconds=1)
        note = f" (the reset X gave is beyond the {MAX_RETRY_AFTER} maximum; clamped)" if reset_at > limit else ""
        reset_at = min(reset_at, limit)
        return RateLimited(self.source, f"X API rate limit reached on {what}; skipping this source "
                           f"until {reset_at:%Y-%m-%d %H:%M:%S} UTC{note}", reset_at)

    def search(self, query: str, **params: Any) -> dict[str, Any]:
        return self.call("recent search", self.client.search_recent_tweets, query,
                         tweet_fields=TWEET_FIELDS, expansions=EXPANSIONS, user_fields=USER_FIELDS,
                         sort_order="recency", **params)

    def lookup(self, ids: list[str]) -> dict[str, Any]:
        return self.call("tweet lookup", self.client.get_tweets, ids, tweet_fields=TWEET_FIELDS,
                         expansions=EXPANSIONS, user_fields=USER_FIELDS)

    def users(self, handles: list[str]) -> dict[str, Any]:
        return self.call("user lookup", self.client.get_users, usernames=handles)


def _created_at(tweet: Mapping[str, Any]) -> datetime:
    value = tweet.get("created_at")
    if value:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    # Without tweet.fields=created_at (e.g. tweepy's recorded cassettes) the id still carries the time.
    return snowflake_time(tweet["id"])


def _page(source: str, what: str, body: Any) -> dict[str, Any]:
    """The API's JSON object with the shapes the source relies on: ``data`` a list, ``includes`` and
    ``meta`` objects, ``includes.users`` a list of objects. A body that is not an object is an error;
    a field of the wrong type is dropped (the tweets in it are malformed: nothing to keep)."""
    if not isinstance(body, dict):
        raise SourceError(source, f"X API {what} answered a JSON {type(body).__name__}, not an object; "
                                  "the next pass retries")
    out = dict(body)
    if "data" in out and not isinstance(out["data"], list | dict):
        out["data"] = []
    if isinstance(out.get("data"), list):
        out["data"] = [t for t in out["data"] if isinstance(t, dict)]
    for key in ("includes", "meta"):
        if key in out and not isinstance(out[key], dict):
            out[key] = {}
    inc = out.get("includes") or {}
    if "users" in inc:
        out["includes"] = {**inc, "users": [u for u in inc["users"] if isinstance(u, dict)]
                           if isinstance(inc["users"], list) else []}
    return out


def to_posts(tweets: list[Any], users: Mapping[str, Mapping[str, Any]], official_ids: set[str],
             origin: str) -> tuple[list[Post], list[str]]:
    """:func:`to_post` over a page; a tweet whose fields break the mapping is skipped with a note."""
    posts, notes = [], []
    for t in tweets:
        try:
            posts.append(to_post(t, users, official_ids, origin))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            notes.append(f"{origin}: skipped a malformed tweet ({type(exc).__name__}: {str(exc)[:80]})")
    return posts, notes


def users_by_id(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in (body.get("includes") or {}).get("users", []) if "id" in u}


def to_post(tweet: dict[str, Any], users: Mapping[str, Mapping[str, Any]], official_ids: set[str],
            origin: str) -> Post:
    """One v2 tweet object (plus the ``includes.users`` map) as a Post; ``raw`` is the tweet JSON."""
    author = tweet.get("author_id")
    user = users.get(author or "", {})
    handle = user.get("username")
    reply_to = next((r.get("id") for r in tweet.get("referenced_tweets") or []
                     if r.get("type") == "replied_to"), None)
    url = f"https://x.com/{handle}/status/{tweet['id']}" if handle else f"https://x.com/i/web/status/{tweet['id']}"
    return Post(
        platform="twitter", post_id=str(tweet["id"]), created_at=_created_at(tweet),
        text=full_text(tweet), url=url, author_id=author, author_handle=handle,
        author_name=user.get("name"), is_official=bool(author and author in official_ids),
        lang=tweet.get("lang"), reply_to_id=reply_to, conversation_id=tweet.get("conversation_id"),
        origin=origin, raw=tweet,
    )


def partial_errors(body: Mapping[str, Any], where: str) -> list[str]:
    """Notes for the ``errors`` array X returns beside data in a 200 (deleted, suspended, ...)."""
    errs = body.get("errors") or []
    if not errs:
        return []
    kinds: dict[str, int] = {}
    for e in errs:
        title = str(e.get("title") or e.get("message") or "error")
        kinds[title] = kinds.get(title, 0) + 1
    summary = ", ".join(f"{n} × {t}" for t, n in sorted(kinds.items()))
    return [f"{where}: X API returned partial errors ({summary}); the rest of the page was kept"]
