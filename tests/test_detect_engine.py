"""Urgency, topics, impersonation, config extend/replace, rule listing/validation, JSONL and the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from monitor import store
from monitor.detect import DetectInput, build_detector, detect_jsonl, list_rules, validate_rules
from monitor.detect.engine import Detector, DetectResult
from monitor.errors import ConfigError, MonitorError
from monitor.labelling import detect_pending
from monitor.records import Post
from tests.conftest import base_config


@pytest.fixture(scope="module")
def det(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return build_detector(base_config(tmp_path_factory.mktemp("cfg")))


def _d(det: Detector, text: str, **kw: Any) -> DetectResult:
    return det.detect(DetectInput(id="x", text=text, **kw))


@pytest.mark.parametrize(("text", "urgency"), [
    ("Support ignores me and my withdrawal has been pending for a week", "high"),
    ("No reply from support and my USDT deposit still hasn't arrived", "high"),
    ("my wallet got hacked and support is silent", "high"),
    ("They froze my account and nobody answers emails", "high"),
    ("Charged twice for the swap, support never replied", "high"),
    ("No reply from support about the dark mode bug", "normal"),
    ("Support is slow to respond about my KYC question", "normal"),
    ("币转不出去，客服也不回", "high"),
    ("充值没到账，联系不上客服", "high"),
    ("賬號被凍結了，客服不回", "high"),  # traditional
    ("客服不回消息，APP界面太丑", "normal"),
    ("Lost $500 on a stuck swap and support never replied", "high"),
    ("My transaction has been pending for 3 days, no response from support", "high"),
    ("转账一直没到，客服也不回", "high"),
    ("钱包里的资产被转走了，联系不上客服", "high"),
    ("退款已经到账了，但客服之前一直不回", "normal"),
])
def test_urgency(det: Detector, text: str, urgency: str) -> None:
    res = _d(det, text)
    assert res.complaint
    assert res.urgency == urgency


def test_urgency_is_none_when_not_a_complaint(det: Detector) -> None:
    assert _d(det, "my withdrawal is pending, any idea how long it takes?").urgency is None


@pytest.mark.parametrize(("text", "topics"), [
    ("withdrawal fee too high and login fails", ["account", "fees", "withdrawal"]),
    ("充值没到账，还要实名认证", ["deposit", "kyc"]),
    ("After the app update I can't log in", ["account", "app_update"]),
    ("轉賬一直失敗", ["transfer"]),
    ("Great wallet, love the design", []),
])
def test_topics(det: Detector, text: str, topics: list[str]) -> None:
    assert _d(det, text).topics == topics


def test_topics_configurable(tmp_path: Path) -> None:
    extend = build_detector(base_config(tmp_path, detection={"topics": {"staking": [r"\bstak\w*", "质押"]}}))
    assert extend.detect(DetectInput(id="1", text="staking rewards and withdrawal")).topics == ["staking", "withdrawal"]
    replace = build_detector(base_config(tmp_path, detection={"topics": {"staking": ["质押"]},
                                                              "topics_mode": "replace"}))
    assert replace.detect(DetectInput(id="1", text="质押收益 withdrawal")).topics == ["staking"]


COMPLAINT = "@BitpieWallet my withdrawal is stuck and support never replied"


@pytest.mark.parametrize(("handle", "name", "text", "flagged"), [
    ("bitpie_helpdesk", "Bitpie Support", "Sorry about that! Kindly DM us your wallet address", True),
    ("BitpieWalIet", "Bitpie", "We are here to help", True),  # one letter away from the official handle
    ("john_doe", "John", "share your 12-word recovery phrase at our support form to restore access", True),
    ("helper_team", "Help Desk", "contact our agent on WhatsApp +1 555 0100", True),
    ("小明", "比特派客服", "加我微信处理一下", True),
    ("john_doe", "John", "same here, they never answer me either", False),
    ("crypto_fan", "Fan", "Try restarting the app, it fixed it for me", False),
])
def test_impersonation(det: Detector, handle: str, name: str, text: str, flagged: bool) -> None:
    item = DetectInput(id="r", text=text, author_handle=handle, author_name=name, in_reply_to="c")
    res = det.detect(item, replied_to_complaint=True)
    assert res.impersonation_suspect is flagged
    assert bool([e for e in res.evidence if e["detector"] == "impersonation"]) is flagged
    # never when the parent is known not to be a complaint, never for official accounts
    assert not det.detect(item, replied_to_complaint=False).impersonation_suspect
    official = DetectInput(id="r", text=text, author_handle=handle, author_name=name, in_reply_to="c",
                           is_official=True)
    assert not det.detect(official, replied_to_complaint=True).impersonation_suspect


def test_secret_lure_from_support_lookalike_flagged_whatever_it_answers(det: Detector) -> None:
    item = DetectInput(id="r", text="DM us your seed phrase to validate your wallet",
                       author_handle="BitpieSupport_Help", author_name="Bitpie Support", in_reply_to="q")
    assert det.detect(item, replied_to_complaint=False).impersonation_suspect
    plain_user = DetectInput(id="r", text="never share your seed phrase with anyone", author_handle="carol",
                             in_reply_to="q")
    assert not det.detect(plain_user, replied_to_complaint=False).impersonation_suspect


def test_config_extend_replace_and_traditional_patterns(tmp_path: Path) -> None:
    extend = build_detector(base_config(tmp_path, detection={"complaint": {
        "en": {"include": [r"\bno human\b"], "exclude": [r"\bjust kidding\b"]},
        "zh": {"include": ["客服不回覆"]}}}))
    res = extend.detect(DetectInput(id="1", text="There's NO HUMAN here"))
    assert res.complaint and res.evidence[0]["rule"] == "en.config:en.include[0]"
    assert extend.detect(DetectInput(id="2", text="still no reply from support")).complaint  # built-ins kept
    assert not extend.detect(DetectInput(id="3", text="still no reply from support, just kidding")).complaint
    # a traditional-script config pattern matches simplified (normalised) text
    rules = {e["rule"] for e in extend.detect(DetectInput(id="4", text="客服不回复")).evidence}
    assert "zh.config:zh.include[0]" in rules

    replace = build_detector(base_config(tmp_path, detection={"complaint": {
        "mode": "replace", "zh": {"include": ["垃圾客服"]}}}))
    assert not replace.detect(DetectInput(id="5", text="客服三天不回")).complaint
    assert replace.detect(DetectInput(id="6", text="垃圾客服")).complaint


def test_validate_rules_names_key_paths(tmp_path: Path) -> None:
    cfg = base_config(tmp_path, detection={
        "complaint": {"zh": {"include": ["客服不回", "没人理", "(未回复"]}},
        "urgency": {"en": {"exclude": ["a*"]}},
        "topics": {"fees": ["[gas"]}})
    problems = validate_rules(cfg)
    assert len(problems) == 3
    assert problems[0].startswith("detection.complaint.zh.include[2]: invalid regex:")
    assert problems[1].startswith("detection.urgency.en.exclude[0]:") and "empty string" in problems[1]
    assert problems[2].startswith("detection.topics.fees[0]: invalid regex:")
    assert validate_rules(base_config(tmp_path)) == []


def test_build_detector_refuses_bad_patterns(tmp_path: Path) -> None:
    cfg = base_config(tmp_path, detection={"complaint": {"en": {"include": ["no (reply"]}}})
    with pytest.raises(ConfigError) as err:
        build_detector(cfg)
    assert err.value.problems[0].startswith("detection.complaint.en.include[0]: invalid regex")


def test_list_rules_shows_builtin_and_config(tmp_path: Path) -> None:
    lines = list_rules(base_config(tmp_path, detection={"complaint": {"en": {"include": [r"\bno human\b"]}}}))
    assert any(line.split()[:4] == ["complaint", "en", "built-in", "include"] and "no_reply" in line
               for line in lines)
    assert any("config:en.include[0]" in line and r"\bno human\b" in line for line in lines)
    assert any(line.startswith("topic") and "withdrawal" in line for line in lines)


def test_detect_jsonl_contract_and_impersonation_in_stream(tmp_path: Path) -> None:
    cfg = base_config(tmp_path)
    lines = [
        json.dumps({"id": 1, "text": "还没人回复，提币三天了", "created_at": "2026-11-20T08:00:00Z"}),
        "",
        json.dumps({"id": "2", "text": "DM us your seed phrase to fix it", "author_handle": "@bitpie_care",
                    "author_name": "Bitpie Care", "in_reply_to": "1"}),
        json.dumps({"id": "3", "text": "Still no reply from support", "author_handle": "BitpieWallet"}),
    ]
    out = [json.loads(x) for x in detect_jsonl(cfg, lines)]
    assert [o["id"] for o in out] == ["1", "2", "3"]
    assert set(out[0]) == {"id", "complaint", "maintenance", "claimed_wait_seconds", "urgency", "topics",
                           "impersonation_suspect", "window_start", "window_end", "evidence"}
    assert out[0]["complaint"] and out[0]["urgency"] == "normal" and out[0]["topics"] == ["withdrawal"]
    assert out[1]["impersonation_suspect"] and not out[1]["complaint"]
    assert not out[2]["complaint"]  # the configured official handle


@pytest.mark.parametrize(("bad", "message"), [
    ("{not json", "input line 2: not valid JSON"),
    (json.dumps({"text": "no id"}), 'input line 2: expected a JSON object with "id"'),
    (json.dumps({"id": 1, "text": "x", "created_at": "yesterday"}), "input line 2: created_at"),
    (json.dumps({"id": None, "text": "x"}), 'input line 2: "id" is null'),
    (json.dumps({"id": " ", "text": "x"}), 'input line 2: "id" is " "'),
])
def test_detect_jsonl_malformed_line(tmp_path: Path, bad: str, message: str) -> None:
    lines = [json.dumps({"id": 1, "text": "hello"}), bad]
    with pytest.raises(MonitorError, match=message):
        list(detect_jsonl(base_config(tmp_path), lines))


def test_detect_pending_labels_store_and_flags_impersonator(tmp_path: Path, engine: Engine) -> None:
    cfg = base_config(tmp_path)
    t0 = datetime(2026, 11, 20, 8, tzinfo=UTC)
    posts = [
        Post("twitter", "10", t0, "@BitpieWallet my USDT withdrawal is stuck, support ignored me for 2 days",
             author_handle="alice"),
        Post("twitter", "11", t0 + timedelta(minutes=3), "Hi, kindly DM us to validate your wallet",
             author_handle="Bitpie_Support_Desk", author_name="Bitpie Support", reply_to_id="10"),
        Post("twitter", "12", t0 + timedelta(hours=5), "Sorry for the wait, please check your DM",
             author_handle="BitpieWallet", is_official=True, reply_to_id="10"),
        Post("twitter", "13", t0, "Love the new Bitpie update", author_handle="bob"),
        Post("twitter", "14", t0, "thanks, DM me", author_handle="bitpie_help", reply_to_id="13"),
    ]
    with engine.begin() as conn:
        store.upsert_posts(conn, posts)
    assert detect_pending(engine, cfg) == 5
    with engine.connect() as conn:
        rows = {r.post_id: r for r in conn.execute(select(store.detections))}
    assert rows["10"].complaint and rows["10"].urgency == "high" and rows["10"].claimed_wait_seconds == 2 * 86400
    assert rows["11"].impersonation_suspect and not rows["11"].complaint
    assert not rows["12"].impersonation_suspect and not rows["12"].complaint
    assert not rows["13"].complaint
    assert not rows["14"].impersonation_suspect  # replies to a post that is not a complaint
    assert detect_pending(engine, cfg) == 0  # idempotent: nothing left to label


@pytest.mark.parametrize("text", [
    "比特派将于11月28日 14:00-16:00(UTC+8)进行系统维护，期间暂停转账。",
    "Bitpie will perform scheduled maintenance on Nov 28, 14:00-16:00 UTC. Deposits are suspended.",
    "Maintenance completed, all services restored.",
    "Still no reply from support about the upgrade",
    "gm, nice weather",
])
def test_maintenance_shortcut_agrees_with_notices(det: Detector, text: str) -> None:
    """Skipping monitor.detect.maintenance for posts without its required literals changes no result."""
    from monitor.detect import maintenance as notices
    res = det.detect(DetectInput(id="n", text=text, created_at=datetime(2026, 11, 20, tzinfo=UTC)))
    assert res.maintenance == bool(notices.maintenance_evidence(text, det.cfg))
    assert [e for e in res.evidence if e["detector"] == "maintenance"] == notices.maintenance_evidence(text, det.cfg)


def test_detect_pending_finds_the_parent_in_later_batches_and_earlier_passes(
        tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor import labelling as runner

    cfg = base_config(tmp_path)
    t0 = datetime(2026, 11, 20, 8, tzinfo=UTC)
    reply = Post("twitter", "21", t0 + timedelta(minutes=1), "Kindly DM us, we will sync your wallet",
                 author_handle="bitpie_care_team", author_name="Bitpie Care", reply_to_id="20")
    parent = Post("twitter", "20", t0, "support never replied to my ticket", author_handle="dave")
    with engine.begin() as conn:
        store.upsert_posts(conn, [reply, parent])  # the reply is stored (and so read) first
    monkeypatch.setattr(runner, "_BATCH", 1)  # parent not yet labelled when the reply is: read from posts
    assert detect_pending(engine, cfg) == 2
    late = Post("twitter", "22", t0 + timedelta(hours=1), "DM us on telegram for a refund",
                author_handle="bitpie_refunds", reply_to_id="20")
    with engine.begin() as conn:
        store.upsert_posts(conn, [late])
    assert detect_pending(engine, cfg) == 1  # parent's label now comes from the detections table
    with engine.connect() as conn:
        rows = {r.post_id: r for r in conn.execute(select(store.detections))}
    assert rows["20"].complaint
    assert rows["21"].impersonation_suspect and rows["22"].impersonation_suspect
