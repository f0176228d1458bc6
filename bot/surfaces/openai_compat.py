"""The OpenAI Chat Completions face of the bot: `GET /v1/models` and `POST /v1/chat/completions`,
so that any OpenAI client (chatgpt-on-wechat, Open WebUI, LobeChat, Dify, one-api, the SDKs) can use
licensebot as a "model" without glue code.

The response bodies are the `openai` package's own models (its types follow OpenAI's published
schema), so a client parses them as it would OpenAI's. The request model is ours and lenient:
parameters that mean nothing for an extractive answer (temperature, top_p, max_tokens, tools…) are
accepted and ignored. The conversation lives in the client: the user's earlier messages are read
back (`Bot.ask(history=…)`), so follow-ups work without our session ids and without server state.
System prompts are ignored on purpose: a caller's instructions do not change what the articles say.

The Answer the other surfaces return rides along in a `licensebot` field, which OpenAI clients
ignore and a client that knows it can use to render sources.
"""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from fastapi.sse import EventSourceResponse
from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from bot.core.errors import BadQuestion, NotReady
from bot.core.models import Answer
from bot.service import Bot
from bot.surfaces.render import render_text

MODEL_ID = "licensebot"
PATHS = ("/v1/models", "/v1/chat/completions")  # where errors take OpenAI's shape
ANSWER_FIELD = "licensebot"  # the extra field carrying the structured Answer


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: StrictStr
    text: StrictStr | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: StrictStr = Field(description="system, developer, user, assistant or tool; only user messages are read")
    content: StrictStr | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's request body; what is not listed is accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: StrictStr = Field(MODEL_ID, description="any name is answered by licensebot")
    messages: list[ChatMessage] = Field(min_length=1, description="the conversation; the last one is the question")
    stream: bool = Field(False, description="answer as server-sent `chat.completion.chunk` events")
    n: int = Field(1, ge=1, le=8, description="that many identical choices (the answer is deterministic)")
    user: StrictStr | None = Field(None, max_length=256, description="the asker, for the question log")


def openai_error(status: int, message: str, param: str | None = None) -> dict[str, Any]:
    """The body OpenAI sends with a 4xx (its clients read `error.message`)."""
    kind = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}.get(
        status, "invalid_request_error" if status < 500 else "server_error"
    )
    code = {401: "invalid_api_key", 413: "request_too_large", 415: "unsupported_media_type"}.get(status)
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def check_key(request: Request) -> None:
    """Open when no keys are configured (as /v1/ask is); otherwise the bearer token must be one of them."""
    keys: list[str] = request.app.state.openai_keys
    if not keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    given = token.strip().encode() if scheme.lower() == "bearer" else b""
    if not any(hmac.compare_digest(given, key.encode()) for key in keys):
        raise HTTPException(401, "Incorrect API key provided (send Authorization: Bearer <one of the configured keys>)")


def get_bot(request: Request) -> Bot:
    bot: Bot = request.app.state.bot
    return bot


router = APIRouter(tags=["openai"], dependencies=[Depends(check_key)])


@router.get("/v1/models")
def models() -> dict[str, Any]:
    """The one model this server answers as."""
    model = Model(id=MODEL_ID, created=0, object="model", owned_by="licensebot")
    return {"object": "list", "data": [model.model_dump(exclude_none=True)]}


@router.post(
    "/v1/chat/completions",
    response_model=None,
    responses={
        200: {"description": "a chat.completion, or with stream=true server-sent chat.completion.chunk events"},
        400: {"description": "no user message to answer, or a bad field"},
        401: {"description": "keys are configured and the bearer token is none of them"},
        413: {"description": "body too large"},
        415: {"description": "not JSON"},
        503: {"description": "no index"},
    },
)
async def chat_completions(body: ChatRequest, bot: Annotated[Bot, Depends(get_bot)]) -> Any:
    """OpenAI's Chat Completions: the last message is the question (it must be the user's), the
    user's earlier messages the conversation. The reply's `licensebot` field is the Answer of /v1/ask."""
    if body.messages[-1].role != "user":
        raise HTTPException(400, "messages: the last message must be the user's question")
    question = body.messages[-1].text()
    history = [m.text() for m in body.messages[:-1] if m.role == "user"]
    try:
        answer = await run_in_threadpool(bot.ask, question, None, "openai", body.user, history)
    except BadQuestion as exc:
        raise HTTPException(400, f"messages: the last user message: {exc}") from None
    except NotReady as exc:
        raise HTTPException(503, f"the knowledge base is not ready: {exc}") from None
    reply_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    text = render_text(answer, bot.messages())
    if body.stream:
        chunked = chunks(reply_id, created, text, answer, body.n)
        events = (f"data: {chunk.model_dump_json(exclude_unset=True)}\n\n" for chunk in chunked)
        return StreamingResponse(_with_done(events), media_type=EventSourceResponse.media_type)
    return completion(reply_id, created, text, answer, body.n).model_dump(mode="json", exclude_unset=True)


def completion(reply_id: str, created: int, text: str, answer: Answer, n: int) -> ChatCompletion:
    choice = {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
    return ChatCompletion.model_validate(
        {
            "id": reply_id,
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "choices": [{**choice, "index": i} for i in range(n)],
            ANSWER_FIELD: answer.model_dump(mode="json"),
        }
    )


def chunks(reply_id: str, created: int, text: str, answer: Answer, n: int) -> Iterator[ChatCompletionChunk]:
    """The text line by line (the answer is whole before the first byte: streaming is for the
    client's sake), then a last chunk with the finish reason and the Answer."""
    head = {"id": reply_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID}

    def chunk(delta: dict[str, str], finish: Literal["stop"] | None = None, **extra: Any) -> ChatCompletionChunk:
        choices = [{"index": i, "delta": delta, "finish_reason": finish} for i in range(n)]
        return ChatCompletionChunk.model_validate({**head, "choices": choices, **extra})

    yield chunk({"role": "assistant", "content": ""})
    for line in text.splitlines(keepends=True):
        yield chunk({"content": line})
    yield chunk({}, "stop", **{ANSWER_FIELD: answer.model_dump(mode="json")})


def _with_done(events: Iterator[str]) -> Iterator[str]:
    yield from events
    yield "data: [DONE]\n\n"
