"""Reading a model's answer: the briefing's JSON found in what the server sent, normalised
and checked against the briefing rules, with a short reason when it is not the briefing."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from openai.types.chat import ChatCompletionMessage
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from digests.summarize.limits import FACT_MAX_WORDS as MAX_FACT_WORDS
from digests.summarize.limits import FACTS_MAX as MAX_FACTS
from digests.summarize.limits import HEADLINE_MAX_CHARS as MAX_HEADLINE_CHARS
from digests.summarize.limits import SUMMARY_MAX_WORDS as MAX_SUMMARY_WORDS
from digests.summarize.limits import WHY_MAX_WORDS as MAX_WHY_WORDS

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FENCE = re.compile(r"```[ \t]*(?:json)?[ \t]*\n?(.*?)```", re.DOTALL | re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
# Prose with many braces must not make the search quadratic in the answer's length.
_MAX_OBJECT_STARTS = 64


class AnswerShapeError(ValueError):
    """The answer is not the briefing's JSON at all: the server ignored the requested mode."""


def find_json_object(text: str) -> dict[str, Any] | None:
    """The briefing-like JSON object in a model's answer, or None.

    Tolerates what servers that ignore structured output do: code fences, prose before and
    after the object, a wrapping object, trailing commas.
    """
    pieces = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for piece in pieces:
        for candidate in (piece, _TRAILING_COMMA.sub(r"\1", piece)):
            found = _first_object(candidate)
            if found is not None:
                return found
    return None


def _first_object(text: str) -> dict[str, Any] | None:
    """The first decodable object holding a summary, else the first decodable object."""
    decoder = json.JSONDecoder()
    first: dict[str, Any] | None = None
    starts = (m.start() for m in re.finditer(r"\{", text))
    for start in itertools.islice(starts, _MAX_OBJECT_STARTS):
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            if "summary" in value:
                return value
            if first is None:
                first = value
    return first


def _not_json_reason(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return "answer is not JSON"
    return "answer is not a JSON object"


def _words(text: str) -> int:
    return len(text.split())


def _clean(text: str) -> str:
    return " ".join(text.split())


def _clip_summary(summary: str) -> str:
    """Keep whole leading sentences up to the word limit; the first must fit on its own."""
    kept: list[str] = []
    total = 0
    for sentence in _SENTENCE_END.split(summary):
        count = _words(sentence)
        if total + count > MAX_SUMMARY_WORDS or len(kept) == 3:
            break
        kept.append(sentence)
        total += count
    if not kept:
        raise ValueError(f"summary is longer than {MAX_SUMMARY_WORDS} words")
    return " ".join(kept)


def _clip_headline(headline: str) -> str:
    if len(headline) <= MAX_HEADLINE_CHARS:
        return headline
    cut = headline[: MAX_HEADLINE_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def headline_of_title(title: str) -> str:
    """The article's own title as a briefing headline: spaces tidied, clipped to the limit."""
    return _clip_headline(_clean(title))


class ModelAnswer(BaseModel):
    """The model's structured answer, normalised and checked against the briefing rules."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    headline: str
    summary: str
    key_facts: tuple[str, ...]
    why_it_matters: str | None = None
    # Facts removed for breaking the length rule; they count as dropped facts.
    overlong_facts: int = 0

    @field_validator("headline")
    @classmethod
    def _headline(cls, value: str) -> str:
        return _clip_headline(_clean(value))

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        value = _clean(value)
        if not value:
            raise ValueError("summary is empty")
        return _clip_summary(value)

    @field_validator("why_it_matters")
    @classmethod
    def _why(cls, value: str | None) -> str | None:
        value = _clean(value or "")
        if not value or value.lower() in {"null", "none", "n/a"}:
            return None
        return value if _words(value) <= MAX_WHY_WORDS else None

    @classmethod
    def parse(cls, content: str) -> ModelAnswer:
        """Validate raw answer text; raise AnswerShapeError when it is not the briefing's
        JSON and ValueError when it breaks a briefing rule, each with a short reason."""
        data = find_json_object(content)
        if data is None:
            raise AnswerShapeError(_not_json_reason(content))
        raw_facts = data.get("key_facts")
        if not isinstance(raw_facts, list) or not all(isinstance(f, str) for f in raw_facts):
            raise AnswerShapeError("key_facts is not a list of strings")
        facts = [_clean(f) for f in raw_facts if _clean(f)]
        short = [f for f in facts if _words(f) <= MAX_FACT_WORDS]
        try:
            return cls.model_validate(
                {
                    **data,
                    "key_facts": tuple(short[:MAX_FACTS]),
                    "overlong_facts": len(facts) - len(short),
                }
            )
        except ValidationError as exc:
            errors = exc.errors()
            err = errors[0]
            field = ".".join(str(p) for p in err["loc"]) or "answer"
            message = err["msg"].removeprefix("Value error, ")
            # A missing key or a wrong type is the shape; a failed validator is a rule.
            shape = any(e["type"] != "value_error" for e in errors)
            error = AnswerShapeError if shape else ValueError
            raise error(f"invalid {field}: {message}") from None


def answer_text(message: ChatCompletionMessage) -> str:
    """The text that holds the model's JSON: a function call's arguments, else the content."""
    for call in message.tool_calls or ():
        if call.type == "function":
            arguments: object = call.function.arguments
            # A few servers send the arguments as an object instead of a JSON string.
            return arguments if isinstance(arguments, str) else json.dumps(arguments)
    return message.content or ""
