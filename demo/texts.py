"""Invented post templates for the demo data (see make_demo_data.py). Slots: {n} days, {h} hours,
{m} minutes, {cn} a Chinese numeral, {coin}, {ticket}. ``hans`` = simplified, ``hant`` = traditional.

Intended labels follow shared/data/labelled/README.md: a complaint is about support not replying or
replying slowly; a fee or app gripe that says nothing about support is ``other_negative``; asking for
the support e-mail is a neutral question; praise of a fast reply is not a complaint.
"""

from __future__ import annotations

COINS = ["USDT", "BTC", "ETH", "TRX", "USDT-TRC20", "BNB", "SOL"]

NAMES = {
    "en": [("Alice", "alice_onchain"), ("Ben Carter", "bencarter"), ("Priya", "priya_trades"),
           ("Tom H", "tomhodl"), ("Mike", "mike_defi"), ("Sara K", "sarak"), ("Dev", "devnull_eth"),
           ("Jon", "jon_sats"), ("Kate", "katew3"), ("Luis", "luis_btc"), ("Nina", "nina_nft"),
           ("Omar", "omar_crypto"), ("Rick", "rick_on_tron"), ("Yuki", "yuki_tokyo"), ("Ade", "ade_lagos")],
    "hans": [("王小明", "xiaoming"), ("李娜", "lina"), ("张伟", "zhangwei"), ("陈静", "chenjing"),
             ("刘洋", "liuyang"), ("币圈老韭菜", "laojiucai"), ("杨帆", "yangfan"), ("赵磊", "zhaolei"),
             ("搬砖小王", "banzhuan"), ("黄晓", "huangxiao"), ("周杰", "zhoujie_sz"), ("吴敏", "wumin")],
    "hant": [("阿偉", "ahwei_tw"), ("林志明", "lin_zm"), ("陳怡君", "yijun_chen"), ("黃建宏", "jh_huang"),
             ("小美", "xiaomei_hk"), ("張家豪", "chiahao"), ("幣圈小白", "coin_newbie_hk"), ("吳俊傑", "junjie_wu")],
}

COMPLAINT = {
    "base": {
        "en": [
            "@BitpieWallet support still hasn't replied to my ticket, {n} days now",
            "Emailed Bitpie support {n} days ago, zero response. Is anyone there?",
            "@BitpieWallet ticket #{ticket} opened {n} days ago and still no reply from support",
            "Still waiting on @BitpieWallet support to get back to me. {n} days and counting",
            "@BitpieWallet why does nobody answer in the support chat? Been waiting {h} hours",
            "Bitpie customer service just ignores my messages. My {coin} transfer is stuck, no reply",
            "@BitpieWallet how long does it take to get a reply from support? {n} days, no answer",
            "Day {n} of waiting for Bitpie support to answer my email about a missing {coin} deposit",
        ],
        "hans": [
            "@BitpieWallet 比特派客服{n}天了都不回复，提币一直没到账",
            "比特派客服怎么一直不回消息？工单提交{n}天了",
            "@BitpieWallet 发了好几封邮件给客服，石沉大海，{coin}充值到现在没到",
            "比特派在线客服排队排了{h}个小时，没人理",
            "客服能不能回一下？{coin}转账卡住{h}个小时了 @BitpieWallet",
            "比特派的工单#{ticket}提交{cn}天了，客服一句话都没回",
        ],
        "hant": [
            "比特派客服已讀不回",
            "@BitpieWallet 客服{n}天都沒回覆，幣一直沒到帳",
            "比特派的客服到底有沒有人在？工單送出{n}天了完全沒消息",
            "傳了{cn}封信給比特派客服都沒人回，{coin}卡在半路",
        ],
    },
    "maintenance": {
        "en": [
            "@BitpieWallet my {coin} withdrawal has been pending for {h} hours and support is not responding",
            "@BitpieWallet maintenance was supposed to end at 10:00 UTC, my {coin} withdrawal is still stuck "
            "and nobody in support answers",
            "Bitpie withdrawals stuck since the upgrade and support chat is dead. Anyone got a reply?",
            "@BitpieWallet hello?? withdrawal pending for hours, opened ticket #{ticket}, no response",
            "Waited {h} hours in the Bitpie support queue about my stuck {coin} withdrawal, still no answer",
        ],
        "hans": [
            "维护结束了{coin}还是提不出来，客服也联系不上 @BitpieWallet",
            "@BitpieWallet 提币卡了{h}个小时，找客服一直没人回复",
            "比特派升级维护后提币一直在处理中，客服不回消息，急死了",
            "客服电话打不通，在线客服也不回，比特派提币到底什么时候恢复？",
            "@BitpieWallet 提币{h}小时没到账，工单#{ticket}没人理",
        ],
        "hant": [
            "@BitpieWallet 維護結束後提幣還是卡住，客服也聯繫不上",
            "比特派提幣卡了{h}個小時，客服完全不回覆",
            "比特派客服已讀不回，提幣到底什麼時候會到？",
        ],
    },
    "release": {
        "en": [
            "@BitpieWallet after updating to 5.0.12 I can't log in and support hasn't replied for {h} hours",
            "Updated Bitpie, wallet shows 0 balance, sent a ticket to support, no answer yet",
        ],
        "hans": [
            "更新5.0.12之后打不开钱包，找客服{h}个小时了没人回 @BitpieWallet",
            "比特派更新后资产显示为0，联系客服一直没有回复",
        ],
        "hant": ["更新到5.0.12後閃退，客服也不回，怎麼辦 @BitpieWallet"],
    },
}

