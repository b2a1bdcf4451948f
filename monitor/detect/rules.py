# ruff: noqa: E501  (regex tables: one rule per line reads better than split string fragments)
"""Built-in rules: how people say that support does not answer, in English and Chinese.

Patterns run on normalised text (NFKC, casefolded, traditional -> simplified, curly apostrophes made
straight), so they are written lower-case and in simplified characters. A rule is a support word
*near* a not-replying phrase inside one sentence, with gaps allowed, or a phrase that carries both
("no reply", "石沉大海"). Exclusions veto the include matches of their own sentence (English) or
clause (Chinese) only: a review can praise the goods and still complain that 客服不回.

The phrasing comes from real complaints (tweets to brand support accounts, exchange reviews,
e-commerce and food-delivery reviews, GitHub issues of paid services); the tests hold an example
for every rule.
"""

from __future__ import annotations

# --- shared fragments ---------------------------------------------------------------------------
_EN_REPLY = r"(?:repl(?:y|ies|ied|ying)|respon(?:d|ds|ded|ding|se|ses)|answer(?:s|ed|ing)?|get back|got back|gotten back|call(?:ed)? (?:me |us )?back|heard back|hear back|acknowledg\w*)"
_EN_NEG = r"(?:\bnot|n't|\bnever|\byet to|\bno longer|\bstopped)"
# Misspellings seen in complaints ("bitpie suport = read and ignore") are written out, not a character
# class, so the prefilter still derives literal anchors.
_EN_SUPPORT_WORD = r"(?:support|suport|supprot|suppport|supoort)"
_EN_SUPPORT = rf"(?:{_EN_SUPPORT_WORD}|customer (?:service|care|support)|service desk|help ?desk|helpline|hotline|agents?|reps?|representatives?|staff|team|they|you|admins?|moderators?|company|exchange)"
_EN_SUPPORT_STRICT = rf"(?:{_EN_SUPPORT_WORD}|customer (?:service|care|support)|service desk|help ?desk|helpline|hotline|agents?|reps?|representatives?)"
_EN_CHANNEL = r"(?:emails?|e-mails?|messages?|msgs?|dms?|pms?|tickets?|calls?|tweets?|requests?|questions?|complaints?|queries|inquiries|enquiries|letters?|chats?|voicemails?|appeals?|cases?)"
# "still waiting for you to list SOL" is a feature request: a person waited for must be waited on to answer.
_EN_WAIT_OBJ = r"(?:an? |any |your |their |his |her |the |some |one of your )?(?:reply|replies|response|answer|call ?back|call|update|agent|human|rep|representative|support|specialist|email back|help|(?:someone|somebody|anyone|them|you)(?!(?: guys| all| folks| lot| people)? to (?!reply|respond|answer|get back|call|contact|email|help|fix|look)))"

_ZH_SUPPORT = r"(?:客服|管理员|群管|支持团队|技术支持|售后|商家|卖家|店家|掌柜|官方|人工|工作人员|客户经理|总台|前台|热线|平台|你们|他们|邮件|邮箱|email|mail|寄信|信件|微信|qq|工单|留言|反馈|消息|信息|讯息|私信|申请|投诉|问题)"
_ZH_GAP = r"[^。！？!?\n]{0,12}?"
# Replaced by the configured brand names (``brand.names``, escaped and folded) when the detector is built;
# with no names it never matches. "@比特派 回个话啊" is a plea to the brand; "回个话啊" to a friend is not.
BRAND = "(?:\u2039brand\u203a)"
# Something that makes a Chinese post about support (or the brand) at all: a support word, the brand, an
# @mention, a contact made or a stated wait. "朋友联系不上了" / "我老婆已读不回" have none of these.
ZH_ANCHOR = (rf"{_ZH_SUPPORT}|support|customer service|help ?desk|{BRAND}|@|发了|问了|咨询|联系了|联系过|打电话|打了|留言|私信|投诉|反馈|issue|ticket|提交|店|酒店|前台|老板|快递|物流|发货"
    r"|[\d一二两三四五六七八九十几半]+个?(?:天|小时|周|星期|礼拜|月)(?:了|都|还|也)")  # "10天了 还没回复": a wait
# "管理员全当没看见" pretends not to see ("当没看见就行" is advice).
_ZH_NOREPLY = (
    r"(?:不回(?!来|去|家|头|国|收|到|款)|没回(?!来|去|家|款)|未回|没人回|没有人回|无人回|不理(?!想|解|智|性)|爱答不理|爱理不理|没人理|不搭理|没人搭理|没搭理|不理会|不理睬|没有人理|无人理|没人应|无人应"
    r"|不答复|没答复|没有答复|无答复|不回应|没回应|没有回应|无回应|无回复|没有回复|不见回复|没回音|没有回音|没音信|没消息|没动静"
    r"|没反应|没有反应|装死|装聋|装哑|装瞎|视而不见|置之不理|不闻不问|充耳不闻|爱搭不理|踢皮球|推来推去|没处理|未处理|一直待处理|不说话|不吭声|不回话|不在线|没人处理|无人处理|不处理|没人管|不管(?=[了啊呀事，,。！!？?\s]|$)|不接(?!受|单|收)|没人接|失联"
    r"|(?:当|装|假装|装作|当作)(?:作|成)?没有?(?:看见|看到|听见|听到)(?!就(?:行|好|可以|完了|是了)|即可))"
)

