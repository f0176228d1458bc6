"""Plain-text rendering of an Answer for terminals and chat channels (no Markdown anywhere:
WeChat shows asterisks literally)."""
from __future__ import annotations

from bot.core.models import Answer


def short_title(title: str, limit: int = 18) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def quoted_in_answer(answer: Answer, quote: str) -> bool:
    """A quote the answer text already shows whole need not be printed twice under it."""
    return f"“{quote}”" in answer.answer


def render_text(answer: Answer, with_context: bool = False) -> str:
    english = answer.language == "en"
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "Sources:" if english else "引文："]
        for c in answer.citations:
            source = f"《{short_title(c.title, 40)}》{c.date or ('undated' if english else '日期不详')}，{c.source}"
            if quoted_in_answer(answer, c.quote):
                lines.append(f"[{c.id}] ——{source}")
                continue
            lines.append(f"[{c.id}] “{c.quote}”")
            lines.append(f"    ——{source}")
            if with_context and c.context != c.quote:
                lines.append(f"    {'Context' if english else '上下文'}：{c.context}")
    return "\n".join(lines)
