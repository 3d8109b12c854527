"""The httpx transport whose sockets go only to addresses the ``AddressPolicy`` accepted."""

from __future__ import annotations

import functools
import ssl
from collections.abc import AsyncIterator, Iterable

import httpcore
import httpx

from digests.address_policy import AddressPolicy
from digests.errors import short_message


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host once, checks every address, and connects to a checked address."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.resolve(host, port)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def _shared_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds; one verifying context serves all.
    return httpx.create_ssl_context()


class CheckedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections go only to addresses the policy accepted.

    The TLS server name and the Host header stay the URL's host; only the socket goes to
    the address that was checked, so DNS cannot answer differently between check and use.
    """

    def __init__(self, policy: AddressPolicy, *, max_connections: int) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_shared_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_CheckedBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(short_message(exc)) from exc
        except httpcore.ProtocolError as exc:
            raise httpx.RemoteProtocolError(short_message(exc)) from exc
        except (httpcore.NetworkError, httpcore.UnsupportedProtocol) as exc:
            raise httpx.TransportError(short_message(exc)) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_CoreStream(response),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _CoreStream(httpx.AsyncByteStream):
    """An httpcore response body as an httpx stream, with httpcore errors translated."""

    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_stream():
                yield chunk
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(short_message(exc)) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.TransportError(short_message(exc)) from exc

    async def aclose(self) -> None:
        await self._response.aclose()
