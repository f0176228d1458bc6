"""Optional: let an OpenAI-compatible model reword the answer text, never the facts.

The verdicts, licences and quotes stay those of the extractive answer. The model only writes
prose around them, and every line it writes must pass the one grounding check every answer passes
(bot/answering/ground.py): a valid [n] marker, quoted spans verbatim in the cited quotes, every
figure (by value, whatever its numerals), 《title》 and licence name found there, no obligation stated
or negated otherwise than computed, and no URL, e-mail, phone number or link. Lines that fail are
dropped; if nothing survives (or the endpoint fails) the extractive answer is returned.
"""

from __future__ import annotations

import logging

from bot.answering.ground import MARKER, line_problems
from bot.core.models import Answer, Mode
from bot.core.settings import Settings
from bot.kb.catalog import Catalog

log = logging.getLogger(__name__)

PROMPT = """你是中国互联网资质问题的助手。只能根据下面编号的引文回答，不得添加引文之外的事实、数字或机构。
每一句都要以对应引文编号结尾，例如 [1]。先给结论（与“系统结论”一致），再给理由。使用纯文本，不要使用 Markdown。
{language}
系统结论：{verdict}
问题：{question}
引文：
{quotes}
"""


def verified_lines(text: str, answer: Answer, catalog: Catalog) -> list[str]:
    kept = []
    for line in (l.strip().replace("**", "").replace("#", "") for l in text.splitlines()):
        if not line or not MARKER.search(line):
            continue
        problems = line_problems(line, answer, catalog)
        if problems:
            log.info("LLM line dropped (%s): %s", "; ".join(problems), line[:80])
            continue
        kept.append(line)
    return kept


def rewrite_with_llm(answer: Answer, settings: Settings, catalog: Catalog) -> Answer:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        log.error(
            "LICENSEBOT_LLM_* is set but the LLM writer is not installed (pip install -e '.[llm]'); "
            "answering extractively"
        )
        return answer
    try:
        model = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "none",
            model=settings.llm_model,
            timeout=settings.llm_timeout_s,
            max_retries=0,
            temperature=0,
        )
        quotes = "\n".join(f"[{c.id}] {c.quote}（{c.title}，{c.date or '日期不详'}）" for c in answer.citations)
        language = (
            "用英文回答（引文保持原文）。Answer in English; keep quotes in the original Chinese."
            if answer.language == "en"
            else "用中文回答。"
        )
        reply = model.invoke(
            PROMPT.format(
                language=language, verdict=answer.answer.splitlines()[0], question=answer.question, quotes=quotes
            )
        )
        lines = verified_lines(str(reply.content), answer, catalog)
    except Exception as exc:  # the extractive answer is always there to fall back on
        log.warning("LLM rewrite failed, keeping the extractive answer: %s", exc)
        return answer
    if not lines:
        return answer
    caution = answer.answer.splitlines()[-1]
    return answer.model_copy(
        update={"answer": "\n".join([answer.answer.splitlines()[0], *lines, caution]), "mode": Mode.llm}
    )
