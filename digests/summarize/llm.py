"""The OpenAI-compatible summarizer: a checked briefing from any Chat Completions endpoint.

It speaks the Chat Completions API that OpenAI, Ollama, vLLM, LM Studio and llama.cpp share,
finds out which way of asking for structured output the server honours
(``structured_output``), hands the article over as untrusted data (``prompt``) and checks the
answer (``model_answer``, then the fact check).
"""

from __future__ import annotations

import asyncio
import logging

import openai
from openai import omit

from digests.config import SummarizerConfig
from digests.errors import SummaryError
from digests.language import article_language, known_language, load_detector
from digests.records import Briefing, SummaryInput
from digests.summarize.facts import Languages, check_facts, is_grounded
from digests.summarize.model_answer import (
    AnswerShapeError,
    ModelAnswer,
    answer_text,
    headline_of_title,
)
from digests.summarize.prompt import build_messages
from digests.summarize.structured_output import (
    BRIEFING_TOOL,
    JSON_OBJECT_FORMAT,
    MODE_REFUSED_STATUSES,
    NEGOTIATION_ORDER,
    RESPONSE_FORMAT,
    OutputMode,
)

logger = logging.getLogger(__name__)


def describe_api_error(error: openai.OpenAIError) -> str:
    """A short reason for an SDK error; never the server's message, which may echo the key."""
    if isinstance(error, openai.APITimeoutError):
        return "request timed out"
    if isinstance(error, openai.APIConnectionError):
        return "connection failed"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    if isinstance(error, openai.APIResponseValidationError):
        return "unexpected response shape"
    return type(error).__name__


class _ModeNotHonoured(SummaryError):
    """The server refused the request's output mode or answered without the briefing's JSON."""


class _RuleBroken(SummaryError):
    """The answer is the briefing's JSON but breaks a briefing rule: the mode worked."""


