"""Labels carry the fingerprint of the rules and the hash of the content that made them; stale ones relabel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text

from monitor import store
from monitor.checks import label_lines
from monitor.config import Config
from monitor.detect import fingerprint as fpmod
from monitor.detect.fingerprint import rules_fingerprint
from monitor.labelling import detect_pending, relabel
from monitor.records import Post
from reports.build import _label_notes
from tests.conftest import base_config
from tests.pg import pg_schema_url

NOW = datetime.now(UTC)
QUIET = "Thanks Bitpie, the new release looks great"
COMPLAINT = "Bitpie support has not replied to my ticket for 5 days and my funds are stuck, withdrawal frozen"
CUSTOM = "收到停服的通知了"  # a complaint only under the custom rule below


def _post(pid: str, txt: str, *, days_ago: float = 1, **kw: Any) -> Post:
    return Post(platform="twitter", post_id=pid, created_at=NOW - timedelta(days=days_ago), text=txt, **kw)


def _store(engine: Engine, *items: Post) -> None:
    with engine.begin() as c:
        store.upsert_posts(c, list(items))


def _labels(engine: Engine) -> dict[str, tuple[bool, str | None, str | None]]:
    d = store.detections
    with engine.connect() as c:
        return {r.post_id: (r.complaint, r.urgency, r.rules_fingerprint)
                for r in c.execute(select(d.c.post_id, d.c.complaint, d.c.urgency, d.c.rules_fingerprint))}


def _custom(tmp_path: Path, **detection: Any) -> Config:
    return base_config(tmp_path, detection={"complaint": {"zh": {"include": [r"停服\S{0,2}通知"]}}, **detection})


# --- the fingerprint ---------------------------------------------------------------------------


def test_fingerprint_is_stable_and_from_data_not_object_ids(tmp_path: Path) -> None:
    a, b = base_config(tmp_path), base_config(tmp_path)
    assert rules_fingerprint(a) == rules_fingerprint(b) == rules_fingerprint(a)
    assert len(rules_fingerprint(a)) == fpmod.FINGERPRINT_CHARS
    # Another process (other ids, other hash seed) computes the same value.
    code = ("from pathlib import Path; from tests.conftest import base_config; "
            "from monitor.detect.fingerprint import rules_fingerprint; "
            f"print(rules_fingerprint(base_config(Path({str(tmp_path)!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONHASHSEED": "123"})
    assert out.stdout.strip() == rules_fingerprint(a)


@pytest.mark.parametrize(("change", "differs"), [
    ({"detection": {"complaint": {"en": {"include": ["never answered"]}}}}, True),
    ({"detection": {"urgency": {"mode": "replace"}}}, True),
    ({"detection": {"maintenance": {"zh": {"exclude": ["演练"]}}}}, True),
    ({"detection": {"topics": {"fees": ["fee"]}}}, True),
    ({"detection": {"ignore_quoted": False}}, True),
    ({"brand": {"names": ["Bitpie"], "aliases": ["BP"]}}, True),
    ({"timezone": "UTC"}, True),
    ({"official_accounts": []}, True),
    ({"detection": {"relabel_recent_days": 30}}, False),  # when to relabel is not what labels say
    ({"report": {"spike_threshold": 5}}, False),
])
def test_fingerprint_follows_label_shaping_config_only(tmp_path: Path, change: dict[str, Any], differs: bool) -> None:
    assert (rules_fingerprint(base_config(tmp_path, **change)) != rules_fingerprint(base_config(tmp_path))) is differs


@pytest.fixture
def detect_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of monitor/detect/ the fingerprint reads instead of the real one."""
    copy = tmp_path / "detect"
    shutil.copytree(fpmod._DETECT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fpmod, "_DETECT_DIR", copy)
    fpmod.code_fingerprint.cache_clear()
    yield copy
    fpmod.code_fingerprint.cache_clear()


@pytest.mark.parametrize(("edit", "differs"), [
    (lambda d: (d / "rules.py").write_text((d / "rules.py").read_text() + "\nEXTRA = [('x', 'y')]\n"), True),
    (lambda d: (d / "engine.py").write_text((d / "engine.py").read_text().replace("FLAGS = re.IGNORECASE",
                                                                                   "FLAGS = 0")), True),
    (lambda d: (d / "words_en.txt").write_text("no reply\n"), True),  # a new data file
    (lambda d: (d / "rules.py").write_text((d / "rules.py").read_text() + "\n# a comment only\n"), False),
    (lambda d: (d / "rules.py").write_text((d / "rules.py").read_text().replace("\n", "\r\n")), False),
])
def test_fingerprint_follows_the_rule_files_whatever_their_shape(detect_copy: Path, tmp_path: Path,
                                                                 edit: Any, differs: bool) -> None:
    cfg = base_config(tmp_path)
    before = rules_fingerprint(cfg)
    edit(detect_copy)
    fpmod.code_fingerprint.cache_clear()
    assert (rules_fingerprint(cfg) != before) is differs


