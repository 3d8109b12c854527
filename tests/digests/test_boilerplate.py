"""Platform boilerplate rules, each on a trimmed excerpt of a real capture, and on real feeds.

The excerpts are copied (cut to a few lines) from the real feeds and pages in shared/data:
the file each one comes from is named above it.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from digests.boilerplate import (
    is_boilerplate_element,
    site_names,
    strip_boilerplate,
    strip_site_suffix,
    unwrap_redirect,
)
from digests.feed_text import text_from_html
from digests.parse import parse_feed

from .test_parse import NOT_FEEDS, data_files, read_and_parse

# --- Reddit ------------------------------------------------------------------------------------

# feeds/real/rss-parser/reddit-home.rss: a link post, whose whole summary is the trailer.
REDDIT_LINK_POST = (
    '<table> <tr><td> <a href="https://www.reddit.com/r/funny/comments/42tizy/x/">'
    '<img src="https://b.thumbs.redditmedia.com/x.jpg" alt="How the British" /></a></td><td>'
    '&#32; submitted by &#32;<a href="https://www.reddit.com/user/AngryRedditorsBelow">'
    '/u/AngryRedditorsBelow</a>&#32; to &#32;<a href="https://www.reddit.com/r/funny/">/r/funny</a>'
    '<br/><span><a href="http://i.imgur.com/pTR7f6D.jpg">[link]</a></span>&#32;<span>'
    '<a href="https://www.reddit.com/r/funny/comments/42tizy/x/">[1143 comments]</a></span>'
    "</td></tr></table>"
)
# feeds/real/rss-parser/reddit-atom.rss: the same trailer written without any spaces.
REDDIT_NO_SPACES = (
    'submitted by<a href="https://www.reddit.com/user/benjaab123">benjaab123</a>to'
    '<a href="https://www.reddit.com/r/space/">space</a><br/>'
    '<a href="https://gfycat.com/UnfinishedForkedBluet">[link]</a>'
    '<a href="https://www.reddit.com/r/space/comments/42babr/x/">[959 comments]</a>'
)
# feeds/real/rss-parser/reddit.rss: a self post; the post stays, the trailer goes.
REDDIT_SELF_POST = (
    '<div class="md"><p>It&#39;s Aziz Ansari.</p><p>** We&#39;ll start taking questions at'
    ' 6PM EST. **</p></div> submitted by <a href="https://www.reddit.com/user/azizansariAMA">'
    ' azizansariAMA </a> to <a href="https://www.reddit.com/r/IAmA/"> IAmA</a> <br/>'
    ' <a href="https://www.reddit.com/r/IAmA/comments/3sl82z/x/">[link]</a>'
    ' <a href="https://www.reddit.com/r/IAmA/comments/3sl82z/x/">[10477 comments]</a>'
)


@pytest.mark.parametrize("html", [REDDIT_LINK_POST, REDDIT_NO_SPACES], ids=["spaced", "bare"])
def test_reddit_trailer_alone_leaves_no_text(html: str) -> None:
    assert text_from_html(html) == ""


def test_reddit_self_post_keeps_the_post_and_drops_the_trailer() -> None:
    assert text_from_html(REDDIT_SELF_POST) == (
        "It's Aziz Ansari.\n\n** We'll start taking questions at 6PM EST. **"
    )


# --- Medium ------------------------------------------------------------------------------------

# feeds/real/rss-parser/content-encoded.rss: the footer of every story.
MEDIUM_FOOTER = (
    "<p>OKAY! What are you waiting for? Cook some wild foods today!</p>"
    '<img src="https://medium.com/_/stat?event=post.clientViewed&referrerSource=full_rss'
    '&postId=125af37d838f" width="1" height="1"><hr><p>'
    '<a href="https://medium.com/invironment/the-creative-forager-125af37d838f">THE CREATIVE'
    ' FORAGER</a> was originally published in <a href="https://medium.com/invironment">'
    "Invironment</a> on Medium, where people are continuing the conversation by highlighting"
    " and responding to this story.</p>"
)
# The same feed: a members-only story's notice, its link and the unlock date.
MEDIUM_MEMBERS = (
    "<h3>Growing your own food might not be a good decision for you.</h3>"
    "<p><strong><em>This story is currently available to Medium Members at the following"
    ' link:</em></strong></p><p><a href="https://medium.com/@jeremypuma/eight-reasons-'
    '1851c54fbce5">Eight Reasons You Shouldn’t Grow Your Own Food</a></p>'
    "<h4>The story will be unlocked and available to all of our readers after 30 days.</h4>"
)


def test_medium_footer_is_dropped() -> None:
    assert text_from_html(MEDIUM_FOOTER) == (
        "OKAY! What are you waiting for? Cook some wild foods today!"
    )


def test_medium_members_notice_and_its_link_are_dropped() -> None:
    assert text_from_html(MEDIUM_MEMBERS) == (
        "Growing your own food might not be a good decision for you."
    )


# --- WordPress, Substack -----------------------------------------------------------------------

# extraction/wcxb-dev (page 4845, a WordPress blog): the feed footer, kept on the page.
WORDPRESS = (
    "By linking Trustpilot and Google Reviews in the sameAs property, businesses provide a"
    " direct reference to their verified customer feedback.\n\nThe post Advanced Guide to"
    " Product Reviews Integration and Optimization for eCommerce appeared first on WordLift Blog."
)
# extraction/wcxb-dev (page 0101, a Substack post): the subscribe box after the text.
SUBSTACK = (
    '<p>Social commerce is no longer an experiment.</p><div class="subscription-widget">'
    '<p class="cta-caption">Thanks for reading! Subscribe for free to receive new posts and'
    " support my work.</p></div>"
)


def test_wordpress_appeared_first_on_is_dropped() -> None:
    assert strip_boilerplate(WORDPRESS) == WORDPRESS.split("\n\n")[0]


def test_substack_subscribe_box_is_dropped() -> None:
    assert text_from_html(SUBSTACK) == "Social commerce is no longer an experiment."


@pytest.mark.parametrize(
    "line",
    [
        # extraction/wcxb-dev 2381 and 0233: editors' notes that only look like footers.
        "Update note: This blog post was originally published on the 21st of June 2017.",
        "The article was originally published in April 2020 and was updated in April 2024.",
        # extraction/wcxb-dev 4268: a sentence that starts like Reddit's trailer.
        "The articles can be submitted by:",
        "The post office appeared first on the list of closures in the town.",
    ],
)
def test_sentences_like_a_footer_stay(line: str) -> None:
    assert strip_boilerplate(line) == line


# --- FeedBurner --------------------------------------------------------------------------------

# feeds/real/feedjira/TechCrunch.xml: an ad, the flares and the tracking pixel.
FEEDBURNER = (
    "<p>Angie’s List incurred marketing expense of $47.8 million.</p>"
    '<p><a href="http://feedads.g.doubleclick.net/~at/qv0C7ycnV3JrFMT7HnFWNXc9uEY/0/da">'
    '<img src="http://feedads.g.doubleclick.net/~at/qv0C7ycnV3JrFMT7HnFWNXc9uEY/0/di"'
    ' border="0" ismap="true"></img></a></p><div class="feedflare">'
    '<a href="http://feeds.feedburner.com/~ff/Techcrunch?a=kTeeGj4FnwU:ARydNZJ6SxI:2mJPEYqXBVI">'
    '<img src="http://feeds.feedburner.com/~ff/Techcrunch?d=2mJPEYqXBVI" border="0"></img></a>'
    '</div><img src="http://feeds.feedburner.com/~r/Techcrunch/~4/kTeeGj4FnwU" height="1"'
    ' width="1"/>'
)


def _elements(html: str) -> list[lxml.html.HtmlElement]:
    return list(lxml.html.fragment_fromstring(html, create_parent="div").iter())


def test_feedburner_flares_and_ads_are_boilerplate() -> None:
    flagged = [e.tag for e in _elements(FEEDBURNER) if is_boilerplate_element(e)]

    assert flagged == ["a", "div", "a"]
    assert text_from_html(FEEDBURNER) == "Angie’s List incurred marketing expense of $47.8 million."


def test_a_flare_with_a_label_leaves_no_text() -> None:
    labelled = FEEDBURNER.replace('border="0"></img></a></div>', 'border="0"></img>Email</a></div>')

    assert text_from_html(labelled) == "Angie’s List incurred marketing expense of $47.8 million."


@pytest.mark.parametrize(
    "href",
    [
        "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fx.example%2Fa",
        "https://twitter.com/intent/tweet?text=A&url=https%3A%2F%2Fx.example%2Fa",
        "https://www.linkedin.com/shareArticle?mini=true&url=https%3A%2F%2Fx.example%2Fa",
        "mailto:?subject=A%20story&body=https%3A%2F%2Fx.example%2Fa",
    ],
)
def test_share_links_are_dropped(href: str) -> None:
    html = f'<p>The vote passed.</p><p><a href="{href}">Share this</a></p>'

    assert text_from_html(html) == "The vote passed."


def test_links_to_articles_stay() -> None:
    html = '<p>Read <a href="https://twitter.com/RobertMaguire_">his account</a> of it.</p>'

    assert text_from_html(html) == "Read his account of it."


# --- social embeds -----------------------------------------------------------------------------

# extraction/aeb (page 156770d6...): an embedded tweet between two paragraphs.
TWEET = (
    "<p>South Dakota launched a campaign on Monday.</p>"
    '<blockquote class="twitter-tweet"><p dir="ltr" lang="en">I love that they trademarked it.'
    ' <a href="https://t.co/XPxUJuyIAC">https://t.co/XPxUJuyIAC</a></p>— Robert Maguire'
    ' (@RobertMaguire_) <a href="https://twitter.com/RobertMaguire_/status/1196540095848996871'
    '?ref_src=twsrc%5Etfw">November 18, 2019</a></blockquote><p>The latest initiative comes as'
    " the state struggles to address its growing rate of methamphetamine use.</p>"
)


def test_embedded_tweet_is_dropped() -> None:
    assert text_from_html(TWEET) == (
        "South Dakota launched a campaign on Monday.\n\nThe latest initiative comes as the state"
        " struggles to address its growing rate of methamphetamine use."
    )


def test_a_plain_blockquote_stays() -> None:
    html = "<p>She said:</p><blockquote><p>We will rebuild the bridge.</p></blockquote>"

    assert text_from_html(html) == "She said:\n\nWe will rebuild the bridge."


# --- related links -----------------------------------------------------------------------------

# feeds/real/rss-parser/guardian.rss: a related story before the teaser's own link.
GUARDIAN = (
    "<p>Donald Trump has promised a “new American moment” in a State of the Union address.</p>"
    '<p> <span>Related: </span><a href="https://www.theguardian.com/us-news/2018/jan/30/x">'
    "Fact check: Donald Trump's State of the Union address analyzed</a> </p>"
    ' <a href="https://www.theguardian.com/us-news/2018/jan/31/y">Continue reading...</a>'
)


def test_related_link_closing_a_summary_goes_and_the_teaser_link_stays() -> None:
    assert strip_boilerplate(text_from_html(GUARDIAN)) == (
        "Donald Trump has promised a “new American moment” in a State of the Union address."
        "\n\nContinue reading..."
    )


def test_a_list_of_related_headlines_at_the_end_goes() -> None:
    text = (
        "Volunteers planted 400 trees along the river on Saturday.\n\nSee also:\n\n"
        "- Ask the Experts: 5 Ways to Help Support Your Ecosystem\n\n"
        "- Cues to Care: How to Design an Ecological Garden"
    )

    assert strip_boilerplate(text) == "Volunteers planted 400 trees along the river on Saturday."


def test_a_related_link_inside_the_text_stays() -> None:
    # extraction/wcxb-dev 0254: the article goes on after it.
    text = (
        "Many review platforms allow comments right in your media.\n\n"
        "💡 Related: How to Cut Film Production Costs Without Compromising Quality\n\n"
        "Ensuring everyone's on the same page saves a production days of work."
    )

    assert strip_boilerplate(text) == text


# --- titles and links --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, feed_title, url, expected",
    [
        # extraction/wcxb-dev 0-pages: page titles ending in the site's name.
        (
            "Understanding mathematics through Lean | ByteSauna",
            None,
            "https://bytesauna.com/post/proofs-as-types",
            "Understanding mathematics through Lean",
        ),
        (
            "Introducing the Spice Cayenne Data Accelerator | Spice AI",
            None,
            "https://spice.ai/blog/introducing-spice-cayenne-data-accelerator",
            "Introducing the Spice Cayenne Data Accelerator",
        ),
        (
            "Launch of the new rocket slips to June - SpaceNews.com",
            "SpaceNews",
            "https://spacenews.com/",
            "Launch of the new rocket slips to June",
        ),
        (
            "Trump State of the Union address promised unity | The Guardian",
            "World news | The Guardian",
            "https://www.theguardian.com/world",
            "Trump State of the Union address promised unity",
        ),
        # feeds/real: parts that only resemble the feed's name stay.
        (
            "Taverncast 62 - Temporal Anomaly",
            "Taverncast - Happy Hour in Your Head - Since 2005",
            "http://www.taverncast.com/",
            "Taverncast 62 - Temporal Anomaly",
        ),
        (
            "Student Becomes Teacher - Google Compare",
            "Google",
            "https://www.youtube.com/channel/x",
            "Student Becomes Teacher - Google Compare",
        ),
        ("Dog Flu | learn how it's spread", "Pet Secret Shopper", "http://pss.example/", None),
        # Nothing would be left of the headline.
        ("Review - SpaceNews", "SpaceNews", "https://spacenews.com/", None),
    ],
)
def test_site_name_suffix(
    title: str, feed_title: str | None, url: str, expected: str | None
) -> None:
    names = site_names(feed_title, url)

    assert strip_site_suffix(title, names) == (expected or title)


# feeds/real/feedjira/google_alerts_atom.xml: one entry, markup in the title and a redirect link.
GOOGLE_ALERT = b"""<?xml version="1.0" encoding="utf-8"?> <feed xmlns="http://www.w3.org/2005/Atom">
<id>tag:google.com,2005:reader/user/04175468913983673025/state/com.google/alerts/44280</id>
<title>Google Alert - Slack</title>
<link href="https://www.google.com/alerts/feeds/04175468913983673025/4428013283581841004"
 rel="self"></link> <updated>2019-07-10T11:53:37Z</updated> <entry>
