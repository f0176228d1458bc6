"""The HTTP face of the bot: `POST /v1/ask`, `GET /healthz`, the WeChat callbacks, and OpenAI's
Chat Completions routes (bot/surfaces/openai_compat.py).

Handlers only translate HTTP to `Bot.ask` and back; everything that can go wrong with a request
becomes a JSON `{"error": ...}` with a 4xx status, and nothing shows a stack trace. Bodies are
limited before they are read (bot/surfaces/guard.py); HTTP sessions are ids the server issued and
signed, kept apart from the WeChat channels' sessions.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.core.errors import BadQuestion, NotReady
from bot.core.models import Answer
from bot.core.settings import Settings, get_settings
from bot.service import Bot
from bot.state import stores
from bot.state.session_ids import SessionIds, load_secret
from bot.surfaces.channels.callback import CallbackQuery, Rejected
from bot.surfaces.channels.official_account import OfficialAccount
from bot.surfaces.channels.wecom_kf import WeComKf
from bot.surfaces.channels.wxml import MAX_BODY_BYTES
from bot.editing.desk import ArticleDesk
from bot.surfaces import admin_api
from bot.surfaces.guard import RequestGuard
from bot.surfaces.openai_compat import PATHS as OPENAI_PATHS
from bot.surfaces.openai_compat import openai_error
from bot.surfaces.openai_compat import router as openai_routes
from bot.surfaces.logs import configure_logging

log = logging.getLogger("licensebot.api")
HTTP_SESSIONS = "http:"  # the namespace of sessions issued to HTTP clients


class AskRequest(BaseModel):
    question: StrictStr = Field(description="the question, in Chinese (simplified or traditional) or English")
    session_id: StrictStr | None = Field(
        None,
        max_length=128,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="an id this server returned in an earlier answer, to ask follow-ups",
    )


def get_bot(request: Request) -> Bot:
    return request.app.state.bot


api = APIRouter()


@api.post(
    "/v1/ask",
    response_model=Answer,
    responses={
        413: {"description": "body too large"},
        415: {"description": "not JSON"},
        422: {"description": "bad question or session_id"},
        503: {"description": "no index"},
    },
)
def ask(body: AskRequest, request: Request, bot: Annotated[Bot, Depends(get_bot)]) -> Answer:
    """Answer one question; the returned `session_id` continues the conversation."""
    ids: SessionIds = request.app.state.session_ids
    if body.session_id is not None and not ids.valid(body.session_id):
        raise HTTPException(422, "session_id: not one this server issued (send none to start a conversation)")
    session_id = body.session_id or ids.issue()
    try:
        answer = bot.ask(body.question, session_id=HTTP_SESSIONS + session_id, channel="api", user=session_id)
    except BadQuestion as exc:
        raise HTTPException(422, f"question: {exc}") from None
    except NotReady as exc:
        raise HTTPException(503, f"the knowledge base is not ready: {exc}") from None
    return answer.model_copy(update={"session_id": session_id})


@api.head("/healthz", include_in_schema=False)
@api.get("/healthz")
def healthz(request: Request, bot: Annotated[Bot, Depends(get_bot)]) -> JSONResponse:
    """200 with the index size, generation and model names when answering works; 503 while starting, without an index, or degraded."""
    if not request.app.state.ready:
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        status = bot.status()
    except NotReady as exc:
        return JSONResponse({"status": "no index", "error": str(exc)}, status_code=503)
    body = {
        "status": "degraded" if status.problem else "ok",
        **status.model_dump(exclude={"created"}),
        "chunks": status.units,
        "channels": request.app.state.channels,
    }  # chunks: the older name of units
    return JSONResponse(body, status_code=503 if status.problem else 200)


async def read_body(request: Request) -> bytes:
    """The body (RequestGuard has already refused one over the limit with 413)."""
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(413, f"body over the {MAX_BODY_BYTES}-byte limit")
    return body


def official_account_routes(oa: OfficialAccount) -> APIRouter:
    router = APIRouter(tags=["wechat"])

    @router.get("/wechat", response_class=PlainTextResponse)
    def verify(q: Annotated[CallbackQuery, Depends()]) -> PlainTextResponse:
        return PlainTextResponse(oa.echo(q))

    @router.post("/wechat")
    async def receive(request: Request, q: Annotated[CallbackQuery, Depends()]) -> Response:
        reply = await oa.receive(q, await read_body(request))
        return Response(reply, media_type="text/plain" if reply == "success" else "application/xml")

    return router


def wecom_routes(kf: WeComKf) -> APIRouter:
    router = APIRouter(tags=["wecom"])

    @router.get("/wecom/kf", response_class=PlainTextResponse)
    def verify(q: Annotated[CallbackQuery, Depends()]) -> PlainTextResponse:
        return PlainTextResponse(kf.echo(q))

    @router.post("/wecom/kf")
    async def receive(request: Request, q: Annotated[CallbackQuery, Depends()]) -> Response:
        kf.receive(q, await read_body(request))
        return Response(b"", media_type="text/plain")

    return router


def _field_error(exc: RequestValidationError) -> tuple[int, str]:
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        return 400, "the body is not valid JSON"
    if tuple(first.get("loc", ())) == ("body",):
        return 422, 'the body must be a JSON object like {"question": "…"}'
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    return 422, f"{where}: {first.get('msg', 'invalid')}"


def error_body(path: str, status: int, message: str) -> dict:
    """`{"error": message}`, or OpenAI's error object on the OpenAI-style routes (its clients read that)."""
    return openai_error(status, message) if path in OPENAI_PATHS else {"error": message}


