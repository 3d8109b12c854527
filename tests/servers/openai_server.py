"""A real OpenAI-compatible HTTP server on 127.0.0.1 that answers from a script.

It runs aiohttp on its own thread and event loop, so sync tests, async tests and
subprocesses can all point a real OpenAI client at ``srv.base_url``::

    srv.fail(500).then().answer({"headline": ..., "summary": ..., ...})

Each builder call appends one step; each request consumes one step and the last step
repeats. ``slow(seconds)`` delays the step it follows (or every answer, when called first).

Family behaviours say how the server treats structured-output options, the way real servers
differ, and apply to every step::

    srv.refuse("json_schema", 500)   # llama-cpp-python: 500 on response_format json_schema
    srv.prose_around_json()          # ignores response_format, chats around the JSON
    srv.fenced_json()                # wraps the JSON in a ```json fence
    srv.tools_only()                 # answers only through tool_calls, prose otherwise

A refused request is logged but consumes no step; ``srv.modes`` says which mode each request
asked for.

A model asked to write in a language answers in it: ``answer_by_language`` reads the
language instruction from the system prompt, the way the request asks a real model, and
answers with the briefing written for that language (``srv.languages`` says which language
each request asked for)::

    srv.answer_by_language({"de": german_briefing, None: english_briefing})
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Self

import pytest
from aiohttp import web

BriefingDict = Mapping[str, Any]
Answerer = Callable[[dict[str, Any]], BriefingDict]

DEFAULT_BRIEFING: dict[str, Any] = {
    "headline": "Council approves new bridge",
    "summary": "The city council approved a new bridge over the river.",
    "key_facts": ["The council approved the bridge.", "The bridge crosses the river."],
    "why_it_matters": None,
}

Mode = Literal["json_schema", "json_object", "tools", "prompt"]

TOOLS_ONLY_PROSE = "I can only give a briefing through the function you provide."

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_exceeded",
}


@dataclass(frozen=True)
class Step:
    """One scripted reply: a briefing, raw text, a callable's briefing or an HTTP error."""

    kind: Literal["answer", "text", "call", "fail"]
    payload: Any = None
    delay: float = 0.0
    prompt_tokens: int = 120
    completion_tokens: int = 60
    finish_reason: str = "stop"


