"""Command line: parse, call one library function, print. The only module that imports click.

Every command takes ``--config`` (default ``config.yaml``, or ``$MENTION_MONITOR_CONFIG``). Expected
failures (``MonitorError``) become one line on stderr and exit status 1.
"""

from __future__ import annotations

import logging
import os
import select
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any

import click

from monitor.config import Config, load_config
from monitor.errors import ConfigError, MonitorError
from monitor.redact import RedactingFilter, redact_text


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())  # a key in a feed URL never reaches the log
    if verbose < 2:  # third-party chatter (urllib3, apscheduler internals) only with -vv
        for noisy in ("urllib3", "apscheduler.executors", "matplotlib", "tweepy"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _say(line: str) -> None:
    """Echo a line that may quote config values or stored errors: secrets masked (monitor.redact)."""
    click.echo(redact_text(line))


def _fail(message: str) -> None:
    click.echo(f"error: {redact_text(message)}", err=True)
    sys.exit(1)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            for p in exc.problems:
                click.echo(f"config error: {redact_text(p)}", err=True)
            sys.exit(1)
        except MonitorError as exc:
            _fail(str(exc))

    return wrapper


@contextmanager
def _opened(cfg: Config, lock: bool) -> Iterator[Any]:
    from monitor.lock import store_lock
    from monitor.store import open_store

    engine = open_store(cfg.resolved_store_url)
    try:
        if lock and not cfg.multi_host:  # multi_host: each job takes its own lock (monitor.lock)
            with store_lock(engine, cfg.lock_dir):
                from monitor.store import mark_interrupted

                mark_interrupted(engine)  # runs left "running" by a killed process: we hold the lock now
                yield engine
        else:
            yield engine
    finally:
        engine.dispose()


class _Commands(click.Group):
    """The command group; a reader that closes our stdout early (``rules | head``) is not a failure."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            if not _stdout_closed():
                raise  # a socket or a child's pipe, not our reader: a real error
            # What the reader wanted was printed; exit 0 (a non-zero exit means a person must act).
            # stdout goes to /dev/null so the interpreter's final flush cannot fail again (Python docs,
            # signal module, "Note on SIGPIPE").
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)


def _stdout_closed() -> bool:
    """Is our stdout the broken pipe? A pipe whose reader has gone polls as POLLERR (Linux, macOS);
    where poll() is missing, any broken pipe is taken to be stdout's."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False  # not a real file (a test runner's buffer): the broken pipe was something else
    if not hasattr(select, "poll"):
        return True
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))


@click.group(cls=_Commands)
@click.option("--config", "config_path", default="config.yaml", envvar="MENTION_MONITOR_CONFIG",
              show_default=True, type=click.Path(dir_okay=False), help="Path to config.yaml.")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.version_option(package_name="mention-monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: str, verbose: int, quiet: bool) -> None:
    """Monitor public mentions: slow-reply complaints, official reply times, maintenance, peaks."""
    _setup_logging(verbose, quiet)
    ctx.obj = {"config_path": config_path}


def _cfg(ctx: click.Context) -> Config:
    return load_config(ctx.obj["config_path"])


@cli.command("check-config")
@click.pass_context
@handle_errors
def check_config(ctx: click.Context) -> None:
    """Validate config.yaml: one line per problem with its key path; exit 1 if any."""
    from monitor.checks import check_file, config_summary

    cfg, problems = check_file(ctx.obj["config_path"])
    if problems or cfg is None:
        raise ConfigError(problems)
    for line in config_summary(cfg):
        _say(line)


@cli.command()
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="Backfill from this UTC date (twitter: within the 7-day recent-search window).")
@click.option("--dry-run", is_flag=True, help="Show what each source would request; fetch nothing.")
@click.pass_context
@handle_errors
def collect(ctx: click.Context, names: tuple[str, ...], since: datetime | None, dry_run: bool) -> None:
    """Run one pass of every enabled source (for cron). Exit 1 if any source failed."""
    from monitor.pipeline import build_sources
    from monitor.pipeline import collect as run_collect

    cfg = _cfg(ctx)
    if since and since > datetime.now(UTC).replace(tzinfo=None):
        raise MonitorError(f"--since {since:%Y-%m-%d} is in the future")
    if dry_run:
        for source in build_sources(cfg, names or None):
            for line in source.describe():
                _say(line)
        return
    with _opened(cfg, lock=True) as engine:
        results = run_collect(engine, cfg, names or None, since=since.replace(tzinfo=UTC) if since else None,
                              progress=sys.stderr.isatty())
    failed = [r.source for r in results if r.failed]
    if failed:  # each source's error is already logged once; this is the summary cron mails
        _fail(f"{len(failed)} of {len(results)} sources failed: {', '.join(failed)} "
              "(each one's error is in the lines above and in `mention-monitor status`)")