def _error(request: Request, status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(request.url.path, status, message), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = _field_error(exc)
        if request.url.path in OPENAI_PATHS:
            status = 400  # what OpenAI answers a malformed request with
        return _error(request, status, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Rejected)
    async def rejected(request: Request, exc: Rejected) -> JSONResponse:
        log.warning("%s %s refused: %s", request.method, request.url.path, exc)
        return _error(request, exc.status, str(exc))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return _error(request, 500, "internal error; the request was logged")


def create_app(settings: Settings | None = None, bot: Bot | None = None) -> FastAPI:
    """Channels are configured (and their keys validated) here, so a bad AES key stops start-up."""
    if settings is None:  # built by uvicorn in a worker process (`serve --workers N`): log the way serve does
        settings = get_settings()
        configure_logging(settings)
    bot = bot or Bot(settings)
    workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="licensebot-answer")
    ledger = stores.ledger(settings)
    oa = OfficialAccount.from_settings(settings, bot, ledger, workers)
    kf = WeComKf.from_settings(settings, bot, ledger, workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:  # models, index and every lazy load once, before /healthz says ready
            await run_in_threadpool(bot.warm)
        except NotReady as exc:
            log.error("no usable index yet (%s): run `licensebot ingest`; /v1/ask answers 503 until then", exc)
        app.state.ready = True
        yield
        workers.shutdown(wait=False, cancel_futures=True)

    docs = settings.docs_enabled
    app = FastAPI(
        title="licensebot",
        summary="China internet licence questions answered with verbatim quotes",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.bot, app.state.official_account, app.state.wecom_kf = bot, oa, kf
    app.state.ready = False
    app.state.session_ids = SessionIds(load_secret(settings.session_secret, settings.data_dir))
    upload = settings.max_upload_bytes + admin_api.UPLOAD_OVERHEAD
    app.add_middleware(
        RequestGuard,
        limits={
            "/wechat": MAX_BODY_BYTES,
            "/wecom/kf": MAX_BODY_BYTES,
            "/v1/articles": upload,
            "/v1/articles/": upload,
        },
        default=settings.max_body_bytes,
        json_paths={"/v1/ask", "/v1/chat/completions", "/v1/debug/ask"},
        error_body=error_body,
    )
    app.state.channels = [name for name, channel in (("wechat", oa), ("wecom_kf", kf)) if channel]
    install_error_handlers(app)
    app.include_router(api)
    app.state.openai_keys = settings.openai_keys
    app.include_router(openai_routes)
    app.state.admin_token, app.state.desk = settings.admin_token, ArticleDesk(bot)
    app.include_router(admin_api.router)
    if oa:
        app.include_router(official_account_routes(oa))
    if kf:
        app.include_router(wecom_routes(kf))
    return app
