"""Detection: slow-reply complaints, claimed waits, urgency, topics, impersonation suspects, maintenance.

Pure functions over normalised text (``monitor.textnorm.normalize``: NFKC, casefold, t2s on CJK).

What counts as a complaint (``../shared/data/labelled/README.md``): the author is dissatisfied that
support does not reply, replies slowly, ignores them, keeps them on hold / in a queue / on a ticket, or
cannot be reached. A product, fee, delivery or refund-speed grumble is not; neither is a bad answer,
praise, a neutral question, the brand's own post, nor (``detection.ignore_quoted``) retweeted or
``> quoted`` text.

How (``rules.py``): each rule is a regex over normalised text; an *include* match is evidence, an
*exclude* match vetoes the includes of its own sentence (English) or clause (Chinese), so "物流很快，
但是客服三天不回" stays a complaint while "Sorry for the late reply" (an agent) does not become one.
Urgency (``high`` = funds at risk) and the claimed wait (``waits.py``) are read from complaints only;
topics from every post; impersonation (``impersonation.py``) from replies by non-official accounts.
Maintenance (``maintenance.py``) and its window (``windows.py``) label posts here and official
announcements in ``announcements.py`` (the pipeline labels each batch before storing it).

Config (``detection:`` in config.yaml): ``complaint`` / ``urgency`` / ``maintenance`` /
``impersonation`` each with ``mode: extend|replace`` and ``en``/``zh`` ``include``/``exclude`` regex
lists (their literal text is folded like posts, their regex syntax never: ``patterns.prepare_pattern``);
``topics`` (topic -> terms) with ``topics_mode``; ``ignore_quoted``; ``relabel_recent_days``.
``validate_rules`` reports bad patterns by key path.

Labels in the store carry ``fingerprint.rules_fingerprint(cfg)`` (code, rule and data files, label-shaping
config) and the content hash of the post they were made from; ``detect_pending`` labels new and edited
posts and relabels recent posts labelled by other rules, ``monitor.labelling.relabel`` the rest
(the store side lives there: this package is pure).

Speed (``anchors.py``): literals every match of a rule must contain are derived from the compiled
patterns (config ones too) and found in one pass (pyahocorasick when installed, else ``in`` checks);
only rules whose literals occur are run, exclusions only after an include matched. A plain mention
costs normalisation plus one automaton pass. ``bench/bench_detect.py`` measures it.

Public API:

- ``build_detector(cfg) -> Detector``; ``Detector.detect(DetectInput) -> DetectResult``
- ``detect_jsonl(cfg, lines)`` for ``mention-monitor detect``; ``monitor.labelling.detect_pending(engine, cfg)``
  after a pass
- ``list_rules(cfg)`` for ``mention-monitor rules``; ``validate_rules(cfg)`` for ``check-config``
"""

from monitor.detect.engine import DetectInput, Detector, DetectResult, build_detector
from monitor.detect.patterns import validate_rules
from monitor.detect.runner import detect_jsonl, list_rules

__all__ = [
    "DetectInput",
    "DetectResult",
    "Detector",
    "build_detector",
    "detect_jsonl",
    "list_rules",
    "validate_rules",
]
