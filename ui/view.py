"""How an Answer looks on the page, kept apart from Streamlit calls so it is plain functions."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from bot.core.models import Citation
from bot.core.settings import Settings
from bot.service import Bot, Status, page_messages


@dataclass(frozen=True)
class PageWords:
    """The page's own words, from knowledge/messages/<LICENSEBOT_PAGE_LANGUAGE>.yaml (Bot.messages), so a
    translator edits YAML. The staff pages (operator, knowledge, password) and the errors said before the
    bot loads take theirs from `of_settings`, without the bot."""

    messages: Any  # bot.kb.messages.Messages (the page imports bot.service and bot.core only)
    language: str

    def __call__(self, key: str, **fills: str) -> str:
        text = str(self.messages.t(self.language, key))
        return text.format(**fills) if fills else text

    @classmethod
    def of(cls, bot: Bot) -> "PageWords":
        return cls(bot.messages(), bot.settings.page_language)

    @classmethod
    def of_settings(cls, settings: Settings) -> "PageWords":
        """Without a loaded bot: the staff pages ask for the password before the model loads."""
        return cls(page_messages(settings), settings.page_language)


def examples(say: PageWords) -> list[str]:
    return [say("example"), say("example_2"), say("page_example_3")]


def caption(licences: list[str], say: PageWords) -> str:
    """Under the page's title: the licences of the catalogue (Bot.licences), by name."""
    return say("page_caption", licences=" · ".join(licences))


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


def citation_heading(citation: Citation, say: PageWords) -> str:
    return escape_markdown(f"[{citation.id}] 《{citation.title}》 {citation.date or say('undated')}")


def citation_caption(citation: Citation, say: PageWords) -> str:
    return escape_markdown(
        f"{say('page_source')}{say('colon')}{citation.source} · {citation.title} · {citation.date or say('undated')}"
    )


def knowledge_summary(status: Status, say: PageWords) -> dict[str, str]:
    return {
        say("page_articles"): str(status.articles),
        say("page_units"): str(status.units),
        say("page_indexed"): status.created.replace("T", " ")[:16],
        say("page_embedder"): status.embedder,
        say("page_writer"): status.llm or say("page_no_writer"),
    }
