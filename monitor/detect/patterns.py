"""User regexes from config, prepared the way the text they run on is prepared.

Posts are matched after ``monitor.textnorm.normalize`` (NFKC, casefold, traditional -> simplified).
A pattern written in the config must be folded the same way or ``客服不回覆`` / ``ＳＵＰＰＯＲＴ`` /
``STRASSE`` in a pattern would never match the folded text. But folding the whole pattern string
(what the code did before) changes the regex itself: casefold turns ``\\S`` into ``\\s``, ``\\W`` into
``\\w``, ``\\N{...}`` names and ``(?P<Name>...)`` group names change, and NFKC turns a full-width
``｛２，３｝`` into the quantifier ``{2,3}``. So :func:`prepare_pattern` folds only the *literal text*
of a pattern and passes every piece of syntax through unchanged.

How: a small tokenizer over the pattern source (``sre_parse`` is private API) splits it into

- escapes: ``\\X``, ``\\N{name}``, ``\\xhh``, ``\\uXXXX``, ``\\UXXXXXXXX``, ``\\0oo``/``\\ddd``
  (verbatim; an escaped non-ASCII character such as ``\\（`` is a literal and is folded);
- classes ``[...]`` with their escapes (single literal members and range ends are folded when they
  fold to one character and a range stays ordered; otherwise kept as written);
- group openers ``(``, ``(?:``, ``(?P<name>``, ``(?P=name)``, ``(?=``, ``(?!``, ``(?<=``, ``(?<!``,
  ``(?>``, ``(?(1)``, ``(?#...)``, inline flags ``(?i)`` / ``(?i-s:`` (verbatim);
- quantifiers ``* + ? {m} {m,} {,n} {m,n}`` with their lazy/possessive suffix, and ``. ^ $ | )``
  (verbatim; a ``{`` that is not a quantifier is a literal, as in ``re``);
- with ``(?x)``: whitespace and ``#`` comments (verbatim);
- literal runs: everything else, folded as one piece so OpenCC sees phrases. A character that
  folding turns into regex syntax (``（`` -> ``(``, ``＊`` -> ``*``) is escaped; before a quantifier
  the run is split again after folding so the quantifier still binds to one character (``回覆+`` ->
  ``回复+``), and a last character that folds to several is grouped (``ß+`` -> ``(?:ss)+``).

The prepared pattern is compiled with ``re.IGNORECASE`` as before (it still covers case inside
classes and ranges the tokenizer leaves alone). ``check-config`` prints the prepared form of every
configured pattern that differs from what was written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from monitor.config import DetectionConfig
from monitor.textnorm import fold

_VERBOSE_FLAGS = re.compile(r"\(\?[aiLmsux]*x[aiLmsux]*\)")
# re reads only ASCII digits in a repeat ("{２}" is literal text), hence [0-9] and not \d.
_QUANT = re.compile(r"\{(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)\}[?+]?|[*+?][?+]?")
_FLAG_GROUP = re.compile(r"\(\?[aiLmsux]*(?:-[imsx]*)?[:)]")
_MAX_RANGE = 256  # longer ranges are kept as written (checking each member would cost too much)
_HEX_LEN = {"x": 2, "u": 4, "U": 8}
_VERBOSE_WS = " \t\n\r\f\v"


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # lit | syn
    text: str
    written: str = ""  # for an escaped literal ("\\中"): how it was written, kept when folding changes nothing


def fold_literal(text: str) -> str:
    """Fold literal text like post text (``textnorm.fold``: NFKC, casefold, traditional -> simplified and the
    Cantonese fold when CJK is present), so a config ``冇人覆`` matches a post's ``冇人覆`` (both ``没人回``)."""
    return fold(text)


def _escape(folded: str, verbose: bool) -> str:
    """Escape what folding may have turned into syntax: ASCII punctuation (``（`` -> ``\\(``) and, under
    ``(?x)``, whitespace and ``#`` (``\\u3000`` -> ``\\ ``). ``\\`` + ASCII punctuation is always a literal."""
    out = []
    for ch in folded:
        if ch in _VERBOSE_WS:
            out.append("\\" + ch if verbose else ch)
        elif ch.isascii() and not ch.isalnum() and ch != "_":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _escape_end(pat: str, i: int) -> int:
    """Index just past the escape starting at ``pat[i] == '\\\\'``."""
    if i + 1 >= len(pat):
        return len(pat)  # a trailing backslash: re reports it
    c = pat[i + 1]
    if c == "N" and i + 2 < len(pat) and pat[i + 2] == "{":
        close = pat.find("}", i + 3)
        return len(pat) if close < 0 else close + 1
    if c in _HEX_LEN:
        j = i + 2
        while j < min(len(pat), i + 2 + _HEX_LEN[c]) and pat[j] in "0123456789abcdefABCDEF":
            j += 1
        return j
    if c.isdigit():  # \1..\99 group reference or \0 / \ooo octal
        j = i + 2
        while j < min(len(pat), i + 4) and pat[j].isdigit():
            j += 1
        return j
    return i + 2


