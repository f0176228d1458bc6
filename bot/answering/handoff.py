"""Whether a message asks for a person ("转人工", "能让顾问直接联系我吗", "talk to a human") rather
than for an answer. Read by meaning: the message must be closer to the ways of asking for a person
(knowledge/glossary.yaml `person_requests`) than to every wording of a licence question or a product
feature, by a margin. Calibrated on every eval question (none clears it; the highest, a prompt
injection that is refused anyway, comes within 0.014) against other wordings of asking for a person
(10 of 12 clear it). A message the answerer read as a product description ("有没有真人客服？我想直接
跟人聊" has "跟人聊" in it) must clear CLEAR_MARGIN ("我想找个人工客服聊聊" 0.033): product descriptions that mention
customer service ("我们的小程序有人工客服在线聊天功能", "用户可以和真人主播聊天") stay below 0.015."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bot.core.models import Answer, Context, Mode, Verdict
from bot.core.text import fold

if TYPE_CHECKING:
    from bot.answering.knowledge import Knowledge

MARGIN = 0.02
CLEAR_MARGIN = 0.03
SHORT_MESSAGE = 24  # characters


class PersonRequests:
    def __init__(self, wordings: np.ndarray, background: np.ndarray):
        """Rows are L2-normalised e5 vectors: ways of asking for a person, and licence/product wordings."""
        self.wordings, self.background = wordings, background

    def asked(self, vector: np.ndarray | None, margin: float = MARGIN) -> bool:
        if vector is None or not len(self.wordings):
            return False
        v = vector / max(float(np.linalg.norm(vector)), 1e-9)
        near = float((self.wordings @ v).max())
        other = float((self.background @ v).max()) if len(self.background) else -1.0
        return near - other >= margin


def asks_for_person(result: Answer, knowledge: "Knowledge") -> bool:
    """Whether the message asks for a person rather than for a licence answer."""
    if knowledge.reader.screen(result.question).refusal:
        return False  # refused for what it asks (forgery, evasion, injection)
    answered = result.verdict not in (Verdict.out_of_scope, Verdict.unknown)
    # A licence answer is checked again only when the message is short: asking for a person takes a
    # few words, and describing a product takes more (this keeps an extra embedding off most answers).
    return (not answered or len(result.question) <= SHORT_MESSAGE) and \
        knowledge.person.asked(knowledge.question_vector(fold(result.question)), CLEAR_MARGIN if answered else MARGIN)


def wants_person(result: Answer, knowledge: "Knowledge", context: Context) -> str | None:
    """'asked' when the message asks for a person; 'unanswered' when the knowledge base did not say,
    the second time in a row."""
    if asks_for_person(result, knowledge):
        return "asked"
    return "unanswered" if result.verdict == Verdict.unknown and context.misses >= 1 else None


NO_PERSON_HERE = {
    "zh": "这里是自动问答，没有人工客服在线。需要人工顾问时，请在我们的微信公众号或微信客服里发送“转人工”（服务时间：{hours}）。",
    "en": "This is an automated assistant; no person is on this channel. To reach a consultant, send “转人工” "
          "(talk to a human) to our WeChat account or WeChat customer service ({hours}).",
}


CONTACT = {"zh": "也可以直接联系：{contact}。", "en": " You can also reach us at {contact}."}


def no_person_here(result: Answer, hours: str, contact: str | None = None) -> Answer:
    """Where nobody can take the conversation over (page, API, CLI), say where a person can be reached
    instead of answering the request as if it were a licence question."""
    text = NO_PERSON_HERE[result.language].format(hours=hours)
    if contact:
        text += CONTACT[result.language].format(contact=contact)
    return Answer(question=result.question, verdict=Verdict.out_of_scope, answer=text,
                  mode=Mode.refusal, confidence=1.0, latency_ms=result.latency_ms, intent="other", language=result.language,
                  session_id=result.session_id)
