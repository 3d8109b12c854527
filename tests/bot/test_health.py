"""The optional HTTP endpoint: /healthz liveness and /metrics for Prometheus, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.health import HealthServer
from digests import metrics
from tests.bot.harness import TEXT, build_world, command, running_bot, settings_for
from tests.servers.discord_server import DiscordServer, discord_server

__all__ = ["discord_server"]


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


@pytest.fixture
async def offline_health() -> AsyncIterator[HealthServer]:
    """The endpoint of a client that never connected to a gateway."""
    client = discord.Client(intents=discord.Intents.none())
    server = HealthServer(client, port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
        await client.close()


def _samples(body: str) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


async def _get(server: HealthServer, path: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://{server.host}:{server.port}{path}", timeout=10)


async def test_healthz_is_ok_while_the_gateway_is_connected(world, tmp_path):
    settings = settings_for(tmp_path, health={"port": 0})
    async with running_bot(world, settings) as bot:
        assert bot.health is not None
        response = await _get(bot.health, "/healthz")
    assert response.status_code == 200


async def test_healthz_is_503_without_a_gateway(offline_health):
    response = await _get(offline_health, "/healthz")
    assert response.status_code == 503
    assert "gateway" in response.text


async def test_metrics_count_the_work_done(world, tmp_path):
    settings = settings_for(tmp_path, health={"port": 0})
    async with running_bot(world, settings) as bot:
        assert bot.health is not None
        before = _samples((await _get(bot.health, "/metrics")).text)
        await command(world, "digest", {}, "now", admin=True, replies=2)
        response = await _get(bot.health, "/metrics")
    after = _samples(response.text)
    assert response.headers["content-type"].startswith("text/plain")
    sent = after["newsdigest_messages_sent_total"] - before["newsdigest_messages_sent_total"]
    assert sent == len(world.messages(TEXT))
    assert after["newsdigest_digests_posted_total"] > before["newsdigest_digests_posted_total"]
    assert after["newsdigest_feeds_fetched_total"] >= 3
    assert after["newsdigest_articles_stored_total"] > 0
    assert after["newsdigest_outbox_pending"] == 0
    assert after["newsdigest_scheduler_leader"] == 1
    assert "newsdigest_llm_tokens_total" in after


async def test_metrics_answer_501_without_prometheus_client(offline_health, monkeypatch):
    monkeypatch.setattr(metrics, "AVAILABLE", False)
    response = await _get(offline_health, "/metrics")
    assert response.status_code == 501
    assert "prometheus-client" in response.text


def test_the_endpoint_is_off_unless_a_port_is_set(tmp_path):
    assert settings_for(tmp_path).health.port is None
    assert settings_for(tmp_path).health.host == "127.0.0.1"
