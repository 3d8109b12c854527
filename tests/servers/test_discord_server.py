"""The real discord.py 2.7 runs against the fake Discord server: gateway, REST and faults."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
from collections.abc import AsyncIterator, Iterator

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.servers.discord_server import (
    ChannelSpec,
    DiscordServer,
    command_errors,
    discord_server,
    embed_errors,
)

__all__ = ["discord_server"]

GUILD_ID = 900_000_000_000_000_001
TEXT_ID = 900_000_000_000_000_010
LOCKED_ID = 900_000_000_000_000_011
FORUM_ID = 900_000_000_000_000_020
USER_ID = 900_000_000_000_000_100
TOKEN = "fake-bot-token"


def _digest_group() -> app_commands.Group:
    group = app_commands.Group(name="digest", description="Read news digests")

    @group.command(name="now", description="Post a digest about a topic now")
    async def now(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"digest about {topic}", ephemeral=True)

    @now.autocomplete("topic")
    async def topic_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["science", "sport", "space"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @group.command(name="slow", description="Work for a while, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("slow digest ready", ephemeral=True)

    @group.command(name="edit", description="Think in public, then edit the answer in")
    async def edit(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="edited digest")
        original = await interaction.original_response()
        await interaction.followup.send(f"original says {original.content}")

    @group.command(name="where", description="Name a channel")
    async def where(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await interaction.response.send_message(f"posting to {channel.name}")

    return group


class _QuickBot(commands.Bot):
    """A Bot that re-IDENTIFYs at once instead of discord.py's 5 s politeness pause."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class _QuickShardedBot(commands.AutoShardedBot):
    """An AutoShardedBot that identifies its shards without discord.py's pauses."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


# A bot process of its own, as the real bot runs: it greets the channel on every READY.
_BOT_PROCESS = """
import os, sys, discord, yarl
port, channel_id = int(sys.argv[1]), int(sys.argv[2])
discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")

class Greeter(discord.Client):
    async def on_ready(self):
        await self.get_channel(channel_id).send(f"hello from {os.getpid()}")

