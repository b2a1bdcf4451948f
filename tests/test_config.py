from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_config, parse_config
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def _problems(data: object, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        parse_config(data, Path("/tmp"), env=env or {})
    return exc.value.problems


def test_shipped_config_is_valid() -> None:
    cfg = load_config(REPO / "config.yaml", env={})
    assert "比特派" in cfg.brand.names
    assert cfg.tz.key == "Asia/Shanghai"
    # The store defaults to a data directory beside the config, never inside the code packages.
    assert cfg.resolved_store_url == f"sqlite:///{REPO / 'data' / 'mention-monitor.db'}"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"brand": {"names": ["B"]}, "sources": [{"name": "a", "type": "feed", "url": "ftp://x"}]},
         "sources[0] (a).url: must start with http://, https:// or file://"),
        ({"brand": {"names": ["B"]}, "sources": [
            {"name": "a", "type": "feed", "url": "https://x"},
            {"name": "b", "type": "feed", "url": "https://y", "interval_minutes": 0}]},
         "sources[1] (b).interval_minutes: must be greater than or equal to 1"),
        ({"brand": {"names": ["B"]}, "timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
        ({"brand": {"names": ["B"]}, "colour": "red"}, "colour: unknown setting"),
        ({"brand": {"names": []}}, "brand.names: must have at least 1 item"),
        ({"brand": {"names": ["B"]}, "sources": [{"name": "a", "type": "carrier-pigeon"}]},
         "sources[0] (a): unknown source type 'carrier-pigeon'; use one of feed, twarc, twitter, statuspage"),
        ({"brand": {"names": ["B"]}, "sources": [{"name": "a", "type": "twiter"}]},
         "sources[0] (a): unknown source type 'twiter'; did you mean 'twitter'?"),
        ({"brand": {"names": ["B"]}, "report": {"unanswerd_limit": 3}},
         "report.unanswerd_limit: unknown setting 'unanswerd_limit'; did you mean 'unanswered_limit'?"),
        ({"brand": {"names": ["B"]}, "report": {"spike_treshold": 3}},
         "report.spike_treshold: unknown setting 'spike_treshold'; did you mean 'spike_threshold'?"),
        ({"brand": {"names": ["B"]}, "report": {"spike_min_count": "many"}},
         "report.spike_min_count: must be a number, not 'many'"),
        ({"brand": {"names": ["B"]}, "sources": [{"name": "Bad Name", "type": "twarc", "paths": ["x"]}]},
         "sources[0] (Bad Name).name: use lower-case letters"),
    ],
)
def test_config_errors_name_their_key_path(data: dict, expected: str) -> None:
    problems = _problems(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_not_just_the_first() -> None:
    problems = _problems({"brand": {"names": ["B"]}, "timezone": "Nowhere/X",
                          "sources": [{"name": "a", "type": "feed", "url": "gopher://x"}]})
    assert len(problems) == 2


def test_env_expansion_and_missing_variable() -> None:
    cfg = parse_config({"brand": {"names": ["${BRAND}"]}, "store_url": "${DB:-sqlite:///x.db}"},
                       Path("/tmp"), env={"BRAND": "Bitpie"})
    assert cfg.brand.names == ["Bitpie"] and cfg.store_url == "sqlite:///x.db"
    assert _problems({"brand": {"names": ["${NOPE}"]}}) == ["brand.names[0]: environment variable NOPE is not set"]
    # One line for an unset variable, not a second one about the empty value it left behind.
    assert _problems({"brand": {"names": ["B"]}, "sources": [{"name": "a", "type": "feed", "url": "${FEED}"}]}) \
        == ["sources[0].url: environment variable FEED is not set"]


def test_yaml_12_keeps_no_and_off_as_strings(tmp_path: Path) -> None:
    # PyYAML (YAML 1.1) would turn these keywords into booleans and break the keyword list.
    (tmp_path / "c.yaml").write_text("brand:\n  names: [Bitpie]\n  aliases: [no, off, on]\n")
    assert load_config(tmp_path / "c.yaml", env={}).brand.aliases == ["no", "off", "on"]


def test_broken_yaml_names_line(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("brand:\n  names: [Bitpie\n")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "c.yaml")
    assert "not valid YAML" in exc.value.problems[0] and "line" in exc.value.problems[0]


def test_check_config_cli_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("brand:\n  names: [B]\nsources:\n  - {name: a, type: feed, url: 'ftp://x'}\n")
    res = CliRunner().invoke(cli, ["--config", str(bad), "check-config"])
    assert res.exit_code == 1
    assert "config error: sources[0] (a).url: must start with" in res.output
    good = tmp_path / "good.yaml"
    good.write_text("brand:\n  names: [B]\nsources:\n  - {name: a, type: feed, url: 'https://x/feed'}\n")
    res = CliRunner().invoke(cli, ["--config", str(good), "check-config"])
    assert res.exit_code == 0, res.output
    assert "config OK" in res.output and "source a (feed" in res.output


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"brand": {"names": ["B"]}, "store_url": "mysql://u:hunter2@h/db"}, "store_url: use sqlite:///PATH"),
        ({"brand": {"names": ["B"]},
          "sources": [{"name": "x", "type": "twitter", "bearer_token_env": "AAAA%2Fsecret"}]},
         "sources[0] (x).bearer_token_env: must be the NAME of an environment variable"),
        ({"brand": {"names": ["B"]}, "sources": [{"name": "a", "type": "feed", "url": "https://x"},
                                                  {"name": "a", "type": "feed", "url": "https://y"}]},
         "sources[1].name: another source is already named 'a'"),
    ],
)
def test_values_that_would_fail_later_are_refused_now(data: dict, expected: str) -> None:
    problems = _problems(data)
    assert any(p.startswith(expected) for p in problems), problems
    assert not any("hunter2" in p or "secret" in p for p in problems)  # secrets never echoed


