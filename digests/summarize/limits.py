"""The limits of a briefing, shared by every summarizer and by the evaluation that checks them."""

from __future__ import annotations

HEADLINE_MAX_CHARS = 120
SUMMARY_MAX_WORDS = 60
SUMMARY_MAX_SENTENCES = 3
FACT_MAX_WORDS = 30
FACTS_MAX = 5
WHY_MAX_WORDS = 40
