"""Configuration: ``config.yaml`` read with ruamel.yaml (safe), ``${VAR}`` expanded, validated by pydantic.

Why ruamel.yaml in safe mode: YAML 1.1 loaders (PyYAML) turn bare ``no``/``off``/``on`` into booleans,
which silently breaks keyword lists (``不回`` is fine, ``no`` is not). ruamel's safe loader speaks YAML
1.2, where only ``true``/``false`` are booleans.

Secrets never live in the file: a source names the *environment variable* holding its token
(``bearer_token_env``), and the token is read when the source is built. ``${VAR}`` and
``${VAR:-default}`` may appear in any string value and are expanded from the environment.

Relative paths (``data_dir``, ``report.out_dir``, twarc ``paths``) are taken relative to the directory
of the config file, so the tool behaves the same from cron (cwd ``/``) as from a shell.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from monitor.configmsg import bad_date, friendly, named
from monitor.errors import ConfigError
from monitor.redact import set_secrets

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _check_zone(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {v!r}; use an IANA name such as Asia/Shanghai") from exc
    return v


ZoneName = Annotated[str, AfterValidator(_check_zone)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeywordSet(Model):
    """Regex patterns for one language. ``include`` marks a hit, ``exclude`` vetoes it."""

    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


class DetectorRules(Model):
    """Per-detector user rules. ``mode: extend`` adds to the built-in rules, ``replace`` drops them."""

    mode: Literal["extend", "replace"] = "extend"
    en: KeywordSet = Field(default_factory=KeywordSet)
    zh: KeywordSet = Field(default_factory=KeywordSet)


class DetectionConfig(Model):
    complaint: DetectorRules = Field(default_factory=DetectorRules)
    maintenance: DetectorRules = Field(default_factory=DetectorRules)
    urgency: DetectorRules = Field(default_factory=DetectorRules)
    # Lure phrases in replies to complaints (seed phrase, "validate your wallet", chat apps).
    impersonation: DetectorRules = Field(default_factory=DetectorRules)
    topics: dict[str, list[str]] = Field(default_factory=dict)
    topics_mode: Literal["extend", "replace"] = "extend"
    ignore_quoted: bool = True
    # After a rules or config change each pass relabels posts created in the last N days whose label
    # carries another rules fingerprint (0: only `mention-monitor relabel` does). Not part of the fingerprint.
    relabel_recent_days: int = Field(default=7, ge=0)


class Brand(Model):
    names: list[str] = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        return [*self.names, *self.aliases]


class OfficialAccount(Model):
    platform: str
    handle: str
    # Numeric id where known. Handles change and look-alikes copy them; the twitter source resolves
    # handles to ids once and keeps them in the store, this field pins it explicitly.
    user_id: str | None = None

    @field_validator("handle")
    @classmethod
    def _strip_at(cls, v: str) -> str:
        return v.lstrip("@")


_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(Model):
    """The support desk's opening hours, for reply times counted in business hours (reports).

    ``hours`` maps a weekday (mon..sun) to ``"HH:MM-HH:MM"`` local opening hours; a missing day is
    closed. ``holidays`` are closed dates. ``timezone`` defaults to the report time zone.
    ``languages`` (post language codes such as ``zh``) are the posts this team answers; empty = all.
    """

    team: str = "support"
    timezone: ZoneName | None = None
    hours: dict[str, str] = Field(default_factory=lambda: {d: "09:00-18:00" for d in _WEEKDAYS[:5]})
    holidays: list[dt.date] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: dict[str, str]) -> dict[str, str]:
        for day, span in v.items():
            if day not in _WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday; use one of {', '.join(_WEEKDAYS)}")
            m = _HOURS_RE.match(span)
            if not m or (int(m[1]), int(m[2])) >= (int(m[3]), int(m[4])):
                raise ValueError(f"{day}: {span!r} must look like 09:00-18:00 (opening before closing)")
        return v


def _one_or_many(v: Any) -> str:
    return "team_list" if isinstance(v, list) else "single_team"


# One desk (a mapping) or several (a list); the tag picks the form so errors name only its keys.
TeamHours = Annotated[Annotated[BusinessHours, Tag("single_team")]
                      | Annotated[list[BusinessHours], Field(min_length=1), Tag("team_list")],
                      Discriminator(_one_or_many)]


class ReportConfig(Model):
    out_dir: Path = Path("reports-out")
    time: dt.time = dt.time(7, 30)  # daily report time, in the configured time zone
    business_hours: TeamHours = Field(default_factory=BusinessHours)
    unanswered_limit: int = Field(20, ge=1, le=1000)  # oldest unanswered complaints listed
    min_sample: int = Field(10, ge=1)  # posts per week needed for a week-over-week comparison
    spike_threshold: float = Field(3.0, gt=0)  # robust z: baseline + k * max(MAD, sqrt(baseline))
    spike_min_count: int = Field(3, ge=1)  # fewer complaints than this in a bin is never a peak
    # Market moves that annotate peaks: window in hours -> absolute change (0.08 = 8 %).
    market_move_thresholds: dict[Annotated[int, Field(ge=1, le=168)], Annotated[float, Field(gt=0, le=10)]] = \
        Field(default_factory=lambda: {1: 0.04, 6: 0.08, 24: 0.10})
    # The daemon builds every day missed since its last report (asleep, restarted), at most this many.
    catch_up_days: int = Field(7, ge=0, le=366)

    @field_validator("business_hours")
    @classmethod
    def _unique_teams(cls, v: BusinessHours | list[BusinessHours]) -> BusinessHours | list[BusinessHours]:
        names = [t.team for t in v] if isinstance(v, list) else [v.team]
        if len(set(names)) != len(names):
            raise ValueError(f"team names must be unique (got {', '.join(names)})")
        return v

    @property
    def teams(self) -> list[BusinessHours]:
        """The support desks, first one = the business-hours figures of summary.csv."""
        return list(self.business_hours) if isinstance(self.business_hours, list) else [self.business_hours]

    @field_validator("time", mode="before")
    @classmethod
    def _clock_time(cls, v: Any) -> Any:
        # "7:30" is how people write it; pydantic wants "07:30" (its message: "input is too short").
        if isinstance(v, str) and re.fullmatch(r"\d:\d\d(?::\d\d)?", v.strip()):
            return "0" + v.strip()
        return v


class AlertsConfig(Model):
    """Messages that must not wait for the morning report (monitor/alerts.py), sent with apprise.

    ``urls_env`` names the environment variable holding apprise URLs (``slack://…``,
    ``tgram://…``, ``mailto://…``, ``json://…``; several separated by spaces or commas): URLs carry
    tokens, so they never live in this file. Each alert has a key; the same key is not sent again
    within ``cooldown_minutes`` (a post's alert is sent once).
    """

    enabled: bool = False
    urls_env: str = Field("MENTION_MONITOR_ALERT_URLS", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    language: Literal["en", "zh"] = "en"
    cooldown_minutes: int = Field(360, ge=1, le=7 * 24 * 60)
    urgent_wait_minutes: int = Field(60, ge=1)  # a high-urgency complaint unanswered this long
    failing_passes: int = Field(3, ge=1, le=100)  # a source failing this many passes in a row
    spike: bool = True  # complaints in the last hour / 24 h above report.spike_threshold's rule


class SourceBase(Model):
    name: str
    enabled: bool = True
    interval_minutes: int = Field(15, ge=1, le=7 * 24 * 60)
    jitter_seconds: int = Field(60, ge=0, le=3600)
    # Wall-clock limit of one pass of this source (many pages, several endpoints); each HTTP fetch is
    # also bounded by the source's timeout_seconds as a whole, not per socket read.
    pass_deadline_seconds: float = Field(900, gt=0, le=24 * 3600)

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError("use lower-case letters, digits, '-', '_' or '.' (it names cursors and runs)")
        return v


class FeedSource(SourceBase):
    type: Literal["feed"]
    url: str
    official: bool = False
    platform: str = "feed"  # posts carry this platform name (e.g. weibo, telegram via RSSHub)
    timezone: ZoneName | None = None  # for dates without a zone in this feed
    timeout_seconds: float = Field(20, gt=0, le=300)
    max_bytes: int = Field(5_000_000, ge=1024)
    host_spacing_seconds: float = Field(2.0, ge=0, le=120)  # pause between feeds of one host in a pass

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^(https?|file)://", v):
            raise ValueError("must start with http://, https:// or file://")
        return v


class TwarcSource(SourceBase):
    type: Literal["twarc"]
    paths: list[Path] = Field(min_length=1)
    platform: str = "twitter"


class TwitterSource(SourceBase):
    type: Literal["twitter"]
    # The NAME of the environment variable holding the token, never the token itself (it would be
    # printed by check-config): hence the strict pattern.
    bearer_token_env: str = Field("X_BEARER_TOKEN", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    query_max_length: int = Field(512, ge=64, le=4096)
    languages: list[str] = Field(default_factory=list)
    exclude_terms: list[str] = Field(default_factory=list)
    monthly_read_budget: int | None = Field(None, ge=1)
    max_results: int = Field(100, ge=10, le=100)
    # First pass of a new query reads this far back (not the full 7 days: every post read is billed);
    # `collect --since` backfills further within the 7-day window.
    initial_lookback_hours: int = Field(24, ge=1, le=167)
    timeout_seconds: float = Field(30, gt=0, le=300)
    max_retries: int = Field(3, ge=0, le=8)  # for 5xx / connection errors, with backoff + jitter


class StatuspageSource(SourceBase):
    type: Literal["statuspage"]
    base_url: str
    timeout_seconds: float = Field(20, gt=0, le=300)
    max_bytes: int = Field(5_000_000, ge=1024)
    include_incidents: bool = True  # also read /api/v2/incidents.json, not only scheduled maintenances


_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"  # the NAME of a variable holding a secret, never the secret


def _http_url(v: str) -> str:
    if not re.match(r"^https?://[^/\s]+", v):
        raise ValueError("must be an http:// or https:// URL such as https://community.example.com")
    return v


def _shaped(pattern: str, hint: str) -> AfterValidator:
    """A string setting that must match ``pattern``; the error says what is expected (``hint``)."""
    rx = re.compile(pattern)

    def check(v: str) -> str:
        if not rx.fullmatch(v):
            raise ValueError(f"{v!r} is not {hint}")
        return v

    return AfterValidator(check)


Subreddit = Annotated[str, _shaped(r"[A-Za-z0-9_]{2,21}", "a subreddit name without r/ (letters, digits, _)")]
Asset = Annotated[str, _shaped(r"[A-Z0-9]{2,12}", "an asset symbol in capitals such as BTC or USDT")]
Hashtag = Annotated[str, _shaped(r"[^#\s]+", "a hashtag without '#' or spaces")]
LangCode = Annotated[str, _shaped(r"[a-z]{2}(-[A-Za-z]{2,4})?", "a language code such as en or zh-CN")]
Country = Annotated[str, _shaped(r"[A-Za-z]{2}", "a two-letter country code such as us or cn")]


def _http_or_file_url(v: str) -> str:
    if v.startswith("file://"):  # a folder of saved answers (the demo)
        return v
    return _http_url(v)


class DiscourseSource(SourceBase):
    """The brand's Discourse forum (sources/discourse.py). Key and username only for private categories."""

    type: Literal["discourse"]
    base_url: Annotated[str, AfterValidator(_http_or_file_url)]
    platform: str = "discourse"
    staff_is_official: bool = True  # staff / moderator / admin posts are the brand's
    official_groups: list[str] = Field(default_factory=list)  # primary_group_name values that are too
    api_key_env: str | None = Field(None, pattern=_ENV_NAME)
    api_username_env: str | None = Field(None, pattern=_ENV_NAME)
    initial_lookback_hours: int = Field(72, ge=1, le=24 * 365)
    max_topics_per_pass: int = Field(200, ge=1, le=5000)
    timeout_seconds: float = Field(20, gt=0, le=300)
    max_retries: int = Field(3, ge=0, le=8)
    max_bytes: int = Field(10_000_000, ge=1024)
    host_spacing_seconds: float = Field(1.0, ge=0, le=120)


class RedditSource(SourceBase):
    """Reddit search through praw (sources/reddit.py): a read-only 'script' app's id and secret in env vars."""

    type: Literal["reddit"]
    client_id_env: str = Field("REDDIT_CLIENT_ID", pattern=_ENV_NAME)
    client_secret_env: str = Field("REDDIT_CLIENT_SECRET", pattern=_ENV_NAME)
    subreddits: list[Subreddit] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)  # search terms; default: the brand's names and aliases
    read_comments: bool = True  # read the comment tree of each newly found submission (1 request each)
    comments_per_post: int = Field(100, ge=1, le=500)
    page_size: int = Field(100, ge=1, le=100)
    initial_lookback_hours: int = Field(72, ge=1, le=24 * 365)
    recheck_hours: int = Field(6, ge=0, le=24 * 7)  # re-read this much of the last pass: edits and removals
    timeout_seconds: float = Field(20, gt=0, le=300)


class MastodonSource(SourceBase):
    """One Mastodon instance (sources/mastodon.py): hashtag timelines, optional search, official accounts."""

    type: Literal["mastodon"]
    instance: Annotated[str, AfterValidator(_http_url)]
    platform: str = "mastodon"
    hashtags: list[Hashtag] = Field(default_factory=list)  # without '#'
    search: bool = False  # status search: needs a token on most instances, and full-text search enabled
    search_terms: list[str] = Field(default_factory=list)  # default: brand names and aliases
    access_token_env: str | None = Field(None, pattern=_ENV_NAME)
    initial_lookback_hours: int = Field(72, ge=1, le=24 * 365)
    max_pages: int = Field(25, ge=1, le=1000)  # per stream and pass (40 statuses a page)
    recheck_hours: int = Field(2, ge=0, le=24 * 7)  # re-read this much of the last pass: edits land
    timeout_seconds: float = Field(20, gt=0, le=300)
    max_retries: int = Field(3, ge=0, le=8)


class GooglePlaySource(SourceBase):
    """Google Play reviews of one app with the developer's replies (sources/appstores.py)."""

    type: Literal["googleplay"]
    app_id: Annotated[str, _shaped(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+",
                                   "the id= of the app's Play Store URL, such as com.bitpie.wallet")]
    languages: list[LangCode] = Field(default_factory=lambda: ["en"], min_length=1)
    country: Annotated[str, _shaped(r"[a-z]{2}", "a two-letter lower-case country code such as us")] = "us"
    developer_name: str = "developer"  # author shown on the developer's replies
    # The reviews endpoint; default the Play Store's (per language). The demo points it at a file.
    endpoint: str | None = Field(None, pattern=r"^(https?|file)://")
    recheck_days: int = Field(14, ge=0, le=90)  # replies come later: re-read this much every pass
    initial_lookback_days: int = Field(28, ge=1, le=365)
    page_size: int = Field(100, ge=10, le=200)
    max_pages: int = Field(20, ge=1, le=200)
    timeout_seconds: float = Field(30, gt=0, le=300)
    max_retries: int = Field(2, ge=0, le=8)
    host_spacing_seconds: float = Field(2.0, ge=0, le=120)


class AppStoreSource(SourceBase):
    """App Store customer reviews per country from Apple's public feed (sources/appstores.py)."""

    type: Literal["appstore"]
    app_id: Annotated[str, _shaped(r"\d+", "the number after /id in the app's App Store URL (quote it)")]
    countries: list[Country] = Field(default_factory=lambda: ["us"], min_length=1)
    base_url: Annotated[str, AfterValidator(_http_url)] = "https://itunes.apple.com"
    initial_lookback_days: int = Field(28, ge=1, le=365)
    timeout_seconds: float = Field(20, gt=0, le=300)
    max_retries: int = Field(2, ge=0, le=8)
    host_spacing_seconds: float = Field(2.0, ge=0, le=120)


class MarketSource(SourceBase):
    """Hourly closes of assets from one exchange's public OHLCV through ccxt (sources/market.py)."""

    type: Literal["market"]
    exchange: Annotated[str, _shaped(r"[a-z0-9_]+", "a ccxt exchange id such as binance, okx or kraken")] = \
        "binance"
    assets: list[Asset] = Field(default_factory=lambda: ["BTC", "ETH"], min_length=1)
    quote: Asset = "USDT"
    backfill_days: int = Field(28, ge=1, le=365)  # the report's 28-day window
    timeout_seconds: float = Field(20, gt=0, le=300)
    max_retries: int = Field(3, ge=0, le=8)


SourceConfig = Annotated[
    FeedSource | TwarcSource | TwitterSource | StatuspageSource | DiscourseSource | RedditSource | MastodonSource
    | GooglePlaySource | AppStoreSource | MarketSource,
    Field(discriminator="type")
]


class Config(Model):
    brand: Brand
    timezone: ZoneName = "UTC"
    data_dir: Path = Path("data")
    store_url: str | None = None
    # Several hosts share one PostgreSQL store: no store-wide lock; each job (a source's pass, linking,
    # the daily report) takes its own advisory lock and runs once per slot (monitor.lock).
    multi_host: bool = False
    user_agent: str = "mention-monitor/0.1 (+https://github.com/mention-monitor/mention-monitor)"
    official_accounts: list[OfficialAccount] = Field(default_factory=list)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    # Directory of the config file; set by load_config, used to resolve relative paths.
    base_dir: Path = Path(".")

    @field_validator("store_url")
    @classmethod
    def _store_scheme(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^(sqlite|postgresql)(\+\w+)?://", v):
            raise ValueError("use sqlite:///PATH or postgresql://USER@HOST/DB (other databases are not supported)")
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def path(self, p: Path) -> Path:
        """Resolve a configured path against the config file's directory."""
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def resolved_store_url(self) -> str:
        if self.store_url:
            return self.store_url
        return f"sqlite:///{self.path(self.data_dir) / 'mention-monitor.db'}"

    @property
    def lock_dir(self) -> Path:
        """Where the SQLite store's lock file lives: beside the database file, so two configs that share
        one store (with different data_dir) still exclude each other."""
        url = self.resolved_store_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url.removeprefix("sqlite:///")).parent
        return self.path(self.data_dir)

    @property
    def out_dir(self) -> Path:
        return self.path(self.report.out_dir)

    def official_handles(self, platform: str) -> list[str]:
        return [a.handle for a in self.official_accounts if a.platform == platform]

    def source(self, name: str) -> Any:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


def _expand_env(node: Any, path: str, env: Mapping[str, str], problems: list[str],
                expanded: list[tuple[str, str]] | None = None) -> Any:
    if isinstance(node, str):

        def sub(m: re.Match[str]) -> str:
            var, default = m.group(1), m.group(2)
            if var in env:
                if expanded is not None:
                    expanded.append((path, env[var]))
                return env[var]
            if default is not None:
                return default
            problems.append(f"{path or '<root>'}: environment variable {var} is not set")
            return ""

        return _ENV_RE.sub(sub, node)
    if isinstance(node, Mapping):
        return {k: _expand_env(v, f"{path}.{k}" if path else str(k), env, problems, expanded)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_expand_env(v, f"{path}[{i}]", env, problems, expanded) for i, v in enumerate(node)]
    return node


_MORE_KINDS = {"discourse", "reddit", "mastodon", "googleplay", "appstore", "market"}


def format_loc(loc: tuple[Any, ...]) -> str:
    """``('sources', 1, 'feed', 'url')`` -> ``sources[1].url`` (drop the union tag pydantic inserts)."""
    out = ""
    kinds = {"feed", "twarc", "twitter", "statuspage", *_MORE_KINDS}
    hidden = {"single_team", "team_list"}  # report.business_hours' form tags
    prev_index = False
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            prev_index = True
            continue
        if prev_index and i >= 2 and loc[0] == "sources" and part in kinds and i == 2:
            prev_index = False
            continue
        prev_index = False
        if part in hidden:
            continue
        out += f".{part}" if out else str(part)
    return out or "<root>"


def known_keys() -> set[str]:
    """Every setting name of every model (check-config's "did you mean")."""
    models: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [Model]
    while todo:
        m = todo.pop()
        models.append(m)
        todo.extend(m.__subclasses__())
    return {name for m in models for name in m.model_fields} - {"base_dir"}


def parse_config(data: Any, base_dir: Path, env: Mapping[str, str] | None = None) -> Config:
    """Validate a parsed YAML tree. Raises ConfigError listing every problem with its key path."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ConfigError(["<root>: the file must be a mapping of settings (is it empty?)"])
    env = os.environ if env is None else env
    from_env: list[tuple[str, str]] = []
    expanded = _expand_env(data, "", env, problems, from_env)
    expanded["base_dir"] = base_dir
    try:
        cfg = Config.model_validate(expanded)
    except ValidationError as exc:
        unset = {p.split(": ", 1)[0] for p in problems}  # a missing ${VAR} is the problem, not its empty value
        for err in exc.errors():
            if format_loc(tuple(err["loc"])) in unset:
                continue
            problems.append(f"{named(format_loc(tuple(err['loc'])), expanded)}: {friendly(err, known_keys())}")
        raise ConfigError(problems) from None
    if cfg.multi_host and not cfg.resolved_store_url.startswith("postgresql"):
        problems.append("multi_host: needs a PostgreSQL store_url (several hosts cannot share a SQLite file)")
    seen: set[str] = set()
    for i, src in enumerate(cfg.sources):
        if src.name in seen:
            problems.append(f"sources[{i}].name: another source is already named {src.name!r}; names must be unique")
        seen.add(src.name)
    if problems:
        raise ConfigError(problems)
    set_secrets(credential_values(cfg, from_env, env))
    return cfg


_CREDENTIAL_KEY = re.compile(r"urls?$|token|secret|passw|auth|credential|header|cookie|(?:^|_)(?:api_?)?keys?(?:$|_)",
                             re.IGNORECASE)


def _credential_path(path: str) -> bool:
    """``store_url``, ``sources[0].url`` / ``sources[1].client_secret`` / ``sources[2].urls[3]``, not
    ``.paths[0]``."""
    if path == "store_url":
        return True
    if not path.startswith("sources["):
        return False
    keys = [re.sub(r"\[\d+\]", "", part) for part in path.split(".")[1:]]
    return any(_CREDENTIAL_KEY.search(k) for k in keys)


def credential_values(cfg: Config, from_env: list[tuple[str, str]], env: Mapping[str, str]) -> list[str]:
    """Values masked everywhere (monitor.redact): what ``${VAR}`` put into ``store_url`` or a source's URL /
    token / key / secret / password / auth / header setting, the store's database password, and the variables
    named by a source's ``*_env`` settings (``bearer_token_env``). Paths, names and keywords expanded from the
    environment are not secrets and stay readable."""
    values = [v for path, v in from_env if _credential_path(path)]
    password = urlsplit(cfg.resolved_store_url).password  # written in the file or expanded: a secret either way
    if password:
        values.append(unquote(password))
    for sc in cfg.sources:
        for field, var in sc.model_dump().items():
            if field.endswith("_env") and isinstance(var, str) and env.get(var):
                values.append(env[var])
    return values


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Config:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{p}: cannot read the config file ({exc.strerror}); pass --config PATH"]) from None
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError([f"{p}{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    except ValueError as exc:  # a date YAML cannot build (2026-02-30): one line, not a traceback
        raise ConfigError([f"{p}{bad_date(text)}: {exc}; write dates as real YYYY-MM-DD days"]) from None
    return parse_config(data, p.resolve().parent, env)