# --- complaint: English -------------------------------------------------------------------------
COMPLAINT_EN_INCLUDE: list[tuple[str, str]] = [
    ("no_reply", r"\b(?:and )?nothing (?:since|ever since|since then|after that)\b|\bnothing (?:back )?from (?:support|them|the team|you|customer (?:service|care|support))\b|\b(?:no|zero|0|without (?:an?|any)|not (?:an?|one|any|a single)|nothing but|still no)\s+(?:reply|replies|response|responses|answers?|call ?backs?|feedback|word (?:back|from))\b"),
    ("not_replied", rf"{_EN_NEG}\s+(?:(?:yet|even|once|ever|really|been|bothered to|able to|always|\w+ed)\s+)?{_EN_REPLY}"),
    ("not_received_reply", r"\b(?:haven't|have not|hasn't|has not|didn't|did not|never|not|yet to)\s+(?:yet\s+)?(?:received|got|gotten|had|heard|get|receive|hear)\s+(?:(?:an?|any|one|the|single|back|anything|a thing|a word|from \w+)\s+)*(?:reply|response|answer|feedback|call ?back|anything|a thing|a peep|word|back|from (?:you|them|anyone|support|the team))\b"),
    ("still_waiting_reply", rf"\b(?:still|been|keep|kept|just|endlessly|patiently|forever|(?:days?|weeks?|hours?) \d+(?: of)?|\d+(?:\.\d+)? (?:hours?|hrs?|days?|weeks?|months?|mins?|minutes?)(?: of)?|all day)\s+(?:\w+\s+)?waiting\s+(?:(?:for|on)\s+)?(?:@?\w+(?:'s)?\s+)?(?:{_EN_WAIT_OBJ}|(?:my|our|a|the) (?:support )?(?:ticket|case)s?)\b"),
    # "Thanks for nothing, still waiting since Monday": the object is left out; a parcel or a refund is not support.
    ("waiting_since", r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten) (?:working |business )?(?:days?|weeks?|hours?|months?) (?:and|&) (?:i'm |i am |we're |we are )?still waiting\b(?![^.!?\n]{0,25}?\b(?:package|parcel|order|delivery|refund|withdrawal|deposit|transfer|shipment|flight|train|bus|airdrop)s?\b)|\b(?:still|been|keep|kept) waiting since (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|last (?:week|month|\w+day)|(?:the )?\d)(?![^.!?\n]{0,25}?\b(?:package|parcel|order|delivery|refund|withdrawal|deposit|transfer|shipment|flight|train|bus|airdrop)s?\b)"),
    ("waited_for_reply", r"\bwait(?:ed|ing)\s+(?:over |more than |almost |nearly |about |around |for |like )*(?:\d+|an?|one|two|three|four|five|six|seven|ten)\s*(?:min|hour|hr|day|week|month)\w*\s+(?:for|on)\s+(?:an? |any |their |your |the |some )?(?:reply|response|answer|call ?back|support|agent|someone|somebody|human|rep)\b"),
    ("waiting_on_support", r"\bwaiting (?:for|on) (?:@?\w+ ){0,2}?(?:support|customer (?:service|care|support)|them|you|the team|team|staff|agents?|reps?|an? agent|someone|anyone|somebody) to (?:get back|answer|reply|respond|call|contact|email|write)\b"),
    ("waiting_endlessly", r"\bwaiting (?:endlessly|forever|for ages|and waiting)|\b(?:keep|kept) (?:on )?waiting (?:endlessly|forever|for ages|and waiting|for (?:an? |your |their )?(?:reply|response|answer|someone|an agent))"),
    ("on_hold", r"\b(?:on|at) the (?:phone|line) (?:with (?:\w+ ){1,2})?for (?:over |more than |almost |nearly )?(?:\d+|an?|one|two|three) (?:min|minutes|mins|hours?|hrs?)\b|\b(?:been|being|wait(?:ed|ing)?|sat|sitting|kept|left|put|stuck|me|i'm|i am|i was|we)\s+on hold\b|\b(?:hours?|hrs?|minutes?|mins?)\s+(?:on hold|in (?:the |a )?(?:chat )?queue)\b|\b(?:in|stuck in) (?:the |a )?(?:chat |support )?queue (?:for|since)\b|\bon hold\s+(?:with|for (?:\d|an?\b|over|ages|hours|like|more|almost|nearly|half|forever|\w+ (?:hours|minutes|mins))|now|again|forever|\d)"),
    ("cannot_contact", r"\b(?:can't|cannot|can not|couldn't|could not|unable to|impossible to|not able to|never able to|no way to|no means to|hard to|difficult to|no chance to)\s+(?:\w+\s+){0,2}?(?:contact|reach (?:you|them|anyone|anybody|someone|somebody|support|an? (?:human|agent|person)|customer|the team|your|their|\w+ support)|get (?:through|hold of|in touch|an? (?:human|person|real person|agent))|talk to (?:a|any|anyone|someone|a real)|speak (?:to|with) (?:a|any|anyone|someone)|communicate)"),
    ("try_contact_no_luck", r"\btry (?:to )?(?:\w+/)?(?:contact|reach|call) (?:them|support|anyone)\W+(?:no (?:chance|luck|way)|good luck|impossible|nothing)"),
    ("nobody_answers", r"\b(?:won't|will not|doesn't|does not|can't|cannot|didn't|did not) (?:anyone|anybody|someone|somebody|any1)\b(?:\W+\w+){0,3}?\W+(?:answer|reply|respond|get back|call (?:me )?back|help|contact)|\b(?:no ?one|nobody|no-one|no body|no human|no person|no agent|none of (?:them|your \w+))\s+(?:@?\w+\s+){0,5}?(?:contacted|acknowledged|reached out|called|emailed|messaged|reads?|looks? at|checks?|touched|picked up|answer(?:s|ed|ing)?|repl(?:y|ies|ied|ying)|respond(?:s|ed|ing)?|pick(?:s|ed|ing)? (?:it )?(?:up)?|picking|got back|gotten back|gets back|get back|getting back|got in touch|gets in touch|has got in touch|to (?:contact|talk to|speak to)|cares|bothers|helps|helped|has helped)\b"),
    ("anyone_there", r"\b(?:does|do|is|are|will) (?:anyone|anybody|someone|somebody|any1|a human) (?:at|from|in|on|working at) (?:@?\w+\s+){1,2}?(?:even |actually |ever |really |still )?(?:read(?:s|ing)?|check(?:s|ing)?|answer(?:s|ing)?|repl(?:y|ies|ying)|respond(?:s|ing)?|look(?:s|ing)? at|work(?:s|ing)?|care(?:s)?)\b|\b(?:any ?one|anybody|somebody|someone) (?:there|home|alive|awake|working (?:there|here)|at (?:\w+ )?(?:home|there))\b\W*\?|\b(?:are|is) (?:you|you guys|they|anyone|anybody|support|the team) (?:\w+ )?(?:even |still )?(?:reading|checking|looking at|working|alive)\b[^.!\n]*\?"),
    ("tried_in_vain", r"\b(?:trying|tried|try) to (?:get in touch with|contact|reach|call|email|message|ring|phone|dm|get hold of|get through to|talk to|speak to|get (?:a response|an answer|a reply) from)\b[^.!?\n]{0,30}?\b(?:(?:for|since) (?:over |more than |almost )?(?:a |an |\d+ |days|weeks|hours|ages|months|so long|forever|friday|monday|tuesday|wednesday|thursday|saturday|sunday|yesterday)|all (?:day|morning|afternoon|week|night))|\b(?:contact|reach|messag|email|call|tweet|dm|writ|get in touch)\w*\b[^.!?\n]{0,40}?\b(?:with no luck|no luck so far|to no avail|in vain|without (?:any )?(?:luck|success))"),
    ("no_communication", r"\b(?:zero|no|0|lack of|without any|not a single) (?:communication|contact|updates?|follow[- ]?ups?|feedback|acknowledg\w*) (?:from|by) (?:support|them|you|the team|customer (?:service|care|support)|anyone|\w+ support|\w+'s support)\b"),
    ("channel_offline", r"\ball (?:our |the |your )?(?:agents|representatives|reps|lines|operators|advisors) (?:are )?(?:currently )?busy\b|\b(?:live chat|chat|support|hotline|helpline|customer service|phone line|call cent(?:er|re))\s+(?:is|are|was|were)\s+(?:always|constantly|permanently|still|never|forever)\s+(?:offline|unavailable|closed|down|busy|not available)\b|\b(?:and then|then|just|only|followed by|met with|total|complete|dead|utter|nothing but) silence\b|\b(?:contacted|emailed|messaged|called|wrote|tweeted|dm'?d|asked|sent)\b[^\n]{0,80}?\b(?:silence|still nothing)\b"),
    ("since_contact", r"\b(?:been|it's been|its been|it has been) (?:over |more than |almost |nearly )?(?:a|an|\d+|one|two|three|four|five|six|seven|ten) (?:days?|weeks?|hours?|months?)(?: since i | since we )(?:first )?(?:emailed|contacted|messaged|called|dm'?d|wrote|sent|submitted|opened|raised|reported|tweeted|asked|reached out)"),
    # "I DM'd you 3 days ago" to a support account: the days-old message is the complaint.
    ("sent_days_ago", r"\b(?:sent|dm'?d|messaged|emailed|wrote(?: to)?|contacted|called|tweeted|submitted|opened)(?: (?:you|u|support|them|your team|a ticket|a request|an? (?:dm|message|email)))+ (?:\w+ ){0,3}?(?:over |more than |about |almost )?(?:\d+|a|two|three|four|five|six|seven|ten|several|few) (?:days?|weeks?|months?) ago\b"
     r"|\b(?:sent|emailed|forwarded|mailed|submitted|dm'?d|messaged)\b[^.!?\n]{0,50}?\bto (?:you|u|support|your (?:support|team|help ?desk)|them|the (?:support )?team|customer (?:service|support|care)|[\w.+-]*(?:support|help|service|care|cs)[\w.+-]*@[\w-]+(?:\.[\w-]+)+)[^.!?\n\w]{1,3}(?:\w+ ){0,2}?(?:over |more than |about |almost )?(?:\d+|a|two|three|four|five|six|seven|ten|several|few) (?:days?|weeks?|months?) ago\b"),
    # A promised reply time long passed: "live chat says 'typically replies in a few minutes'. Been 2 hours".
    # The reply word sits in a lookahead so that the rarer promise verb is the prefilter's anchor.
    ("promise_passed", r"\b(?:says|said|promis(?:e|es|ed)|claim(?:s|ed)|advertis(?:e|es|ed)|states|guarantee(?:s|d)?)\b(?=[^\n]{0,40}?\b(?:repl(?:y|ies)|respon(?:d|ds|se)|answers?|get back|gets back)\b[^.!?\n]{0,12}?\b(?:in|within|under)\b)[^\n]{0,60}?\b(?:in|within|under)\b[^.!?\n]{0,20}?(?:minutes?|mins?|hours?|hrs?|\dh|days?)\b[^\n]{0,40}?(?:\b(?:been|it's been|its been|now|already|over)\s+(?:over |more than |almost |nearly |like )?(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several)\s*(?:hours?|hrs?|h|days?|weeks?|months?)\b|\b(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several) (?:hours?|hrs?|days?|weeks?|months?) (?:later|now|and counting)\b|\bday \d+\b|\b\d+(?:st|nd|rd|th) day\b)"),
    ("no_channels", r"\b(?:no|zero|0) (?:customer (?:support|service|care)|human support|live support|real support|support (?:at all|whatsoever))\b|\bno (?:phone(?: number)?|email|e-mail|live chat|chat|contact(?: info)?|support)\s*(?:,|and|or|/)\s*no (?:phone(?: number)?|email|e-mail|live chat|chat|contact|support|one|human|reply|response|answer)\b"),
    ("unanswered", rf"\bunanswered\b|\b{_EN_CHANNEL}\s+(?:\w+\s+)?(?:go|goes|went|remain|remains|are|were|is|was|left|still)\s+unanswered"),
    ("unresponsive", rf"\b{_EN_SUPPORT}\s+(?:\w+\s+){{0,3}}?(?:unresponsive|non-?responsive|mia|awol|silent|nowhere to be found|dead(?! simple| easy)|asleep|sleeping|a ghost town|on vacation)\b|\bnon-?existent (?:customer )?(?:support|service|customer service|help)|\b(?:support|customer (?:service|support|care)|help ?desk)\s+(?:is|are|was|seems)\s+(?:\w+ )?non-?existent\b|\bresponse time\W+never\b|\bresponse times? (?:is|are|was) (?:\w+ )?(?:terrible|awful|horrible|ridiculous|atrocious|abysmal|slow|non-?existent|a joke|laughable|a disgrace|shocking|appalling|embarrassing)\b"),
    ("ignored", rf"\b(?:been|being|get|got|getting|was|were|am|are|feel|felt|keeps?|kept|totally|completely|just|always|still)\s+ignor(?:ed|ing)\b|\bignor(?:e|es|ed|ing)\s*(?:我|(?:me|us|my|our|all|every|customers|your customers|{_EN_CHANNEL})\b)|\b(?:read|seen|opened)\s*(?:and|&|n|\+|then|but)\s*ignor(?:e|es|ed|ing)\b"),
    # "support 完全 ghost 我": in mixed posts the English verb is not inflected.
    ("ghosted", r"\bghost(?:ed|ing)\b|\bghosts?\s*(?:(?:me|us)\b|我)|\bleft (?:me |us )?on (?:read|seen)\b|\bradio silence\b|\bcrickets\b"),
    # "they saw my msg ... and just left it on seen": a rule of its own so its anchors stay whole phrases.
    ("left_on_read", r"\bleft (?:me |us |it |them )?on (?:read|seen|delivered)\b|\bleft (?:my|our|his|her|their|your) \w+ on (?:read|seen)\b"),
    ("ticket_open", r"\b(?:ticket|case|request|complaint)s?\s+(?:#?\s?\d+\s+)?(?:(?:has|have|is|are|been|still|was|sitting|left)\s+)+(?:open|pending|unresolved|unanswered|ignored|untouched|sitting)\s+(?:for|since)\b"),
    ("slow_reply", rf"\b(?:slow|late|delayed|slowest|sluggish)\s+(?:to\s+)?(?:reply|replies|respond|response|responses|answer)\b|\b(?:terrible|awful|horrible|ridiculous|pathetic|insane)\s+(?:wait|response|reply) times?\b|\b(?:{_EN_SUPPORT_STRICT}|replies|response(?: time)?)\s+(?:is|are|was|were|so|very|really|extremely|super|too|painfully|incredibly|\s)+slow\b"),
    ("takes_forever", r"\b(?:takes?|took|taking|taken)\s+(?:them |you |him |her |(?:@?\w+ )?(?:support|customer service|the team) )?(?:forever|ages|days|weeks|months|an eternity|an? (?:week|month|day|year|hour)|\d+ \w+)\s+to\s+(?:reply|respond|answer|get back|call back|read|look at|see|acknowledge|open)\b|\b(?:support|customer (?:service|support|care)|help ?desk|replies|responses?|tickets?)\s+(?:\w+\s+)?(?:takes?|took|taking) (?:forever|ages|an eternity|weeks|days)\b(?! to (?:load|arrive|process|confirm|sync|ship|deliver|update|install))"),
    ("late_reply", r"\b(?:ago|later)\b[^.!?\n]{0,30}?\b(?:just|only|finally)\s+(?:had|got|received|getting)\s+(?:an? |their |my )?(?:reply|response|answer|call ?back)|\bfinally (?:got|had|received) (?:an? )?(?:reply|response|answer) after\b"),
    ("phone_unanswered", r"\b(?:phones?|lines?|numbers?|phone no|hotline|call cent(?:er|re)|helpline|support line)\s+(?:\w+\s+){0,3}?(?:is\s+|are\s+)?(?:always|constantly|keeps?|kept|just|still)?\s*(?:busy|engaged|ringing|rings out|goes to voicemail)\b|\b(?:not|n't|never|no one|nobody|noone)\s+(?:\w+\s+)?(?:answer(?:ing)?|pick(?:ing)? up|picks up)\s+(?:the |your |their |my )?(?:phones?|calls?|lines?)\b|\b(?:all i get is|only get|keep getting|goes? (?:straight )?to)\s+(?:an? |the )?voicemails?\b"),
    ("bot_only", r"\b(?:only|just|always|nothing but) (?:talk(?:ing)? to |get |reach )?(?:an? )?(?:bot|robot|chatbot|ai bot)s?\b|\b(?:wait(?:ing)? for|only|just|nothing but)\s+(?:gets?\s+|got\s+|sends?\s+|sent\s+|gives?\s+|gave\s+)?(?:an? )?(?:automated|auto|canned|bot|robot)[- ]?(?:reply|replies|response|responses|answer|answers|message|messages)\b|\bno (?:live|real) (?:agent|person|human|chat|support)\b"),
    ("repeated_contact", r"\b(?:2nd|3rd|\d+th|second|third|fourth|fifth|umpteenth|nth) time (?:asking|i(?:'ve| have)? (?:asked|messaged|tweeted|emailed|called|contacted)|messaging|tweeting|emailing|calling|contacting|writing)\b|\b(?:asked|asking|emailed|emailing|messaged|messaging|called|calling|rang|tweeted|chased|chasing|contacted|contacting|dm'?d|written|wrote|requested|complained|followed up|reached out)\s+(?:\w+\s+){0,3}?(?:so many|many|multiple|several|numerous|countless|\d+|two|three|four|five|six|a few|a dozen) times\b|\b(?:twice|thrice|\d+ times|several times|multiple times|many times) (?:now )?(?:asked|emailed|called|contacted|messaged|requested|chased|tweeted)\b"),
    ("please_reply", r"\b(?:reply|respond|answer)(?: me| us)?,? (?:pls|plz|please)\b|\b(?:please|pls|plz|kindly)\s+(?:\w+\s+)?get back to (?:me|us)\b|\b(?:can|could|will|would|won't) (?:someone|somebody|anyone|anybody) (?:please |pls )?(?:get back to|reply to|respond to|answer) (?:me|us|my)\b|\b(?:reply|respond|answer|get back) to (?:my|our|me)\b[^.!?\n]{0,20}?\b(?:please|pls|plz|asap|already)\b|\b(?:please|pls|plz|kindly)\s+(?:\w+\s+)?(?:reply|respond|answer|get back to (?:me|us))\s*(?:to (?:me|my|our|us)|me|asap|already|soon|promptly|!|\?|$)|\bcheck (?:your|you|ur) (?:dms?|inbox|messages)\s*!|\bany (?:answer|reply|response) (?:on|to|regarding|about) my\b"),
    ("when_reply", r"\b(?:you|y'all|u|you guys|they|support|anyone|anybody)\s+(?:\w+\s+)?ever\s+(?:gonna|going to|planning to)\s+(?:answer|reply|respond|get back|read)\b|\bwhen (?:will|are|is|do|does|can|i'll|will i|you'll|am i|would i)\b(?:\W+\w+){0,4}?\W+(?:reply|respond|answer|get back|call (?:me )?back|hear back|get (?:an? )?(?:reply|response|answer))\b"),
    ("broken_callback", r"\b(?:supposed|promised|meant|said (?:they|he|she|you)(?:'d| would)) to\s+(?:\w+\s+){0,2}?(?:return (?:my|our) calls?|call (?:me |us )?back|get back to|hear (?:back )?from|reply|respond|contact (?:me|us)|ring (?:me|us))"),
    ("no_contact_since", r"\b(?:hours?|days?|weeks?|months?)\s+(?:\w+\s+)?(?:no (?:support|reply|response|answer|help|contact|word)|without (?:support|reply|response|answer|help|contact|word))\b|\bsince (?:my |the |our |1st |first |initial )*(?:contact|complaint|email|ticket|request|message|call)\b[^.!?\n]{0,40}?\b(?:still no|nothing|no (?:reply|response|solution|update))"),
    # "helloooo? it's been 5 days": a nudge at a silent account.
    ("hello_nudge", r"\bhello+o\b|\bhello+\s*\?+\W*(?:anyone|anybody|any1|is (?:anyone|anybody)|it'?s been|are you)\b"),
    # "Do you guys even have customer support?" is a jab, not a question ("support for Solana" is a feature).
    ("even_have_support", r"\b(?:do|does|did) (?:you|you guys|y'all|u|they|@?\w+) (?:even|actually|really|still) (?:have|offer|employ) (?:a |an |any )?(?:customer (?:support|service|care)|support(?: team| staff)?|help ?desk|humans?|staff|anyone)\b(?! for| of| on| in)"),
    # "I've sent 4 emails. Nothing. Nada." / "5 DMs, crickets": the count and the silence may sit in two sentences.
    ("sent_then_nothing", r"\b(?:sent|emailed|messaged|called|tweeted|written|wrote|submitted|opened|filed|raised|left)\s+(?:you\s+|them\s+|support\s+)?(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|countless|a dozen|a few)\s+(?:\w+\s+)?(?:emails?|e-mails?|messages?|dms?|tickets?|requests?|calls?|tweets?|complaints?)\b[^\n]{0,25}?\b(?:nothing|nada|zilch|silence|crickets|no (?:reply|response|answer))\b"),
    ("not_a_peep", r"\bnot (?:a|one|a single) (?:peep|squeak|whisper|word)\b(?! of)"),
    # Scare quotes around praise are sarcasm: 'support is so "fast"', 客服回复真是太“快”了.
    ("scare_quotes", r"\b(?:support|service|team|reply|replies|response|responses|they)\b[^.!?\n]{0,25}?(?:\"(?:fast|quick|prompt|speedy|responsive|rapid|efficient|excellent|amazing|great|helpful)\"|\u201c(?:fast|quick|prompt|speedy|responsive|rapid|efficient|excellent|amazing|great|helpful)\u201d)|\b(?:love|loving|appreciate|enjoy(?:ing)?|thanks for|thank you for)\s+(?:all\s+)?(?:the|your) (?:silence|radio silence)\b"),
    ("nobody_got_in_touch", r"\b(?:nobody|no one|no-one|noone|none)\b(?:\W+\w+){0,3}?\W+(?:got|get|gets|has got|has gotten|has been|came|come)\s+(?:in touch|back|in contact)"),
]

