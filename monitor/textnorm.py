"""Text normalisation applied before every rule: NFKC, casefold, traditional -> simplified.

NFKC folds full-width letters and digits (``ｓｕｐｐｏｒｔ``, ``３天``) that Chinese input methods
produce in mixed-language posts; casefold handles English case; OpenCC ``t2s`` lets one set of
simplified-Chinese rules match posts written in traditional script (``客服不回覆`` -> ``客服不回复``).
Written Cantonese (Hong Kong app reviews, forums) is then folded character for character onto its
Mandarin equivalent (``冇人覆`` -> ``没人回``, ``打極都唔通`` -> ``打极都不通``, ``等咗`` -> ``等了``) so the same
rules read both; the characters folded are Cantonese-only in practice (``CANTONESE`` below).
Lengths are preserved for the common case so evidence spans point into the normalised text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # Built once per process on first use (loading the dictionaries costs ~50 ms).
    return opencc.OpenCC("t2s")


_CJK_RE = re.compile("[\u3400-\u9fff]")


def _has_cjk(text: str) -> bool:
    # One regex scan in C instead of a Python-level loop: 3-4x faster on long non-CJK posts.
    return _CJK_RE.search(text) is not None


# Cantonese characters with a one-character Mandarin equivalent (after t2s): negation 唔/冇, aspect 咗,
# possessive 嘅, pronouns 佢/哋, 睇 look, 喺 at, 搵/揾 look for, 畀/俾 give. Same length, so spans stay valid.
CANTONESE = str.maketrans({"唔": "不", "冇": "没", "咗": "了", "嘅": "的", "佢": "他", "哋": "们", "睇": "看",
                           "喺": "在", "搵": "找", "揾": "找", "畀": "给", "俾": "给", "嚟": "来", "乜": "什",
                           "攞": "拿"})
_CANTONESE_RE = re.compile("[" + "".join(chr(c) for c in CANTONESE) + "]")
# 覆 is "reply" in Hong Kong writing after a negation or "nobody" (冇人覆 / 唔覆我 / 未覆) and before a person
# (好快覆你), "cover" elsewhere.
# Not 覆盖 (overwrite), 覆灭, 覆辙, 覆没, 覆水.
_REPLY_FU = re.compile(r"(?<=[不没未人再会])覆(?![盖灭辙没水])|覆(?=[你我他])")


# Well-formed references only (with the semicolon): html.unescape alone also reads "&not" in
# "support&not one reply" as ¬, and "&copy" typed by a user as ©.
_CHAR_REF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _char_ref(m: re.Match[str]) -> str:
    return html.unescape(m.group(0))


def normalize(text: str) -> str:
    """HTML character references + NFKC + casefold + traditional->simplified + Cantonese fold (the last
    two only for CJK text).

    Character references first: X API text escapes ``& < >`` (``&amp;``), and feeds and scraped reviews
    carry ``&#39;`` or ``&quot;``; a rule reading "haven't heard & the live chat" must not see ``amp``.
    Only complete references (``&name;``, ``&#39;``) are read; ``&not`` without its semicolon stays text.
    """
    if "&" in text:
        text = _CHAR_REF.sub(_char_ref, text)
    return fold(text)


def fold(text: str) -> str:
    """:func:`normalize` without the character references: what literal text in a rule or config pattern
    gets (``monitor.detect.patterns.fold_literal``), so patterns and posts are folded by one function."""
    out = unicodedata.normalize("NFKC", text).casefold()
    if _has_cjk(out):
        out = _t2s().convert(out)
        if _CANTONESE_RE.search(out):  # most Chinese posts have none: a C scan instead of a translate
            out = out.translate(CANTONESE)
        if "覆" in out:
            out = _REPLY_FU.sub("回", out)
    return out
