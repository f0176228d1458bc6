"""How an Answer looks on the page, kept apart from Streamlit calls so it is plain functions."""

from __future__ import annotations

import html
import re

from bot.core.models import Citation
from bot.service import Status

EXAMPLES = (
    "我的语音聊天房小程序需要多方通信许可证吗？",
    "電商平台需要辦理EDI許可證嗎？",
    "Does my voice chat room need a multi-party license?",
)
DISCLAIMER = (
    "回答只摘录顾问文章中的原句并注明出处，不构成法律意见；是否需要办理以当地通信管理局的认定为准。"
    "知识库没有写到的，机器人会直说“知识库未覆盖”。"
)


def caption(licences: list[str]) -> str:
    """Under the page's title: the licences of the catalogue (Bot.licences), by name."""
    return " · ".join(licences) + " —— 每个结论都附原文引文"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~$])")
_MD_LINE_MARK = re.compile(r"^([-+=])", re.MULTILINE)  # list items and setext underlines; mid-line they are text
_INDENT = re.compile(r"^[ \t\u3000]+", re.MULTILINE)  # four spaces would open a code block
_MD_LIST_START = re.compile(r"^(\d+)\.", re.MULTILINE)
# Streamlit's Markdown (remark-gfm) turns "http://…", "www.…" and "a@b.c" found in the *text* into
# links, after escapes and character references are decoded; an invisible word joiner inside the
# pattern ("http:\u2060//") is the only thing that stops it. The page shows it; the Answer JSON's quotes stay verbatim.
_LINKABLE = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """Article text (titles, quotes, paragraphs) is plain text and must stay text on the page: no
    Markdown link, image, heading or list, and no bare URL or address turned into a link (GFM
    autolinks "https://…", "www.…" and e-mail addresses), whatever a scraped page contains."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(_INDENT.sub("", text), quote=False))
    escaped = _MD_LINE_MARK.sub(r"\\\1", _MD_LIST_START.sub(r"\1\\.", escaped))
    escaped = _LINKABLE.sub(WORD_JOINER, escaped)
    return escaped.replace("\n", "  \n")


def _text(piece: str) -> str:
    return escape_markdown(piece).replace("  \n", "<br>")  # already safe as HTML: & < > are entities


def highlighted(citation: Citation) -> str:
    """The paragraph around the quote, the quote itself marked; HTML- and Markdown-escaped (it goes
    out with unsafe_allow_html for the <mark>, so nothing of the article may be markup)."""
    context = citation.context or citation.quote
    at = context.find(citation.quote)
    if at < 0:
        return f"<mark>{_text(citation.quote)}</mark>"
    before, after = context[:at], context[at + len(citation.quote) :]
    return f"{_text(before)}<mark>{_text(citation.quote)}</mark>{_text(after)}"


def citation_heading(citation: Citation) -> str:
    return escape_markdown(f"[{citation.id}] 《{citation.title}》 {citation.date or '日期不详'}")


def citation_caption(citation: Citation) -> str:
    return escape_markdown(f"来源：{citation.source} · {citation.title} · {citation.date or '日期不详'}")


def knowledge_summary(status: Status) -> dict[str, str]:
    return {
        "文章": str(status.articles),
        "片段": str(status.units),
        "最近索引": status.created.replace("T", " ")[:16],
        "向量模型": status.embedder,
        "写作模型": status.llm or "无（纯摘录）",
    }
