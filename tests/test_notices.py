"""Maintenance detection and notice kinds: parametrized tables of notices written for these tests,
modelled on real exchange / wallet / status-page announcements, plus the labelled real set."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import Config
from monitor.detect.maintenance import classify_kind, maintenance_evidence
from monitor.textnorm import normalize
from tests.conftest import base_config

MAINTENANCE = [
    "Bitpie System Upgrade Notice\nBitpie will perform a scheduled system upgrade on March 5, 14:00-16:00 UTC.",
    "Scheduled Maintenance: ETH wallet\nDeposits and withdrawals of ETH will be suspended during the window.",
    "Kernel maintenance\nNotice: all login nodes will be rebooted on Thursday September 12 at 12:30.",
    "Full downtime\nThe cluster will be powered down on Monday for hardware replacement.",
    "Planned network maintenance in our Singapore data center on January 9, starting 00:00 UTC.",
    "We will temporarily suspend withdrawals on the TRON network for a node upgrade.",
    "比特派关于系统升级维护的公告\n尊敬的用户：比特派将于2024年3月5日14:00-16:00(UTC+8)进行系统维护。",
    "关于暂停ETH充值提现的公告\n为配合以太坊网络升级，我们将暂停ETH及ERC-20代币的充值、提现业务。",
    "【系統升級】關於8月11日系統升級的公告\n平臺計劃在2023年8月11日17:00至17:45進行系統升級。",
    "镜像站扩容维护通知\n近期镜像站将对服务器的存储系统进行扩容作业。\n**Update1**: 扩容作业已经全部完成。",
    "OpenFoundry 2012/03/11 停機公告\n時間: 2012/03/11 凌晨 00:00 至 下午 16:00，配合電力維護工程暫停所有服務。",
    "服务器提供商在维护\n换算为北京时间，即是 2023-10-25 的 15:00 - 19:00 这个时间段，可能网络中断。",
    "关于镜像站机房迁移的通知\n镜像站将于本周六进行机房迁移，届时服务将中断约4小时。",
    "网站维护\n3月5日晚间网站将暂时无法访问，请提前保存数据。",
    # completion or trouble mentioned only as a condition or a risk is still a planned notice
    "关于ETH网络升级的公告\n比特派将于2024年3月5日14:00暂停ETH充提，待升级完成后将恢复充提业务。",
    "系统维护公告\n我们将于3月5日02:00-04:00进行系统维护，维护期间可能出现访问异常，敬请谅解。",
    "Solana network upgrade\nBitpie will suspend SOL deposits and withdrawals from 2024-03-05 14:00 (UTC). "
    "They will resume once the upgrade is complete.",
    "Scheduled maintenance\nTo avoid a failure of the storage array, the API will be unavailable on March 5.",
    # edited announcements: a later status prepended to the original plan
    "Cluster upgrade\n[Final message]\nThe upgrade has been completed, all services are back.\n\n"
    "[Initial message]\nOn 4 May 2025 at 09:00 UTC we'll upgrade the cluster; expect 30 minutes of downtime.",
    "[UPDATE] Maintenance events scheduled, 2 - 4 June\n[UPDATE 3 Jun, 10:00] Tuesday's work was completed early.\n"
    "We have scheduled maintenance on the billing portal each night from 2 to 4 June.",
    "【已完成】关于6月3日系统升级的公告\n【更新】升级已于6月3日05:10完成。\n我们将于6月3日02:00-06:00进行系统升级，期间暂停充提。",
    # kinds written without the word maintenance
    "Issue tracker outage\nThe tracker will be down for up to two hours on 5 May from 17:00 UTC so it can be restored "
    "from backup.",
    "Move of the usage service\nOn Thursday the VM will be migrated to another provider; expect 30mn-2h of downtime.",
    "Database\nOn 11 June at 07:00 UTC we'll perform an upgrade of the public database.",
    "服务器公告\n服务器即将在2025/7/15 11:00开始维护，预计时长1小时。",
    "关于存款系统升级的公告\n本行将于4月19日23:00至4月20日06:00期间升级存款系统，各渠道业务将暂停办理。",
    "闭馆通知\n因机房改造，本馆将于3月20日至3月23日停电施工，暂停对外开放。",
    # a failure word under a precaution is not an incident ("以防突然断电")
    "停电通知\n因高压线路检修，定于11月16日7:00至17日7:00全校停电。停电期间请勿乘坐电梯，以防突然断电被困。",
    "合服公告\n亲爱的玩家：我们将对部分区服进行合服操作，合服期间无法登录游戏。\n【合服时间】：10月23日 8:00~10:00",
    "中银系统更新 柜员机暂停服务\n该行由昨晚十一时至今日下午三时提升系统而暂停服务十六小时。",
    "Server down on May 3rd, 1:00 AM ~ 6:00 PM\nDue to the power outage of the campus tomorrow, the server "
    "will be down from 1:00 AM to 6:00 PM.",
    "Scheduled power outage\nThe data center has a scheduled power outage on 4 May; the cluster will be offline.",
]

NOT_MAINTENANCE = [
    # incidents and after-the-fact reports
    "[RESOLVED] Network Connectivity Issues\nBetween 11:07 AM and 11:15 AM PDT we experienced a network issue.",
    "Power outage\nNotice: the environment is down due to a non-planned power outage at the data center.",
    "Partial file system failure\n**Resolved**: the file system was non-functional when a brief maintenance "
    "task failed.",
    "Elevated error rates\nWe are currently investigating an issue with elevated error rates.",
    "交易所网络故障说明\n今日凌晨因机房网络异常，部分用户无法登录，现已恢复。",
    # stand-alone "completed" notices
    "Full downtime\n**Resolved**: The cluster maintenance has completed and the cluster is back online.",
    "镜像服务器升级完成\nTUNA 镜像站已经完成了服务器扩容工作，并将其上线运行。",
    "新版系统已上线\n我们已在北京时间 2008/08/05 上午10:00 完成系统升级。",
    "Wallet maintenance completed\nDeposits and withdrawals of BTC have resumed.",
    "Bitpie has completed the ETH network upgrade\nDeposits and withdrawals are open again.",
    "钱包维护已结束\nBTC 充提业务已恢复正常。",
    "Full downtime\n**Update**: The upgrades are done and the cluster is back online.",
    "Bitpie Completes the Ethereum Network Upgrade\nETH deposits and withdrawals are open again.",
    "交易所网络中断说明\n今日凌晨机房网络中断，部分用户无法访问，现已恢复。",
    # releases, listings, policy
    "Bitpie 5.2 released\nThe new version adds Solana token swaps and an address book.",
    "新增 Alpine 镜像\nTUNA mirrors 新增 Alpine Linux 镜像，使用方法请见帮助。",
    "Bitpie will list PEPE\nTrading for PEPE/USDT opens on March 5 at 10:00 UTC.",
    "关于停止为香港用户提供服务的公告\n为响应监管要求，平台将停止为香港用户提供服务。",
    "Adjustment of maintenance margin rates\nBitpie Futures will update the maintenance margin of BTCUSDT.",
    "Bitpie 5.0.3\nA maintenance release with bug fixes for the address book.",
    "关于下架部分交易对的公告\n为维护市场秩序、保护用户权益，平台将于3月5日下架以下交易对。",
    "快递电话打不通\n打了3遍一直是停机中，客服也一句话不回。",
    "Revision of Terms of Use\nWe have simplified the wording of our terms; the substance is unchanged.",
    "[Resolved] Database upgrade\nThe database upgrade finished at 10:40 UTC; all services are back online.",
    "Emergency maintenance\nThe storage cluster failed this morning; we are doing emergency maintenance now.",
    "代码托管紧急维护通知\n文件系统损坏，目前暂停了服务，正在紧急维护中。",
    "部分网点今日暂停\n受台风影响，部分网点不得已暂停服务，请改用网上银行。",
    "关于下线 ABC/USDT 交易对的公告\n平台将下线 ABC/USDT 交易对，并于3月17日暂停 ABC 充值业务。",
    "运营调整公告\n本服即将结束运营，我们将于近期关闭服务器。",
    "Cluster offline\nAn unscheduled power outage took the cluster offline; nodes will be rebooted once power is back.",
    "修复了光纤断裂的问题\n因交换机所接光纤断裂，现已将服务器切换至另一交换机，带来不便敬请谅解。",
    "Server opening\n开服具体时间安排如下：2023 年 06 月 01 日 00:00 开放白名单申请。" + "欢迎各位冒险家。" * 60
    + "开服初期我们可能会频繁进行维护，想要了解维护时间请您持续关注社区公告通知。",
]


@pytest.mark.parametrize("text", MAINTENANCE)
def test_maintenance_notices_are_detected(text: str) -> None:
    ev = maintenance_evidence(text, None)
    assert ev, text
    norm = normalize(text)
    for e in ev:
        assert e["detector"] == "maintenance" and e["rule"]
        s, t = e["span"]
        assert norm[s:t] == e["match"]


@pytest.mark.parametrize("text", NOT_MAINTENANCE)
def test_non_maintenance_notices_are_not(text: str) -> None:
    assert maintenance_evidence(text, None) == []


@pytest.mark.parametrize(("title", "text", "kind"), [
    ("比特派关于系统升级维护的公告", "比特派将于2024年3月5日14:00进行系统维护。", "maintenance"),
    ("Scheduled maintenance", "Withdrawals will be suspended on March 5 at 14:00 UTC.", "maintenance"),
    ("Elevated error rates", "We are investigating elevated error rates on the API.", "incident"),
    ("Websocket API downtime", "From 06:53 to 07:03 UTC today the websocket API was impaired.", "incident"),
    ("交易所网络故障说明", "部分用户无法登录，现已恢复。", "incident"),
    ("Bitpie 5.2 released", "The new version adds Solana token swaps.", "release"),
    ("新增 Homebrew 镜像", "TUNA 镜像站新增 Homebrew-bottles 镜像。", "release"),
    ("Full downtime", "**Resolved**: The cluster maintenance has completed.", "other"),
    ("关于停止为香港用户提供服务的公告", "平台将停止为香港用户提供服务。", "other"),
])
def test_classify_kind(title: str, text: str, kind: str) -> None:
    assert classify_kind(title, text, None) == kind


def _cfg(tmp_path: Path, rules: dict) -> Config:
    return base_config(tmp_path, detection={"maintenance": rules})


def test_config_extends_and_excludes(tmp_path: Path) -> None:
    text = "Node rotation\nThe TRX node rotation happens on March 5 at 14:00 UTC."
    assert maintenance_evidence(text, None) == []
    cfg = _cfg(tmp_path, {"en": {"include": [r"node rotation"]}})
    ev = maintenance_evidence(text, cfg)
    assert [e["rule"] for e in ev] == ["config.en.include", "config.en.include"]
    # user excludes veto anywhere, also built-in hits
    builtin = "Scheduled maintenance of the test cluster on March 5 at 14:00 UTC."
    cfg2 = _cfg(tmp_path, {"en": {"exclude": [r"test cluster"]}})
    assert maintenance_evidence(builtin, None) and maintenance_evidence(builtin, cfg2) == []


def test_config_replace_drops_builtin_rules(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, {"mode": "replace", "zh": {"include": ["停服"]}})
    assert maintenance_evidence("系统维护公告：将于3月5日进行系统维护。", cfg) == []
    # user patterns see normalised text: traditional script and full-width are folded first
    assert maintenance_evidence("平台將於３月５日停服", cfg)[0]["match"] == "停服"


def _labelled(shared: Path) -> list[dict]:
    out = []
    for name in ("notices_en.jsonl", "notices_zh.jsonl"):
        with open(shared / "labelled" / name, encoding="utf-8") as fh:
            out += [json.loads(line) for line in fh if line.strip()]
    return out


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    if "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def test_labelled_real_notices(shared_data: Path) -> None:
    """The development third of the labelled real notices: F1 and window matches (printed)."""
    from monitor.detect.windows import extract_window

    rows = _labelled(shared_data)
    tp = fp = fn = wins = win_ok = 0
    for r in rows:
        pred = bool(maintenance_evidence(r["text"], None))
        tp += pred and r["maintenance"]
        fp += pred and not r["maintenance"]
        fn += r["maintenance"] and not pred
        if r["maintenance"]:
            s, e = extract_window(r["text"], _published(r["published"]), None)
            fmt = [x.strftime("%Y-%m-%dT%H:%M:%SZ") if x else None for x in (s, e)]
            wins += 1
            win_ok += fmt == [r["window_start"], r["window_end"]]
    f1 = 2 * tp / (2 * tp + fp + fn)
    print(f"labelled notices: {len(rows)} rows, maintenance F1={f1:.3f} (tp={tp} fp={fp} fn={fn}), "
          f"windows exact {win_ok}/{wins}")
    assert f1 >= 0.95
    assert win_ok >= 0.8 * wins