# --- stale labels: an edited entry relabels (issue 14) ------------------------------------------


EDITS = [  # (field changed on the stored post, new value, relabels?)
    ("text", COMPLAINT, True),
    ("text", "比特派客服三天不回复，我的币提不出来", True),
    ("author_name", "Bitpie Support Desk", True),
    ("reply_to_id", "999", True),
    ("is_official", True, True),
    ("url", "https://example.org/edited", False),
    ("raw", {"edited": True}, False),
]


def _edit_relabels(engine: Engine, cfg: Config, field: str, value: Any, relabels: bool) -> None:
    _store(engine, _post("1", QUIET))
    assert detect_pending(engine, cfg) == 1
    assert _labels(engine)["1"][0] is False
    _store(engine, _post("1", QUIET, **{field: value}) if field != "text" else _post("1", value))
    with engine.connect() as c:
        assert store.stale_content_labels(c) == int(relabels)
    assert detect_pending(engine, cfg) == int(relabels)
    if field == "text":
        assert _labels(engine)["1"][:2] == (True, "high")
    assert detect_pending(engine, cfg) == 0  # idempotent


@pytest.mark.parametrize(("field", "value", "relabels"), EDITS)
def test_an_edited_post_is_relabelled_on_the_next_pass(engine: Engine, cfg: Config, field: str, value: Any,
                                                       relabels: bool) -> None:
    _edit_relabels(engine, cfg, field, value, relabels)


def test_an_old_edited_post_is_relabelled_too(engine: Engine, cfg: Config) -> None:
    _store(engine, _post("old", QUIET, days_ago=400))
    detect_pending(engine, cfg)
    _store(engine, _post("old", COMPLAINT, days_ago=400))
    assert detect_pending(engine, cfg) == 1 and _labels(engine)["old"][0] is True


# --- rules changes: the next pass (recent posts) and `relabel` -----------------------------------


def test_rules_change_relabels_recent_posts_on_the_next_pass_and_the_rest_with_relabel(
        engine: Engine, tmp_path: Path) -> None:
    old_cfg, new_cfg = base_config(tmp_path), _custom(tmp_path)
    _store(engine, _post("recent", CUSTOM, days_ago=2), _post("old", CUSTOM, days_ago=30),
           _post("quiet", QUIET, days_ago=1))
    assert detect_pending(engine, old_cfg) == 3
    assert {k: v[0] for k, v in _labels(engine).items()} == {"recent": False, "old": False, "quiet": False}
    new_fp = rules_fingerprint(new_cfg)
    # The next pass under the new rules: posts of the last relabel_recent_days (7) only.
    assert detect_pending(engine, new_cfg) == 2
    labels = _labels(engine)
    assert labels["recent"] == (True, "normal", new_fp) and labels["old"][0] is False
    assert labels["quiet"][2] == new_fp and labels["old"][2] == rules_fingerprint(old_cfg)
    assert detect_pending(engine, new_cfg) == 0
    with engine.connect() as c:
        assert "run `mention-monitor relabel`" in label_lines(c, new_cfg)[0]
    assert _label_notes(engine, NOW - timedelta(days=56), NOW + timedelta(days=1))  # the report says so
    # relabel --since leaves older posts; relabel without it takes the rest; a second run does nothing.
    assert relabel(engine, new_cfg, since=NOW - timedelta(days=10)).labelled == 0
    counts = relabel(engine, new_cfg)
    assert (counts.labelled, counts.rules, counts.changed, counts.new) == (1, 1, 1, 0)
    assert _labels(engine)["old"] == (True, "normal", new_fp)
    assert relabel(engine, new_cfg).labelled == 0
    with engine.connect() as c:
        assert label_lines(c, new_cfg) == [f"labels: 3 by the current rules {new_fp}"]
    assert _label_notes(engine, NOW - timedelta(days=56), NOW + timedelta(days=1)) == []
    forced = relabel(engine, new_cfg, force=True)
    assert (forced.labelled, forced.changed) == (3, 0)


