"""Writers for the demo story (demo/story.py): the two twarc2 archives, the Atom feed, the posts beyond X
(demo/extra.py), labels.csv and README.md."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from demo.extra import GOOGLE_PLAY_FILE, MARKET_FILE, Extra, extras, write_extras
from demo.story import (
    END,
    LOCAL,
    MAINT_END,
    MAINT_START,
    OFFICIAL,
    SEED,
    SPLIT,
    START,
    Tweet,
    flatten,
    pages,
)

PAGES_FILE = "twarc_2026-11-09_15_pages.jsonl"
FLAT_FILE = "twarc_2026-11-16_22_flat.jsonl"
QUERY = "(Bitpie OR 比特派 OR @BitpieWallet OR from:BitpieWallet) -is:retweet"

ANNOUNCEMENTS = [
    ("2026-11-19T02:00:00Z", "security-reminder-fake-support", "news",
     "谨防假冒客服 / Beware of fake support accounts",
     "<p>比特派工作人员绝不会索要您的助记词或私钥。@BitpieSupport_Help、@Bitpie_Service_CS 等账号并非官方账号，"
     "请勿向任何人透露助记词。</p><p>Bitpie staff will never ask for your seed phrase or private key. Accounts "
     "such as @BitpieSupport_Help and @Bitpie_Service_CS are not ours; never share your recovery phrase.</p>"),
    ("2026-11-16T10:00:00Z", "maintenance-2026-11-18", "maintenance",
     "比特派系统升级维护公告 / Bitpie system maintenance notice",
     "<p>比特派将于2026年11月18日14:00-18:00(UTC+8)进行系统升级维护，期间提币暂停，充值及资产查看不受影响。"
     "维护结束后排队中的提币将依次处理。</p><p>Bitpie will perform system maintenance on Nov 18, 2026 from "
     "06:00 to 10:00 UTC. Withdrawals will be suspended during the maintenance; deposits and balances are "
     "not affected. Queued withdrawals are processed in order once it ends.</p>"),
    ("2026-11-12T03:30:00Z", "release-5-0-12", "release",
     "比特派 5.0.12 版本发布 / Bitpie 5.0.12 released",
     "<p>新版本：Tron 同步更快，新增地址簿，修复若干问题。请从应用商店或官网更新。</p><p>What's new: faster "
     "Tron sync, a new address book and bug fixes. Update from the App Store, Google Play or our website.</p>"),
    ("2026-11-10T02:00:00Z", "hong-kong-meetup", "news",
     "比特派香港社区见面会 / Bitpie community meetup in Hong Kong",
     "<p>感谢大家一直以来的支持！比特派团队本周六将在香港与社区用户见面交流，欢迎报名。</p><p>Thank you for "
     "your support! The Bitpie team is meeting the community in Hong Kong this Saturday. Sign up in the "
     "app.</p>"),
]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


def atom() -> str:
    base = "https://bitpie.example/announcements"
    entries = []
    for when, slug, _kind, title, html in ANNOUNCEMENTS:
        entries.append(
            f"  <entry>\n    <id>tag:bitpie.example,2026:{slug}</id>\n    <title>{escape(title)}</title>\n"
            f'    <link rel="alternate" href="{base}/{slug}"/>\n    <published>{when}</published>\n'
            f"    <updated>{when}</updated>\n    <author><name>Bitpie</name></author>\n"
            f'    <content type="html">{escape(html)}</content>\n  </entry>\n')
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">\n'
        "  <id>tag:bitpie.example,2026:announcements</id>\n  <title>比特派公告 / Bitpie announcements</title>\n"
        f'  <link rel="self" href="{base}.atom"/>\n  <link rel="alternate" href="{base}"/>\n'
        f"  <updated>{ANNOUNCEMENTS[0][0]}</updated>\n" + "".join(entries) + "</feed>\n")


def first_official(t: Tweet) -> Tweet | None:
    answers = [r for r in t.replies if r.author.id == OFFICIAL.id]
    return min(answers, key=lambda r: r.created) if answers else None


def label_rows(tweets: list[Tweet], more: list[Extra]) -> list[dict]:
    rows = []
    for t in tweets:
        ans = first_official(t)
        rows.append({
            "post_id": t.id, "created_at": t.created.strftime("%Y-%m-%dT%H:%M:%SZ"), "label": t.label,
            "script": t.script, "author": t.author.username, "reply_to": t.reply_to.id if t.reply_to else "",
            "official_reply_minutes": f"{(ans.created - t.created).total_seconds() / 60:.1f}" if ans else "",
            "impersonator_replied": int(any(r.label == "impersonator" for r in t.replies)), "platform": "twitter",
        })
    for e in more:
        mins = e.official_reply_minutes
        rows.append({
            "post_id": e.post_id, "created_at": e.created.strftime("%Y-%m-%dT%H:%M:%SZ"), "label": e.label,
            "script": e.script, "author": e.author, "reply_to": e.reply_to,
            "official_reply_minutes": f"{mins:.1f}" if mins is not None else "", "impersonator_replied": 0,
            "platform": e.platform,
        })
    return rows


def latency_bucket(t: Tweet) -> str:
    ans = first_official(t)
    if ans is None:
        return "never"
    mins = (ans.created - t.created).total_seconds() / 60
    return "within 1 h" if mins <= 60 else ("1-24 h" if mins <= 24 * 60 else "over 24 h")


def extra_bucket(e: Extra) -> str:
    mins = e.official_reply_minutes
    if mins is None:
        return "never"
    return "within 1 h" if mins <= 60 else ("1-24 h" if mins <= 24 * 60 else "over 24 h")


def readme(tweets: list[Tweet], files: dict[str, int], more: list[Extra]) -> str:
    labels = Counter(t.label for t in tweets) + Counter(e.label for e in more)
    complaints = [t for t in tweets if t.label == "complaint"]
    more_complaints = [e for e in more if e.label == "complaint"]
    by_script = Counter(t.script for t in complaints) + Counter(e.script for e in more_complaints)
    buckets = Counter(latency_bucket(t) for t in complaints) + Counter(extra_bucket(e) for e in more_complaints)
    per_day = Counter(t.created.astimezone(LOCAL).date() for t in complaints) + \
        Counter(e.created.astimezone(LOCAL).date() for e in more_complaints)
    mentions_day = Counter(t.created.astimezone(LOCAL).date() for t in tweets if t.author.id != OFFICIAL.id) + \
        Counter(e.created.astimezone(LOCAL).date() for e in more if e.label != "official_reply")
    n_complaints = len(complaints) + len(more_complaints)
    in_window = sum(MAINT_START <= t.created < MAINT_END for t in complaints)
    after = sum(MAINT_END <= t.created < MAINT_END + timedelta(hours=24) for t in complaints)
    faked = sum(any(r.label == "impersonator" for r in t.replies) for t in complaints)
    faked_never = sum(any(r.label == "impersonator" for r in t.replies) and first_official(t) is None
                      for t in complaints)
    out = io.StringIO()
    w = out.write
    w("# Demo data (invented for the demo; regenerate with `.venv/bin/python demo/make_demo_data.py`)\n\n")
    w(f"Seed {SEED}. Posts from {START:%Y-%m-%d} to {(END - timedelta(seconds=1)):%Y-%m-%d} UTC for the brand "
      "Bitpie / 比特派, official account @BitpieWallet (user id 1300000000000000001).\n\n")
    w("## The story\n\n"
      "- A normal background: complaints that support does not answer, praise of fast replies, neutral "
      "questions, unrelated mentions, fee and app gripes that are not about support.\n"
      "- **Nov 12 03:30 UTC**: release 5.0.12 (feed entry and tweet), then a small bump of login complaints.\n"
      "- **Nov 16**: the official feed announces maintenance on **Nov 18, 06:00-10:00 UTC (14:00-18:00 UTC+8)**, "
      "withdrawals paused.\n"
      f"- **Nov 18**: a burst: {in_window} complaints during the window and {after} in the 24 h after it "
      "(stuck withdrawals, support not answering); the official account answers slowly (often the next "
      "day) or not at all.\n"
      "- Look-alike accounts @BitpieSupport_Help and @Bitpie_Service_CS reply under complaints asking for "
      f"seed phrases ({labels['impersonator']} replies, under {faked} complaints, {faked_never} of which never "
      "get an official answer). They are not official and must not count as replies.\n"
      "- Nov 19: the official feed and account warn about fake support accounts.\n"
      "- Beyond X, the same day: a community-forum thread (Discourse) opened at 15:10 UTC+8 about a withdrawal "
      "missing after the maintenance, a \"same here\" under it, and the first staff reply 22.5 h later; four "
      "Google Play reviews saying support does not answer (three that day, one on Nov 14), three with the "
      "developer's public reply (4.5 h, "
      "19.5 h and 48 h after the review); and BTC sliding 12 % between 13:00 and 19:00 UTC+8, which the "
      "report names beside the complaint peak.\n\n")
    w("## Files\n\n| file | layout | tweets |\n|---|---|---|\n")
    for name, n in files.items():
        layout = "raw API pages (`twarc2 search`)" if "pages" in name else "flattened (`twarc2 flatten`)"
        w(f"| `{name}` | {layout} | {n} |\n")
    w(f"| `announcements.atom` | Atom, official feed | {len(ANNOUNCEMENTS)} entries: 1 maintenance notice, "
      "1 release, 2 news |\n"
      "| `forum/` | Discourse JSON answers (`latest.json`, `t/<id>.json`) | "
      f"{sum(e.platform == 'discourse' for e in more)} forum posts |\n"
      f"| `{GOOGLE_PLAY_FILE}` | the Play Store's reviews answer | "
      f"{sum(e.platform == 'googleplay' for e in more)} reviews and developer replies |\n"
      f"| `{MARKET_FILE}` | hourly closes, BTC and ETH (loaded directly: the market source needs an exchange) | |\n"
      "| `labels.csv` | intended label per post (`platform` column) | |\n\n")
    w(f"## Counts (intended labels; {len(tweets) + len(more)} posts)\n\n| label | posts |\n|---|---|\n")
    for label, n in sorted(labels.items()):
        w(f"| {label} | {n} |\n")
    w(f"\nComplaints: {n_complaints} (English {by_script['en']}, simplified Chinese {by_script['hans']}, "
      f"traditional Chinese {by_script['hant']}). First official reply: " +
      ", ".join(f"{k} {buckets[k]}" for k in ("within 1 h", "1-24 h", "over 24 h", "never")) +
      f"; answered {n_complaints - buckets['never']}, never answered {buckets['never']}.\n\n")
    w("Complaints and mentions (posts not by an official account) per local day (Asia/Shanghai):\n\n"
      "| date | complaints | mentions |\n|---|---|---|\n")
    for day in sorted(mentions_day):
        w(f"| {day} | {per_day[day]} | {mentions_day[day]} |\n")
    w("\nOfficial replies go out 08:00-24:00 UTC+8; an answer that would fall after the archive's end "
      "is left out, so that post counts as unanswered.\n\nThe reports count what the detectors find, not "
      "these intended labels: compare a day's `complaints.csv` with `labels.csv` to see what they miss.\n")
    return out.getvalue()


def write_all(tweets: list[Tweet], rng: random.Random, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    week1 = [t for t in tweets if t.created < SPLIT]
    week2 = [t for t in tweets if t.created >= SPLIT]
    write_jsonl(out / PAGES_FILE, pages(week1, rng, QUERY, datetime(2026, 11, 16, 0, 5, tzinfo=UTC)))
    flat = [tw for page in pages(week2, rng, QUERY, datetime(2026, 11, 23, 0, 5, tzinfo=UTC))
            for tw in flatten(page)]
    write_jsonl(out / FLAT_FILE, flat)
    (out / "announcements.atom").write_text(atom(), encoding="utf-8")
    more = extras()
    write_extras(out, SEED)
    with (out / "labels.csv").open("w", encoding="utf-8", newline="") as fh:
        rows = label_rows(tweets, more)
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (out / "README.md").write_text(readme(tweets, {PAGES_FILE: len(week1), FLAT_FILE: len(week2)}, more),
                                   encoding="utf-8")
