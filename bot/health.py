"""The optional HTTP endpoint: ``/healthz`` for liveness and ``/metrics`` for Prometheus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord
from aiohttp import web

from digests import metrics

log = logging.getLogger(__name__)

Refresh = Callable[[], Awaitable[None]]


def gateway_connected(client: discord.Client) -> bool:
    """Whether the client is logged in, ready and every shard's websocket is open."""
    if client.is_closed() or not client.is_ready():
        return False
    if isinstance(client, discord.AutoShardedClient):
        return bool(client.shards) and all(not s.is_closed() for s in client.shards.values())
    return True


class HealthServer:
    """Serves /healthz and /metrics on ``host:port`` from the bot's own event loop.

    Because the handlers run on the bot's loop, an answer at all proves the loop is alive;
    /healthz adds whether the gateway is connected.
    """

    def __init__(
        self,
        client: discord.Client,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        refresh: Refresh | None = None,
    ) -> None:
        self.client = client
        self.host = host
        self.port = port
        self.refresh = refresh
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        # Port 0 asks the system for a free port; report the one it chose.
        if self._runner.addresses:
            self.port = int(self._runner.addresses[0][1])
        log.info("health endpoint on http://%s:%s/healthz", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        if gateway_connected(self.client):
            return web.Response(text="ok\n")
        return web.Response(status=503, text="gateway not connected\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        if not metrics.AVAILABLE:
            return web.Response(status=501, text=metrics.UNAVAILABLE_REASON + "\n")
        if self.refresh is not None:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Stale gauges beat no metrics at all; the counters are still right.
                log.exception("refreshing the metrics' gauges failed")
        body = metrics.exposition() or b""
        response = web.Response(body=body)
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response
