"""Official notices: is this planned maintenance, what kind of notice is it, and when is the window?

Pure functions over text. ``maintenance_evidence`` follows the labelling convention of
``../shared/data/labelled/README.md``: planned maintenance, upgrades or suspensions for a window
still to come or under way count; unplanned incidents, after-the-fact reports, stand-alone
"completed" notices, releases and listings do not. The window parser lives in
:mod:`monitor.detect.windows` (dateparser was measured to fail on such notices: a small, tested set of
patterns is used instead); it is re-exported here as :func:`extract_window`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from monitor.detect.windows import extract_window
from monitor.textnorm import normalize

if TYPE_CHECKING:
    from monitor.config import Config, DetectorRules

__all__ = ["KINDS", "classify_kind", "extract_window", "maintenance_evidence", "rules"]

KINDS = ("maintenance", "incident", "release", "other")

# Vetoes only count in the lead (title + first sentences): real maintenance notices are often
# edited later with "Update: completed" at the bottom (TUNA's 2017 扩容 notice), and planned ones
# mention "to avoid failures"; an after-the-fact report says so up front ("**Resolved**: ...").
LEAD_CHARS = 300
INCLUDE_LEAD_CHARS = 500
# Appended edit-log lines ("**Update1**: 扩容作业已经全部完成") are not what the notice announces.
_UPDATE_LINE = re.compile(r"^\W*(?:update|更新)\s*\d*\W*[:：].*$", re.M)

_F = re.IGNORECASE

MAINT_EN: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Not "maintenance margin" (a futures term in exchange notices) nor a "maintenance release".
    ("en.maintenance", re.compile(
        r"\b(?:main?ten?a?n[ae]nce|maintainance|maitenance)\b"
        r"(?!\s+(?:margin|release|version|fee|rate|ratio))", _F)),
    ("en.scheduled_downtime", re.compile(
        r"\b(?:scheduled|planned|full|expected|system)\s+(?:system\s+)?downtime\b", _F)),
    ("en.system_upgrade", re.compile(
        r"\b(?:system|platform|network|server|wallet|scheduled|planned|major)\s+upgrades?\b"
        r"|\bupgrade\s+(?:notice|announcement|window)\b", _F)),
    ("en.will_be_down", re.compile(
        r"\bwill\s+(?:be\s+)?(?:temporarily\s+)?(?:rebooted|restarted|shut\s?down|powered\s+(?:down|off)"
        r"|unavailable|suspended|offline|taken\s+offline|interrupted|inaccessible)\b", _F)),
    ("en.will_suspend", re.compile(
        r"\bwill\s+(?:temporarily\s+)?(?:suspend|pause|halt|disable)\s+(?:all\s+)?"
        r"(?:deposits?|withdrawals?|trading|services?|access|the\s+\w+)", _F)),
)

MAINT_ZH: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("zh.maintenance", re.compile(
        r"(?:系统|服务器|网络|停机|例行|计划|定期|机房|钱包|节点|数据库|扩容|电力|升级|在|进行|正在)维护"
        r"|维护(?:通知|公告|时间|期间|窗口|工作|作业|升级)")),
    # Bare "停机" is also a suspended phone line ("打了3遍一直是停机中"): only the notice forms count.
    ("zh.downtime", re.compile(
        r"停机(?:维护|公告|升级|通知|时间|检修)|(?:将|将于|计划|系统|服务器|全站)[^。\n]{0,10}?停机"
        r"|暂停(?:所有|全部|一切)?服务")),
    ("zh.upgrade", re.compile(
        r"(?:将|将于|将在|计划|计划在|计划于|预计|拟|即将)[^。\n]{0,40}?升级"
        r"|升级(?:维护|公告|通知|期间)")),
    ("zh.suspend", re.compile(
        r"暂停[^。\n,，;；]{0,24}?(?:充值|提现|充提|充币|提币|存取|交易|业务|访问)")),
    ("zh.expansion", re.compile(r"扩容(?:作业|维护|升级|工作)")),
    ("zh.planned_work", re.compile(r"(?:将|将于|将在|计划|计划于|拟于)[^。\n]{0,30}?(?:迁移|割接|断网|断电)")),
    ("zh.planned_outage", re.compile(
        r"(?:将|将会|会)(?:出现)?(?:短暂|暂时)?(?:的)?(?:服务|网络|访问|网站)?(?:中断|不可用|无法访问|无法使用)")),
)

VETO_EN: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("en.completed", re.compile(
        r"\*\*\s*resolved\s*\*\*|^\s*\[?resolved\]?|\bresolved:|\bcompleted:"
        r"|\b(?:maintenance|upgrade|migration|downtime|work)\s+(?:has|have|is|was)\s+(?:been\s+)?"
        r"(?:successfully\s+)?(?:completed|complete|finished|over|done)\b"
        r"|\b(?:maintenance|upgrade|migration)\s+(?:completed|complete|finished)\b"
        r"|\b(?:has|have)\s+(?:been\s+)?(?:successfully\s+)?(?:completed|finished|resumed)\b"
        r"|\bcomplete[sd]\s+(?:the|its|our)\b|\bis\s+(?:now\s+)?back\s+(?:online|up)\b", _F | re.M)),
    ("en.incident", re.compile(
        r"\bunplanned\b|\bnon-planned\b|\bunscheduled\b|\bemergency\s+(?:shutdown|action)\b"
        r"|\bpower\s+(?:failure|outage)\b|\bwe\s+are\s+(?:investigating|experiencing|troubleshooting)\b"
        r"|\binvestigating\b|\bexperienc(?:ed|ing)\s+(?:an?\s+)?(?:issue|problem|outage|disruption|degrad)"
        r"|\bwent\s+down\b|\bwas\s+(?:impaired|degraded|non-functional)\b|\bfailure\b"
        r"|\bdue\s+to\s+(?:an?\s+)?(?:issue|failure|outage|incident)\b", _F)),
)

VETO_ZH: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("zh.completed", re.compile(
        r"(?:已|已经)(?:全部|顺利|成功)?(?:完成|上线|恢复)|(?:升级|维护|扩容|迁移)(?:工作)?(?:已)?"
        r"(?:完成|结束|完毕)(?!后|之后|以后)|完成(?:了)?(?:系统|服务器)?(?:的)?(?:升级|维护|扩容)(?!后)")),
    ("zh.incident", re.compile(r"故障|异常|宕机|突发|意外|事故|非计划|断电|电力供应出现|紧急(?:关闭|停机)")),
    ("zh.other", re.compile(r"停止为[^。\n]{0,20}提供服务|清退|下架|暂停更新")),
)

INCIDENT_RE = re.compile(
    r"\bincident\b|\boutage\b|\bimpaired\b|\bdowntime\b|\bnot\s+(?:available|respond)|\bdegraded\b"
    r"|\binvestigating\b|\bidentified\b|\bmonitoring\b"
    r"|\bdisruption\b|\berrors?\b|\bunavailable\b|\bfailure\b|\bissues?\b|\bresolved\b"
    r"|故障|异常|宕机|中断|无法访问|事故|延迟|拥堵", _F)
RELEASE_RE = re.compile(
    r"\brelease[sd]?\b|\bnew\s+version\b|\bversion\s+\d|\bv\d+\.\d+|\bchangelog\b|\bnow\s+available\b"
    r"|\blaunch(?:es|ed)?\b|\bnew\s+feature|\blisting\b|\bwill\s+list\b"
    r"|新版|版本|发布|上线|新增|更新日志|上新|上市", _F)


def rules(cfg: Config | None) -> tuple[list[tuple[str, re.Pattern[str]]], list[tuple[str, re.Pattern[str]]]]:
    """Built-in + user rules (``detection.maintenance``: mode extend/replace, en/zh include/exclude)."""
    user: DetectorRules | None = cfg.detection.maintenance if cfg is not None else None
    inc: list[tuple[str, re.Pattern[str]]] = []
    exc: list[tuple[str, re.Pattern[str]]] = []
    if user is None or user.mode == "extend":
        inc += [*MAINT_EN, *MAINT_ZH]
        exc += [*VETO_EN, *VETO_ZH]
    if user is not None:
        for lang in ("en", "zh"):
            ks = getattr(user, lang)
            # User patterns are matched against normalised text too (casefolded, simplified).
            inc += [(f"config.{lang}.include", re.compile(normalize(p), _F)) for p in ks.include]
            exc += [(f"config.{lang}.exclude", re.compile(normalize(p), _F)) for p in ks.exclude]
    return inc, exc


# A veto word under a condition or a risk ("待升级完成后", "可能出现访问异常", "once the upgrade is
# complete", "to avoid a failure") describes the plan, not an outcome: such matches do not veto.
_HEDGE = re.compile(
    r"(?:可能|或将|或会|将会|以免|避免|防止|一旦|待|等到|直到|如果|若|may|might|could|avoid|prevent|once|when"
    r"|after|until|unless|if)\b[^。.!?\n]{0,16}$|(?:可能|或将|以免|避免|防止|一旦|待|等到|直到|如果|若)[^。.!?\n]{0,8}$",
    re.IGNORECASE)


def _vetoed(exclude: list[tuple[str, re.Pattern[str]]], norm: str, lead: str) -> bool:
    for name, rx in exclude:
        if name.startswith("config."):
            if rx.search(norm):  # a user's exclude vetoes anywhere, hedged or not
                return True
            continue
        for m in rx.finditer(lead):
            if not _HEDGE.search(lead[max(0, m.start() - 24):m.start()]):
                return True
    return False


def _strip_updates(norm: str) -> str:
    # Only lines appended after the notice's own first body line: an entry whose body *starts*
    # with "**Update**: the cluster is back online" is an after-the-fact report.
    head, sep, rest = norm.partition("\n")
    first, sep2, tail = rest.partition("\n")
    return head + sep + first + sep2 + _UPDATE_LINE.sub("", tail)


def _ev(rule: str, m: re.Match[str]) -> dict[str, Any]:
    return {"detector": "maintenance", "rule": rule, "span": [m.start(), m.end()], "match": m.group(0)}


def maintenance_evidence(text: str, cfg: Config | None = None) -> list[dict[str, Any]]:
    """Evidence that ``text`` announces planned maintenance; empty list when it does not.

    Spans point into ``normalize(text)``. A user ``exclude`` pattern vetoes anywhere; a built-in
    veto (completed / incident wording) only in the lead, see ``LEAD_CHARS``.
    """
    norm = normalize(text)
    include, exclude = rules(cfg)
    hits = [_ev(name, m) for name, rx in include for m in rx.finditer(norm)]
    # A maintenance notice says so up front; "维护" deep in a server-opening notice ("开服初期我们可能
    # 会频繁进行维护") is an aside, not an announcement.
    if not any(h["span"][0] < INCLUDE_LEAD_CHARS for h in hits):
        return []
    if _vetoed(exclude, norm, _strip_updates(norm)[:LEAD_CHARS]):
        return []
    hits.sort(key=lambda e: e["span"][0])
    return hits


def classify_kind(title: str, text: str, cfg: Config | None = None) -> str:
    """One of ``maintenance``, ``incident``, ``release``, ``other`` for an official entry.

    A stand-alone "maintenance completed" notice is ``other``: it announces no window to come.
    """
    body = text if text.startswith(title) else f"{title}\n{text}"
    if maintenance_evidence(body, cfg):
        return "maintenance"
    head = normalize(title)
    lead = _strip_updates(normalize(body))[:LEAD_CHARS]
    if any(rx.search(lead) for name, rx in (*VETO_EN, *VETO_ZH) if name.endswith("completed")) and \
            any(rx.search(lead) for _, rx in (*MAINT_EN, *MAINT_ZH)):
        return "other"
    for target in (head, lead):  # the title decides first; the body only when the title is silent
        if INCIDENT_RE.search(target):
            return "incident"
        if RELEASE_RE.search(target):
            return "release"
    return "other"
