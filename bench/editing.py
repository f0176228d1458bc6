"""What an editor waits for on the 知识库 page or `POST /v1/articles`: an upload until the bot answers from
it, a Word upload, a replace and a delete — each through ArticleDesk, as the page and the API apply them
(per-article ingest under the lock, then the reload), at whichever corpus `settings` holds.

Run alone: `python bench/editing.py DATA_DIR [UPLOADS_DIR]` on an ingested data dir (UPLOADS_DIR: a folder
of articles already indexed beside the shipped ones, e.g. the synthetic corpus, so that the desk's
corpus is that big)."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from bot.editing.desk import ArticleDesk
from bot.index.embedders import E5SmallEmbedder, Embedder
from bot.core.settings import Settings
from bot.service import Bot

GUIDE = (
    "网络出版服务许可证办理指南\n\n"
    "网络出版服务许可证是从事网络出版服务的企业必须取得的资质，由国家新闻出版署审批。\n\n"
    "申请网络出版服务许可证的企业，注册资本不少于1000万元，并且需要有8名以上具有中级以上出版专业职业资格的编辑人员。\n\n"
    "网络出版服务许可证的审批时间一般为60个工作日左右。\n"
)
QUESTION = "网络出版服务许可证的注册资本要求是多少？"


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in filter(None, (line.strip() for line in text.splitlines())):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload_figures(settings: Settings, embedder: Embedder) -> dict:
    """Seconds per change until it is answerable; the first answer after it, and whether it cites the upload."""
    bot = Bot(settings, embedder)
    bot.loaded()
    desk = ArticleDesk(bot)
    figures: dict = {}

    def timed(name: str, change):
        started = time.perf_counter()
        result = change()
        figures[name] = round(time.perf_counter() - started, 2)
        return result

    item = timed("upload_txt_s", lambda: desk.add("bench_publishing.txt", GUIDE.encode()))
    started = time.perf_counter()
    answer = bot.ask(QUESTION)
    figures["first_answer_ms"] = round((time.perf_counter() - started) * 1000)
    figures["cites_upload"] = any(c.source == item.source for c in answer.citations)
    timed("replace_s", lambda: desk.replace(item.id, (GUIDE + "\n网络出版服务许可证有效期为5年。\n").encode()))
    timed("delete_s", lambda: desk.delete(item.id))
    word = timed("upload_docx_s", lambda: desk.add("bench_publishing.docx", _docx(GUIDE)))
    desk.delete(word.id)
    return figures


if __name__ == "__main__":
    extra = {"uploads_dir": Path(sys.argv[2])} if len(sys.argv) > 2 else {}
    print(upload_figures(Settings(data_dir=Path(sys.argv[1]), _env_file=None, **extra), E5SmallEmbedder()))
