"""Summarizers turn a story into a short briefing behind one interface."""

from digests.summarize.base import Summarizer

__all__ = ["Summarizer"]