def _group_end(pat: str, i: int) -> int:
    """Index just past a group opener (or whole comment / flag group / back-reference) at ``pat[i] == '('``."""
    if not pat.startswith("(?", i):
        return i + 1
    if pat.startswith("(?#", i) or pat.startswith("(?P=", i) or pat.startswith("(?(", i):
        close = pat.find(")", i + 2)
        return len(pat) if close < 0 else close + 1
    if pat.startswith("(?P<", i):
        close = pat.find(">", i + 4)
        return len(pat) if close < 0 else close + 1
    for opener in ("(?<=", "(?<!", "(?:", "(?=", "(?!", "(?>"):
        if pat.startswith(opener, i):
            return i + len(opener)
    m = _FLAG_GROUP.match(pat, i)
    return m.end() if m else i + 2


def _class_end(pat: str, i: int) -> int:
    """Index just past the class starting at ``pat[i] == '['`` (len(pat) if unterminated)."""
    j = i + 1
    if j < len(pat) and pat[j] == "^":
        j += 1
    if j < len(pat) and pat[j] == "]":  # a leading ] is a member
        j += 1
    while j < len(pat):
        if pat[j] == "\\":
            j = _escape_end(pat, j)
        elif pat[j] == "]":
            return j + 1
        else:
            j += 1
    return len(pat)


def _tokens(pat: str) -> list[_Tok]:
    verbose = bool(_VERBOSE_FLAGS.match(pat))
    out: list[_Tok] = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if c == "\\":
            end = _escape_end(pat, i)
            esc = pat[i:end]
            # An escaped non-ASCII character is a literal ("\（"); every ASCII escape is syntax.
            out.append(_Tok("lit", esc[1], esc) if len(esc) == 2 and not esc[1].isascii() else _Tok("syn", esc))
        elif c == "[":
            end = _class_end(pat, i)
            out.append(_Tok("syn", _fold_class(pat[i:end])))
        elif c == "(":
            end = _group_end(pat, i)
            out.append(_Tok("syn", pat[i:end]))
        elif (m := _QUANT.match(pat, i)) is not None:
            end = m.end()
            out.append(_Tok("syn", m.group(0)))
        elif c in ".^$|)":
            end = i + 1
            out.append(_Tok("syn", c))
        elif verbose and c == "#":
            nl = pat.find("\n", i)
            end = len(pat) if nl < 0 else nl
            out.append(_Tok("syn", pat[i:end]))
        elif verbose and c in _VERBOSE_WS:
            end = i + 1
            out.append(_Tok("syn", c))
        else:
            end = i + 1
            out.append(_Tok("lit", c))
        i = end
    return out


def _fold_member(ch: str) -> str | None:
    """A class member's folded form when it is one character, else None (kept as written)."""
    f = fold_literal(ch)
    return f if len(f) == 1 else None


def _fold_range(lo: str, hi: str) -> str:
    """``lo-hi`` folded only when every member folds to the matching member of the folded range
    (``Ａ-Ｚ`` -> ``a-z``); ``A-z`` (which holds ``[`` .. `````) or a CJK range stays as written."""
    flo, fhi = _fold_member(lo), _fold_member(hi)
    n = ord(hi) - ord(lo)
    if (flo is None or fhi is None or (flo, fhi) == (lo, hi) or n < 0 or n > _MAX_RANGE
            or ord(fhi) - ord(flo) != n):
        return f"{lo}-{hi}"
    if any(fold_literal(chr(ord(lo) + k)) != chr(ord(flo) + k) for k in range(n + 1)):
        return f"{lo}-{hi}"
    return f"{_escape(flo, False)}-{_escape(fhi, False)}"


def _fold_class(cls: str) -> str:
    """Fold the literal members of ``[...]``; escapes, ``^``, ``-`` and ranges that would change stay put.

    A member folding to several characters (``ß`` -> ``ss``) cannot live in a class and is kept.
    """
    if not cls.endswith("]") or len(cls) < 2:
        return cls  # unterminated: re reports it
    body_start = 2 if cls.startswith("[^") else 1
    items: list[str] = []  # each a member: an escape or a single character
    j = body_start
    while j < len(cls) - 1:
        end = _escape_end(cls, j) if cls[j] == "\\" else j + 1
        items.append(cls[j:end])
        j = end
    out: list[str] = []
    k = 0
    while k < len(items):
        it = items[k]
        if k + 2 < len(items) and items[k + 1] == "-" and len(it) == 1 and len(items[k + 2]) == 1:
            out.append(_fold_range(it, items[k + 2]))
            k += 3
            continue
        f = _fold_member(it) if len(it) == 1 and it not in "-^" else None
        out.append(it if f is None or f == it else _escape(f, False))
        k += 1
    return cls[:body_start] + "".join(out) + "]"