@cli.command()
@click.pass_context
@handle_errors
def run(ctx: click.Context) -> None:
    """Run as a daemon: every source at its interval, the daily report at report.time."""
    from monitor.daemon import run_daemon

    cfg = _cfg(ctx)
    with _opened(cfg, lock=True) as engine:
        run_daemon(engine, cfg)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--platform", default="twitter", show_default=True)
@click.pass_context
@handle_errors
def import_(ctx: click.Context, files: tuple[str, ...], platform: str) -> None:
    """Import twarc2 JSONL files (raw pages or flattened) into the store."""
    from monitor.pipeline import import_twarc

    cfg = _cfg(ctx)
    with _opened(cfg, lock=True) as engine:
        results = import_twarc(engine, cfg, [Path(f) for f in files], platform, progress=sys.stderr.isatty())
    for path, res in results:  # one line per file; a failed one names the file and why
        if res.failed:
            click.echo(f"error: {res.error}")
        elif res.new == 0:
            seen = f"read {res.fetched}, all already in the store" if res.fetched else "already imported"
            click.echo(f"{path}: {seen}: nothing new")
        else:
            click.echo(f"{path}: read={res.fetched} new={res.new}")
    if any(r.failed for _p, r in results):
        sys.exit(1)  # each failed file has had its one "error:" line


@cli.command()
@click.argument("file", default="-", type=click.Path(exists=True, allow_dash=True, dir_okay=False))
@click.pass_context
@handle_errors
def detect(ctx: click.Context, file: str) -> None:
    """Label JSON lines from FILE or stdin; one JSON line out per line in.

    \b
    Each line: {"id": ..., "text": "..."} plus optional fields that change results:
      created_at / published  ISO time; waits claimed in the text ("since yesterday") count from it
      in_reply_to             id of an earlier line: a reply to a complaint is checked for impersonation
      author_handle           an official handle marks the line official (never a complaint), a
                              look-alike handle counts toward impersonation
      author_name, lang, is_official, quoted
    FILE may be gzip/bzip2/xz-compressed, start with a BOM or be UTF-16/32 (sources.textfile).
    A bad line is reported on stderr and skipped; the others are still labelled (exit 1 at the end).
    """
    import io

    from monitor.detect import detect_jsonl
    from sources.textfile import read_text_lines

    skipped: list[str] = []

    def bad(message: str) -> None:
        skipped.append(message)
        click.echo(f"error: {message}", err=True)

    lines = (io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig") if file == "-"
             else read_text_lines(Path(file)))
    for line in detect_jsonl(_cfg(ctx), lines, on_error=bad):
        click.echo(line)
    if skipped:
        _fail(f"{len(skipped)} input line(s) skipped")


@cli.command()
@click.option("--detector", type=click.Choice(["complaint", "maintenance", "urgency", "impersonation", "topic"]),
              help="Only this detector's rules.")
@click.option("--lang", type=click.Choice(["en", "zh"]), help="Only rules for this language (and language-free ones).")
@click.option("--short", is_flag=True, help="Counts per detector and language instead of every pattern.")
@click.pass_context
@handle_errors
def rules(ctx: click.Context, detector: str | None, lang: str | None, short: bool) -> None:
    """List the effective detection rules (built-in and from config)."""
    from monitor.detect import list_rules

    for line in list_rules(_cfg(ctx), detector=detector, lang=lang, short=short):
        click.echo(line)


@cli.command("eval")
@click.argument("directory", default="../shared/data/labelled", type=click.Path(file_okay=False))
@click.option("--check", is_flag=True, help="Exit 1 when a quality target is missed.")
@click.option("--examples", default=25, show_default=True, help="Misclassified examples shown per group.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the rows it gets wrong (id and a short reason).")
@handle_errors
def eval_(directory: str, check: bool, examples: int, verbose: bool) -> None:
    """Score the detectors on labelled posts/notices in DIRECTORY (posts_*.jsonl, notices_*.jsonl)."""
    from monitor.evaluate import evaluate

    if not Path(directory).is_dir():
        click.echo(f"labelled data not found at {directory}; nothing to evaluate (CI places shared/ beside the clone)")
        return
    lines, ok = evaluate(Path(directory), examples=examples, verbose=verbose)
    for line in lines:
        click.echo(line)
    if check and not ok:
        sys.exit(1)


