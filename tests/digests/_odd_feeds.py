"""A feed of the odd items real feeds send, for the tests that a digest survives them."""

from __future__ import annotations

PIXEL = '<img src="https://track.example/p.gif?u=1" width="1" height="1" alt="">'
REAL_TEXT = (
    "The harbour authority opened a new ferry pier on Monday after two years of work. "
    "The pier cost 12 million euros and can take ships of up to 180 metres. "
    "Officials expect 300,000 more passengers a year once the summer timetable starts."
)
DESCRIPTION_ONLY = (
    "Library opening hours grow from March: the central library will open on Sundays "
    "from 10:00 to 16:00, the city said, after 4,000 residents signed a petition."
)


def odd_feed(base: str = "https://odd.example") -> bytes:
    """RSS 2.0 with a normal item, a title-only item, a tracking-pixel-only item and an
    RSS 0.92-style item with a description and nothing else."""
    return f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Odd Items</title><link>{base}/</link>
<item><title>Ferry pier opens</title><link>{base}/pier</link><guid>pier</guid>
<description>{REAL_TEXT}</description></item>
<item><title>Title only: council meets tonight</title><link>{base}/council</link>
<guid>council</guid></item>
<item><title>Pixel only: market hall reopens</title><link>{base}/market</link>
<guid>market</guid><description><![CDATA[{PIXEL}]]></description></item>
<item><description>{DESCRIPTION_ONLY}</description></item>
</channel></rss>""".encode()
