"""Plain-text rendering of an Answer for terminals and chat channels (no Markdown anywhere:
WeChat shows asterisks literally)."""

from __future__ import annotations

from functools import partial

from bot.core.models import Answer
from bot.kb.messages import Messages


def short_title(title: str, limit: int = 18) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def quoted_in_answer(answer: Answer, quote: str) -> bool:
    """A quote the answer text already shows whole need not be printed twice under it."""
    return f"“{quote}”" in answer.answer


def render_text(answer: Answer, messages: Messages, with_context: bool = False) -> str:
    """The answer, then each quote with its article; the labels are knowledge/messages' (in the
    answer's language), so a translation is a YAML edit."""
    say = partial(messages.t, answer.language)
    lines = [answer.answer]
    if answer.citations:
        lines += ["", say("sources")]
        for c in answer.citations:
            source = f"《{short_title(c.title, 40)}》{c.date or say('undated')}，{c.source}"
            if quoted_in_answer(answer, c.quote):
                lines.append(f"[{c.id}] ——{source}")
                continue
            lines.append(f"[{c.id}] “{c.quote}”")
            lines.append(f"    ——{source}")
            if with_context and c.context != c.quote:
                lines.append(f"    {say('context')}{say('colon')}{c.context}")
    return "\n".join(lines)


def render_stats(summary, groups, days: float | None, limit: int = 10) -> str:
    """`licensebot stats`: the operator page's figures and grouped questions as text."""
    span = f"last {days:g} days" if days else "all time"
    s = summary
    lines = [
        f"Questions ({span}): {s.questions}   could not answer: {s.unanswered} ({s.unanswered_share:.0%})   "
        f"refused: {s.refused}   👎: {s.rated_down}   handed to a person: {s.handed_off}",
        f"Latency p50 {s.p50_ms:.0f} ms, p95 {s.p95_ms:.0f} ms",
        "Channels: " + (", ".join(f"{k} {v}" for k, v in sorted(s.channels.items())) or "-"),
        "Verdicts: " + (", ".join(f"{k} {v}" for k, v in sorted(s.verdicts.items())) or "-"),
        "",
        f"{'day':<11}{'questions':>10}{'unanswered':>12}{'p50 ms':>8}{'p95 ms':>8}  channels",
    ]
    for d in s.days:
        lines.append(
            f"{d.day:<11}{d.questions:>10}{d.unanswered_share:>12.0%}{d.p50_ms:>8.0f}{d.p95_ms:>8.0f}  "
            + ", ".join(f"{k} {v}" for k, v in sorted(d.by_channel.items()))
        )
    lines += ["", f"Needs attention, grouped by meaning ({len(groups)} groups):"]
    for g in groups[:limit]:
        why = ", ".join(f"{k} {v}" for k, v in g.why.items())
        lines.append(f"  {g.count:>3} × {g.question}   [{why}]")
        lines += [f"        · {example}" for example in g.examples if example != g.question]
    if len(groups) > limit:
        lines.append(f"  … {len(groups) - limit} more (the operator page lists them all)")
    return "\n".join(lines)
