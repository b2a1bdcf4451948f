"""The daemon builds reports in a child process (monitor.reportschedule.build_in_child): the daemon
itself never loads matplotlib or the report code, a child's error reaches the run row with its
message, and the report is the one an in-process build writes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from monitor import store
from monitor.errors import MonitorError
from monitor.reportschedule import RUN_SOURCE, build_in_child, catch_up
from reports import build_report
from tests.test_report_golden import AS_OF, DAY, build_store, make_config

ROOT = Path(__file__).resolve().parents[1]


def test_child_build_writes_the_same_csvs_as_an_in_process_build(tmp_path: Path) -> None:
    engine = build_store(f"sqlite:///{tmp_path / 'store.db'}")
    here = build_report(engine, make_config(tmp_path / "in-process"), DAY, now=AS_OF)
    child = build_in_child(engine, make_config(tmp_path / "child"), DAY, now=AS_OF)
    assert child != here and child.is_file()
    csvs = sorted(p.name for p in here.parent.glob("*.csv"))
    assert len(csvs) >= 7
    for name in csvs:
        assert (child.parent / name).read_bytes() == (here.parent / name).read_bytes(), name


def test_a_childs_error_keeps_its_message(tmp_path: Path) -> None:
    engine = build_store(f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(MonitorError, match="is in the future"):
        build_in_child(engine, make_config(tmp_path / "out"), dt.date(2099, 1, 1))


def test_catch_up_records_a_failed_child_build_on_the_run_row(tmp_path: Path) -> None:
    engine = store.open_store(f"sqlite:///{tmp_path / 'empty.db'}")  # nothing collected: the child refuses
    cfg = make_config(tmp_path / "out")
    now = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
    assert catch_up(engine, cfg, now=lambda: now, build=build_in_child) == []
    with engine.connect() as conn:
        row = conn.execute(store.runs.select().where(store.runs.c.source == RUN_SOURCE)).mappings().one()
    assert row["status"] == "error" and "nothing collected yet" in row["error"]


def test_the_daemon_process_never_loads_the_report_code(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from tests.test_report_golden import AS_OF, DAY, build_store, make_config
        from monitor.reportschedule import build_in_child
        import monitor.daemon  # everything the daemon imports
        engine = build_store("sqlite:///{tmp_path / 'store.db'}")
        path = build_in_child(engine, make_config(__import__("pathlib").Path("{tmp_path / 'out'}")), DAY)
        print(path.is_file(), "matplotlib" in sys.modules, "reports.output" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "False"]


def test_an_interrupted_build_marks_its_run_row_and_propagates(tmp_path: Path) -> None:
    engine = build_store(f"sqlite:///{tmp_path / 'store.db'}")
    now = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)

    def build(*_a: object) -> Path:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        catch_up(engine, make_config(tmp_path / "out"), now=lambda: now, build=build)
    with engine.connect() as conn:
        statuses = [r.status for r in conn.execute(store.runs.select().where(store.runs.c.source == RUN_SOURCE))]
    assert statuses == ["interrupted"]


def test_a_stopping_daemon_starts_no_new_day(tmp_path: Path) -> None:
    from monitor import reportschedule

    engine = build_store(f"sqlite:///{tmp_path / 'store.db'}")
    now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    built: list[dt.date] = []

    def build(_e: object, _c: object, day: dt.date) -> Path:
        built.append(day)
        reportschedule.request_stop()  # SIGTERM arrives while the first day is being built
        return tmp_path / "index.html"

    try:
        assert catch_up(engine, make_config(tmp_path / "out"), now=lambda: now, build=build) == built
        assert len(built) == 1  # three days were missing; the other two wait for the next start
    finally:
        reportschedule.allow_builds()


def test_errors_of_any_monitor_error_class_cross_the_process_boundary(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    import pickle

    import reports
    from monitor import reportschedule
    from monitor.errors import ConfigError, SourceError

    engine = build_store(f"sqlite:///{tmp_path / 'store.db'}")
    url = engine.url.render_as_string(hide_password=False)
    for exc, text in [(SourceError("report", "boom"), "report: boom"), (ConfigError(["a: b", "c: d"]), "a: b; c: d"),
                      (RuntimeError("bug"), "RuntimeError: bug")]:
        def fail(*_a: object, _exc: BaseException = exc, **_k: object) -> Path:
            raise _exc

        monkeypatch.setattr(reports, "build_report", fail)
        with pytest.raises(MonitorError) as got:
            reportschedule._child_build(url, make_config(tmp_path / "o"), DAY, None, (), 30)
        again = pickle.loads(pickle.dumps(got.value))  # what ProcessPoolExecutor does with it
        assert text in str(again)


def test_a_source_jobs_catch_up_does_not_wait_for_one_already_building(tmp_path: Path) -> None:
    import threading

    engine = build_store(f"sqlite:///{tmp_path / 'store.db'}")
    cfg = make_config(tmp_path / "out")
    now = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_build(_e: object, _c: object, day: dt.date) -> Path:
        started.set()
        release.wait(10)
        finished.set()
        return tmp_path / f"{day}.html"

    builder = threading.Thread(target=catch_up, args=(engine, cfg), kwargs={"now": lambda: now, "build": slow_build})
    builder.start()
    try:
        assert started.wait(10)
        # the source job's catch-up returns at once while the report job builds
        assert catch_up(engine, cfg, now=lambda: now, build=slow_build, wait=False) == []
        assert not finished.is_set()  # it returned while the other was still building, not after
    finally:
        release.set()
        builder.join(10)
    assert not builder.is_alive()
