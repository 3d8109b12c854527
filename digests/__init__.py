"""newsdigest core: feeds -> articles -> stories -> briefings -> digests.

Nothing in this package imports discord; the bot in ``bot/`` only renders and posts
what is built here.
"""

from digests.summarize.facts import unsupported_anchors

__version__ = "0.1.0"

__all__ = ["unsupported_anchors"]
