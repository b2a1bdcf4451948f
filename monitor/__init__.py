"""mention-monitor: collect public mentions, detect slow-reply complaints and maintenance notices, report."""

__version__ = "0.1.0"