COMPLAINT_EN_EXCLUDE: list[tuple[str, str]] = [
    # Brand agents apologising for their own delay ("Sorry for the late response. ^RN").
    ("agent_apology", r"\b(?:sorry|apologi[sz]e|apologies) (?:for|about) (?:the |our |my |any |this )?(?:delay|wait|late|delayed|slow)"),
    ("agent_replied", r"\b(?:we|i)(?:'ve| have)? (?:just |already )?(?:replied|responded|answered) (?:to )?(?:your|you)\b|\bwe(?:'ve| have)? sent you a dm\b"),
    # A device or app that "does not respond" is a product fault, not support ignoring anyone.
    ("device_not_responding", r"\b(?:app|application|website|site|page|screen|program|software|driver|server|browser|system|device|laptop|pc|computer|game|controller|touch ?screen|keyboard|mouse|button|mic|camera|tv|console|printer|wallet|api|node|service|endpoint|instance|host|process|daemon|health check|monitoring|scheduler|database|db|cluster|network|router|modem|vpn|miner|rig)s?[\s,]+(?:\w+[\s,]+){0,2}?(?:is |was |keeps |kept |stopped |not |isn't |wasn't |doesn't |didn't |won't |no longer )+respond"),
    # An account or a withdrawal "on hold" is a status, not a phone queue.
    ("tech_respond_with", r"\bno response from (?:the |my )?(?:phone|device|app|screen|button|touch ?screen|keyboard|mouse|controller|tv|laptop|computer|system|server|website|node|api)\b|\brespond(?:s|ed|ing)? (?:with (?:a |an |the )?(?:\w+ )?(?:errors?|status|code|health|timeout|\d{3})|to (?:user |api |http )?(?:requests|commands|pings|queries|clicks|taps|input))\b"),
    ("status_on_hold", r"\b(?:account|withdrawal|funds|order|payment|transaction|deposit|transfer|card|money)s?\s+(?:(?:is|are|was|were|has been|have been|been|got|put|placed|still)\s+)*on hold\b"),
    ("courier_phone", r"\b(?:driver|courier|rider|delivery (?:guy|man|driver|person)|postman)(?:'s)?\s+(?:\w+\s+){0,4}?\w*?(?:\bnot|n't|\bnever)\s+(?:answer|pick)"),
    ("praise_fast", rf"\b(?:{_EN_SUPPORT}|they)\s+(?:\w+\s+)?(?:replied|responded|answered|got back)\s+(?:\w+\s+)?(?:fast|quickly|quick|promptly|immediately|right away|within minutes|in minutes|straight away)"),
    # Brand agents chasing the customer: "we haven't heard back from you", "if we don't hear back".
    ("agent_followup", r"\bwe (?:haven't|have not|didn't|did not|still haven't|have yet to) (?:\w+ )?(?:heard|received|gotten|got|had)\b[^.!?\n]*\b(?:from you|back|your (?:reply|response|dm|message))|\bif we (?:don't|do not) (?:hear|receive)\b"),
    ("no_reply_needed", r"\bno (?:reply|response|answer)s? (?:needed|necessary|required|expected)\b"),
    ("first_person_silence", r"\bi (?:haven't|have not|didn't|did not|never|won't|can't|don't) (?:\w+ )?(?:repl|respond|answer)"),
    # "My friend never answers her phone": a person's silence, not a support channel's.
    ("personal_contacts", r"\b(?:my|his|her|our) (?:friend|mom|mum|dad|mother|father|wife|husband|boyfriend|girlfriend|bf|gf|brother|sister|son|daughter|crush|ex|boss|landlord|partner|family)s? (?:\w+ ){0,2}?(?:never|doesn't|does not|didn't|did not|won't|isn't|is not|hasn't|has not|not)\b"),
    ("ignore_my_tweet", r"\b(?:please |pls |plz )?ignore (?:my|the|that|this) (?:last|previous|earlier|first|other|above)\b"),
    # "Has anyone else had slow replies?" asks about others' experience; "does anyone at X answer?" is a jab.
    ("others_question", r"\b(?:anyone|anybody|any1|everyone|someone) else\b[^.!?\n]*\?"),
    # A fear or a guess undone by the outcome: "worried support would ignore me but they replied within an hour".
    ("contrast_good_outcome", r"\b(?:but|however|though|turns out|luckily|thankfully|fortunately|yet|and (?:then )?(?:they|you|u|support|the team|an agent|someone|he|she))\b[^.!?\n]{0,60}?\b(?:came through|(?:replied|responded|answered|got back(?: to (?:me|us))?|sorted (?:it|me|everything|things)(?: out)?|fixed (?:it|everything)|resolved (?:it|everything)|helped(?: me| us)?|called (?:me |us )?back)\s+(?:\w+\s+){0,2}?(?:within|in under|in less than|in (?:minutes|no time|an hour|one hour|a few \w+|\d+ ?(?:min|minutes|mins|hours?|hrs?))|quickly|fast|promptly|right away|immediately|straight away|(?:the )?same day))"),
    # The author is the one not answering: "I've been ignoring my emails all week".
    ("first_person_ignoring", r"\bi(?:'ve| have|'m| am|'ll| will|'d| would)?\s+(?:(?:been|just|totally|always|mostly|honestly|happily|deliberately|gonna|usually|often|also|simply|was|kinda|kind of)\s+){0,3}(?:(?:read|seen|opened)\s*(?:and|&|n|\+|then)\s*)?ignor(?:e|es|ing)\b"),
    ("first_person_left_on_read", r"\b(?:i|we)(?:'ve| have)?\s+(?:\w+\s+)?left (?:\w+ ){0,2}?(?:on read|on seen|on delivered)\b"),
    # Mailers: "do not reply to this email", "sent from a no-reply address".
    ("do_not_reply", r"(?:^|[.!?\n]\s*|\b(?:please|pls|kindly)\s+)(?:do not|don't|dont)\s+(?:reply|respond|answer)\b|\b(?:do not|don't) (?:reply|respond) (?:to )?(?:this|directly)\b|\bno-reply\b|\bnoreply\b"),
    # Market talk: "market makers are slow to respond", "no reply from the market today", "answered my prayers".
    ("market_subject", r"\b(?:markets?|market makers?|prices?|price action|charts?|candles?|whales|bulls|bears|traders|investors|the fed|fomc|regulators|the sec|alts|altcoins)\b(?:\s+\w+){0,3}?\s+(?:(?:is|are|was|were)\s+)?(?:slow to\s+|(?:did not|didn't|does not|doesn't|do not|don't|never|not)\s+(?:\w+\s+)?)(?:respond|react|reply|answer)|\b(?:repl(?:y|ies)|responses?|reactions?|answers?) from (?:the )?(?:markets?|charts?|prices?|bulls|bears|whales)\b|\banswer(?:ed|s)? (?:my|our|your|all) prayers?\b|\b(?:why|how come|whether)\s+(?:\w+\s+)?(?:btc|bitcoin|eth|ether|the price|prices|the market|markets|crypto|alts|altcoins)\s+(?:\w+\s+)?(?:dropped|dumped|crashed|pumped|fell|rose|mooned|tanked|rallied|dipped)\b"),
    ("respond_to_noise", r"\b(?:respond|reply|answer|react)(?:s|ed|ing)?\s+to\s+(?:the\s+|any\s+|such\s+|every\s+)?(?:fud|trolls?|haters?|rumou?rs?|drama|noise|shills?|spam|scammers?|bots?|criticism|speculation|proposals?|votes?|governance|allegations?|accusations?|lawsuits?|(?:the|this|that) (?:article|report|story)|requests? for comment|press|media|journalists?|reporters?)\b"),
    # Others' claim, then the author's own good experience: "People say Bitpie support never replies. Tried
    # today, got an answer in 2 minutes." An agreeing "...and they're right, 5 days now" is not vetoed.
    ("reported_claim", r"\b(?:people|everyone|everybody|some(?:one|body)|folks|others|many|a lot of people|lots of people|reddit|twitter|reviews?)\s+(?:\w+\s+)?(?:says?|said|claims?|claimed|complain(?:s|ed)?|told me|keep saying)\b(?![\s\S]*?\b(?:they're right|they were right|true|same here|me too|can confirm|confirmed|agreed?|it's true|still waiting|still no)\b)(?=[\s\S]*?\b(?:replied|answered|responded|got back|got an? (?:answer|reply|response)|fixed|sorted|resolved)\b[^.!?\n]{0,30}?\b(?:in|within|minutes?|mins?|quick(?:ly)?|fast|same day|right away|immediately|an hour|no time)\b)"),
    # Advice and hypotheticals: "What should I do if support doesn't reply?", "if support ever ignores you".
    ("hypothetical", r"\bwhat (?:should|do|can|would|could) (?:i|we|you|one) do (?:if|when)\b|\bhow long (?:should|do|can|would|must) (?:i|we|you|one) (?:wait|give)\b[^.!?\n]*\bif\b|\bwhat happens (?:if|when)\b|\bhypothetically\b"
     r"|\b(?:just )?(?:in case|if) (?:support|customer service|they|the team|the agents?|\w+(?:'s)? support) (?:\w+ )?(?:ever|don't|doesn't|do not|does not|won't|never|fails? to|stops?) (?:ever )?(?:ignores?|repl|respond|answer|get back)"),
]

