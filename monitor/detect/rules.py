# ruff: noqa: E501  (regex tables: one rule per line reads better than split string fragments)
"""Built-in topic terms and impersonation lures (regexes over normalised text).

The complaint and urgency rules are data: word lists, rules and exclusion triggers in
``monitor/detect/data/*.yaml``, loaded by :mod:`monitor.detect.table`. Topics and lures stay here as
short regex tables until they move too.
"""

from __future__ import annotations

# --- topics (multi-label; config ``detection.topics`` extends or replaces) ------------------------
TOPICS: dict[str, list[str]] = {
    "withdrawal": [r"\bwithdraw\w*", r"\bcash(?:ing)? ?out\b", "提币", "提现", "取款", "提款", "取不出", "提不出"],
    "deposit": [r"\bdeposit\w*", r"\btop[- ]?ups?\b", r"\btopped up\b", "充值", "充币", "入金", "存入", "到账"],
    "transfer": [r"\btransfer\w*", r"\btransactions?\b", r"\btx(?:id|hash)?\b", "转账", "转币", "转出", "转入", "汇款"],
    "account": [r"\blog ?in\b", r"\blogged (?:in|out)\b", r"\bsign(?:ing)? in\b", r"\bpassword\b", r"\b2fa\b",
                r"\baccount (?:\w+ )?(?:locked|frozen|blocked|restricted|suspended|hacked)", "登录", "登不上",
                "登陆", "密码", "账号", "封号", "冻结"],
    "app_update": [r"\bapp update\b", r"\bupdate(?:d|s)? (?:the |your )?app\b", r"\bnew version\b",
                   r"\b(?:after|since|with|new|latest|last) (?:the |this )?(?:app )?update\b", r"\bupdate v?\d",
                   r"\bversion v?\d",
                   r"\blatest version\b", r"\bupgrade\w*", "更新", "升级", "新版本"],
    "kyc": [r"\bkyc\b", r"\bverif(?:y|ied|ication)\b", r"\bidentity\b", r"\bid check\b", "实名", "认证", "身份验证",
            "身份证", "人脸"],
    "fees": [r"\bfees?\b", r"\bgas\b", r"\bcharges?\b", r"\bcommission\b", "手续费", "矿工费", "gas费", "收费", "费率"],
}

# --- impersonation: a non-official account answering a complaint ---------------------------------
SUPPORT_IDENTITY = r"support|helpdesk|help ?desk|help|care|service|assist|official|admin|team|desk|客服|官方|售后|助手|服务"
IMPERSONATION_LURES_STRONG: list[tuple[str, str]] = [
    ("seed_phrase", r"\b(?:seed|recovery|secret|backup|mnemonic) ?(?:phrase|words?)\b|\bmnemonic\b|\bprivate keys?\b|\b(?:12|24|twelve|twenty[- ]four)[- ]words?\b|助记词|私钥|恢复短语"),
    ("validate_wallet", r"\b(?:validate|verify|sync|synchroni[sz]e|rectify|restore|unlock|connect|reactivate|migrate|recover)\s+(?:\w+\s+)?(?:wallet|account|dapp|funds|assets|coins|tokens)\b|(?:验证|同步|激活|修复|解锁|连接)(?:你的|您的)?钱包|(?:找回|恢复)(?:你的|您的)?(?:资产|资金|币)"),
    ("chat_app", r"\bwhats ?app\b|\bwa\.me/|\bt\.me/|\btelegram\b|(?<![a-z])tg(?![a-z])|电报|飞机号|加(?:我|客服)?(?:的)?(?:微信|qq|vx|v信)|微信号|vx[:：]"),
    ("support_form", r"\b(?:support|help|ticket|claim|recovery)\s*(?:form|portal|link|page)\b|\bfill (?:out |in )?(?:the|this|our|a) (?:\w+ )?form\b|\bgoogle ?forms?\b|forms\.gle"),
]
IMPERSONATION_LURES_WEAK: list[tuple[str, str]] = [
    ("dm_me", r"\b(?:dm|pm|inbox|message|text)\s+(?:me|us|our (?:team|support|agent)|this account)\b|\bsend (?:me|us) (?:a )?(?:dm|pm|message)\b|\bcheck (?:your|ur) (?:dms?|inbox)\b|私信|私聊|联系我"),
    ("link", r"https?://|www\.|\b\w+\.(?:com|net|org|io|xyz|app|site|online|live|support)\b"),
    ("contact_support_at", r"\b(?:contact|reach|write to|email)\s+(?:our |the )?(?:support|help|team|agent|customer care)\s+(?:via|on|at|through)\b|\b(?:support|helpdesk) (?:via|at|on) "),
]