LURE = "Hi, please DM us on WhatsApp and we will sort it out"


def _impersonation(engine: Engine) -> dict[str, bool]:
    d = store.detections
    with engine.connect() as c:
        return {r.post_id: r.impersonation_suspect for r in c.execute(select(d.c.post_id, d.c.impersonation_suspect))}


@pytest.mark.parametrize("how", ["edit", "relabel_later", "relabel_same_run"])
def test_replies_follow_when_the_post_they_answer_changes_its_complaint_label(
        engine: Engine, tmp_path: Path, how: str) -> None:
    """A look-alike's lure is flagged only under a complaint: when the parent becomes one (new rules or an
    edit), the stored reply is relabelled too, even though its own text and fingerprint are current."""
    old_cfg, new_cfg = base_config(tmp_path), _custom(tmp_path)
    _store(engine, _post("p", QUIET if how == "edit" else CUSTOM, days_ago=20),
           _post("r", LURE, days_ago=1, reply_to_id="p", author_handle="bitpie_helpdesk",
                 author_name="Bitpie Support Desk"))
    detect_pending(engine, old_cfg)
    assert _impersonation(engine) == {"p": False, "r": False}
    if how == "edit":
        _store(engine, _post("p", COMPLAINT, days_ago=20))
        assert detect_pending(engine, old_cfg) == 2  # the edited parent, then its reply
    elif how == "relabel_later":
        # The next pass relabels the recent reply (its parent, 20 days old, still says "no complaint");
        # relabel then turns the parent into a complaint and redoes the reply.
        assert detect_pending(engine, new_cfg) == 1
        assert _impersonation(engine) == {"p": False, "r": False}
        counts = relabel(engine, new_cfg)
        assert (counts.rules, counts.replies, counts.labelled) == (1, 1, 2)
    else:  # both stale: the reply is labelled in its parent's batch, against the parent's new label
        counts = relabel(engine, new_cfg)
        assert (counts.rules, counts.replies, counts.labelled) == (2, 0, 2)
    assert _impersonation(engine) == {"p": False, "r": True}


def test_relabel_recent_days_zero_leaves_passes_alone(engine: Engine, tmp_path: Path) -> None:
    _store(engine, _post("recent", CUSTOM, days_ago=1))
    detect_pending(engine, base_config(tmp_path))
    assert detect_pending(engine, _custom(tmp_path, relabel_recent_days=0)) == 0
    assert relabel(engine, _custom(tmp_path, relabel_recent_days=0)).labelled == 1


def _legacy_store(eng: Engine) -> None:
    """The store as 0001_initial left it, with one post and its (pre-fingerprint) label, then migrated."""
    with eng.begin() as c:
        c.execute(text("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"))
        for sql in store.MIGRATIONS[0][1]:
            c.execute(text(store._ddl(c, sql)))
        c.execute(text("INSERT INTO migrations VALUES ('0001_initial', '2026-01-01 00:00:00')"))
        for pid in ("legacy", "unlabelled"):
            c.execute(text("INSERT INTO posts (platform, post_id, is_official, created_at, text, collected_at) "
                           "VALUES ('twitter', :p, FALSE, :t, :x, :t)"),
                      {"p": pid, "t": NOW.replace(tzinfo=None), "x": COMPLAINT})
        c.execute(text("INSERT INTO detections (platform, post_id, complaint, maintenance, detected_at) "
                       "VALUES ('twitter', 'legacy', FALSE, FALSE, :t)"), {"t": NOW.replace(tzinfo=None)})
    applied = store.migrate(eng)  # later migrations of other features may follow; this one comes first
    assert applied[0] == "det_fingerprint_0001_label_fingerprints"


def _legacy_relabels(eng: Engine, cfg: Config) -> None:
    _legacy_store(eng)
    with eng.connect() as c:
        assert store.label_fingerprints(c) == {None: 1}
        assert "before fingerprints: 1" in label_lines(c, cfg)[0]
        assert store.stale_content_labels(c) == 0  # the labelled post is not "edited"
        assert [r["post_id"] for r in store.posts_to_label(c, None, mode="pending")] == ["unlabelled"]
    assert detect_pending(eng, cfg) == 2  # the unlabelled one; the legacy label is recent: other rules
    assert _labels(eng)["legacy"] == (True, "high", rules_fingerprint(cfg))
    assert detect_pending(eng, cfg) == 0


