"""Platform boilerplate in feed entries: what a platform adds to every item, and only that.

Each rule below names the platform that writes the furniture and matches its exact wording or
markup, so a sentence of an article that merely resembles it stays. There are three kinds:

- element rules (``is_boilerplate_element``): markup dropped while feed HTML becomes text;
- line rules (``strip_boilerplate``): whole lines of the entry's plain text;
- title and link rules (``strip_site_suffix``, ``unwrap_redirect``).

Tracking pixels (FeedBurner's ``~r/`` images, Medium's ``_/stat``) need no rule: an image
carries no text. How much article text the line rules would take is measured by
``bench/boilerplate.py`` on the gold text of two extraction benchmarks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from lxml import etree

# --- element rules -----------------------------------------------------------------------------

# Social embeds: the quoted post, its author line and its date. Read inside a summary they are
# a second, unrelated text, and their "pic.twitter.com/..." and "(@handle) May 5, 2024" lines
# break sentences apart.
_EMBED_CLASSES = frozenset(
    {
        "twitter-tweet",
        "twitter-video",
        "twitter-timeline",
        "instagram-media",
        "tiktok-embed",
        "reddit-embed-bq",
        "reddit-card",
        "bluesky-embed",
        "mastodon-embed",
        "threads-embed",
        "text-post-media",
        "fb-post",
        "fb-xfbml-parse-ignore",
    }
)
# FeedBurner's "flares": share, email and ad links appended to every item.
_FLARE_CLASSES = frozenset({"feedflare"})
# Share endpoints: a link to one of them is a share button, whatever its label says.
_SHARE_LINK_RE = re.compile(
    r"""^(?:https?:)?//(?:[\w-]+\.)*(?:
        facebook\.com/(?:sharer|share\.php|dialog/share)
        |(?:twitter|x)\.com/(?:intent/|share\b|home\?status=)
        |linkedin\.com/(?:shareArticle|sharing|cws/share)
        |pinterest\.com/pin/create
        |reddit\.com/submit
        |(?:api\.)?whatsapp\.com/send|wa\.me/
        |t\.me/share
        |tumblr\.com/(?:share|widgets/share)
        |addtoany\.com/(?:share|add_to)
        |feeds\.feedburner\.com/~(?:ff|f|a)/
        |feedads\.g\.doubleclick\.net/
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_MAILTO_SHARE_RE = re.compile(r"^mailto:[^?]*\?(?:.*&)?(?:subject|body)=", re.IGNORECASE)


def is_boilerplate_element(element: etree._Element) -> bool:
    """Whether ``element`` (with its text) is a share link, a FeedBurner flare or a social embed."""
    tag = element.tag if isinstance(element.tag, str) else ""
    classes = set((element.get("class") or "").split())
    if classes & _EMBED_CLASSES or classes & _FLARE_CLASSES:
        return True
    if tag.lower() == "a":
        href = (element.get("href") or "").strip()
        return bool(_SHARE_LINK_RE.match(href) or _MAILTO_SHARE_RE.match(href))
    return False


# --- line rules --------------------------------------------------------------------------------