def prepare_pattern(pattern: str) -> str:
    """The pattern with its literal text folded like post text and its regex syntax untouched.

    ``停服\\S{0,2}通知`` stays itself; ``停服\\S{0,2}通知`` in traditional script becomes simplified;
    ``ＳＵＰＰＯＲＴ\\W+Team`` -> ``support\\W+team``; ``(?P<Name>客服)`` keeps its group name. A
    pattern that is not valid regex comes back folded as far as it could be tokenised; compiling it
    raises ``re.error`` as the original would (``validate_rules`` reports that by key path).
    """
    verbose = bool(_VERBOSE_FLAGS.match(pattern))
    toks = _tokens(pattern)
    out: list[str] = []
    run: list[_Tok] = []

    def emit(part: list[_Tok], folded: str) -> str:
        same = folded == "".join(t.text for t in part)
        return "".join(t.written or t.text for t in part) if same else _escape(folded, verbose)

    def flush(before_quantifier: bool) -> None:
        if not run:
            return
        whole = fold_literal("".join(t.text for t in run))
        if not before_quantifier:
            out.append(emit(run, whole))
        elif len(whole) == len(run):
            # Folded as one phrase (OpenCC reads 回覆 as 回复, 覆 alone stays 覆), then split again: the
            # quantifier binds to the last character only.
            if len(run) > 1:
                out.append(emit(run[:-1], whole[:-1]))
            out.append(emit(run[-1:], whole[-1]))
        else:  # folding changed the length (ß -> ss): fold the last character alone, grouped if it grew
            if len(run) > 1:
                out.append(emit(run[:-1], fold_literal("".join(t.text for t in run[:-1]))))
            last = fold_literal(run[-1].text)
            esc = emit(run[-1:], last)
            out.append(esc if len(last) == 1 else f"(?:{esc})")
        run.clear()

    for t in toks:
        if t.kind == "lit":
            run.append(t)
            continue
        flush(before_quantifier=bool(_QUANT.fullmatch(t.text)))
        out.append(t.text)
    flush(before_quantifier=False)
    return "".join(out)


class HasDetection(Protocol):
    """What the pattern checks read of a config: only its detection section (a Config, or check-config's
    stand-in built from a detection section alone)."""

    @property
    def detection(self) -> DetectionConfig: ...


def config_patterns(cfg: HasDetection) -> Iterator[tuple[str, str]]:
    """``(key path, pattern as written)`` for every configured detection pattern, in config order:
    ``detection.{complaint,maintenance,urgency,impersonation}.{en,zh}.{include,exclude}[i]`` then
    ``detection.topics.<topic>[i]`` (what ``check-config`` validates and shows prepared)."""
    d = cfg.detection
    for det in ("complaint", "maintenance", "urgency", "impersonation"):
        rules = getattr(d, det, None)
        if rules is None:
            continue
        for lang in ("en", "zh"):
            for kind in ("include", "exclude"):
                for i, p in enumerate(getattr(getattr(rules, lang), kind)):
                    yield f"detection.{det}.{lang}.{kind}[{i}]", p
    for topic, terms in d.topics.items():
        for i, p in enumerate(terms):
            yield f"detection.topics.{topic}[{i}]", p


def prepared_differences(cfg: HasDetection) -> list[tuple[str, str, str]]:
    """``(key path, as written, prepared)`` for every configured pattern whose prepared form differs;
    ``check-config`` prints these so nobody is surprised by the folding."""
    return [(path, p, prepared) for path, p in config_patterns(cfg) if (prepared := prepare_pattern(p)) != p]


def _check(path: str, pattern: str) -> str | None:
    try:
        rx = re.compile(prepare_pattern(pattern), re.IGNORECASE)
    except re.error as exc:
        return f"{path}: invalid regex: {exc}; escape special characters such as ( ) [ ] + ? * with a backslash"
    if rx.search("") is not None:
        return f"{path}: pattern {pattern!r} matches the empty string and would flag every post; make it require text"
    return None


def validate_rules(cfg: HasDetection) -> list[str]:
    """Problems in the configured patterns, one line each with its key path (used by check-config)."""
    return [problem for path, p in config_patterns(cfg) if (problem := _check(path, p))]
