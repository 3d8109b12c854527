"""Developing stories: what new reports add to a story a target already has, and when to say it.

A story posted in a digest keeps growing as other outlets report it. After each refresh the
planner looks at every story sent to a target within the clustering window, finds the
articles that target has not been told about (joined after its digest, not covered by an
earlier update), and decides:

- nothing yet, when the story had an update less than ``story_interval_minutes`` ago or the
  target had ``per_channel_per_hour`` updates in the last hour: the articles stay unseen
  and fold into the next allowed update, so nothing is lost;
- ``quiet``, when the new reports add no fact: they are marked seen and nothing is posted;
- otherwise an update with the new facts and the new sources: queued in the outbox for the
  story's thread (``thread``), or held for the target's next digest (``developing``) where a
  thread is not possible (direct messages, or a thread the platform refused).

A fact is new when it is grounded in its new report (``unsupported_anchors`` finds every name,
number and date of it there) and names a name, number or date that none of the earlier
reports nor earlier updates support. So another copy of a report adds nothing, and nothing the
digest's briefing said (it is drawn from those reports) is told again. The candidates are the
new report's own offline briefing (summary sentences, then key facts), then its other fact
sentences in order. The decisions are pure functions; ``plan_story_updates`` does the I/O.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from digests.compose import sources_of
from digests.config import Settings
from digests.errors import SummaryError
from digests.records import Article, Source, Story, SummaryInput
from digests.store import PostedStory, Store, StoryUpdateDraft, StoryUpdateRecord, TargetKind
from digests.summarize.extractive import ExtractiveSummarizer
from digests.summarize.facts import unsupported_anchors
from digests.summarize.sentences import split_sentences
from digests.summarize.statements import is_fact_sentence

# The payload key that tells the edge where an update goes: the message that carried the
# story and the digest's first message (a forum channel's post).
UPDATE_KEY = "story_update"
HOUR = timedelta(hours=1)
# A timeline lists at most this many reports (the earliest).
TIMELINE_MAX = 25

_SUMMARIZER = ExtractiveSummarizer()


@dataclass(frozen=True, slots=True)
class StoryUpdate:
    """What new reports add to a story: its headline, the new facts and the new sources;
    ``id`` is set when it is stored (a developing item waiting for a digest)."""

    story_id: str
    headline: str
    facts: tuple[str, ...]
    sources: tuple[Source, ...]
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One report of a story: its outlet and link, when it was published and first seen,
    and the new facts it added to the reports before it (empty for the first)."""

    source: Source
    published: datetime | None
    seen: datetime
    added: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UpdateRules:
    """How often updates may go out: per story, and per target an hour."""

    story_interval: timedelta
    per_target_per_hour: int
    max_facts: int

    @classmethod
    def from_settings(cls, settings: Settings) -> UpdateRules:
        cfg = settings.updates
        return cls(
            story_interval=timedelta(minutes=cfg.story_interval_minutes),
            per_target_per_hour=cfg.per_channel_per_hour,
            max_facts=cfg.max_facts,
        )


# --- pure rules -----------------------------------------------------------------------------
def unseen_articles(
    story: Story, posted: PostedStory, history: Iterable[StoryUpdateRecord]
) -> list[Article]:
    """The story's articles the target has not been told of: stored after its digest was
    queued and covered by none of its updates."""
    covered = {i for record in history for i in record.article_ids}
    return [a for a in story.articles if a.fetched_at > posted.posted_at and a.id not in covered]


def is_due(
    history: Sequence[StoryUpdateRecord],
    target_recent: int,
    now: datetime,
    rules: UpdateRules,
) -> bool:
    """Whether a story may have an update now: its last one (that told something) is at
    least ``story_interval`` old and the target is under its hourly count."""
    if target_recent >= rules.per_target_per_hour:
        return False
    told = [r.created_at for r in history if r.delivery != "quiet"]
    return not told or now - max(told) >= rules.story_interval


def fact_candidates(article: Article) -> list[str]:
    """The statements of a report that could be a new fact, best first: its own offline
    briefing's summary sentences and key facts, then its other fact sentences in order."""
    if not article.text.strip():
        return []
    try:
        briefing = _SUMMARIZER.summarize_sync(SummaryInput(title=article.title, text=article.text))
    except SummaryError:
        return []
    ranked = [*split_sentences(briefing.summary), *briefing.key_facts]
    ranked += [s for s in split_sentences(article.text) if is_fact_sentence(s)]
    return list(dict.fromkeys(s.strip() for s in ranked if s.strip()))


def new_facts(known: Sequence[str], reports: Sequence[Article], *, limit: int) -> tuple[str, ...]:
    """Up to ``limit`` facts of ``reports`` that ``known`` (earlier reports' texts and the
    facts told before) does not support, each grounded in the report it comes from."""
    told = "\n\n".join(t for t in known if t)
    found: list[str] = []
    for article in reports:
        for candidate in fact_candidates(article):
            if len(found) == limit:
                return tuple(found)
            if unsupported_anchors(candidate, article.text):
                continue
            if told and not unsupported_anchors(candidate, told):
                continue
            found.append(candidate)
            # A second candidate repeating this one's names and figures is not new either.
            told = f"{told}\n\n{candidate}" if told else candidate
    return tuple(found)


