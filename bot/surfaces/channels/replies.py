"""What a chat user receives for each kind of message, shared by the Official Account and
WeCom kf channels so both say the same thing in the same words."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.core.errors import BadQuestion
from bot.surfaces.channels.wechat_text import messages_for
from bot.service import Bot

log = logging.getLogger(__name__)

EXAMPLES = ("我的语音聊天房小程序需要多方通信许可证吗？", "电商平台需要办理EDI许可证吗？")


def welcome(licences: list[str]) -> str:
    """What a new follower reads first: the licences of the catalogue (Bot.licences), by name."""
    return (
        f"感谢关注！我可以根据顾问文章回答{'、'.join(licences)}等资质问题，并附上原文引文。\n"
        f"可以这样问：\n1. {EXAMPLES[0]}\n2. {EXAMPLES[1]}"
    )


NOT_TEXT = "抱歉，目前只能回答文字问题。请用文字描述您的产品功能，例如：" + EXAMPLES[0]
EMPTY = "请输入您的问题，例如：" + EXAMPLES[0]
UNAVAILABLE = "抱歉，系统暂时无法回答，请稍后再试。"


def too_long(limit: int) -> str:
    return f"问题太长了（上限{limit}字），请简要描述产品功能和想了解的资质。"


@dataclass
class Reply:
    messages: list[str] = field(default_factory=list)
    handoff: str | None = None  # set: hand the user to a person; `messages` is the one notice they get
    log_id: str | None = None  # the answer's row in the question log


NO_PERSON = "抱歉，暂时无法转接人工顾问，我会继续为您解答；也可以稍后再发送“转人工”。"


def handoff_notice(reason: str, hours: str, english: bool, contact_line: str = "", transferred: bool = True) -> str:
    """The one message a user handed to a person gets, ending with `contact_line` (Bot.contact_line).
    `transferred` False: nothing can send a notice beside the transfer (an Official Account without the
    AppSecret), so this notice is the reply and the user's *next* messages go to a person: ask them to
    send (or repeat) their question."""
    if english:
        first = "I could not find this in our articles. " if reason == "unanswered" else ""
        then = (
            "I have passed your conversation to our consultants; a person will reply"
            if transferred
            else "Please send your question (again) in your next message: it goes to our consultants, and a person will reply"
        )
        return f"{first}{then} ({hours})." + contact_line
    first = "这个问题知识库里暂时没有答案，" if reason == "unanswered" else "好的，"
    then = (
        "已为您转接人工顾问，会有专人回复您"
        if transferred
        else "请在下一条消息里发送（或再发一次）您的问题，它会转给人工顾问，由专人回复您"
    )
    return f"{first}{then}（服务时间：{hours}）。" + contact_line


def answer_messages(
    bot: Bot, question: str, session_id: str, channel: str, user: str, can_send_more: bool = True
) -> Reply:
    """Never raises: a chat user gets a polite line rather than silence when something breaks."""
    try:
        turn = bot.turn(question, session_id=session_id, channel=channel, user=user)
    except BadQuestion as exc:
        return Reply([too_long(exc.limit) if exc.kind == "too_long" else EMPTY])
    except Exception:
        log.exception("answering %r failed", question[:80])
        return Reply([UNAVAILABLE])
    result = turn.answer
    if result.handoff:
        notice = handoff_notice(
            result.handoff,
            bot.settings.service_hours,
            result.language == "en",
            bot.contact_line(result.language),
            transferred=can_send_more,
        )
        return Reply([notice], result.handoff, turn.log_id)
    return Reply(messages_for(result, can_send_more))