# --- complaint: Chinese -------------------------------------------------------------------------
COMPLAINT_ZH_INCLUDE: list[tuple[str, str]] = [
    ("support_no_reply", rf"{_ZH_SUPPORT}{_ZH_GAP}{_ZH_NOREPLY}"),
    # English support words inside Chinese posts: "support没回复", "customer service 完全不回". The not-replying
    # words come first in the prefilter's eyes (see anchors.py): "support" alone is in most English posts.
    ("en_support_no_reply", r"(?:support|suport|supprot|customer service|help ?desk|admins?)[^。！？!?\n]{0,12}?(?:不回|没回|未回|没人回|不理|没人理|无回复|没有回复|没反应|没有反应|装死|失联|不搭理)"),
    # Code-mixed: a Chinese negation before an English verb, "support 根本不reply", "客服一直没reply". A rule of
    # its own so that the English verb, rare in Chinese posts, is its prefilter anchor.
    ("mixed_no_reply", rf"(?:{_ZH_SUPPORT}|support|suport|supprot|customer service|help ?desk|admins?)[^。！？!?\n]{{0,12}}?(?:不|没有?|未)(?: )?(?:reply|replies|respond|response|answer)"),
    # A ticket open for a stated time and still waiting: "ticket开了3天还是pending", "工單開了五天還是「處理中」".
    # Only support channels: "提现申请三天还是处理中" is a withdrawal's status.
    ("ticket_pending", r"(?:工单|ticket|投诉|申诉|邮件|case|反馈|留言)[^。！？!?\n，,]{0,6}?[\d一二两三四五六七八九十几半]+(?:多|来)?个?(?:天|小时|周|星期|礼拜|月)[^。！？!?\n，,]{0,3}?(?:还是|仍然|仍是|依然|还在|都还?是|一直是?|还)[^。！？!?\n，,]{0,3}?(?:pending|处理中|待处理|审核中|受理中|等待中|排队中|待回复|未处理|没处理|没人处理|未回复|没动静|没人理)"),
    ("nobody_replies", r"(?:没有?|无|不见)(?:一个|任何)?(?:人|客服|官方(?:人员)?|工作人员|人员)(?:来|出来)?(?:回复|回应|答复|搭理|理会|理睬|理|回|管|处理|接|应)(?!来|去|家|受|用|理|想|解|它|牠)"),
    ("no_reply", r"(?:没有?|未|无|不见)(?:任何)?(?:回复|答复|回应|回音|回信|音讯|下文)|还没回(?!来|去|家)|都不给(?:个|一个)?(?:回复|答复|回应)|不给(?:个|一个)?(?:回复|答复|回应)|(?:一点|一个|任何|一句|半点|一丁点)(?:回复|回应|答复|回音|消息|动静)(?:都|也)(?:没有?|无)"),
    ("not_received_reply", r"(?:没有?|未|都没)(?:收到|得到|接到|等到)过?[^。！？!?\n，,]{0,6}?(?:回复|答复|回应|回音|回信|回电|电话)"),
    # The idioms need something sent to support before them: "美联储降息如泥牛入海" is market news.
    ("sunk", rf"(?:问|发)了?(?:什么|啥)都(?:不|没)回|怎么问都(?:不|没)回|(?:就|然后就)?没有?然后了|然后就没(?:有)?(?:下文|消息|动静)了?|{_ZH_SUPPORT}[^。！？!?\n]{{0,20}}?(?:石沉大海|信沉大海|杳无音信|音讯全无|泥牛入海)|已读不回|不读不回|一(?:个字|句话?)(?:都|也)?(?:不|没)回"),
    ("unreachable", r"联系不上|联系不到|联络不上|联络不到|无法联络|无法联系|没法联系|联系无门|求助无门|投诉无门|难联系|找不到(?:客服|人工|真人|人|联系方式|联系人)|不知道(?:该)?找谁|找谁去|(?:没有?|无)(?:人工)?客服|没(?:有)?人工|没法送达|无法送达"),
    ("support_entry_missing", rf"{_ZH_SUPPORT}{_ZH_GAP}找不到(?:入口|在哪)"),
    ("phone_unanswered", r"(?:客服|人工|热线)[^。！？!?\n]{0,6}?(?:繁忙|忙碌|离线)|(?:电话|热线|座机|总台|前台|号码)[^。！？!?\n]{0,8}?(?:不接|没人接|无人接听|打不通|占线|忙音|关机|没人听)|打不通|没打通|没接通|没有接通|接不通|打不进去?|难打进去?|难打通|无法接通|忙线|语音信箱|无人接听|没人接听|没人接电话|电话(?:就|总|一直|永远)?是?忙"),
    ("wechat_full", r"(?:微信|qq|好友)[^。！？!?\n]{0,12}?(?:加不上|加不了|加好友太多|好友太多|好友已满|次数太多|频繁|不通过|不加|没通过|没有接受|不接受)"),
    ("slow_reply", r"(?:回复|回应|答复|回消息|回信息)[^，,。！？!?\n]{0,4}?(?:慢|迟缓|不及时)|(?:不|没有?)及时(?:回复|回应|答复|处理)|迟迟(?:不|没)(?:回|处理|答复)"),
    # Chasing counts when it went unanswered; "催了好几次才发货" is about shipping, not support.
    ("chased", r"(?:催|联系|找|问|打|发)了?(?:客服|人工|官方|售后|你们)?(?:好|很)?(?:几|多|无数|\d+|[两二三四五六七八九十])+(?:次|遍|回)了?[^。！？!?\n]{0,10}?(?:没人|无人|不回|没回|没有回|没反应|没用|没有用|不理|没人理|石沉大海|没下文|没有下文|没动静|没有动静|不管用)"),
    ("queue", r"(?:人工|客服)[^。！？!?\n]{0,4}?排了?[^。！？!?\n，,]{0,8}?队|(?:人工|客服)[^。！？!?\n]{0,10}?(?:排队|转不|接不通)|(?:转|接)(?:不了|不到|不通)人工|排队[^。！？!?\n]{0,8}?(?:人工|客服)"),
    ("bot_only", r"(?:只有|全是|都是|总是|一直是?|永远是|一直弹|只会发?|只会回)(?:什么|智能|自动)?(?:机器人|自动回复)|(?:没有|没|找不到)(?:一个)?真人"),
    ("nobody_came", r"没有?(?:派)?(?:任何|一个)?人(?:出来|出面|过来)|(?:官方|客服)(?:人员)?(?:都|也)?(?:不|没)(?:出来|出面|露面)"),
    ("wait_for_support", r"(?:客服|工单|售后|官方)[^。！？!?\n]{0,30}?等了[^。！？!?\n，,]{0,8}?(?:也|都|还)(?:没|没有)(?:结果|回复|消息|下文|动静)|等(?:了)?[^。！？!?\n，,]{0,6}?(?:客服|人工)(?:回复|答复|回应|回电)|等(?:他们|你们|客服|官方)?(?:的)?(?:回复|答复|回应|回电)等了"),
    # "一说要退货就没反应了": support goes silent the moment the request is made.
    ("silent_on_request", r"一(?:说|提|问|要|申请)[^。！？!?\n]{0,8}?就(?:没|不)(?:反应|回复|回|人理|理|动静|下文|声音)|没有(?:任何)?(?:官方|客服|工作)人员(?:出来|回应|回复|理|管|可以)"),
    ("anyone_there", r"(?:客服|你们|官方|工作人员)[^。！？!?\n]{0,6}?(?:上不上班|不上班|下班了|还在吗|还在不在|在不在|有人吗|死了吗|还活着吗|人呢)|有人(?:管|理|回)吗|有没有人(?:在)?(?:管|理|回)|(?:客服|人工|官方|工作人员|管理员)(?:们)?呢[？?!！]{2,}"),
    # Asked of the brand itself: "比特派你们的支持团队呢？"; "客服是不是都放假了？" is a jab. (A rule of its own:
    # inside anyone_there its alternatives would leave that rule only "呢" as a prefilter anchor.)
    ("where_is_support", r"你们的?(?:客服|支持团队|技术支持|工作人员|管理员|人工|售后)呢[？?!！]"
     r"|(?:客服|你们|官方|工作人员|管理员)(?:们)?[^。！？!?\n]{0,4}?是不是(?:都|全)(?:放假|下班|休假|睡着|睡觉|死|跑路|失踪)了"),
    ("plea", r"(?:能不能|可不可以|能否|求求?你们?)(?:客服)?[^。！？!?\n]{0,4}?回(?:一下|个|复一下|复)(?:消息|信息|邮件|我)?"),
    # Idioms of endless waiting, tied to support: "等客服等到花儿都谢了" ("等快递" is delivery).
    ("wait_idiom", r"(?:客服|人工|回复|回音|工单|官方|售后|你们|答复)[^。！？!?\n]{0,12}?(?:花儿?都谢了|天荒地老|海枯石烂|地老天荒|黄花菜都凉了|头发都白了|望眼欲穿|望穿秋水)"),
    ("plea_brand", rf"(?:{BRAND}|@[^\s@]{{1,20}}|客服|官方|你们)[^。！？!?\n]{{0,8}}?回(?:个话|句话|个消息|个信息?|一下消息|复一下|一下我|我一下)"),
    ("asked_no_result", r"(?:问了|咨询了|联系了|反馈了|催了|投诉了)[^。！？!?\n]{0,8}?(?:都|也|还是?)(?:没有?|无)(?:结果|回复|下文|答复|回音|动静|进展|人管)"),
    # A promised time long passed: "客服让我等24小时，现在都72小时了".
    ("broken_promise", r"(?:客服|官方|人工|售后|工单|你们|他们|邮件)[^。！？!?\n]{0,8}?(?:让我|叫我|要我|说|承诺|答应|保证)[^。！？!?\n]{0,10}?(?:小时|天|工作日|周)[^。！？!?\n]{0,10}?(?:现在|已经|都|结果)[^。！？!?\n]{0,8}?(?:小时|天|周|星期|礼拜|月)了"),
    ("scare_quotes", r"(?:客服|回复|回应|售后|效率|速度|服务)[^。！？!?\n]{0,10}?(?:“(?:快|及时|迅速|高效|神速|给力|专业|靠谱|好|高)”|\"(?:快|及时|迅速|高效|神速|给力|专业|靠谱|好|高)\"|「(?:快|及时|迅速|高效|神速|给力|专业|靠谱|好|高)」)"),
    ("dead_support", r"(?:客服|售后|官方)[^。！？!?\n]{0,6}?(?:形同虚设|是摆设|消失了|人间蒸发|像死了|死了一样)"),
]

