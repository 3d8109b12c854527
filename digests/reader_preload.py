"""Imported by the feed reading pool's fork server (``read_pool``): what every reading process
needs is loaded here once, before the processes are forked from the server, instead of in
each process as it starts (and again in each fresh pool)."""

# The parsers ``extract`` and ``parse`` import when first used.
import feedparser as feedparser
import trafilatura as trafilatura

from digests import read_pool as read_pool
from digests.language import load_detector

load_detector()