# Reddit's trailer of every post: "submitted by /u/name to /r/sub" then "[link] [42 comments]".
# Older feeds write it without the /u/ and /r/, some without any spaces around the links.
_REDDIT_SUBMITTED_RE = re.compile(
    r"^submitted\s+by\s*(?:/?u/)?[\w-]+\s*to\s*(?:/?r/)?\w+"
    r"(?:\s*\[link\])?(?:\s*\[\d*\s*comments?\])?$",
    re.IGNORECASE,
)
_REDDIT_LINKS_RE = re.compile(r"^\[link\]\s*\[\d*\s*comments?\]$", re.IGNORECASE)
# Medium's footer of every story in its feeds.
_MEDIUM_FOOTER_RE = re.compile(
    r"^.{1,400}\bwas originally published in\b.{1,300}\bon Medium, where people are continuing"
    r" the conversation by highlighting and responding to this story\.?$"
)
# Medium's notice in place of a members-only story; the line after it is the story's title as
# a link, and an unlock notice may follow.
_MEDIUM_MEMBERS_RE = re.compile(
    r"^This story is currently available to Medium Members(?: at the following link)?\s*[:.]?$"
)
_MEDIUM_UNLOCK_RE = re.compile(
    r"^The story will be unlocked and available to all of our readers after \d+ days\.?$"
)
# WordPress (Yoast SEO and many themes) closes each item of a feed with this line; what
# follows "on" is the site's name, a few words with a capital or a digit first.
_WORDPRESS_FOOTER_RE = re.compile(
    r"^The post .{1,400} appeared first on [A-Z0-9][^\s]*(?:\s+[^\s]+){0,7}$"
)
# Substack's subscribe boxes, in a post's feed content as on its page.
_SUBSTACK_RE = re.compile(
    r"^Thanks for reading(?: [^!?.]{1,100})?[!.] Subscribe for free to receive new posts and"
    r" support my work\.?$"
    r"|^.{1,100} is a reader-supported publication\. To receive new posts and support my work,"
    r" consider becoming a free or paid subscriber\.?$"
)
# Labels of a list of other stories that a feed appends to an item, alone or before a headline.
_RELATED_LABEL_RE = re.compile(
    r"""^\W{0,3}(?:related(?:\s+(?:stories|articles|posts|links|coverage|content|reading))?
    |read\s+more|see\s+also|also\s+read|more\s+from\s+[^:]{1,60}|previously\s+on\s+[^:]{1,40}
    |more\s+on\s+this\s+(?:story|topic))\s*(?::\s*(?P<headline>.*)|$)""",
    re.IGNORECASE | re.VERBOSE,
)
# A teaser's own closing link stays: it says the feed holds only part of the article.
_READ_ON_RE = re.compile(
    r"^(?:continue\s+reading|keep\s+reading|read\s+more|read\s+the\s+full|read\s+on)\b[^:]*$",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")
_LINE_RULES = (
    _REDDIT_SUBMITTED_RE,
    _REDDIT_LINKS_RE,
    _MEDIUM_FOOTER_RE,
    _MEDIUM_UNLOCK_RE,
    _WORDPRESS_FOOTER_RE,
    _SUBSTACK_RE,
)


def _is_headline(line: str) -> bool:
    """A link title in a list: short, and no sentence ending."""
    return len(line.split()) <= 20 and not _SENTENCE_END_RE.search(line)


def _drop_medium_members(lines: list[str]) -> list[str]:
    kept: list[str] = []
    skip_title = False
    for line in lines:
        if skip_title and line.strip():
            skip_title = False
            if _is_headline(line.strip()):
                continue
        if _MEDIUM_MEMBERS_RE.match(line.strip()):
            skip_title = True
            continue
        kept.append(line)
    return kept


def _drop_trailing_related(lines: list[str]) -> list[str]:
    """``lines`` without a list of other stories that closes them (a teaser link may follow)."""
    end = len(lines)
    while end and (not lines[end - 1].strip() or _READ_ON_RE.match(lines[end - 1].strip())):
        end -= 1
    cut = None
    index = end - 1
    while index >= 0:
        line = lines[index].strip()
        label = _RELATED_LABEL_RE.match(line) if line else None
        if label is not None and (not label.group("headline") or _is_headline(label["headline"])):
            cut = index
        elif line and not _is_headline(line):
            break
        index -= 1
    if cut is None:
        return lines
    return lines[:cut] + [line for line in lines[end:] if line.strip()]


def strip_boilerplate(text: str) -> str:
    """Plain entry text (lines, blank lines between paragraphs) without platform boilerplate."""
    lines = [line for line in text.split("\n") if not _is_boilerplate_line(line.strip())]
    lines = _drop_trailing_related(_drop_medium_members(lines))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_boilerplate_line(line: str) -> bool:
    return bool(line) and any(rule.match(line) for rule in _LINE_RULES)


# --- titles and links --------------------------------------------------------------------------

_TITLE_SEPARATOR_RE = re.compile(r"\s+(?:-|–|—|\||::|·|•)\s+")
# Host labels that name no site: "www.example.com" is "example".
_GENERIC_LABELS = frozenset(
    "www www2 m mobile amp feeds feed rss atom blog blogs news api cdn static en de fr es it pt"
    " com org net edu gov info biz co uk us au ca io tv me app".split()
)


def _key(text: str) -> str:
    key = "".join(ch for ch in text.casefold() if ch.isalnum())
    return key.removeprefix("the") if len(key) > 6 else key


def site_names(title: str | None, *urls: str | None) -> frozenset[str]:
    """The names a site goes by, as matching keys: its feed's title (whole, first and last
    part) and its hosts (whole, and each label that names something)."""
    names: set[str] = set()
    if title:
        parts = _TITLE_SEPARATOR_RE.split(title.strip())
        names.update(_key(part) for part in {title, parts[0], parts[-1]})
    for url in urls:
        host = (urlsplit(url).hostname or "") if url and "//" in url else ""
        labels = host.removeprefix("www.").split(".")
        if len(labels) >= 2:
            names.add(_key(".".join(labels)))
            names.update(_key(label) for label in labels if label not in _GENERIC_LABELS)
    return frozenset(name for name in names if len(name) >= 3)


def strip_site_suffix(title: str, names: Iterable[str]) -> str:
    """``title`` without a trailing " - Site" / " | Site" when Site is one of the site's names.

    Only the last part goes and only on an exact match of its key, so "Taverncast 62 -
    Temporal Anomaly" or "Student Becomes Teacher - Google Compare" in a feed called
    "Taverncast" or "Google" keep their words; what is left must still be a headline.
    """
    separators = list(_TITLE_SEPARATOR_RE.finditer(title))
    if not separators:
        return title
    last = separators[-1]
    head, suffix = title[: last.start()].rstrip(), title[last.end() :]
    if _key(suffix) not in set(names) or len(head.split()) < 2:
        return title
    return head


_REDIRECT_HOSTS = frozenset({"www.google.com", "google.com"})


def unwrap_redirect(url: str | None) -> str | None:
    """The article a Google Alerts redirect link (``google.com/url?...&url=...``) points to."""
    if not url:
        return url
    parts = urlsplit(url)
    if (parts.hostname or "") not in _REDIRECT_HOSTS or parts.path != "/url":
        return url
    query = parse_qs(parts.query)
    target = (query.get("url") or query.get("q") or [""])[0]
    return target if target.startswith(("http://", "https://")) else url
