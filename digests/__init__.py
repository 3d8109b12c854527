"""newsdigest core: feeds -> articles -> stories -> briefings -> digests.

Nothing in this package imports discord; the bot in ``bot/`` only renders and posts
what is built here.
"""

from digests.extract import extract_article
from digests.summarize.facts import unsupported_anchors

__version__ = "0.1.0"

__all__ = ["__version__", "extract_article", "unsupported_anchors"]