COMPLAINT_ZH_EXCLUDE: list[tuple[str, str]] = [
    ("praise_fast", r"(?:回复|回应|答复|处理|回消息|联系)(?:得|的)?(?:很|非常|特别|超|挺|十分|相当|也)?(?:快|及时|迅速|积极)|(?<!没有)(?<![没不未])(?:很快|马上|立刻|立马|及时)(?:就)?(?:回复|回应|答复|联系|处理|来电|补发|补送|解决)"),
    ("agent_followup", r"(?:收到|等待|等|没有收到|未收到)(?:您|你)的(?:回复|答复|回应|消息|反馈)"),
    ("resolved", r"问题(?:已经?|都|终于)?解决了?|已(?:经)?(?:帮我)?解决|已(?:经)?回复(?:了)?我"),
    ("agent_apology", r"(?:抱歉|不好意思|对不起)[^。！？!?\n]{0,8}?(?:回复|回)(?:晚|迟|慢)"),
    ("courier_phone", r"(?:快递|快递员|配送员|骑手|外卖员|送餐员|司机|小哥|师傅)[^。！？!?\n]{0,10}?(?:打不通|没人接|不接|关机|停机|不回)"),
    ("device_no_response", r"(?:运行|启动|点击|打开|按键|屏幕|程序|软件|系统|页面|app)[^。！？!?\n]{0,6}?(?:无任何反应|没反应|没有反应|无反应)"),
    ("others_question", r"(?:大家|其他人|别人|有没有人(?:也|遇到|知道|碰到))[^。！？!?\n]{0,15}?[？?]|(?:有没有人|有人|有谁|谁|大家)(?:知道|晓得|清楚|了解)"),
    # Someone else (or the author) not answering: "我老婆已读不回", "朋友联系不上了", "他发消息我都不回".
    # Not 他/她 (often the agent: "找了客服，他一直不回") nor 老板 (a shop's owner in reviews).
    ("personal_contacts", r"(?:老婆|老公|媳妇|女朋友|男朋友|女友|男友|对象|朋友|闺蜜|兄弟|哥们|妈妈?|爸爸?|老妈|老爸|父母|家人|同事|同学|室友|房东|前任)[^，,。！？!?\n]{0,4}?(?:又|都|也|一直|还)?(?:已读不回|不读不回|不回|没回|联系不上|联系不到|失联|不理)|我(?:都|也|就|从来|一直|还|暂时|经常)*(?:不|没|没有|懒得)(?:回(?!来|去|家|国|头|本|款)|理(?!由|解|想|财|会))"),
    # Others' claim, then the author's own experience: "有人说客服都不回，我觉得还好啊，我每次问都有回".
    # An agreeing "听说客服不回，果然…" keeps its own clauses; a claim the author sides with is not vetoed.
    ("reported_claim", r"(?:(?:有人|别人|网上|大家|好多人|很多人|不少人|群里|朋友)(?:都|也)?(?:说|讲|吐槽|反映|抱怨)|听说|据说|传言|听人说|(?<!客服)(?<!官方)(?<!你们)(?:之前|以前|总)(?:都|也)?说)[^，,。！？!?\n]{0,16}?(?:不回|没回|没人回|不理|没人理|不搭理|没反应|没有回复|不回复|联系不上|(?:回复|回应|回消息)[^，,。！？!?\n]{0,3}?慢)(?![\s\S]*?(?:确实|果然|真的是|没错|我也(?:是|遇到|一样)|同样|也是这样|(?<!不)一样))"),
    # Double negatives: "客服从来不会不回消息", "没有不回复的情况".
    ("double_negative", r"(?:不会|不可能|没有|从不|从来不|从来没有?|从没有?|不存在)(?:不|没)(?:回|理|答复|处理)"),
    # Hypotheticals: "如果客服不回复怎么办", "没有客服功能的话" ("再不回的话" is a complaint: it has not replied).
    ("conditional", r"(?:如果|(?<![主只重需还就])要是|假如|假设|万一|若是)(?![^，,。！？!?\n]{0,12}?(?:再|还|继续|又))|(?:^|(?<=[，,。！？!?\n\s]))(?:(?!再|还|继续)[^，,。！？!?\n]){1,15}的话"),
    # Asking how support is before using it: "客服回复慢吗", "不回复是正常的吗".
    # ("客服三天不回复正常吗" is rhetorical: a stated wait in the clause keeps it a complaint.)
    ("asking_how", r"(?:快|慢)(?:吗|么|不(?:快|慢))|(?:^|(?<=[，,。！？!?\n\s]))(?:(?![\d一二两三四五六七八九十几半]+个?(?:天|小时|周|星期|礼拜|月))[^，,。！？!?\n])*?正常的?(?:吗|么)|(?:一般|通常|平时)(?:要)?多久"),
    # A notice's hedge: "回复可能略慢".
    ("hedged_delay", r"(?:可能|或将|或会|也许|将会?)(?:会)?(?:略|稍|稍微|有所|有些)?(?:慢|延迟|延误|较慢|迟缓)"),
]

