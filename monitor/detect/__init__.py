"""Detection: slow-reply complaints, claimed waits, urgency, topics, impersonation suspects, maintenance.

Pure functions over normalised text (``monitor.textnorm.normalize``). Public API:

- ``build_detector(cfg) -> Detector``; ``Detector.detect(DetectInput) -> DetectResult``
- ``detect_jsonl(cfg, lines)`` for ``mention-monitor detect``; ``detect_pending(engine, cfg)`` after a pass
- ``list_rules(cfg)`` for ``mention-monitor rules``; ``validate_rules(cfg)`` for ``check-config``
"""

from monitor.detect.engine import DetectInput, Detector, DetectResult, build_detector
from monitor.detect.runner import detect_jsonl, detect_pending, list_rules, validate_rules

__all__ = [
    "DetectInput",
    "DetectResult",
    "Detector",
    "build_detector",
    "detect_jsonl",
    "detect_pending",
    "list_rules",
    "validate_rules",
]