def test_cli_usage_errors_are_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("brand:\n  names: [B]\ndata_dir: data\n")
    runner = CliRunner()
    res = runner.invoke(cli, ["--config", str(cfg), "report", "--from", "2026-11-20", "--to", "2026-11-18"])
    assert res.exit_code == 1 and res.output.strip() == "error: --to 2026-11-18 is before --from 2026-11-20"
    res = runner.invoke(cli, ["--config", str(cfg), "report", "--date", "2026-11-18", "--from", "2026-11-18",
                              "--to", "2026-11-19"])
    assert res.exit_code == 1 and "either --date or --from/--to" in res.output
    res = runner.invoke(cli, ["--config", str(cfg), "collect", "--since", "2099-01-01"])
    assert res.exit_code == 1 and "is in the future" in res.output


def test_check_config_reports_missing_twarc_paths(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("brand:\n  names: [B]\nsources:\n  - {name: archive, type: twarc, paths: [nope.jsonl]}\n")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "check-config"])
    assert res.exit_code == 1
    assert f"config error: sources[0] (archive).paths[0]: {tmp_path / 'nope.jsonl'} does not exist" in res.output


def test_report_time_as_people_write_it(tmp_path: Path) -> None:
    from monitor.config import parse_config

    assert parse_config({"brand": {"names": ["x"]}, "report": {"time": "7:30"}}, tmp_path, env={}).report.time \
        == __import__("datetime").time(7, 30)


@pytest.mark.parametrize(("source", "expected"), [
    ({"type": "rss", "name": "a", "url": "https://a.example/f"}, "unknown source type 'rss'; did you mean 'feed'?"),
    ({"type": "ios", "name": "a", "app_id": "1"}, "did you mean 'appstore'?"),
    ({"type": "twitter", "name": "a", "bearer_token": "s3cr3t-value"},
     "secrets never go in config.yaml; put the value in an environment variable and name that variable in "
     "bearer_token_env"),
])
def test_config_mistakes_get_the_fix_in_one_line(tmp_path: Path, source: dict, expected: str) -> None:
    from monitor.config import parse_config
    from monitor.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        parse_config({"brand": {"names": ["x"]}, "sources": [source]}, tmp_path, env={})
    text = "; ".join(err.value.problems)
    assert expected in text and "s3cr3t-value" not in text


def test_the_store_password_is_masked_by_value(tmp_path: Path) -> None:
    from monitor import redact

    try:
        parse_config({"brand": {"names": ["x"]}, "store_url": "${PGURL}"}, tmp_path,
                     env={"PGURL": "postgresql://mm:Sup3r%2FSecretPw@db.example/mm"})
        assert "Sup3r/SecretPw" not in redact.mask_values("connect failed: password Sup3r/SecretPw rejected")
        assert "db.example" not in redact.mask_values("postgresql://mm:Sup3r%2FSecretPw@db.example/mm")
    finally:
        redact.set_secrets([])
