"""How an Answer looks on the page, kept apart from Streamlit calls so it is plain functions."""
from __future__ import annotations

import html
import re

from bot.core.models import Citation
from bot.service import Status
EXAMPLES = ("我的语音聊天房小程序需要多方通信许可证吗？", "電商平台需要辦理EDI許可證嗎？",
            "Does my voice chat room need a multi-party license?")
DISCLAIMER = ("回答只摘录顾问文章中的原句并注明出处，不构成法律意见；是否需要办理以当地通信管理局的认定为准。"
              "知识库没有写到的，机器人会直说“知识库未覆盖”。")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~<>$-])")
_MD_LIST_START = re.compile(r"^(\d+)\.", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """The answer is plain text; keep "[1]" and "1." from turning into Markdown syntax."""
    escaped = _MD_LIST_START.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", text))
    return escaped.replace("\n", "  \n")


def highlighted(citation: Citation) -> str:
    """The paragraph around the quote, the quote itself marked; HTML-escaped."""
    context = citation.context or citation.quote
    at = context.find(citation.quote)
    if at < 0:
        return f"<mark>{html.escape(citation.quote)}</mark>"
    before, after = context[:at], context[at + len(citation.quote):]
    return f"{html.escape(before)}<mark>{html.escape(citation.quote)}</mark>{html.escape(after)}"


def citation_heading(citation: Citation) -> str:
    return f"[{citation.id}] 《{citation.title}》 {citation.date or '日期不详'}"


def knowledge_summary(status: Status) -> dict[str, str]:
    return {"文章": str(status.articles), "片段": str(status.units), "最近索引": status.created.replace("T", " ")[:16],
            "向量模型": status.embedder, "写作模型": status.llm or "无（纯摘录）"}
