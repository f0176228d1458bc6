"""Wording and numbering of an answer: the fixed sentences, the citation book that numbers
quotes in order of first use, and the headline that states the verdict first."""
from __future__ import annotations

from bot.core.models import VERDICT_LABELS, Citation, LicenseStatus, Verdict

CAUTION = "提示：以上依据知识库文章整理，仅供参考；是否需要办理，以当地通信管理局的认定为准。"
OUT_OF_SCOPE = ("这个问题不在本助手的范围内。我只根据知识库文章回答中国互联网资质问题"
                "（ICP经营许可证、ICP备案、EDI许可证、国内多方通信业务许可证、网络文化经营许可证）。")
NOT_IN_KB = "知识库中的文章没有回答这个问题，我不做猜测。建议向当地通信管理局或专业顾问确认。"


def status_zh(verdict: Verdict) -> str:
    return VERDICT_LABELS[verdict].zh


class CitationBook:
    """Numbers quotes in order of first use; the same span is cited once."""

    def __init__(self, docs: dict[str, dict]):
        self.docs = docs
        self.citations: list[Citation] = []
        self._ids: dict[tuple[str, int, int], int] = {}

    def cite(self, doc_id: str, start: int, end: int, score: float) -> int:
        text = self.docs[doc_id]["text"]
        while end > start and text[end - 1] in " ,，:：、":
            end -= 1
        key = (doc_id, start, end)
        if key not in self._ids:
            doc = self.docs[doc_id]
            para_start = text.rfind("\n\n", 0, start)
            para_end = text.find("\n\n", end)
            context = text[para_start + 2 if para_start != -1 else 0: para_end if para_end != -1 else len(text)]
            self._ids[key] = len(self.citations) + 1
            self.citations.append(Citation(id=self._ids[key], doc_id=doc_id, title=doc["title"], date=doc.get("date"),
                                           source=doc["source"], quote=text[start:end], score=round(score, 4),
                                           context=context))
        return self._ids[key]


def markers(ids: list[int]) -> str:
    return "".join(f"[{i}]" for i in dict.fromkeys(ids))


def headline(verdict: Verdict, focus: list[LicenseStatus], statuses: list[LicenseStatus]) -> str:
    need = [s.name for s in statuses if s.status == Verdict.required]
    no_need = [s.name for s in statuses if s.status == Verdict.not_required]
    maybe = [s.name for s in statuses if s.status == Verdict.depends]
    unknown = [s.name for s in focus if s.status == Verdict.unknown]
    parts = []
    if need:
        parts.append(f"需要办理{'、'.join(need)}")
    if maybe:
        parts.append(f"{'、'.join(maybe)}视情况而定")
    if no_need:
        parts.append(f"不需要{'、'.join(no_need)}")
    if unknown:
        parts.append(f"知识库没有说明是否需要{'、'.join(unknown)}")
    return f"结论：{status_zh(verdict)}。" + "；".join(parts) + "。"
