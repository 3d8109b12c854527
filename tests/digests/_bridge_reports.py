"""One event told by several outlets: the first report, a later one adding one fact, and a
third that only repeats what the others said; for the developing-story tests."""

from __future__ import annotations

FIRST = (
    "Engineers closed the Kestrel Bridge in Harbor City on Monday after inspectors found a "
    "crack in a steel beam, the city transport department said. The bridge carries about "
    "40,000 vehicles a day across the Marlow River. Drivers are sent over the Ferris Street "
    "crossing, which adds about 20 minutes to the trip. The department said the inspection "
    "began after residents reported loud noises from the deck of the Kestrel Bridge."
)
NEW_FACT = (
    "Repairs will cost 12 million dollars and take six weeks, transport director Alma Reyes "
    "said on Tuesday."
)
SECOND = (
    "The Kestrel Bridge in Harbor City stays closed after inspectors found a crack in a steel "
    "beam on Monday, the city transport department said. The bridge carries about 40,000 "
    f"vehicles a day across the Marlow River. {NEW_FACT} Drivers are sent over the Ferris "
    "Street crossing of the Marlow River."
)
# The same facts as the second report, told again in another order by a third outlet.
THIRD = (
    "Repairs to the Kestrel Bridge in Harbor City will cost 12 million dollars and take six "
    "weeks, transport director Alma Reyes said on Tuesday. Inspectors found a crack in a "
    "steel beam of the Kestrel Bridge on Monday, the city transport department said. The "
    "bridge carries about 40,000 vehicles a day across the Marlow River."
)
# Another fact, for a later report.
LATER_FACT = "The council will vote on 3 March on a second crossing, mayor Tom Ilves said."

ITEM = """<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>
<item><title>{title}</title><guid>{guid}</guid><link>https://{host}/{guid}</link>
<description>{text}</description></item></channel></rss>"""
EMPTY = """<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>
</channel></rss>"""


def feed_of(name: str, title: str, text: str) -> str:
    """An RSS feed of the outlet ``name`` with one item, ``{name}-1`` at ``{name}.example``."""
    key = name.lower()
    return ITEM.format(name=name, title=title, guid=f"{key}-1", host=f"{key}.example", text=text)