# Whole-post vetoes (any language): the brand's own notices and mailers ("官方公告：", "this is an automated message").
COMPLAINT_POST_EXCLUDE: list[tuple[str, str]] = [
    # A post that opens as a notice; boilerplate inside a post ("请耐心等待", "敬请谅解") is often quoted by
    # the complainer ("客服回复永远是请耐心等待"), so it does not veto.
    ("notice", r"^\W*(?:【[^】\n]{0,12}】|官方公告|公告[:：]|通知[:：]|温馨提示|重要提示)|\bthis is an automated (?:message|email|reply|notification)\b"),
]

# --- urgency: funds at risk -----------------------------------------------------------------------
_EN_MONEY = r"(?:money|funds?|deposits?|transfers?|transactions?|txs?|payments?|top[- ]?ups?|pounds?|sterling|dollars|usd|usdt|usdc|eur|euros?|btc|bitcoin|eth|crypto|coins?|tokens?|assets?|balance|savings)"
URGENCY_EN_INCLUDE: list[tuple[str, str]] = [
    ("cannot_withdraw", r"\b(?:can't|cannot|can not|unable to|not able to|impossible to|won't let me|couldn't|could not)\s+(?:\w+\s+){0,2}?(?:withdraw|access (?:my |our )?(?:funds|account|money|wallet|coins)|get (?:my |our )?(?:money|funds|coins|crypto)\b)"),
    ("withdrawal_stuck", r"\bwithdraw\w*\b[^.!?\n]{0,50}?\b(?:stuck|pending|processing|missing|not (?:arrived|received|credited|processed)|never (?:arrived|came)|frozen|on hold|failed)\b"),
    ("money_missing", rf"\b{_EN_MONEY}\b[^.!?\n]{{0,60}}?\b(?:yet to arrive|not (?:yet )?(?:arrived|received|credited|reflected|showing|returned)|never (?:arrived|came|credited|showed)|hasn't (?:arrived|shown)|has not (?:arrived|shown)|missing|disappeared|vanished|stuck|lost|gone|pending|unconfirmed)\b|(?:[$£€¥]\s?\d[\d,.]*k?|\b\d[\d,.]*k?\s?(?:usdt|usdc|usd|btc|eth|trx|bnb|dollars|pounds|euros))\b[^.!?\n]{0,40}?\b(?:lost|gone|missing|stuck|disappeared|vanished|frozen|locked|restricted)\b|\blost (?:my |our |all (?:my |our )?)?(?:money|funds|coins|crypto|savings|[$£€]\s?\d)"),
    ("account_frozen", r"\b(?:account|funds?|wallet|assets?|money)s?\s+(?:\w+\s+){0,3}?(?:frozen|locked|blocked|restricted|suspended|hacked|compromised|disabled|banned|closed|seized)\b|\b(?:froze|freeze|locked|lock|blocked|block|restricted|restrict|suspended|hacked|banned|closed) (?:\w+ ){0,2}?(?:my|the|our) (?:account|funds|wallet|assets|money)\b"),
    ("stolen", r"\b(?:stolen|stole|hacked|drained|unauthori[sz]ed (?:transaction|withdrawal|transfer|charge|payment|access))\b"),
    ("charged_wrongly", r"\b(?:double[- ]charged|charged (?:me )?twice|overcharg\w*|charged (?:\w+ ){0,3}?(?:for something|for a service|again|after|i cancell?ed|i did not))|\brefund\w*\b"),
]
URGENCY_EN_EXCLUDE: list[tuple[str, str]] = [
    ("refund_done", r"\brefund\w* (?:was |has been |got |been )?(?:processed|received|issued|credited|done)\b"),
]
URGENCY_ZH_INCLUDE: list[tuple[str, str]] = [
    ("not_credited", r"(?:没有?|未|不)到账|到不了账|不到账|(?:转账|转币|提币|提现|充值|充币|汇款|币|钱)[^。！？!?\n]{0,8}?(?:没到|未到|还没到|丢了|不见了|卡住|卡了|一直在?确认中|一直pending)"),
    ("cannot_withdraw", r"(?:取|提|拿|转)不(?:出|了|走)|提币[^。！？!?\n]{0,8}?(?:失败|不了|卡|一直|没|未)|提现[^。！？!?\n]{0,8}?(?:失败|不了|卡|一直|没|未)"),
    ("frozen", r"冻结|封号|被封|误封|封了|(?:账号|账户)[^。！？!?\n]{0,6}?(?:锁|封|限制|冻结)"),
    ("stolen", r"被盗|盗号|被黑|丢币|币没了|资产(?:没了|丢失|不见)|被骗|被转走|转走了"),
    ("refund", r"退款|退钱|退费|退运费|没退成?钱|退不了|返还钱|返钱|钱没退|钱[^。！？!?\n]{0,6}?(?:没了|拿不|取不|不退|没退|掉)"),
    ("charged", r"扣了?(?:费|钱|款|费用)|多扣|重复扣|乱扣|(?:付费|付款|充值|购买|续费)[^。！？!?\n]{0,8}?(?:用不了|不能用|无法使用|就不用|跑路)"),
    ("earnings_gone", r"(?:收益|余额|资产|币|积分|贡献点?|算力)[^。！？!?\n]{0,6}?(?:看不到|不见|没了|消失|为0|为零|清零|归零)|(?:看不到|没有?|没)(?:任何)?(?:收益|余额|贡献点)|跑路"),
]
URGENCY_ZH_EXCLUDE: list[tuple[str, str]] = [
    ("refund_done", r"(?:退款|退钱)(?:已经?)?(?:解决|成功|到账|收到)了?|已(?:经)?退款"),
]

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
    ("validate_wallet", r"\b(?:validate|verify|sync|synchroni[sz]e|rectify|restore|unlock|connect|reactivate|migrate)\s+(?:\w+\s+)?(?:wallet|account|dapp)\b|(?:验证|同步|激活|修复|解锁|连接)(?:你的|您的)?钱包"),
    ("chat_app", r"\bwhats ?app\b|\bwa\.me/|\bt\.me/|\btelegram\b|(?<![a-z])tg(?![a-z])|电报|飞机号|加(?:我|客服)?(?:的)?(?:微信|qq|vx|v信)|微信号|vx[:：]"),
    ("support_form", r"\b(?:support|help|ticket|claim|recovery)\s*(?:form|portal|link|page)\b|\bfill (?:out|in) (?:the|this) form\b|\bgoogle ?forms?\b|forms\.gle"),
]
IMPERSONATION_LURES_WEAK: list[tuple[str, str]] = [
    ("dm_me", r"\b(?:dm|pm|inbox|message|text)\s+(?:me|us|our (?:team|support|agent)|this account)\b|\bsend (?:me|us) (?:a )?(?:dm|pm|message)\b|\bcheck (?:your|ur) (?:dms?|inbox)\b|私信|私聊|联系我"),
    ("link", r"https?://|www\.|\b\w+\.(?:com|net|org|io|xyz|app|site|online|live|support)\b"),
    ("contact_support_at", r"\b(?:contact|reach|write to|email)\s+(?:our |the )?(?:support|help|team|agent|customer care)\s+(?:via|on|at|through)\b|\b(?:support|helpdesk) (?:via|at|on) "),
]

# Rules (detector.lang.name) whose match must sit in a post with a ``ZH_ANCHOR``.
NEEDS_ANCHOR = frozenset({"complaint.zh.nobody_replies", "complaint.zh.no_reply", "complaint.zh.sunk",
                          "complaint.zh.unreachable"})
