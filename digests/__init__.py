"""newsdigest core: feeds -> articles -> stories -> briefings -> digests.

Nothing in this package imports discord; the bot in ``bot/`` only renders and posts
what is built here.
"""

__version__ = "0.1.0"
