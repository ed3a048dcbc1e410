"""The alert rules' names and main thresholds, and the periods they judge: what the CLI's parser
needs, without the rules' code (which imports pandas, ~0.3 s that every `python -m ingest` would
otherwise pay). alerts/rules.py checks that it defines exactly these."""

from __future__ import annotations

GRAINS = ("day", "week", "month")
RULE_THRESHOLDS = {"spike": "threshold", "conflict_jump": "points", "goldstein_drop": "drop", "first_code": None,
                   "silence": "days"}