class OpenAIServer:
    """Serves POST /v1/chat/completions in the real response shape, following a script."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: list[Step] = []
        self._served = 0
        self._pending_delay = 0.0
        self._ids = itertools.count(1)
        self._refused: dict[Mode, int] = {}
        self._wrap: Callable[[str], str] = str
        self._tools_only = False
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self.port = 0

    # --- script builders ----------------------------------------------------------
    def answer(
        self,
        briefing: BriefingDict,
        *,
        prompt_tokens: int = 120,
        completion_tokens: int = 60,
        finish_reason: str = "stop",
    ) -> Self:
        """Answer with this briefing serialized as JSON message content."""
        return self._add(
            Step(
                "answer",
                dict(briefing),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                finish_reason=finish_reason,
            )
        )

    def answer_text(self, text: str, *, finish_reason: str = "stop") -> Self:
        """Answer with this exact message content (e.g. something that is not JSON)."""
        return self._add(Step("text", text, finish_reason=finish_reason))

    def answer_with(self, make: Answerer) -> Self:
        """Answer with the briefing ``make(request_body)`` returns."""
        return self._add(Step("call", make))

    def answer_by_language(self, briefings: Mapping[str | None, BriefingDict]) -> Self:
        """Answer with the briefing of the language the request's prompt asks for (by its
        language subtag: "de-AT" gets "de"'s), or with ``briefings[None]`` when it asks for
        none or one without a briefing here."""

        def answer(body: dict[str, Any]) -> BriefingDict:
            asked = requested_language(body)
            primary = asked.split("-", 1)[0].lower() if asked else None
            return briefings.get(asked, briefings.get(primary, briefings[None]))

        return self.answer_with(answer)

    def fail(self, status: int, *, retry_after: float | None = None) -> Self:
        """Answer with an OpenAI-style error body and this HTTP status."""
        return self._add(Step("fail", (status, retry_after)))

    def slow(self, seconds: float) -> Self:
        """Delay the last scripted step (or, before any step, every default answer)."""
        with self._lock:
            if self._steps:
                self._steps[-1] = replace(self._steps[-1], delay=seconds)
            else:
                self._pending_delay = seconds
        return self

    def refuse(self, mode: Mode, status: int = 400) -> Self:
        """Answer requests in this mode with an error status, whatever the script says."""
        with self._lock:
            self._refused[mode] = status
        return self

    def prose_around_json(self) -> Self:
        """Ignore response_format and put chatty prose before and after the JSON."""
        self._wrap = lambda content: (
            f"Sure! Here is the briefing you asked for:\n\n{content}\n\nLet me know if you "
            "need anything else."
        )
        return self

    def fenced_json(self) -> Self:
        """Wrap the JSON in a Markdown ```json code fence."""
        self._wrap = lambda content: f"```json\n{content}\n```"
        return self

    def tools_only(self) -> Self:
        """Answer through a call of the request's function; without tools, prose only."""
        self._tools_only = True
        return self

    @property
    def modes(self) -> list[Mode]:
        """The structured-output mode each request asked for, in order."""
        with self._lock:
            return [request_mode(body) for body in self.requests]

    @property
    def languages(self) -> list[str | None]:
        """The language each request's prompt asked the briefing in (None: none), in order."""
        with self._lock:
            return [requested_language(body) for body in self.requests]

    def then(self) -> Self:
        """Readability only: ``srv.fail(500).then().answer(...)``."""
        return self

    def _add(self, step: Step) -> Self:
        with self._lock:
            if not self._steps and self._pending_delay:
                step = replace(step, delay=self._pending_delay)
            self._steps.append(step)
        return self

    def _next_step(self) -> Step:
        with self._lock:
            if not self._steps:
                return Step("answer", DEFAULT_BRIEFING, delay=self._pending_delay)
            step = self._steps[min(self._served, len(self._steps) - 1)]
            self._served += 1
            return step

    # --- lifecycle ----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        """Start serving on a free port; returns once the port is listening."""
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._start())
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="openai-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the OpenAI test server did not start")

    def stop(self) -> None:
        """Stop serving and join the server thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        # Binding the socket ourselves is how we learn the free port the OS picked.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _stop(self) -> None:
        assert self._stopping is not None and self._runner is not None
        self._stopping.set()
        await self._runner.cleanup()

    # --- the endpoint -------------------------------------------------------------
    async def _chat_completions(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "request body is not JSON")
        with self._lock:
            self.requests.append(body)
            self.headers.append(dict(request.headers))
            refused = self._refused.get(request_mode(body))
        if refused is not None:
            return _error(refused, f"unsupported request shape ({request_mode(body)})")
        step = self._next_step()
        if step.delay:
            assert self._stopping is not None
            # Waiting on the stop event lets shutdown end a slow answer at once.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), step.delay)
        if step.kind == "fail":
            status, retry_after = step.payload
            return _error(status, f"scripted failure {status}", retry_after=retry_after)
        if step.kind == "text":
            content = step.payload
        elif step.kind == "call":
            content = json.dumps(step.payload(body))
        else:
            content = json.dumps(step.payload)
        return web.json_response(self._completion(body, step, content))

    def _message(self, body: dict[str, Any], content: str) -> tuple[dict[str, Any], str | None]:
        """The assistant message in this server's family, and the finish reason it forces."""
        if not self._tools_only:
            return {"role": "assistant", "content": self._wrap(content), "refusal": None}, None
        tools = body.get("tools") or []
        if not tools:
            return {"role": "assistant", "content": TOOLS_ONLY_PROSE, "refusal": None}, None
        call = {
            "id": f"call_{next(self._ids)}",
            "type": "function",
            "function": {"name": tools[0]["function"]["name"], "arguments": content},
        }
        message = {"role": "assistant", "content": None, "refusal": None, "tool_calls": [call]}
        return message, "tool_calls"

    def _completion(self, body: dict[str, Any], step: Step, content: str) -> dict[str, Any]:
        message, finish_reason = self._message(body, content)
        if step.finish_reason != "stop":
            finish_reason = step.finish_reason
        return {
            "id": f"chatcmpl-test{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "system_fingerprint": "fp_test",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": finish_reason or step.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": step.prompt_tokens,
                "completion_tokens": step.completion_tokens,
                "total_tokens": step.prompt_tokens + step.completion_tokens,
            },
        }


def request_mode(body: Mapping[str, Any]) -> Mode:
    """The structured-output mode a Chat Completions request body asks for."""
    if body.get("tools"):
        return "tools"
    kind = (body.get("response_format") or {}).get("type")
    if kind in ("json_schema", "json_object"):
        return kind  # type: ignore[no-any-return]
    return "prompt"


# How the summarize prompt names the language it wants (digests.summarize.prompt).
_LANGUAGE_ASKED = re.compile(r"\(IETF language tag: ([A-Za-z0-9-]+)\)")


def requested_language(body: Mapping[str, Any]) -> str | None:
    """The language tag a request's system prompt asks the briefing to be written in."""
    for message in body.get("messages") or ():
        if message.get("role") == "system" and isinstance(message.get("content"), str):
            found = _LANGUAGE_ASKED.search(message["content"])
            if found:
                return found.group(1)
    return None


def _error(status: int, message: str, *, retry_after: float | None = None) -> web.Response:
    headers = {}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    body = {
        "error": {
            "message": message,
            "type": _ERROR_TYPES.get(status, "server_error"),
            "param": None,
            "code": None,
        }
    }
    return web.json_response(body, status=status, headers=headers)


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A started OpenAI-compatible server, stopped after the test."""
    with OpenAIServer() as srv:
        yield srv
