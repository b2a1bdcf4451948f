"""Fingerprints stored with every label: which rules made it, and from which content.

``rules_fingerprint(cfg)`` is a stable hash of the effective rule set, computed from data only (never
from Python object ids, so two processes with the same code and config agree):

- ``DETECTOR_VERSION`` below (bump it when labels change for a reason the files do not show, e.g. an
  OpenCC dictionary or a library upgrade that matters);
- every file under ``monitor/detect/`` (rule tables, word lists, data files, engine code) and the
  text helpers detection runs through (``monitor/textnorm.py`` and, while they live outside
  ``detect/`` and ``monitor/textnorm.py``). Python files are hashed by
  their syntax tree without docstrings, so a comment or formatting edit does not force a relabel;
  other files by their bytes (CRLF read as LF);
- the installed OpenCC version (script folding) and the config that shapes labels: the whole
  ``detection:`` section except ``relabel_recent_days``, the brand terms, the official accounts and
  the time zone (maintenance windows without a zone are read in it).

It reads the files whatever the rule tables look like, so it keeps working when they are rewritten.
``content_hash`` (in :mod:`monitor.contenthash`) covers the other half: the post a label was made from.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from monitor.config import Config

DETECTOR_VERSION = "1"
FINGERPRINT_CHARS = 16  # 64 bits of SHA-256: plenty to tell rule sets apart, short enough to print

_DETECT_DIR = Path(__file__).resolve().parent
_EXTRA = ("textnorm.py",)  # under monitor/: normalisation shapes every label too
_NOT_RULES = frozenset({"fingerprint.py", "runner.py"})  # they do not change what a label says
_NOT_RULE_SUFFIXES = (".pyc", ".pyo", ".jsonl")  # tables/windows_*.jsonl are the windows tests' cases


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _file_digest(path: Path) -> bytes:
    raw = path.read_bytes().replace(b"\r\n", b"\n")
    if path.suffix == ".py":
        with contextlib.suppress(SyntaxError):  # not importable anyway: hash the bytes
            raw = ast.dump(_strip_docstrings(ast.parse(raw))).encode()
    return hashlib.sha256(raw).digest()


def _rule_files() -> list[tuple[str, Path]]:
    files = [(p.relative_to(_DETECT_DIR).as_posix(), p) for p in _DETECT_DIR.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix not in _NOT_RULE_SUFFIXES
             and p.name not in _NOT_RULES]
    files += [(f"../{name}", _DETECT_DIR.parent / name) for name in _EXTRA if (_DETECT_DIR.parent / name).is_file()]
    return sorted(files)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hex SHA-256 over DETECTOR_VERSION, the OpenCC version and the detection files (see module doc).

    Cached per process: the files do not change under a running process that already imported them.
    """
    h = hashlib.sha256(f"detector-version:{DETECTOR_VERSION}\n".encode())
    try:
        h.update(f"opencc:{metadata.version('opencc')}\n".encode())
    except metadata.PackageNotFoundError:
        h.update(b"opencc:?\n")
    for rel, path in _rule_files():
        h.update(rel.encode() + b"\0" + _file_digest(path) + b"\n")
    return h.hexdigest()


def config_dump(cfg: Config) -> str:
    """The label-shaping part of the config as canonical JSON (sorted keys, no whitespace)."""
    detection = cfg.detection.model_dump(mode="json", exclude={"relabel_recent_days"})
    shaped = {
        "detection": detection,
        "brand": sorted(cfg.brand.terms),
        "official_accounts": sorted(f"{a.platform}:{a.handle.casefold()}:{a.user_id or ''}"
                                    for a in cfg.official_accounts),
        "timezone": cfg.timezone,
    }
    return json.dumps(shaped, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def rules_fingerprint(cfg: Config) -> str:
    """``FINGERPRINT_CHARS`` hex characters identifying the effective rule set for ``cfg``.

    Equal for equal code + label-shaping config; any rule table, word list, engine or config pattern
    change gives a new value (stored in ``detections.rules_fingerprint``).
    """
    h = hashlib.sha256(code_fingerprint().encode() + b"\n" + config_dump(cfg).encode())
    return h.hexdigest()[:FINGERPRINT_CHARS]
