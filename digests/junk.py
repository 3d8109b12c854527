"""Page junk: the rules that tell share bars, crumbs, sign-up boxes, credits, bylines and lists
of other stories from an article's own sentences, and ``split_junk`` which applies them.

Every rule is a pure test of one line of text, so each is checked as a table of lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from digests.text import MONTH_ABBREVIATIONS, MONTHS, WEEKDAY_ABBREVIATIONS, WEEKDAYS

_SHARE_WORDS = frozenset(
    str.split(
        """share shares shared sharing this article story page post on via by print tweet email
    e mail facebook twitter x linkedin whatsapp pinterest reddit telegram messenger tumblr flipboard
    pocket sms copy link url save bookmark comments comment the to a friend google plus more
    options close menu search home and or with in opens new window tab icon button send"""
    )
)
_SHARE_MARKERS = frozenset(
    str.split(
        """share shares sharing print tweet email mail facebook twitter linkedin whatsapp pinterest
    reddit telegram messenger tumblr flipboard bookmark comments"""
    )
)


def _phrase_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


_EXACT_JUNK = frozenset(
    _phrase_key(phrase)
    for phrase in (
        "Advertisement",
        "Ad",
        "Ads",
        "Advert",
        "Sponsored",
        "Sponsored content",
        "Promoted",
        "Paid content",
        "Story continues below advertisement",
        "Article continues below advertisement",
        "Article continues below",
        "Continue reading below",
        "Scroll to continue with content",
        "Skip to content",
        "Skip to main content",
        "Skip to navigation",
        "Menu",
        "Main menu",
        "Navigation",
        "Search",
        "Sign in",
        "Log in",
        "Login",
        "Sign up",
        "Register",
        "Subscribe",
        "Subscribe now",
        "Back to top",
        "Go to top",
        "Top",
        "Comments",
        "Comment",
        "Leave a comment",
        "Show comments",
        "View comments",
        "Accept",
        "Accept all",
        "Reject all",
        "Manage preferences",
        "Cookie settings",
        "Got it",
    )
)

# Headings that introduce a list of other stories; the titles after them go with them. Only
# headings that name other stories: "Read more", "See also" or a bare "More" head the article's
# own further-reading lists or buttons as often as lists of other stories.
_LIST_HEADING_RE = re.compile(
    r"""^(?:trending(?:\s+now|\s+stories|\s+news)?|most\s+(?:read|popular|viewed|shared|watched)
    (?:\s+\w+){0,3}|popular(?:\s+now|\s+stories)?
    |related(?:\s+(?:articles?|stories|posts?|news|content|coverage|links?|reading))?
    |more\s+(?:stories|news|from|on|in|like\s+this)(?:\s+\S+){0,4}|you\s+(?:may|might)\s+also
    \s+(?:like|enjoy)|recommended(?:\s+for\s+you)?|don[’']?t\s+miss
    |editor[’']?s?\s+picks?|top\s+stories|latest\s+(?:news|stories)|what\s+to\s+read\s+next
    |also\s+on\s+\S+|tags|share\s+this)\s*[:.…]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A story title is short; a longer line under a heading is article text.
_LIST_ITEM_MAX_WORDS = 20
_TAG_MAX_WORDS = 5

# A link to another story written as "Related: Headline" or "SEE MORE: Headline". "Read more:"
# and "Also read:" are left alone: many sites put their own further reading, which is part of
# the article, under those labels.
_LINK_LINE_RE = re.compile(
    r"""^\W*(?:related(?:\s+(?:post|article|story|content|coverage|link))?s?|see\s+more|watch
    |listen|recommended|trending|most\s+read|don[’']?t\s+miss)\s*[:|»›>]\s*\S""",
    re.IGNORECASE | re.VERBOSE,
)

# Separators only count when spaced, so "and/or", table rows and code such as "a->b" stay text.
_CRUMB_SEPARATORS_RE = re.compile(r"\s+(?:>|»|›|/|\|)\s+")
# Code and markup are full of separators; a trail of crumbs has none of these.
_CODE_CHARS_RE = re.compile(r"[(){}\[\];=<\"]")
# Without one of these the line is one crumb, not a trail.
_CRUMB_SEPARATORS = (">", "»", "›", "/", "|")
_CALENDAR_RE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
    r"|\d{1,4}([/.-])\d{1,2}\1\d{1,4}|\bago\b|\byesterday\b|\btoday\b",
    re.IGNORECASE,
)

_MONTHS = "|".join([*MONTH_ABBREVIATIONS, *MONTHS])
_WEEKDAYS = "|".join([*WEEKDAY_ABBREVIATIONS, *WEEKDAYS])
_DATE_WORD_RE = re.compile(
    rf"^(?:{_MONTHS}|{_WEEKDAYS}|\d{{1,4}}(?:st|nd|rd|th)?|\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?"
    # A numeric date keeps one separator throughout, so a rating such as "3.8/5" is no date.
    rf"|\d{{1,4}}/\d{{1,2}}/\d{{1,4}}|\d{{1,4}}\.\d{{1,2}}\.\d{{1,4}}|\d{{1,4}}-\d{{1,2}}-\d{{1,4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}t[\d:.+-]+z?|a\.?m\.?|p\.?m\.?"
    rf"|at|on|of|the|today|yesterday|ago|hours?|hrs?|minutes?|mins?|days?|weeks?|months?"
    rf"|years?|an|a|and)$",
    re.IGNORECASE,
)
# Zone abbreviations are only recognised in capitals, so words like "best" stay words.
_TIMEZONE_RE = re.compile(r"^(?:[A-Z]{1,4}T|UTC|GMT|Z)$")
_DATELINE_PREFIX_RE = re.compile(
    r"^(?:last\s+)?(?:updated|published|posted|modified|first\s+published|last\s+modified"
    r"|created|date|dated|released|uploaded)(?:\s+(?:on|at))?\s*[:|-]?\s*",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|da|del|la|le|bin|al|el)){0,4}"