PRAISE = {"base": {
    "en": [
        "@BitpieWallet support replied fast, thanks!",
        "Shoutout to Bitpie support, sorted my {coin} issue in {m} minutes",
        "Bitpie support got back to me within the hour and fixed it. Impressed",
    ],
    "hans": ["比特派客服回复很快，问题解决了，点赞 @BitpieWallet", "比特派客服{m}分钟就回复了，效率挺高"],
    "hant": ["比特派客服回覆很快，感謝！", "客服{m}分鐘就處理好了，比特派讚"],
}}

QUESTION = {
    "base": {
        "en": [
            "@BitpieWallet does Bitpie support {coin} on Arbitrum?",
            "@BitpieWallet what's your support email?",
            "How do I move my Bitpie wallet to a new phone? Backup phrase is written down",
            "@BitpieWallet what's the network fee for sending {coin} right now?",
        ],
        "hans": ["@BitpieWallet 请问比特派支持{coin}吗？", "比特派怎么添加自定义代币？",
                 "请问比特派换手机怎么恢复钱包？"],
        "hant": ["請問比特派怎麼切換到TRON網路？", "@BitpieWallet 請問{coin}提幣手續費是多少？"],
    },
    "maintenance": {
        "en": ["@BitpieWallet is withdrawal paused right now? When does the maintenance end?"],
        "hans": ["@BitpieWallet 现在是在维护吗？几点恢复提币？"],
        "hant": ["比特派現在在維護嗎？幾點恢復？"],
    },
}

UNRELATED = {"base": {
    "en": [
        "Comparing Bitpie, imToken and TokenPocket for a multi-chain wallet, thoughts?",
        "Moved my {coin} to Bitpie this weekend, the UI is clean",
        "Anyone at the Hong Kong meetup using Bitpie?",
        "Bitpie vs a hardware wallet for long-term {coin}? asking for a friend",
        "gm. checking my bags on Bitpie and regretting everything",
    ],
    "hans": ["比特派的界面比以前好看多了", "今天{coin}又涨了，比特派里看着舒服", "用比特派三年了，一直挺稳",
             "有人用比特派玩DeFi吗"],
    "hant": ["比特派的介面比以前好看多了", "今天{coin}又漲了，打開比特派看看"],
}}

OTHER_NEG = {
    "base": {
        "en": ["Bitpie withdrawal fee for {coin} is way too high", "Bitpie app takes forever to sync today"],
        "hans": ["比特派提币手续费太贵了", "比特派今天同步好慢"],
        "hant": ["比特派的手續費也太貴了吧"],
    },
    "release": {
        "en": ["The new Bitpie update moved the swap button, hate it", "5.0.12 drains my battery, Bitpie pls"],
        "hans": ["比特派新版本把闪兑藏得好深，不好用"],
        "hant": ["新版比特派介面改得好難用"],
    },
}

OFFICIAL_REPLY = {
    "base": {
        "en": ["Sorry for the wait! We have replied to your ticket, please check your inbox.",
               "Hi, we're sorry for the delay. Please send your ticket number via the in-app Help Center and "
               "we'll look into it right away. We will never ask for your seed phrase."],
        "hans": ["您好，已私信您处理进度，造成不便敬请谅解。", "您好，工单已回复，请查看邮箱。"],
        "hant": ["您好，已私訊您處理進度，造成不便敬請見諒。"],
    },
    "maintenance": {
        "en": ["Withdrawals were paused during the scheduled maintenance (06:00-10:00 UTC) and queued ones are "
               "being processed now. Sorry for the inconvenience.",
               "Your withdrawal is in the post-maintenance queue and will complete shortly. Thanks for your "
               "patience."],
        "hans": ["维护期间提币暂停，排队的提币正在依次处理，请耐心等待，抱歉给您带来不便。"],
        "hant": ["維護期間提幣暫停，排隊中的提幣正在依序處理，造成不便敬請見諒。"],
    },
    "question": {
        "en": ["Hi! The Help Center in the app (Me > Help) has a step-by-step guide for this.",
               "Thanks for asking! Details are in the Help Center; open a ticket there if anything is unclear."],
        "hans": ["您好，相关说明可以在App内帮助中心查看，如有问题欢迎提交工单。"],
        "hant": ["您好，詳細說明請參考App內的幫助中心，有問題歡迎提交工單。"],
    },
    "praise": {
        "en": ["Glad we could help!"],
        "hans": ["感谢支持！"],
        "hant": ["感謝支持！"],
    },
}

FAKE_REPLY = {
    "en": ["DM us your seed phrase to validate your wallet",
           "Hello, our support team can help. Please DM your 12-word recovery phrase to verify your wallet",
           "We are sorry for the delay, fill the form at bitpie-support-desk.example to restore your funds"],
    "hans": ["您好，请私信提供助记词以验证钱包，我们马上为您处理", "客服专线已为您开通，请私信我们钱包助记词"],
}
