"""Open a JSON-lines file as people produce it: gzip/bz2/xz, a BOM, UTF-16/32, CRLF, blank lines.

twarc users keep archives gzipped; Windows tools write a UTF-8 BOM or UTF-16 ("Unicode" in Notepad,
PowerShell's ``>``). Each is detected from the first bytes, never guessed:

* compression by its magic number (gzip ``1f 8b``, bzip2 ``BZh``, xz ``fd 37 7a 58 5a 00``);
* encoding by its byte-order mark, or for JSON text without one by the NUL pattern of the first
  four bytes (JSON starts with an ASCII character; RFC 4627 section 3, the rule Python's
  ``json.detect_encoding`` applies);
* anything else must be valid UTF-8. Legacy 8-bit encodings (GBK, Latin-1, ...) cannot be told
  apart reliably, so such a file is refused rather than read as mojibake.

A file whose text does not start like JSON (``{`` or ``[``), e.g. an XML feed given by mistake, is
refused too. Every refusal is an :class:`UnreadableFile` whose message is one line naming the file.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from monitor.errors import MonitorError

_SNIFF = 1 << 16
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
_REFUSED = ((b"PK\x03\x04", "a zip archive; unzip it first"),
            (b"\x28\xb5\x2f\xfd", "zstd-compressed; decompress it first (zstd -d)"),
            (b"7z\xbc\xaf\x27\x1c", "a 7z archive; extract it first"),
            (b"%PDF", "a PDF document"))
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


# The file opened "rb", or a decompressor reading it: all read, seek, peek and iterate bytes lines.
Stream: TypeAlias = io.BufferedReader | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile


class UnreadableFile(MonitorError):
    """A file that cannot be read as JSON lines; ``str()`` is one line naming the file."""


@dataclass(slots=True)
class Opened:
    """``lines`` yields UTF-8 byte lines (line ends kept). ``plain``: they are the file's own bytes
    (uncompressed UTF-8), so byte offsets into the file are offsets into ``lines`` (resumable)."""

    stream: Stream
    lines: Iterator[bytes]
    compression: str | None
    encoding: str
    plain: bool
    file: io.BufferedReader  # the file itself (decompressors given a file object leave it open)

    def close(self) -> None:
        finish = getattr(self.lines, "close", None)  # a transcoding generator: detach its wrapper first
        if finish is not None:
            finish()
        self.stream.close()
        self.file.close()


def _encoding(head: bytes) -> str:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    nul = tuple(b == 0 for b in head[:4])  # shorter than 4 when the file is: then no pattern matches
    by_nuls: dict[tuple[bool, ...], str] = {
        (True, True, True, False): "utf-32-be", (False, True, True, True): "utf-32-le",
        (True, False, True, False): "utf-16-be", (False, True, False, True): "utf-16-le"}
    return by_nuls.get(nul, "utf-8")


def _decompressed(path: Path, fh: io.BufferedReader) -> tuple[Stream, str | None]:
    head = fh.read(8)
    fh.seek(0)
    for magic, what in _REFUSED:
        if head.startswith(magic):
            raise UnreadableFile(f"{path}: {what}, not JSON lines")
    for magic, kind in _COMPRESSED:
        if head.startswith(magic):
            if kind == "gzip":
                return gzip.GzipFile(fileobj=fh), kind
            return (bz2.BZ2File(fh) if kind == "bzip2" else lzma.LZMAFile(fh)), kind
    return fh, None


def _valid_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_text(path: Path, head: bytes, encoding: str) -> None:
    """Refuse text that is not in ``encoding`` or does not start like JSON.

    For UTF-8 without a BOM: one damaged line is a bad line (reported, the rest imported), but when
    most lines with non-ASCII bytes in the first 64 KiB are invalid UTF-8, the file is in another
    encoding (GBK, Latin-1, ...) that cannot be identified reliably."""
    if encoding == "utf-8":
        lines = head.split(b"\n")
        lines = lines[:-1] if len(lines) > 1 else lines  # the last may be cut mid-character
        foreign = [line for line in lines if not line.isascii()]
        bad = sum(not _valid_utf8(line) for line in foreign)
        if bad and bad * 2 > len(foreign):
            raise UnreadableFile(
                f"{path}: not UTF-8 and no byte-order mark; other encodings cannot be detected "
                "reliably: save it as UTF-8")
        text = head.decode("utf-8", "replace")
    else:
        text = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=False)
    start = text.lstrip("\ufeff \t\r\n")[:60]
    if start and start[0] not in "{[":
        raise UnreadableFile(f"{path}: not JSON lines (starts {start!r}); expected one JSON object per line")


def _transcoded(stream: Stream, encoding: str) -> Iterator[bytes]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        for line in text:
            yield line.encode("utf-8")
    finally:
        if not stream.closed:
            text.detach()  # Opened.close closes the stream; the wrapper must not outlive it unclosed


def open_jsonl(path: Path) -> Opened:
    """Open ``path`` for reading JSON lines. Raises :class:`UnreadableFile` (one line) or OSError."""
    fh = path.open("rb")
    try:
        stream, compression = _decompressed(path, fh)
        try:
            if compression is None:
                head = stream.read(_SNIFF)
                stream.seek(0)
            else:  # peek: the decompressed stream cannot seek back cheaply
                head = stream.peek(_SNIFF)[:_SNIFF]
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise UnreadableFile(f"{path}: damaged {compression} data ({exc})") from None
        encoding = _encoding(head)
        _check_text(path, head, encoding)
    except BaseException:
        fh.close()
        raise
    if encoding in ("utf-8", "utf-8-sig"):
        # UTF-8 bytes are passed through untouched (json.loads of bytes skips a BOM itself).
        return Opened(stream, iter(stream), compression, encoding, plain=compression is None, file=fh)
    return Opened(stream, _transcoded(stream, encoding), compression, encoding, plain=False, file=fh)


def read_text_lines(path: Path) -> Iterator[str]:
    """Decoded lines of ``path`` (for ``mention-monitor detect FILE``); same detection and refusals."""
    opened = open_jsonl(path)
    try:
        for raw in opened.lines:
            try:
                yield raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise UnreadableFile(f"{path}: invalid UTF-8 at byte {exc.start} of a line") from None
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise UnreadableFile(f"{path}: damaged {opened.compression or ''} data ({exc})") from None
    finally:
        opened.close()