class OpenAISummarizer:
    """Summarizes through an OpenAI-compatible Chat Completions endpoint.

    The first article negotiates the output mode (``NEGOTIATION_ORDER``, moving on when the
    server refuses a mode or ignores it); the mode that answered is kept for this summarizer,
    which serves one base URL and model for the life of the process. Transient failures
    (timeouts, connection errors, 429, 502-504) end the attempt and teach nothing.
    """

    name = "openai"

    def __init__(
        self,
        config: SummarizerConfig,
        *,
        api_key: str,
        base_url: str | None = None,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        self._config = config
        self._api_key = api_key
        if client is None:
            self._owns_client = True
            self._client = openai.AsyncOpenAI(
                api_key=api_key,
                base_url=base_url,
                timeout=config.timeout_seconds,
                max_retries=config.max_retries,
            )
        else:
            self._owns_client = False
            self._client = client.with_options(
                timeout=config.timeout_seconds, max_retries=config.max_retries
            )
        pinned = config.structured_output
        self._mode: OutputMode | None = None if pinned == "auto" else OutputMode(pinned)
        # Concurrent first articles wait for one negotiation instead of each sending every
        # refused shape.
        self._negotiating = asyncio.Lock()

    @property
    def model(self) -> str:
        return self._config.model

    @property
    def output_mode(self) -> OutputMode | None:
        """The output mode in use: pinned in the config or negotiated; None before that."""
        return self._mode

    async def close(self) -> None:
        """Close the HTTP connections of a client this summarizer created."""
        if self._owns_client:
            await self._client.close()

    async def summarize(self, item: SummaryInput) -> Briefing:
        """Ask the model for a briefing and check it; raise SummaryError on any failure."""
        if item.language:
            # The answer's language is checked; the detector loads off the event loop.
            await asyncio.to_thread(load_detector)
        mode = self._mode
        if mode is None:
            async with self._negotiating:
                mode = self._mode
                if mode is None:
                    return await self._negotiate(item)
        try:
            answer, tokens = await self._ask(item, mode)
        except _ModeNotHonoured as exc:
            # A mode that answered before and fails now failed on this article only.
            raise SummaryError(self._reason(str(exc))) from None
        return self._checked(item, answer, tokens)

    async def _negotiate(self, item: SummaryInput) -> Briefing:
        """Brief the item in the first mode the server honours, and keep that mode."""
        refused: list[tuple[OutputMode, str]] = []
        for mode in NEGOTIATION_ORDER:
            try:
                answer, tokens = await self._ask(item, mode)
            except _ModeNotHonoured as exc:
                refused.append((mode, str(exc)))
                continue
            except _RuleBroken:
                self._settle(mode, refused)
                raise
            self._settle(mode, refused)
            return self._checked(item, answer, tokens)
        # Nothing is learned: the article, not the modes, may be what every mode refused.
        reasons = {reason for _, reason in refused}
        if len(reasons) == 1:
            raise SummaryError(self._reason(f"{reasons.pop()} in every output mode"))
        tried = ", ".join(f"{m}: {reason}" for m, reason in refused)
        raise SummaryError(self._reason(f"no output mode worked ({tried})"))

    def _settle(self, mode: OutputMode, refused: list[tuple[OutputMode, str]]) -> None:
        self._mode = mode
        logger.info(
            "model %r answers in %s mode%s",
            self._config.model,
            mode,
            "".join(f"; {m} failed: {reason}" for m, reason in refused),
        )

    async def _ask(self, item: SummaryInput, mode: OutputMode) -> tuple[ModelAnswer, int]:
        """The model's validated answer in this mode and the tokens it cost.

        Raises _ModeNotHonoured when the server refuses the mode or ignores it, _RuleBroken
        when the answer breaks a briefing rule, SummaryError for every other failure.
        """
        tools = mode is OutputMode.TOOLS
        try:
            completion = await self._client.chat.completions.create(
                model=self._config.model,
                messages=build_messages(item, self._config.max_input_chars, mode),
                response_format=RESPONSE_FORMAT if mode is OutputMode.JSON_SCHEMA else omit,
                tools=[BRIEFING_TOOL] if tools else omit,
                # "required", not the named function: llama-server refuses a named choice.
                tool_choice="required" if tools else omit,
                extra_body=(
                    {"response_format": JSON_OBJECT_FORMAT}
                    if mode is OutputMode.JSON_OBJECT
                    else None
                ),
                temperature=0,
            )
        except openai.APIStatusError as exc:
            if exc.status_code in MODE_REFUSED_STATUSES:
                raise _ModeNotHonoured(describe_api_error(exc)) from None
            raise SummaryError(self._reason(describe_api_error(exc))) from None
        except openai.OpenAIError as exc:
            raise SummaryError(self._reason(describe_api_error(exc))) from None
        if not completion.choices:
            raise SummaryError(self._reason("answer has no choices"))
        choice = completion.choices[0]
        if choice.message.refusal:
            raise SummaryError(self._reason("model refused"))
        if choice.finish_reason == "length":
            raise SummaryError(self._reason("answer was cut off"))
        try:
            answer = ModelAnswer.parse(answer_text(choice.message))
        except AnswerShapeError as exc:
            raise _ModeNotHonoured(str(exc)) from None
        except ValueError as exc:
            raise _RuleBroken(self._reason(str(exc))) from None
        return answer, completion.usage.total_tokens if completion.usage else 0

    def _checked(self, item: SummaryInput, answer: ModelAnswer, tokens: int) -> Briefing:
        """The briefing of a valid answer, keeping only what the article supports.

        A briefing asked for in another language is checked against the article all the
        same: its names and figures must be the article's (``facts.Languages``).
        """
        source = f"{item.title}\n{item.text}"
        # The language asked for, unless the answer is clearly in another one.
        written = article_language(item.language, answer.summary) if item.language else None
        written = written or item.source_language
        languages = Languages(statement=written, source=item.source_language)
        # The summary is the briefing: when it says what the article does not, nothing of the
        # answer is trusted. An article that smuggles in instructions must not get the model
        # to say things the article does not.
        if not is_grounded(answer.summary, source, languages):
            raise SummaryError(self._reason("summary failed the fact check"))
        # A fact, headline or consequence that fails is dropped on its own.
        kept, dropped = check_facts(answer.key_facts, source, languages)
        headline = answer.headline if is_grounded(answer.headline, source, languages) else ""
        why = answer.why_it_matters
        if why is not None and not is_grounded(why, source, languages):
            why = None
        return Briefing(
            headline=headline or headline_of_title(item.title),
            summary=answer.summary,
            key_facts=kept,
            why_it_matters=why,
            summarizer="openai",
            dropped_facts=dropped + answer.overlong_facts,
            tokens=tokens,
            language=known_language(written),
        )

    def _reason(self, reason: str) -> str:
        # Belt and braces: no reason may ever carry the API key.
        if self._api_key:
            reason = reason.replace(self._api_key, "***")
        return f"openai: {reason}"
