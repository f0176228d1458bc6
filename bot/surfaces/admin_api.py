"""The knowledge page's functions over HTTP, for scripts: `/v1/articles` (list, look inside, upload,
replace, delete) and `POST /v1/debug/ask` (the Answer plus how the question was read).

Behind `Authorization: Bearer $LICENSEBOT_ADMIN_TOKEN`; with no token configured the routes do not
exist (404), so a deployment that never set one exposes nothing new. Handlers only translate: the
work is bot/editing's, which applies each change as a per-article ingest and reloads before the
response, so an upload's 201 means the article is answerable.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from pydantic import BaseModel, Field, StrictStr

from bot.core.errors import BadQuestion, NotReady
from bot.core.models import Answer, Reading
from bot.editing.desk import ArticleDesk, ArticleDetail, ArticleItem
from bot.editing.uploads import UploadRejected
from bot.service import Bot

UPLOAD_OVERHEAD = 64 * 1024  # multipart headers and boundaries around the file


def check_token(request: Request) -> None:
    token: str | None = request.app.state.admin_token
    if not token:
        raise HTTPException(404, "Not Found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPException(401, "send Authorization: Bearer <LICENSEBOT_ADMIN_TOKEN>")


def get_desk(request: Request) -> ArticleDesk:
    desk: ArticleDesk = request.app.state.desk
    return desk


Desk = Annotated[ArticleDesk, Depends(get_desk)]
Upload = Annotated[UploadFile, File(description="the article: .txt, .md or .html, UTF-8 or GB18030")]
router = APIRouter(tags=["knowledge"], dependencies=[Depends(check_token)])
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or wrong bearer token"},
    404: {"description": "no such article, or no LICENSEBOT_ADMIN_TOKEN configured"},
}
UPLOAD_REFUSALS: dict[int | str, dict[str, Any]] = {
    **REFUSALS,
    409: {"description": "an article of that name, or the same file, exists already"},
    413: {"description": "over LICENSEBOT_MAX_UPLOAD_BYTES"},
    415: {"description": "not a text article (.txt, .md, .html)"},
    422: {"description": "empty, undecodable, no text left after cleaning, or a name with path separators"},
}


def _rejected(exc: UploadRejected) -> HTTPException:
    return HTTPException(exc.status, str(exc))


def _missing(article_id: str) -> HTTPException:
    return HTTPException(404, f"no article with id {article_id!r} (GET /v1/articles lists them)")


@router.get("/v1/articles", response_model=list[ArticleItem], responses=REFUSALS)
def list_articles(desk: Desk) -> list[ArticleItem]:
    """The indexed articles: title, date, source file, units, licences, when indexed, problems."""
    return desk.articles()


@router.get("/v1/articles/{article_id}", response_model=ArticleDetail, responses=REFUSALS)
def article(article_id: str, desk: Desk) -> ArticleDetail:
    """One article with its evidence units, what cleaning removed and its problems."""
    try:
        return desk.article(article_id)
    except KeyError:
        raise _missing(article_id) from None


@router.post("/v1/articles", status_code=201, response_model=ArticleItem, responses=UPLOAD_REFUSALS)
def upload(file: Upload, desk: Desk) -> ArticleItem:
    """Add an article (multipart, field `file`); answers once it is answerable."""
    try:
        return desk.add(file.filename, file.file.read(desk.settings.max_upload_bytes + 1))
    except UploadRejected as exc:
        raise _rejected(exc) from None


@router.put("/v1/articles/{article_id}", response_model=ArticleItem, responses=UPLOAD_REFUSALS)
def replace(article_id: str, file: Upload, desk: Desk) -> ArticleItem:
    """Replace an article's text (a shipped one is replaced by an upload of its name)."""
    try:
        return desk.replace(article_id, file.file.read(desk.settings.max_upload_bytes + 1))
    except UploadRejected as exc:
        raise _rejected(exc) from None
    except KeyError:
        raise _missing(article_id) from None


@router.delete("/v1/articles/{article_id}", responses={**REFUSALS, 409: {"description": "a shipped article"}})
def delete(article_id: str, desk: Desk) -> dict[str, str]:
    """Remove an uploaded article (one that replaced a shipped article gives the shipped one back)."""
    try:
        desk.delete(article_id)
    except UploadRejected as exc:
        raise _rejected(exc) from None
    except KeyError:
        raise _missing(article_id) from None
    return {"deleted": article_id}


class DebugAsk(BaseModel):
    question: StrictStr = Field(description="the question to try")


class DebugAnswer(BaseModel):
    answer: Answer
    reading: Reading | None = Field(
        description="how the question was read: clauses, facts, intent, refusal, retrieved units"
    )


@router.post("/v1/debug/ask", response_model=DebugAnswer, responses={**REFUSALS, 422: {"description": "bad question"}})
def debug_ask(body: DebugAsk, request: Request) -> DebugAnswer:
    """The hit test: the Answer JSON plus the reading; nothing is logged or remembered."""
    bot: Bot = request.app.state.bot
    try:
        turn = bot.turn(body.question)
    except BadQuestion as exc:
        raise HTTPException(422, f"question: {exc}") from None
    except NotReady as exc:
        raise HTTPException(503, f"the knowledge base is not ready: {exc}") from None
    return DebugAnswer(answer=turn.answer, reading=turn.reading)