# A full name has at least two words, so "By Functionality" (a menu entry) is not a byline.
_FULL_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|da|del|la|le|bin|al|el)){1,4}"
_BYLINE_RE = re.compile(
    # Names must be capitalised, so "By Tuesday, the storm had passed" is not a byline.
    rf"^(?i:by|written\s+by|words\s+by|story\s+by|reported\s+by|posted\s+by|author:?)"
    rf"\s+{_FULL_NAME}"
    rf"(?:\s*(?:,|and|&)\s*{_NAME})*(?:\s*(?:,|\||-|–|—|/)\s*{_NAME})?\s*\.?$"
)
# "Jane Doe, Reuters" / "Jane Doe | CNN": a name, then an outlet; no verbs, no sentence end.
_NAME_OUTLET_RE = re.compile(rf"^{_NAME}\s*(?:,|\||–|—)\s*{_NAME}$")
_NAME_STRICT_RE = re.compile(r"^[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}$")
# Credits name people: "Editing by hand" is a sentence, "Editing by Tom Brown" a credit.
_CREDIT_RE = re.compile(
    r"""^\(?(?i:(?:additional\s+)?(?:reporting|writing|editing|compiled|produced|edited|written)
    \s+by)\s+[A-Z].{0,250}$
    |^.{0,200}\b(?i:contributed\s+(?:to\s+this\s+(?:report|story|article)
    |(?:additional\s+)?reporting)(?:\s+from\s+[\w\s,.]+)?)\W*$""",
    re.VERBOSE,
)
# "Source: ..." lines are left alone: they cite a chart's or a quote's origin as often as a photo's.
_IMAGE_CREDIT_RE = re.compile(
    r"""^\(?(?:photo|photograph|image|picture|pic|illustration|credit
    |image\s+copyright|image\s+caption|copyright)s?(?:\s+(?:by|credit|courtesy(?:\s+of)?))?
    \s*[:|/-]\s*.{0,120}$
    |^\(?(?:photo|image|picture|illustration)s?\s+(?:by|courtesy(?:\s+of)?|copyright|credit)
    \s+.{0,100}$
    |(?:getty\s+images|shutterstock|\bvia\s+getty\s+images)\W{0,3}$""",
    re.IGNORECASE | re.VERBOSE,
)
# Agency credits closing a caption, e.g. "(AP Photo/Evan Vucci)"; capitals keep "(ePA)" text.
_AGENCY_CREDIT_RE = re.compile(
    r"(?:\((?:AP|AFP|EPA|Reuters|REUTERS|Getty|Photo|PHOTO|Credit|Image)\b[^)]{0,80}\)"
    r"|/\s*(?:AP|AFP|Reuters|REUTERS|EPA))\W{0,3}$"
)
# A caption is short; a paragraph that ends with a credit is still the article's paragraph.
_CAPTION_MAX_WORDS = 40
# A sign-up box speaks to the reader: it asks them to sign up or thanks them for it. A sentence
# that only mentions a newsletter ("The newsletter now has two million readers") is text.
_NEWSLETTER_RE = re.compile(
    r"""^\W*(?:sign\s*up|subscribe|join|get|receive|enter\s+your\s+e-?mail
    |thanks?\s+(?:you\s+)?for\s+(?:signing\s+up|subscribing))\b
    .{0,160}\b(?:newsletters?|inbox|subscribe|updates|e-?mail\s+address)\b
    |^(?:sign\s*up|subscribe)(?:\s+now|\s+today|\s+here)?\W*$
    |^[^.!?]{0,60}\bnewsletters?$
    |^(?:enter\s+your\s+e-?mail|thanks?\s+(?:you\s+)?for\s+(?:signing\s+up|subscribing))
    |\bdelivered\s+(?:straight\s+|directly\s+|right\s+)?to\s+your\s+inbox""",
    re.IGNORECASE | re.VERBOSE,
)
# A sign-up box is a line or two; a long line about newsletters is an article about them.
_SIGNUP_MAX_WORDS = 30
_COOKIE_RE = re.compile(
    r"""\bwe\s+(?:use|value)\s+(?:cookies|your\s+privacy)|\b(?:this|our)\s+(?:web)?site\s+uses
    \s+cookies|\baccept\s+(?:all\s+)?cookies|\bcookie\s+(?:policy|settings|preferences|consent)
    |\bby\s+continuing\s+to\s+(?:use|browse|visit)|\bconsent\s+to\s+(?:the\s+use\s+of\s+)?cookies
    |\bmanage\s+(?:your\s+)?(?:cookie|privacy|consent)""",
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE_RE = re.compile(
    r"""^(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4})|all\s+rights\s+reserved)
    |\ball\s+rights\s+reserved\W*$
    |^this\s+(?:copy|material|article)\s+is\s+for\s+your\s+personal,?\s+non-?commercial\s+use
    |^(?:filed\s+under|posted\s+in|categories|category|tags?|topics?)\s*:.{0,200}$
    |^\d+\s+comments?$
    |^(?:\d+\s+)?(?:min(?:ute)?s?\s+read|reading\s+time\b.{0,30})$
    |^(?:reading\s+time|estimated\s+reading\s+time)\s*:.{0,30}$
    |^(?:like\s+this\s+(?:story|article)|enjoyed\s+this\s+(?:story|article)|if\s+you\s+enjoyed
    \s+this\s+article).{0,400}$
    |^(?:follow|like|connect\s+with|reach|e-?mail|contact)\b.{0,200}
    (?:\b(?:twitter|facebook|instagram|linkedin|youtube|tiktok|telegram)\b|\s@\w|https?://).{0,200}$
    |^(?:have\s+a\s+(?:news\s+)?tip|got\s+a\s+(?:news\s+)?tip)\b.{0,200}$""",
    re.IGNORECASE | re.VERBOSE,
)
# Quote-sharing widgets glue their label to the quoted sentence.
_CLICK_TO_TWEET_RE = re.compile(r"\s*click\s+to\s+tweet\s*$", re.IGNORECASE)
SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")
# Braces, brackets and semicolons alone on a line close code blocks; they are not ornament.
_CODE_PUNCTUATION = frozenset("{}()[];")
# A numbered list item ("1. Facebook") is an entry of the article's own list.
_NUMBERED_RE = re.compile(r"^\s*\d+[.)]\s")

# Bylines, datelines and crumbs sit above or below the article; within it, a line that looks
# like one is a list item (a name and an affiliation, a year) and stays.
_EDGE_LINES = 4


# The rules below ask the same line for its words and folded form again and again; a line
# is cleaned once, so a small cache keeps each for as long as its line is being checked.
@lru_cache(maxsize=1024)
def _words(line: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[\w'’]+", line))


def _lettered_words(line: str) -> int:
    """How many of the line's words are more than apostrophes: each holds a ``\\w+`` run."""
    words = _words(line)
    if "'" not in line and "’" not in line:
        return len(words)
    return sum(1 for word in words if word.strip("'’"))


def is_prose(line: str) -> bool:
    # A sentence: several words and a sentence ending; list titles and labels are neither.
    return len(_words(line)) >= 8 and SENTENCE_END_RE.search(line) is not None


def _is_share_bar(line: str) -> bool:
    if _NUMBERED_RE.match(line) or _lettered_words(line) > 12:
        return False
    words = [w.casefold() for w in re.findall(r"\w+", line)]
    return (
        0 < len(words) <= 12
        and all(w in _SHARE_WORDS or w.isdigit() for w in words)
        and any(w in _SHARE_MARKERS for w in words)
    )


def _is_crumbs(line: str) -> bool:
    if line.startswith("|") or _CODE_CHARS_RE.search(line):
        return False
    parts = [p for p in _CRUMB_SEPARATORS_RE.split(line) if p]
    return len(parts) >= 3 and all(
        len(_words(p)) <= 4 and not SENTENCE_END_RE.search(p) for p in parts
    )


_BY_NAME_SUFFIX_RE = re.compile(rf"\s+by\s+{_NAME}\s*$")
_DATELINE_SPLIT_RE = re.compile(r"[\s,|•·–—()\[\]]+|(?<=\w)-(?=\s)")


def _is_dateline(line: str) -> bool:
    body = _DATELINE_PREFIX_RE.sub("", line, count=1)
    prefixed = body != line
    # A trailing "by Jane Doe" is part of many datelines (the search needs a "by").
    if "by" in body:
        body = _BY_NAME_SUFFIX_RE.sub("", body)
    tokens = [t for t in _DATELINE_SPLIT_RE.split(body) if t and t != "-"]
    if not tokens or len(tokens) > 14:
        return False
    if not all(_DATE_WORD_RE.match(t.rstrip(".")) or _TIMEZONE_RE.match(t) for t in tokens):
        return False
    if prefixed:
        return len(tokens) <= 4 or any(ch.isdigit() for ch in body)
    # A bare clock time often heads an entry of a live blog, a bare year an entry of a timeline;
    # only a calendar date is a dateline.
    return _CALENDAR_RE.search(body) is not None and any(ch.isdigit() for ch in body)


def _is_byline(line: str) -> bool:
    if len(line) > 120:
        return False
    if _BYLINE_RE.match(line):
        return True
    if _NAME_OUTLET_RE.match(line):
        name, _, outlet = re.split(r"\s*(,|\||–|—)\s*", line, maxsplit=1)
        return bool(_NAME_STRICT_RE.match(name)) and len(_words(outlet)) <= 4
    return False


# Characters IGNORECASE matching equates with an ASCII letter that ``str.lower`` does not
# turn into that letter; folding them makes the keyword checks below exact.
_ASCII_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


@lru_cache(maxsize=1024)
def _folded(line: str) -> str:
    return line.translate(_ASCII_FOLD).lower()


# Every alternative of _COOKIE_RE contains one of these.
_COOKIE_WORDS = ("cookie", "privacy", "consent", "continuing")


def _is_exact_junk(line: str) -> bool:
    return _phrase_key(line) in _EXACT_JUNK


def _is_ornament(line: str) -> bool:
    # Rules, table separators and arrows carry nothing to read. "___" is a word to the
    # benchmarks' tokenizers and stays.
    return not any(ch.isalnum() or ch == "_" or ch in _CODE_PUNCTUATION for ch in line)


def _is_link_line(line: str) -> bool:
    return _LINK_LINE_RE.match(line) is not None and not _is_long_prose(line)


def _is_credit(line: str) -> bool:
    if len(_words(line)) > _CAPTION_MAX_WORDS:
        return False
    low = _folded(line)
    return bool(
        _CREDIT_RE.search(line)
        or _AGENCY_CREDIT_RE.search(line)
        or _IMAGE_CREDIT_RE.match(line)
        or (("getty" in low or "shutterstock" in low) and _IMAGE_CREDIT_RE.search(line))
    )


def _is_signup(line: str) -> bool:
    if len(_words(line)) > _SIGNUP_MAX_WORDS:
        return False
    low = _folded(line)
    return bool(
        _NEWSLETTER_RE.match(line)
        or (("newsletter" in low or "deliver" in low) and _NEWSLETTER_RE.search(line))
    )


def _is_cookie_notice(line: str) -> bool:
    low = _folded(line)
    return (
        len(line) < 400 and any(w in low for w in _COOKIE_WORDS) and bool(_COOKIE_RE.search(line))
    )


def _is_boilerplate(line: str) -> bool:
    """Copyright lines, tag lists, reading times, follow-us and tip-line appeals.

    Searching the patterns along a whole line of prose is most of the cleaning cost. The
    alternatives that start with ``^`` can only match at the start (``match``); the others
    contain "rights", so the search runs only when that word is present.
    """
    if len(line) >= 400:
        return False
    low = _folded(line)
    return bool(_BOILERPLATE_RE.match(line) or ("rights" in low and _BOILERPLATE_RE.search(line)))


def _is_list_item(line: str) -> bool:
    # A story title, or a line of tags ("stock car 2018, stock car brasil, ...").
    if is_prose(line):
        return False
    if len(_words(line)) <= _LIST_ITEM_MAX_WORDS:
        return True
    return all(len(_words(part)) <= _TAG_MAX_WORDS for part in line.split(","))


def _is_long_prose(line: str) -> bool:
    return len(_words(line)) >= 30 and is_prose(line)


JunkRule = Callable[[str], bool]

# Rules that hold wherever the line is, in the order they are tried; the name is what
# ``split_junk`` reports.
_LINE_RULES: tuple[tuple[str, JunkRule], ...] = (
    ("ornament", _is_ornament),
    ("label", _is_exact_junk),
    ("share bar", _is_share_bar),
    ("link to a story", _is_link_line),
    ("credit", _is_credit),
    ("sign-up", _is_signup),
    ("cookie notice", _is_cookie_notice),
    ("boilerplate", _is_boilerplate),
)
# Rules that only hold in the first or last lines of the text.
_EDGE_RULES: tuple[tuple[str, JunkRule], ...] = (
    ("crumbs", _is_crumbs),
    ("dateline", _is_dateline),
    ("byline", _is_byline),
)


@dataclass(frozen=True, slots=True)
class JunkLine:
    """A line ``split_junk`` removed and the name of the rule that removed it."""

    line: str
    rule: str


def _junk_rule(line: str, *, at_edge: bool) -> str | None:
    for name, rule in _LINE_RULES + (_EDGE_RULES if at_edge else ()):
        if rule(line):
            return name
    return None


def split_junk(text: str) -> tuple[str, tuple[JunkLine, ...]]:
    """``text`` without page furniture, and the lines that were taken out (with their rule).

    Furniture is share bars, crumbs, lists of other stories, sign-up and cookie boxes, ads,
    image credits, bylines and datelines; sentences of prose are kept.
    """
    lines = [_CLICK_TO_TWEET_RE.sub("", raw).strip() for raw in text.split("\n")]
    filled = [i for i, line in enumerate(lines) if line]
    edges = set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])
    kept: list[str] = []
    removed: list[JunkLine] = []
    in_list = False
    for index, line in enumerate(lines):
        if not line:
            kept.append("")
            continue
        if _LIST_HEADING_RE.match(line):
            # The heading and the story titles under it go; a sentence or a long line ends it.
            in_list = True
            removed.append(JunkLine(line, "list of other stories"))
            continue
        if in_list and _is_list_item(line):
            removed.append(JunkLine(line, "list of other stories"))
            continue
        in_list = False
        rule = _junk_rule(line, at_edge=index in edges)
        if rule is None:
            kept.append(line)
        else:
            removed.append(JunkLine(line, rule))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip(), tuple(removed)


def remove_junk(text: str) -> str:
    """Text with page furniture removed (see ``split_junk``); sentences of prose are kept."""
    return split_junk(text)[0]