def test_labels_from_before_the_migration_are_relabelled(tmp_path: Path, cfg: Config) -> None:
    """A store made before fingerprints (only 0001_initial) keeps its labels; they count as other rules."""
    eng = store.open_store(f"sqlite:///{tmp_path / 'old.db'}", migrate_schema=False)
    _legacy_relabels(eng, cfg)
    eng.dispose()


def test_relabel_command(tmp_path: Path) -> None:
    from monitor.cli import cli

    db = tmp_path / "cli.db"
    (tmp_path / "config.yaml").write_text(
        f"brand: {{names: [Bitpie]}}\nstore_url: sqlite:///{db}\n"
        "detection: {complaint: {zh: {include: ['停服\\S{0,2}通知']}}}\n", encoding="utf-8")
    eng = store.open_store(f"sqlite:///{db}")
    _store(eng, _post("a", CUSTOM, days_ago=40))
    detect_pending(eng, base_config(tmp_path))
    eng.dispose()
    runner = CliRunner()
    cfg_arg = ["--config", str(tmp_path / "config.yaml")]
    first = runner.invoke(cli, [*cfg_arg, "relabel", "--since", (NOW - timedelta(days=60)).strftime("%Y-%m-%d")])
    assert first.exit_code == 0, first.output
    assert "labelled 1 posts (0 new, 0 edited, 1 by other rules, 0 replies to changed complaints; " \
           "1 labels changed)" in first.output
    again = runner.invoke(cli, [*cfg_arg, "relabel"])
    assert again.exit_code == 0 and "labelled 0 posts" in again.output
    status = runner.invoke(cli, [*cfg_arg, "status"])
    assert "labels: 1 by the current rules" in status.output and "other rules" not in status.output
    shown = runner.invoke(cli, [*cfg_arg, "check-config"])
    assert "detection rules fingerprint:" in shown.output


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the test PostgreSQL (tests/pg.py: skips when none answers), dropped after."""
    with pg_schema_url() as url:
        yield url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    eng = store.open_store(pg_url)
    yield eng
    eng.dispose()


@pytest.mark.postgres
def test_labels_from_before_the_migration_are_relabelled_on_postgresql(pg_url: str, cfg: Config) -> None:
    eng = store.open_store(pg_url, migrate_schema=False)
    try:
        _legacy_relabels(eng, cfg)
    finally:
        eng.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(("field", "value", "relabels"), EDITS[:3] + EDITS[-2:])
def test_edited_posts_relabel_on_postgresql(pg_engine: Engine, cfg: Config, field: str, value: Any,
                                            relabels: bool) -> None:
    _edit_relabels(pg_engine, cfg, field, value, relabels)


@pytest.mark.postgres
def test_rules_change_and_relabel_on_postgresql(pg_engine: Engine, tmp_path: Path) -> None:
    _store(pg_engine, _post("recent", CUSTOM, days_ago=2), _post("old", CUSTOM, days_ago=30))
    assert detect_pending(pg_engine, base_config(tmp_path)) == 2
    new_cfg = _custom(tmp_path)
    assert detect_pending(pg_engine, new_cfg) == 1
    with pg_engine.connect() as c:
        assert len(store.label_fingerprints(c)) == 2
    assert relabel(pg_engine, new_cfg).labelled == 1
    assert relabel(pg_engine, new_cfg).labelled == 0
    assert {k: v[0] for k, v in _labels(pg_engine).items()} == {"recent": True, "old": True}


def test_a_pass_finds_its_work_through_indexes_not_a_store_scan(engine: Engine) -> None:
    """The pass's two selections use the partial index (new/edited posts) and the created_at index (recent
    posts): their cost follows the posts to label, not the store (SQLite's own query plan says so)."""
    plans: list[str] = []
    statements: list[tuple[str, Any]] = []
    from sqlalchemy import event

    def grab(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if "FROM posts LEFT OUTER JOIN detections" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    with engine.connect() as c:
        store.posts_to_label(c, "fp", mode="pending", after=("twitter", "1"))
        store.posts_to_label(c, "fp", mode="rules", since=NOW - timedelta(days=7))
    event.remove(engine, "before_cursor_execute", grab)
    with engine.connect() as c:
        for statement, params in statements:
            plans.append(" / ".join(r[-1] for r in c.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)))
    assert "USING INDEX ix_posts_label_pending" in plans[0]
    assert "USING INDEX ix_posts_created" in plans[1] and "SCAN posts" not in plans[1]