Greeter(intents=discord.Intents.default(), guild_ready_timeout=0.05).run("t", log_handler=None)
"""


@pytest.fixture
def world(discord_server: DiscordServer) -> Iterator[DiscordServer]:
    """The fake Discord with one guild, discord.py pointed at it."""
    discord_server.add_guild(
        GUILD_ID,
        "Newsroom",
        channels=[
            ChannelSpec.text(TEXT_ID, "digests", topic="Daily news"),
            ChannelSpec.text(LOCKED_ID, "announcements", can_send=False),
            ChannelSpec.forum(FORUM_ID, "stories", tags=["world", "tech"]),
        ],
        member_ids=[USER_ID],
    )
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = discord_server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(discord_server.gateway_url)
    try:
        yield discord_server
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def _running(bot: commands.Bot) -> AsyncIterator[commands.Bot]:
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def bot(world: DiscordServer) -> AsyncIterator[commands.Bot]:
    """A connected commands.Bot with a `/digest` group registered for the guild."""
    client = _QuickBot(
        command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    client.tree.add_command(_digest_group(), guild=discord.Object(GUILD_ID))
    async with _running(client) as running:
        yield running


@pytest.fixture
async def synced_bot(bot: commands.Bot) -> commands.Bot:
    """The bot after registering its guild commands on the server."""
    await bot.tree.sync(guild=discord.Object(GUILD_ID))
    return bot


def _text(bot: commands.Bot, channel_id: int = TEXT_ID) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


# --- gateway --------------------------------------------------------------------------------


async def test_ready_and_guild_create_give_the_bot_its_guild(bot: commands.Bot) -> None:
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and guild.name == "Newsroom"
    assert guild.me is not None and guild.me.id == bot.user.id  # type: ignore[union-attr]
    assert {c.name for c in guild.text_channels} == {"digests", "announcements"}
    assert [c.name for c in guild.forums] == ["stories"]


async def test_forum_channel_carries_its_tags(bot: commands.Bot) -> None:
    forum = bot.get_channel(FORUM_ID)
    assert isinstance(forum, discord.ForumChannel)
    assert [t.name for t in forum.available_tags] == ["world", "tech"]


async def test_locked_channel_denies_the_bot_send_messages(bot: commands.Bot) -> None:
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    assert not _text(bot, LOCKED_ID).permissions_for(guild.me).send_messages
    assert _text(bot).permissions_for(guild.me).send_messages


async def test_gateway_is_asked_for_zlib_stream_compression(
    bot: commands.Bot, world: DiscordServer
) -> None:
    assert world.gateway_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}


async def test_heartbeats_are_acknowledged(bot: commands.Bot, world: DiscordServer) -> None:
    assert world.heartbeats >= 1
    assert bot.latency < 5


async def test_identify_carries_the_token_and_intents(
    bot: commands.Bot, world: DiscordServer
) -> None:
    identify = world.identify_payloads[0]
    assert identify["token"] == TOKEN
    assert identify["intents"] == discord.Intents.default().value


async def test_bot_resumes_after_the_gateway_drops(bot: commands.Bot, world: DiscordServer) -> None:
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    world.drop_gateway()
    await world.wait_resumed(5)
    await asyncio.wait_for(resumed.wait(), 5)
    assert world.ready_count == 1


async def test_interaction_sent_while_disconnected_is_replayed_on_resume(
    synced_bot: commands.Bot, world: DiscordServer
) -> None:
    world.drop_gateway()
    iid = world.inject_interaction(GUILD_ID, TEXT_ID, USER_ID, "digest", {"topic": "sport"}, "now")
    replies = await world.wait_for_interaction_response(iid, 5)
    assert replies[0].message is not None
    assert replies[0].message.content == "digest about sport"
    await world.wait_resumed(5)


async def test_unknown_session_resume_is_invalidated_and_bot_identifies_again(
    bot: commands.Bot, world: DiscordServer
) -> None:
    world.invalidate_sessions()
    world.drop_gateway()
    await world.wait_ready(30, count=2)
    assert world.resume_count == 0


async def test_guilds_are_split_across_shards(world: DiscordServer) -> None:
    other = GUILD_ID + (1 << 22)
    world.shard_count = 2
    world.add_guild(other, "Second", channels=[ChannelSpec.text(other + 1, "general")])
    client = _QuickShardedBot(
        command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    async with _running(client) as running:
        shards = {g.id: g.shard_id for g in running.guilds}
        assert shards == {GUILD_ID: (GUILD_ID >> 22) % 2, other: (other >> 22) % 2}
    assert sorted(p["shard"] for p in world.identify_payloads) == [[0, 2], [1, 2]]


async def test_bot_process_killed_and_restarted_identifies_again(world: DiscordServer) -> None:
    async def spawn() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", _BOT_PROCESS, str(world.port), str(TEXT_ID)
        )

    first = await spawn()
    try:
        await world.wait_for_messages(TEXT_ID, 1, timeout=30)
    finally:
        first.kill()
        await first.wait()
    second = await spawn()
    try:
        messages = await world.wait_for_messages(TEXT_ID, 2, timeout=30)
    finally:
        second.kill()
        await second.wait()
    assert [m.content for m in messages] == [
        f"hello from {first.pid}",
        f"hello from {second.pid}",
    ]
    assert world.ready_count == 2


# --- application commands -------------------------------------------------------------------


async def test_tree_sync_registers_guild_commands(bot: commands.Bot, world: DiscordServer) -> None:
    synced = await bot.tree.sync(guild=discord.Object(GUILD_ID))
    registered = world.registered_commands(GUILD_ID)
    assert [c["name"] for c in registered] == ["digest"]
    assert [o["name"] for o in registered[0]["options"]] == ["now", "slow", "edit", "where"]
    assert [c.id for c in synced] == [int(registered[0]["id"])]
    assert world.registered_commands() == []


async def test_resync_keeps_command_ids(synced_bot: commands.Bot, world: DiscordServer) -> None:
    first = world.registered_commands(GUILD_ID)[0]["id"]
    await synced_bot.tree.sync(guild=discord.Object(GUILD_ID))
    assert world.registered_commands(GUILD_ID)[0]["id"] == first


async def test_injected_interaction_gets_an_ephemeral_reply(
    synced_bot: commands.Bot, world: DiscordServer
) -> None:
    iid = world.inject_interaction(GUILD_ID, TEXT_ID, USER_ID, "digest", {"topic": "space"}, "now")
    (reply,) = await world.wait_for_interaction_response(iid, 5)
    assert (reply.kind, reply.type, reply.ephemeral) == ("callback", 4, True)
    assert reply.data["content"] == "digest about space"
    assert world.messages(TEXT_ID) == []


async def test_deferred_interaction_followup_arrives(
    synced_bot: commands.Bot, world: DiscordServer
) -> None:
    iid = world.inject_interaction(GUILD_ID, TEXT_ID, USER_ID, "digest", subcommand="slow")
    defer, followup = await world.wait_for_interaction_response(iid, 5, count=2)
    assert (defer.kind, defer.type, defer.ephemeral) == ("callback", 5, True)
    assert followup.kind == "followup"
    assert followup.message is not None and followup.message.content == "slow digest ready"
    assert followup.ephemeral


async def test_deferred_response_is_edited_in_place(
    synced_bot: commands.Bot, world: DiscordServer
) -> None:
    iid = world.inject_interaction(GUILD_ID, TEXT_ID, USER_ID, "digest", subcommand="edit")
    replies = await world.wait_for_interaction_response(iid, 5, count=3)
    assert [(r.kind, r.type) for r in replies] == [
        ("callback", 5),
        ("edit", None),
        ("followup", None),
    ]
    assert [m.content for m in world.messages(TEXT_ID)] == [
        "edited digest",
        "original says edited digest",
    ]


async def test_channel_option_is_resolved_for_the_command(
    synced_bot: commands.Bot, world: DiscordServer
) -> None:
    iid = world.inject_interaction(
        GUILD_ID, TEXT_ID, USER_ID, "digest", {"channel": TEXT_ID}, "where"
    )
    (reply,) = await world.wait_for_interaction_response(iid, 5)
    assert reply.data["content"] == "posting to digests"
    assert [m.content for m in world.messages(TEXT_ID)] == ["posting to digests"]


async def test_autocomplete_interaction_gets_choices(
    synced_bot: commands.Bot, world: DiscordServer
) -> None:
    iid = world.inject_interaction(
        GUILD_ID, TEXT_ID, USER_ID, "digest", {"topic": "sp"}, "now", type=4, focused="topic"
    )
    (reply,) = await world.wait_for_interaction_response(iid, 5)
    assert reply.type == 8
    assert [c["value"] for c in reply.data["choices"]] == ["sport", "space"]


# --- messages -------------------------------------------------------------------------------


async def test_channel_send_records_embeds_and_allowed_mentions(
    bot: commands.Bot, world: DiscordServer
) -> None:
    embed = discord.Embed(title="Morning digest", description="Three stories")
    embed.add_field(name="Bridge", value="Council approves bridge")
    sent = await _text(bot).send(embeds=[embed], allowed_mentions=discord.AllowedMentions.none())
    (stored,) = world.messages(TEXT_ID)
    assert stored.id == sent.id
    assert stored.embeds[0]["title"] == "Morning digest"
    assert stored.embeds[0]["fields"][0]["name"] == "Bridge"
    assert stored.allowed_mentions == {"parse": []}
    assert sent.embeds[0].title == "Morning digest"


async def test_file_is_sent_as_multipart_with_payload_json(
    bot: commands.Bot, world: DiscordServer
) -> None:
    sent = await _text(bot).send("report", file=discord.File(io.BytesIO(b"a,b\n"), "report.csv"))
    (stored,) = world.messages(TEXT_ID)
    assert stored.content == "report"
    assert stored.files == (("report.csv", b"a,b\n"),)
    assert sent.attachments[0].filename == "report.csv"


@pytest.mark.parametrize(("status", "retry_after"), [(429, 0.2), (500, 0.0)])
async def test_failed_send_is_retried_and_arrives_once(
    bot: commands.Bot, world: DiscordServer, status: int, retry_after: float
) -> None:
    world.fail_next("messages", count=1, status=status, retry_after=retry_after)
    await _text(bot).send("after a fault")
    assert [m.content for m in world.messages(TEXT_ID)] == ["after a fault"]
    statuses = [r.status for r in world.requests() if r.kind == "messages"]
    assert statuses == [status, 200]


async def test_rate_limits_count_as_invalid_requests(
    bot: commands.Bot, world: DiscordServer
) -> None:
    world.fail_next("messages", count=2, status=429, retry_after=0.05)
    await _text(bot).send("rate limited twice")
    assert world.invalid_requests == 2


async def test_random_faults_still_deliver_every_message_once(
    bot: commands.Bot, world: DiscordServer
) -> None:
    world.fault_rate(0.3, seed=7, retry_after=0.02)
    for n in range(6):
        await _text(bot).send(f"story {n}")
    assert [m.content for m in world.messages(TEXT_ID)] == [f"story {n}" for n in range(6)]
    assert world.invalid_requests > 0


async def test_send_without_permission_is_forbidden_50013(
    bot: commands.Bot, world: DiscordServer
) -> None:
    with pytest.raises(discord.Forbidden) as raised:
        await _text(bot, LOCKED_ID).send("nope")
    assert raised.value.code == 50013
    assert world.messages(LOCKED_ID) == []
    assert world.invalid_requests == 1


async def test_unknown_channel_is_not_found_10003(bot: commands.Bot) -> None:
    with pytest.raises(discord.NotFound) as raised:
        await bot.fetch_channel(123)
    assert raised.value.code == 10003


async def test_oversized_embed_is_rejected_with_50035(bot: commands.Bot) -> None:
    with pytest.raises(discord.HTTPException) as raised:
        await _text(bot).send(embed=discord.Embed(title="x" * 300))
    assert (raised.value.status, raised.value.code) == (400, 50035)


async def test_dm_reaches_the_user(bot: commands.Bot, world: DiscordServer) -> None:
    user = await bot.fetch_user(USER_ID)
    await user.send("your digest")
    assert [m.content for m in world.dms(USER_ID)] == ["your digest"]


async def test_dm_to_a_user_with_closed_dms_is_forbidden_50007(
    bot: commands.Bot, world: DiscordServer
) -> None:
    world.block_dms(USER_ID)
    user = await bot.fetch_user(USER_ID)
    with pytest.raises(discord.Forbidden) as raised:
        await user.send("your digest")
    assert raised.value.code == 50007


async def test_forum_post_creates_a_thread_with_its_first_message(
    bot: commands.Bot, world: DiscordServer
) -> None:
    forum = bot.get_channel(FORUM_ID)
    assert isinstance(forum, discord.ForumChannel)
    tech = next(t for t in forum.available_tags if t.name == "tech")
    created = await forum.create_thread(
        name="Chip shortage eases",
        embed=discord.Embed(title="Chip shortage eases"),
        applied_tags=[tech],
        allowed_mentions=discord.AllowedMentions.none(),
    )
    (post,) = world.threads(FORUM_ID)
    assert (post.id, post.name, post.applied_tags) == (
        created.thread.id,
        "Chip shortage eases",
        [tech.id],
    )
    assert post.message.embeds[0]["title"] == "Chip shortage eases"
    assert created.message.id == created.thread.id


# --- raw REST shapes --------------------------------------------------------------------------


async def test_rest_answers_json_with_exact_content_type(world: DiscordServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{world.api_base}/gateway/bot", headers={"Authorization": "Bot x"}
        ) as response,
    ):
        assert response.headers["Content-Type"] == "application/json"
        body = await response.json()
    assert body["url"] == world.gateway_url
    assert body["shards"] == 1


async def test_rest_without_token_is_unauthorized(world: DiscordServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{world.api_base}/users/@me") as response,
    ):
        assert response.status == 401
    assert world.invalid_requests == 1


@pytest.mark.parametrize(("query", "status"), [({"with_response": "true"}, 200), ({}, 204)])
async def test_interaction_callback_answers_by_with_response(
    synced_bot: commands.Bot, world: DiscordServer, query: dict[str, str], status: int
) -> None:
    # An unregistered command: the bot has no handler, so the test answers it by hand.
    iid = world.inject_interaction(GUILD_ID, TEXT_ID, USER_ID, "unregistered")
    token = world._interactions[iid].token
    url = f"{world.api_base}/interactions/{iid}/{token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url, params=query, json={"type": 4, "data": {"content": "hi", "flags": 64}}
        ) as response,
    ):
        assert response.status == status
        body = await response.read()
    if status == 200:
        callback = json.loads(body)
        assert callback["interaction"]["response_message_ephemeral"] is True
        assert callback["resource"]["type"] == 4
        assert callback["resource"]["message"]["content"] == "hi"


@pytest.mark.parametrize(
    ("embed", "bad"),
    [
        ({"title": "ok"}, False),
        ({"title": "t" * 257}, True),
        ({"description": "d" * 4097}, True),
        ({"fields": [{"name": "n", "value": "v" * 1025}]}, True),
        ({"description": "d" * 4000, "fields": [{"name": "n", "value": "v" * 1024}] * 2}, True),
    ],
)
def test_embed_errors_follow_discord_limits(embed: dict[str, object], bad: bool) -> None:
    assert bool(embed_errors([embed])) is bad


@pytest.mark.parametrize(
    ("command", "bad"),
    [
        ({"name": "digest", "description": "Read digests"}, False),
        ({"name": "Digest", "description": "Read digests"}, True),
        ({"name": "digest", "description": ""}, True),
        ({"name": "has space", "description": "x"}, True),
    ],
)
def test_command_errors_follow_discord_rules(command: dict[str, object], bad: bool) -> None:
    assert bool(command_errors([command])) is bad


def test_duplicate_command_names_are_rejected() -> None:
    command = {"name": "digest", "description": "Read digests"}
    assert command_errors([command, command])


async def test_a_repeated_enforced_nonce_returns_the_first_message(
    bot: commands.Bot, world: DiscordServer
) -> None:
    first = await _text(bot).send("once", nonce="nd42")
    again = await _text(bot).send("once", nonce="nd42")
    assert again.id == first.id
    assert [m.content for m in world.messages(TEXT_ID)] == ["once"]
    assert world.nonce_hits == 1


# --- community delivery: webhooks, threads, forums, announcements, mentions -------------------

HOOKS_ID = 900_000_000_000_000_030
NEWS_ID = 900_000_000_000_000_040
ROLE_ID = 900_000_000_000_000_200
TAGGED_FORUM_ID = 900_000_000_000_000_050
SIX_TAGS = ["world", "tech", "science", "sport", "money", "culture"]


@pytest.fixture
async def community(world: DiscordServer) -> AsyncIterator[commands.Bot]:
    """A connected bot in a guild that also has webhook, announcement and forum channels."""
    world.add_channel(GUILD_ID, ChannelSpec(HOOKS_ID, "hooked", manage_webhooks=True))
    world.add_channel(GUILD_ID, ChannelSpec.announcement(NEWS_ID, "news", manage_webhooks=True))
    world.add_channel(
        GUILD_ID,
        ChannelSpec.forum(TAGGED_FORUM_ID, "topics", tags=SIX_TAGS, manage_webhooks=True),
    )
    world.add_role(GUILD_ID, ROLE_ID, "Space news", mentionable=True)
    client = _QuickBot(
        command_prefix="!",
        intents=discord.Intents.default(),
        guild_ready_timeout=0.05,
        max_ratelimit_timeout=60.0,
    )
    async with _running(client) as running:
        yield running


async def test_webhook_is_created_listed_and_fetched(
    community: commands.Bot, world: DiscordServer
) -> None:
    channel = _text(community, HOOKS_ID)
    created = await channel.create_webhook(name="Newsdigest")
    assert created.token and created.channel_id == HOOKS_ID
    assert [w.id for w in await channel.webhooks()] == [created.id]
    fetched = await community.fetch_webhook(created.id)
    assert (fetched.name, fetched.channel_id) == ("Newsdigest", HOOKS_ID)
    assert [w["name"] for w in world.webhooks(HOOKS_ID)] == ["Newsdigest"]


async def test_creating_a_webhook_without_manage_webhooks_is_forbidden_50013(
    community: commands.Bot, world: DiscordServer
) -> None:
    with pytest.raises(discord.Forbidden) as raised:
        await _text(community).create_webhook(name="Newsdigest")
    assert raised.value.code == 50013
    assert world.webhooks(TEXT_ID) == []


async def test_webhook_name_naming_discord_is_refused(community: commands.Bot) -> None:
    with pytest.raises(discord.HTTPException) as raised:
        await _text(community, HOOKS_ID).create_webhook(name="Discord news")
    assert (raised.value.status, raised.value.code) == (400, 50035)


async def test_webhook_execution_waits_for_the_message_with_overrides(
    community: commands.Bot, world: DiscordServer
) -> None:
    hook = await _text(community, HOOKS_ID).create_webhook(name="Newsdigest")
    sent = await hook.send(
        "Space digest",
        username="Space desk",
        avatar_url="https://img.example/space.png",
        allowed_mentions=discord.AllowedMentions.none(),
        wait=True,
    )
    (stored,) = world.messages(HOOKS_ID)
    assert (sent.id, sent.author.name, sent.webhook_id) == (stored.id, "Space desk", hook.id)
    assert (stored.author_name, stored.avatar_url) == (
        "Space desk",
        "https://img.example/space.png",
    )
    assert stored.webhook_id == hook.id


async def test_webhook_execution_without_wait_answers_no_content(
    community: commands.Bot, world: DiscordServer
) -> None:
    hook = await _text(community, HOOKS_ID).create_webhook(name="Newsdigest")
    assert await hook.send("quiet digest") is None
    (stored,) = world.messages(HOOKS_ID)
    assert (stored.content, stored.author_name) == ("quiet digest", "Newsdigest")


async def test_deleted_webhook_is_unknown_10015(
    community: commands.Bot, world: DiscordServer
) -> None:
    hook = await _text(community, HOOKS_ID).create_webhook(name="Newsdigest")
    await hook.delete()
    with pytest.raises(discord.NotFound) as raised:
        await hook.send("too late", wait=True)
    assert raised.value.code == 10015
    with pytest.raises(discord.NotFound):
        await community.fetch_webhook(hook.id)
    assert world.webhooks(HOOKS_ID) == [] and world.messages(HOOKS_ID) == []


async def test_webhook_with_a_wrong_token_is_unknown_10015(community: commands.Bot) -> None:
    hook = await _text(community, HOOKS_ID).create_webhook(name="Newsdigest")
    forged = discord.Webhook.partial(hook.id, "not-the-token", client=community)
    with pytest.raises(discord.NotFound) as raised:
        await forged.send("forged", wait=True)
    assert raised.value.code == 10015


async def test_webhook_is_fetched_by_its_token_without_the_bot(
    community: commands.Bot,
) -> None:
    hook = await _text(community, HOOKS_ID).create_webhook(name="Newsdigest")
    async with aiohttp.ClientSession() as session:
        fetched = await discord.Webhook.partial(hook.id, hook.token, session=session).fetch()
        assert (fetched.id, fetched.name, fetched.channel_id) == (hook.id, "Newsdigest", HOOKS_ID)
        assert fetched.user is None
        forged = discord.Webhook.partial(hook.id, "not-the-token", session=session)
        with pytest.raises(discord.NotFound):
            await forged.fetch()


async def test_webhook_opens_a_forum_post_with_tags(
    community: commands.Bot, world: DiscordServer
) -> None:
    forum = community.get_channel(TAGGED_FORUM_ID)
    assert isinstance(forum, discord.ForumChannel)
    hook = await forum.create_webhook(name="Newsdigest")
    science = next(t for t in forum.available_tags if t.name == "science")
    sent = await hook.send(
        "Comet visible tonight",
        thread_name="Comet visible tonight",
        applied_tags=[science],
        username="Science desk",
        wait=True,
    )
    (post,) = world.threads(TAGGED_FORUM_ID)
    assert (post.id, post.name, post.applied_tags) == (
        sent.id,
        "Comet visible tonight",
        [science.id],
    )
    assert post.message.author_name == "Science desk" and post.message.webhook_id == hook.id


async def test_webhook_post_to_a_forum_needs_a_thread_name(community: commands.Bot) -> None:
    forum = community.get_channel(TAGGED_FORUM_ID)
    assert isinstance(forum, discord.ForumChannel)
    hook = await forum.create_webhook(name="Newsdigest")
    with pytest.raises(discord.HTTPException) as raised:
        await hook.send("no title", wait=True)
    assert (raised.value.status, raised.value.code) == (400, 220001)


async def test_thread_started_from_a_message_takes_its_id_and_receives_posts(
    community: commands.Bot, world: DiscordServer
) -> None:
    message = await _text(community).send("Morning digest")
    thread = await message.create_thread(name="Discuss: morning digest")
    assert thread.id == message.id and thread.parent_id == TEXT_ID
    await thread.send("First comment")
    assert [m.content for m in world.messages(thread.id)] == ["First comment"]
    (stored,) = world.messages(TEXT_ID)
    assert stored.message["thread"]["name"] == "Discuss: morning digest"
    with pytest.raises(discord.HTTPException) as raised:
        await message.create_thread(name="again")
    assert raised.value.code == 160004


async def test_webhook_posts_into_a_thread_of_its_channel(
    community: commands.Bot, world: DiscordServer
) -> None:
    channel = _text(community, HOOKS_ID)
    thread = await channel.create_thread(name="Live", type=discord.ChannelType.public_thread)
    hook = await channel.create_webhook(name="Newsdigest")
    await hook.send("in the thread", thread=thread, wait=True)
    assert [m.content for m in world.messages(thread.id)] == ["in the thread"]
    assert world.messages(HOOKS_ID) == []


async def test_forum_post_takes_up_to_five_known_tags(
    community: commands.Bot, world: DiscordServer
) -> None:
    forum = community.get_channel(TAGGED_FORUM_ID)
    assert isinstance(forum, discord.ForumChannel)
    tags = forum.available_tags
    with pytest.raises(discord.HTTPException) as raised:
        await forum.create_thread(name="Too many", content="x", applied_tags=tags)
    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert "5 or fewer" in raised.value.text
    created = await forum.create_thread(name="Five", content="x", applied_tags=tags[:5])
    assert world.threads(TAGGED_FORUM_ID)[0].applied_tags == [t.id for t in tags[:5]]
    assert created.thread.applied_tags == tags[:5]


async def test_forum_post_with_an_unknown_tag_is_refused(
    community: commands.Bot, world: DiscordServer
) -> None:
    forum = community.get_channel(TAGGED_FORUM_ID)
    assert isinstance(forum, discord.ForumChannel)
    # A tag of another forum is unknown here.
    stranger = discord.ForumTag(name="elsewhere")
    stranger.id = 42
    with pytest.raises(discord.HTTPException) as raised:
        await forum.create_thread(name="Odd", content="x", applied_tags=[stranger])
    assert (raised.value.status, raised.value.code) == (400, 50035)
    assert "Unknown tag" in raised.value.text
    assert world.threads(TAGGED_FORUM_ID) == []


async def test_announcement_channel_publishes_ten_messages_an_hour(
    community: commands.Bot, world: DiscordServer
) -> None:
    news = community.get_channel(NEWS_ID)
    assert isinstance(news, discord.TextChannel) and news.is_news()
    messages = [await news.send(f"story {n}") for n in range(11)]
    for message in messages[:10]:
        await message.publish()
    with pytest.raises(discord.RateLimited) as raised:
        await messages[10].publish()
    assert 3500 < raised.value.retry_after <= 3600
    assert [m.flags & 1 for m in world.messages(NEWS_ID)] == [1] * 10 + [0]
    world.advance_clock(3601)
    await messages[10].publish()
    assert world.messages(NEWS_ID)[10].flags & 1


async def test_crossposting_outside_an_announcement_channel_is_refused(
    community: commands.Bot,
) -> None:
    message = await _text(community).send("not news")
    with pytest.raises(discord.HTTPException) as raised:
        await message.publish()
    assert (raised.value.status, raised.value.code) == (400, 50024)


@pytest.mark.parametrize(
    ("allowed", "roles", "users", "everyone"),
    [
        (None, [ROLE_ID], [USER_ID], True),
        (discord.AllowedMentions.none(), [], [], False),
        (discord.AllowedMentions(everyone=False, users=False, roles=True), [ROLE_ID], [], False),
        (
            discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(ROLE_ID)]),
            [ROLE_ID],
            [],
            False,
        ),
        (
            discord.AllowedMentions(everyone=False, users=True, roles=[discord.Object(7)]),
            [],
            [USER_ID],
            False,
        ),
    ],
)
async def test_mentions_honour_allowed_mentions(
    community: commands.Bot,
    world: DiscordServer,
    allowed: discord.AllowedMentions | None,
    roles: list[int],
    users: list[int],
    everyone: bool,
) -> None:
    content = f"<@&{ROLE_ID}> <@{USER_ID}> @everyone"
    if allowed is None:
        await _text(community).send(content)
    else:
        await _text(community).send(content, allowed_mentions=allowed)
    (stored,) = world.messages(TEXT_ID)
    assert (stored.mentioned_role_ids, stored.mentioned_user_ids) == (roles, users)
    assert stored.mentions_everyone is everyone


async def test_mentions_in_embeds_never_ping(community: commands.Bot, world: DiscordServer) -> None:
    embed = discord.Embed(description=f"<@&{ROLE_ID}> @everyone")
    await _text(community).send(embed=embed)
    (stored,) = world.messages(TEXT_ID)
    assert stored.mentioned_role_ids == [] and not stored.mentions_everyone


async def test_allowed_mentions_parse_and_ids_of_one_kind_are_refused(world: DiscordServer) -> None:
    body = {
        "content": f"<@&{ROLE_ID}>",
        "allowed_mentions": {"parse": ["roles"], "roles": [str(ROLE_ID)]},
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{world.api_base}/channels/{TEXT_ID}/messages",
            json=body,
            headers={"Authorization": f"Bot {TOKEN}"},
        ) as response,
    ):
        assert response.status == 400
        assert (await response.json())["code"] == 50035


PLAIN_ID = 900_000_000_000_000_060


async def test_a_channel_without_thread_permissions_refuses_a_thread_but_takes_messages(
    community: commands.Bot, world: DiscordServer
) -> None:
    world.add_channel(GUILD_ID, ChannelSpec.text(PLAIN_ID, "plain", can_thread=False))
    await _until_cached(community, PLAIN_ID)
    message = await _text(community, PLAIN_ID).send("Morning digest")
    with pytest.raises(discord.Forbidden) as raised:
        await message.create_thread(name="Discuss")
    assert raised.value.code == 50013
    assert [m.content for m in world.messages(PLAIN_ID)] == ["Morning digest"]
    overwrite = _text(community, PLAIN_ID).overwrites_for(community.user)  # type: ignore[arg-type]
    assert overwrite.create_public_threads is False


async def _until_cached(bot: commands.Bot, channel_id: int) -> None:
    for _ in range(200):
        if bot.get_channel(channel_id) is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"channel {channel_id} never reached the client")