<id>tag:google.com,2013:googlealerts/feed:13685523368333461374</id>
<title type="html">&lt;b&gt;Slack&lt;/b&gt; Stock Has a Compelling Story</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://investorplace.com/2019/07/slack-stock-truly-compelling/&amp;ct=ga&amp;cd=CAIyHGU4ZTJkZjQ3OTVkYmIzMTc6Y28uanA6ZW46SlA&amp;usg=AFQjCNEZXRySX8eW_IyksUe5d7lidLUXxg"></link>
<published>2019-07-10T11:46:48Z</published>
<content type="html">In the run up to the IPO for &lt;b&gt;Slack&lt;/b&gt; Technologies Inc
 (NYSE:WORK), much of the news coverage centered on the Company&amp;#39;s decision
 to go public via&amp;nbsp;...
</content> </entry></feed>"""


def test_google_alert_links_point_to_the_article_and_titles_lose_markup() -> None:
    entry = parse_feed(GOOGLE_ALERT, url="https://www.google.com/alerts/feeds/1/2").entries[0]

    assert entry.url == "https://investorplace.com/2019/07/slack-stock-truly-compelling/"
    assert entry.title == "Slack Stock Has a Compelling Story"
    assert text_from_html(entry.content_html) == (
        "In the run up to the IPO for Slack Technologies Inc (NYSE:WORK), much of the news"
        " coverage centered on the Company's decision to go public via ..."
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/search?q=x",
        "https://www.google.com/url?q=javascript:alert(1)",
        "https://example.org/url?url=https://other.example/",
        None,
    ],
)
def test_other_links_are_not_unwrapped(url: str | None) -> None:
    assert unwrap_redirect(url) == url


# --- the real captures -------------------------------------------------------------------------

SURVIVORS = (
    "\nsubmitted by",
    "[link]",
    "comments]",
    "was originally published in",
    "currently available to Medium Members",
    "will be unlocked and available",
    "appeared first on",
    "Subscribe for free to receive new posts",
)


@pytest.mark.parametrize("path", data_files("real", feeds_only=True, skip=NOT_FEEDS))
async def test_no_platform_boilerplate_survives_in_real_feeds(path: Path) -> None:
    feed = await read_and_parse(path)

    for entry in feed.entries:
        text = "\n" + text_from_html(entry.content_html)
        assert not [s for s in SURVIVORS if s.casefold() in text.casefold()], entry.title
        assert "google.com/url" not in (entry.url or "")