@cli.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Local day (default: yesterday).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day of a range.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]),
              help="Last day of a range (inclusive; default with --from: yesterday).")
@click.pass_context
@handle_errors
def report(ctx: click.Context, day: datetime | None, start: datetime | None, end: datetime | None) -> None:
    """Write the daily report(s): CSV files and a self-contained index.html."""
    from reports import build_range, build_report, default_day

    cfg = _cfg(ctx)
    if end is not None and start is None:
        raise MonitorError("--to needs --from")
    if day and start:
        raise MonitorError("use either --date or --from/--to, not both")
    with _opened(cfg, lock=False) as engine:
        if start:
            last = end.date() if end else default_day(cfg, datetime.now(UTC))
            for path in build_range(engine, cfg, start.date(), last):
                click.echo(str(path))
            return
        the_day: date = day.date() if day else default_day(cfg, datetime.now(UTC))
        click.echo(str(build_report(engine, cfg, the_day)))


@cli.command()
@click.pass_context
@handle_errors
def status(ctx: click.Context) -> None:
    """Show store counts, each source's last run and this month's API use."""
    from monitor.checks import status_lines

    cfg = _cfg(ctx)
    with _opened(cfg, lock=False) as engine:
        for line in status_lines(engine, cfg):
            _say(line)


@cli.command()
@click.argument("source")
@click.pass_context
@handle_errors
def reset(ctx: click.Context, source: str) -> None:
    """Clear a source's rate-limit or disabled state (after fixing its config)."""
    from monitor.pipeline import reset_source

    cfg = _cfg(ctx)
    if all(s.name != source for s in cfg.sources):
        raise MonitorError(f"no source named {source!r} in the config; its sources are "
                           f"{', '.join(s.name for s in cfg.sources) or 'none yet'}")
    with _opened(cfg, lock=True) as engine:
        reset_source(engine, source)
    click.echo(f"{source}: state cleared")


@cli.command()
@click.option("--test", "test_", is_flag=True, help="Send one test message to the configured alert URLs.")
@click.pass_context
@handle_errors
def alert(ctx: click.Context, test_: bool) -> None:
    """Alerts (apprise): --test sends one message; without it, check the rules once and send what is due."""
    from monitor.alerts import check_alerts, send_test

    cfg = _cfg(ctx)
    if test_:
        send_test(cfg)
        click.echo(f"test message sent to the URLs in ${cfg.alerts.urls_env}")
        return
    if not cfg.alerts.enabled:
        raise MonitorError("alerts.enabled is false in the config; set it to true (and the URL variable)")
    with _opened(cfg, lock=False) as engine:
        sent = check_alerts(engine, cfg)
    click.echo(f"alerts sent: {len(sent)}" + (f" ({', '.join(sent)})" if sent else ""))


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="demo-out", show_default=True)
@handle_errors
def demo(out_dir: str) -> None:
    """Load the bundled demo data into a fresh store and write the reports; print the HTML path."""
    from monitor.demo import run_demo

    index = run_demo(Path(out_dir))
    click.echo(str(index))
    config = Path(out_dir).resolve() / "config.yaml"
    click.echo(f"explore the demo store: {_invocation()} --config {config} status", err=True)


@cli.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
              help="Only posts created at or after this UTC date (default: all).")
@click.option("--force", is_flag=True, help="Relabel every post in range, not only stale labels.")
@click.pass_context
@handle_errors
def relabel(ctx: click.Context, since: datetime | None, force: bool) -> None:
    """Relabel stored posts whose label came from other rules or an older text (all of them with --force)."""
    from monitor.labelling import relabel as run_relabel

    cfg = _cfg(ctx)
    with _opened(cfg, lock=True) as engine:
        counts = run_relabel(engine, cfg, since=since.replace(tzinfo=UTC) if since else None, force=force)
    click.echo(f"relabel: {counts.line()}")


def _invocation() -> str:
    """How to run this program again from here: ``mention-monitor`` when that is on PATH and is this
    program, else the path it was started by (``.venv/bin/mention-monitor`` right after ``make demo``)."""
    me = Path(sys.argv[0])
    if me.name == "__main__.py":
        return f"{Path(sys.executable)} -m monitor"
    found = shutil.which("mention-monitor")
    if found and me.exists() and Path(found).resolve() == me.resolve():
        return "mention-monitor"
    return str(me) if me.exists() else "mention-monitor"


def main() -> None:
    cli(prog_name="mention-monitor")