def report_time(article: Article) -> datetime:
    """When a report counts as made: its publication date, else when it was stored."""
    return article.published or article.fetched_at


def timeline(story: Story, *, limit: int) -> tuple[TimelineEntry, ...]:
    """Each report of the story in time order with what it added to the ones before."""
    ordered = sorted(story.articles, key=lambda a: (report_time(a), a.id))[:TIMELINE_MAX]
    entries: list[TimelineEntry] = []
    known: list[str] = []
    for number, article in enumerate(ordered):
        added = new_facts(known, [article], limit=limit) if number else ()
        source = sources_of(Story(story.id, (article,)))[0]
        entries.append(TimelineEntry(source, article.published, article.fetched_at, added))
        known.append(article.text)
        known.extend(added)
    return tuple(entries)


# --- planning -------------------------------------------------------------------------------
Key = tuple[TargetKind, int, str]
Renderer = Callable[[StoryUpdate], Sequence[dict[str, object]]]


def plan_story_updates(
    store: Store,
    settings: Settings,
    *,
    now: datetime,
    render: Renderer,
    feed_urls_of: Callable[[int], Collection[str]],
) -> int:
    """Decide and store the updates every target's posted stories earn now (see the module
    docstring); thread updates are rendered by ``render`` and queued in the outbox with
    them, in one transaction. How many updates were queued or held for a digest."""
    if not settings.updates.enabled:
        return 0
    rules = UpdateRules.from_settings(settings)
    since = now - timedelta(hours=settings.digest.cluster_window_hours)
    off = store.channels_without_updates()
    posted = [
        p
        for p in store.posted_stories_since(since)
        if not (p.target_kind == "channel" and p.target_id in off)
    ]
    if not posted:
        return 0
    history: defaultdict[Key, list[StoryUpdateRecord]] = defaultdict(list)
    recent: Counter[tuple[TargetKind, int]] = Counter()
    for record in store.story_updates_since(since):
        history[(record.target_kind, record.target_id, record.story_id)].append(record)
        if record.delivery != "quiet" and now - record.created_at < HOUR:
            recent[(record.target_kind, record.target_id)] += 1
    light = {s.id: s for s in store.stories_since(since, with_text=False)}
    scopes: dict[int, frozenset[str]] = {}

    def scoped(story: Story, community_id: int) -> Story:
        if community_id not in scopes:
            scopes[community_id] = frozenset(feed_urls_of(community_id))
        wanted = scopes[community_id]
        return replace(story, articles=tuple(a for a in story.articles if a.feed_url in wanted))

    due: list[PostedStory] = []
    for item in posted:
        story = light.get(item.story_id)
        if story is None:
            continue
        key = (item.target_kind, item.target_id, item.story_id)
        if not unseen_articles(scoped(story, item.community_id), item, history[key]):
            continue
        if is_due(history[key], recent[(item.target_kind, item.target_id)], now, rules):
            due.append(item)
    if not due:
        return 0
    full = {s.id: s for s in store.get_stories(list(dict.fromkeys(p.story_id for p in due)))}
    drafts: list[StoryUpdateDraft] = []
    for item in due:
        target = (item.target_kind, item.target_id)
        if item.story_id not in full or recent[target] >= rules.per_target_per_hour:
            continue
        draft = _draft(item, scoped(full[item.story_id], item.community_id), history, rules, render)
        drafts.append(draft)
        if draft.delivery != "quiet":
            # Counted as it is made, so one refresh cannot exceed the hourly count.
            recent[target] += 1
    store.save_story_updates(drafts, now=now)
    return sum(1 for d in drafts if d.delivery != "quiet")


def _draft(
    item: PostedStory,
    story: Story,
    history: Mapping[Key, list[StoryUpdateRecord]],
    rules: UpdateRules,
    render: Renderer,
) -> StoryUpdateDraft:
    records = history.get((item.target_kind, item.target_id, item.story_id), [])
    unseen = unseen_articles(story, item, records)
    fresh = {a.id for a in unseen}
    known = [a.text for a in story.articles if a.id not in fresh]
    known += [fact for record in records for fact in record.facts]
    facts = new_facts(known, unseen, limit=rules.max_facts)
    base = StoryUpdateDraft(
        community_id=item.community_id,
        target_kind=item.target_kind,
        target_id=item.target_id,
        story_id=item.story_id,
        article_ids=tuple(a.id for a in unseen),
        delivery="quiet",
    )
    if not facts:
        return base
    sources = sources_of(Story(story.id, tuple(unseen)))
    update = StoryUpdate(item.story_id, story.primary.title, facts, sources)
    told = replace(
        base,
        headline=update.headline,
        facts=facts,
        sources=tuple((s.name, s.url) for s in sources),
    )
    if item.target_kind != "channel" or item.message_remote_id is None:
        return replace(told, delivery="developing")
    anchor = {"message_id": item.message_remote_id, "post_id": item.head_remote_id}
    payloads = tuple(dict(p) | {UPDATE_KEY: anchor} for p in render(update))
    return replace(told, delivery="thread", payloads=payloads)


def as_update(record: StoryUpdateRecord) -> StoryUpdate:
    """A stored update as the edge renders it."""
    sources = tuple(Source(name=name, url=url) for name, url in record.sources)
    return StoryUpdate(record.story_id, record.headline, record.facts, sources, id=record.id)
