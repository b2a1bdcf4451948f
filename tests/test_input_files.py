"""Input files as people produce them: compressed, BOM, UTF-16/32, CRLF, blank lines; refusals.

Every file here is written by the test from a few tweets of our own.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import json
import lzma
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import Config, parse_config
from monitor.errors import SourceError
from monitor.records import Batch
from sources.base import SourceContext
from sources.textfile import UnreadableFile, read_text_lines
from sources.twarc import TwarcSource

TWEETS = [
    {"id": "2123710439224246273", "text": "@BitpieWallet 比特派客服三天了都不回复，提币一直没到账",
     "created_at": "2026-11-20T09:30:00.000Z", "author_id": "1411000000000000202"},
    {"id": "2123710439224246274", "text": "@BitpieWallet support still hasn't replied, 3 days now",
     "created_at": "2026-11-20T09:31:00.000Z", "author_id": "1411000000000000203"},
    {"id": "2123710439224246275", "text": "Ça marche très bien, merci Bitpie",
     "created_at": "2026-11-20T09:32:00.000Z", "author_id": "1411000000000000204"},
]
PAGE = {"data": TWEETS[2:], "includes": {"users": [{"id": "1411000000000000204", "username": "lea"}]},
        "meta": {"result_count": 1}}


def _text(sep: str = "\n", blank: bool = False) -> str:
    lines = [json.dumps(t, ensure_ascii=False) for t in TWEETS[:2]] + [json.dumps(PAGE, ensure_ascii=False)]
    if blank:
        lines = ["", *lines[:1], "   ", *lines[1:], ""]
    return sep.join(lines) + sep


def _enc(encoding: str, bom: bytes = b"") -> Callable[[str], bytes]:
    return lambda text: bom + text.encode(encoding)


# KIND: the same archive as people's tools save it. Each must give the same three posts.
READABLE: dict[str, tuple[str, Callable[[], bytes]]] = {
    "plain": ("a.jsonl", lambda: _text().encode()),
    "utf8-bom": ("a.jsonl", lambda: codecs.BOM_UTF8 + _text().encode()),
    "crlf": ("a.jsonl", lambda: _text("\r\n").encode()),
    "blank-lines": ("a.jsonl", lambda: _text(blank=True).encode()),
    "utf16-le-bom": ("a.jsonl", lambda: _text("\r\n").encode("utf-16")),  # Notepad "Unicode"
    "utf16-be-bom": ("a.jsonl", lambda: codecs.BOM_UTF16_BE + _text().encode("utf-16-be")),
    "utf16-le-no-bom": ("a.jsonl", lambda: _text().encode("utf-16-le")),
    "utf32-bom": ("a.jsonl", lambda: _text().encode("utf-32")),
    "gzip": ("a.jsonl.gz", lambda: gzip.compress(_text().encode())),
    "gzip-bom-crlf": ("a.jsonl.gz", lambda: gzip.compress(codecs.BOM_UTF8 + _text("\r\n").encode())),
    "bz2": ("a.jsonl.bz2", lambda: bz2.compress(_text().encode())),
    "xz-utf16": ("a.jsonl.xz", lambda: lzma.compress(_text().encode("utf-16"))),
    "gzip-misnamed": ("a.jsonl", lambda: gzip.compress(_text().encode())),
}


def _zip() -> bytes:
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.jsonl", _text())
    return buf.getvalue()


# KIND: files that cannot be read reliably, or hold nothing importable -> refused, named, nothing imported.
REFUSED: dict[str, tuple[bytes, str]] = {
    "xml-feed": (b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "not JSON lines"),
    "html": (b"<!doctype html><html><body>login</body></html>", "not JSON lines"),
    "csv": ("id,text\n1,客服不回复\n".encode(), "not JSON lines"),
    "gbk": ("\n".join(json.dumps(t, ensure_ascii=False) for t in TWEETS[:2]).encode("gbk"), "not UTF-8"),
    "latin1": (json.dumps(TWEETS[2], ensure_ascii=False).encode("latin-1") + b"\n", "not UTF-8"),
    "zip": (_zip(), "zip archive"),
    "zstd": (b"\x28\xb5\x2f\xfd" + b"\x00" * 20, "zstd"),
    "empty": (b"", "holds no twarc2 tweets"),
    "blank-only": (b"\n \r\n\n", "holds no twarc2 tweets"),
    "truncated-gzip": (gzip.compress(_text().encode())[:40], "damaged gzip"),
}


def _cfg(tmp_path: Path, paths: list[str]) -> Config:
    return parse_config({"brand": {"names": ["Bitpie"]}, "data_dir": str(tmp_path / "d"),
                         "sources": [{"name": "archive", "type": "twarc", "paths": paths}]}, tmp_path, env={})


def _ctx() -> SourceContext:
    return SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: datetime.now(UTC))


@pytest.mark.parametrize("kind", sorted(READABLE))
def test_archive_forms_all_read_the_same(tmp_path: Path, kind: str) -> None:
    name, make = READABLE[kind]
    (tmp_path / name).write_bytes(make())
    cfg = _cfg(tmp_path, [name])
    batches = list(TwarcSource(cfg.sources[0], cfg).fetch(_ctx()))
    posts = {p.post_id: p for b in batches for p in b.posts}
    assert posts.keys() == {t["id"] for t in TWEETS}
    assert {p.text for p in posts.values()} == {t["text"] for t in TWEETS}
    assert not [n for b in batches for n in b.notes]
    # A second pass over the unchanged file reads nothing.
    state = {k: v for k, v in batches[-1].cursors.items() if v is not None}  # as saved: None deletes a key
    again = list(TwarcSource(cfg.sources[0], cfg).fetch(SourceContext(
        cursors=state, known_post_ids=lambda _p, _i: set(), now=lambda: datetime.now(UTC))))
    assert sum(len(b.posts) for b in again) == 0


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_unreadable_files_are_refused_by_name(tmp_path: Path, kind: str) -> None:
    body, why = REFUSED[kind]
    (tmp_path / "bad.jsonl").write_bytes(body)
    (tmp_path / "good.jsonl").write_bytes(_text().encode())
    cfg = _cfg(tmp_path, ["bad.jsonl", "good.jsonl"])
    got: list[Batch] = []
    with pytest.raises(SourceError) as err:
        got.extend(TwarcSource(cfg.sources[0], cfg).fetch(_ctx()))
    message = str(err.value)
    assert "\n" not in message and str(tmp_path / "bad.jsonl") in message and why in message
    # Nothing from the refused file; the good file is still imported.
    assert {p.post_id for b in got for p in b.posts} == {t["id"] for t in TWEETS}
    assert all(p.origin == "twarc:good.jsonl" for b in got for p in b.posts)


def test_folder_in_paths_includes_compressed_archives(tmp_path: Path) -> None:
    (tmp_path / "arch").mkdir()
    (tmp_path / "arch" / "a.jsonl.gz").write_bytes(gzip.compress(_text().encode()))
    (tmp_path / "arch" / "b.jsonl.xz").write_bytes(lzma.compress(_text().encode()))
    (tmp_path / "arch" / "notes.txt").write_text("not an archive")
    cfg = _cfg(tmp_path, ["arch"])
    batches = list(TwarcSource(cfg.sources[0], cfg).fetch(_ctx()))
    assert {p.origin for b in batches for p in b.posts} == {"twarc:a.jsonl.gz", "twarc:b.jsonl.xz"}


def _cli_cfg(tmp_path: Path) -> Path:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"brand:\n  names: [Bitpie]\ndata_dir: {tmp_path / 'data'}\n")
    return cfg


@pytest.mark.parametrize("kind", ["gzip", "utf8-bom", "utf16-le-bom", "bz2"])
def test_cli_import_reads_compressed_and_encoded_files(tmp_path: Path, kind: str) -> None:
    name, make = READABLE[kind]
    (tmp_path / name).write_bytes(make())
    res = CliRunner().invoke(cli, ["--config", str(_cli_cfg(tmp_path)), "import", str(tmp_path / name)])
    assert res.exit_code == 0, res.output
    assert "read=3 new=3" in res.output


@pytest.mark.parametrize("kind", ["xml-feed", "gbk", "empty", "truncated-gzip"])
def test_cli_import_refuses_with_one_line_and_exit_1(tmp_path: Path, kind: str) -> None:
    body, why = REFUSED[kind]
    (tmp_path / "x.jsonl").write_bytes(body)
    res = CliRunner().invoke(cli, ["--config", str(_cli_cfg(tmp_path)), "import", str(tmp_path / "x.jsonl")])
    assert res.exit_code == 1
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and why in errors[0] and "x.jsonl" in errors[0]


def _detect_input() -> str:
    return "\n".join(json.dumps({"id": t["id"], "text": t["text"]}, ensure_ascii=False) for t in TWEETS) + "\n"


@pytest.mark.parametrize(("name", "make"), [
    ("in.jsonl", lambda s: codecs.BOM_UTF8 + s.encode()),
    ("in.jsonl", lambda s: s.replace("\n", "\r\n").encode("utf-16")),
    ("in.jsonl.gz", lambda s: gzip.compress(codecs.BOM_UTF8 + s.encode())),
    ("in.jsonl", lambda s: ("\n" + s + "\n\n").encode()),
])
def test_cli_detect_reads_bom_and_other_forms(tmp_path: Path, name: str, make: Callable[[str], bytes]) -> None:
    (tmp_path / name).write_bytes(make(_detect_input()))
    res = CliRunner().invoke(cli, ["--config", str(_cli_cfg(tmp_path)), "detect", str(tmp_path / name)])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in res.output.splitlines()]
    assert [o["id"] for o in out] == [t["id"] for t in TWEETS]


def test_cli_detect_refuses_an_xml_file(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(REFUSED["xml-feed"][0])
    res = CliRunner().invoke(cli, ["--config", str(_cli_cfg(tmp_path)), "detect", str(tmp_path / "feed.xml")])
    assert res.exit_code == 1 and res.output.startswith("error: ") and "feed.xml" in res.output


def test_read_text_lines_refuses_pdf(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\n...")
    with pytest.raises(UnreadableFile, match="PDF"):
        list(read_text_lines(tmp_path / "a.pdf"))
