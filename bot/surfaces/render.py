"""Plain-text rendering of an Answer for terminals and chat channels (no Markdown anywhere:
WeChat shows asterisks literally)."""
from __future__ import annotations

from bot.core.models import Answer


def short_title(title: str, limit: int = 18) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def render_text(answer: Answer, with_context: bool = False) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("引文：")
        for c in answer.citations:
            lines.append(f"[{c.id}] “{c.quote}”")
            lines.append(f"    ——《{short_title(c.title, 40)}》{c.date or '日期不详'}，{c.source}")
            if with_context and c.context != c.quote:
                lines.append(f"    上下文：{c.context}")
    return "\n".join(lines)
