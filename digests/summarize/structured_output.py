"""Structured output: the briefing's JSON Schema, the ways of asking a Chat Completions server
to answer in it, and the order in which they are tried until one is honoured."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from openai.types.chat import ChatCompletionFunctionToolParam
from openai.types.shared_params import ResponseFormatJSONSchema

BRIEFING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "headline": {
            "type": "string",
            "description": "A plain, factual headline of at most 120 characters.",
        },
        "summary": {
            "type": "string",
            "description": "1-3 sentences, at most 60 words, only what the article states.",
        },
        "key_facts": {
            "type": "array",
            "items": {"type": "string"},
            "description": "2-5 facts, each at most 30 words, taken from the article.",
        },
        "why_it_matters": {
            "type": ["string", "null"],
            "description": "One sentence, only when the article itself supports it; else null.",
        },
    },
    "required": ["headline", "summary", "key_facts", "why_it_matters"],
    "additionalProperties": False,
}

RESPONSE_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {"name": "briefing", "strict": True, "schema": BRIEFING_SCHEMA},
}
# "schema" is not OpenAI's: llama.cpp's servers (llama-server and llama-cpp-python) constrain
# a json_object answer to it; servers that do not know it ignore it.
JSON_OBJECT_FORMAT: dict[str, Any] = {"type": "json_object", "schema": BRIEFING_SCHEMA}

BRIEFING_TOOL_NAME = "submit_briefing"
BRIEFING_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": BRIEFING_TOOL_NAME,
        "description": "Submit the briefing of the article.",
        "parameters": BRIEFING_SCHEMA,
    },
}


class OutputMode(StrEnum):
    """How a request asks the server for the briefing's JSON."""

    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    TOOLS = "tools"
    PROMPT = "prompt"


# Best constrained first. A mode the server refuses costs one request per process, then the
# mode that answered serves every article, so the order buys quality, not requests: json_schema
# is decoded to the schema by OpenAI, vLLM, Ollama, LM Studio and llama-server; json_object
# carries the schema llama.cpp's servers constrain to (llama-cpp-python refuses json_schema);
# tool calling is for servers that only constrain function arguments; a plain prompt is refused
# by no server, so it must come last.
NEGOTIATION_ORDER = (
    OutputMode.JSON_SCHEMA,
    OutputMode.JSON_OBJECT,
    OutputMode.TOOLS,
    OutputMode.PROMPT,
)

# Statuses that say "not this request shape". 401/403 (the key), 404 (the model or path),
# 408/409/429 and 502-504 (transient) are not about the mode and end the attempt instead.
MODE_REFUSED_STATUSES = frozenset({400, 405, 415, 422, 500, 501})
