"""What a chat user receives for each kind of message, shared by the Official Account and
WeCom kf channels so both say the same thing in the same words."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.core.errors import BadQuestion
from bot.surfaces.channels.wechat_text import messages_for
from bot.service import Bot

log = logging.getLogger(__name__)

# Said only when the knowledge (and so knowledge/messages) cannot be read at all.
LAST_RESORT = "抱歉，系统暂时无法回答，请稍后再试。"


def say(bot: Bot, key: str, language: str = "zh", **fills: object) -> str:
    """A chat sentence of knowledge/messages/<language>.yaml (a translator edits it there), with the
    example questions and `fills` filled in."""
    texts = bot.messages()
    example, example_2 = texts.t(language, "example"), texts.t(language, "example_2")
    return texts.t(language, key).format(example=example, example_2=example_2, **fills)


def welcome(bot: Bot, language: str = "zh") -> str:
    """What a new follower reads first: the licences of the catalogue (Bot.licences), by name."""
    return say(bot, "chat_welcome", language, licences=bot.messages().t(language, "sep").join(bot.licences().values()))


@dataclass
class Reply:
    messages: list[str] = field(default_factory=list)
    handoff: str | None = None  # set: hand the user to a person; `messages` is the one notice they get
    log_id: str | None = None  # the answer's row in the question log


def handoff_notice(bot: Bot, reason: str, language: str, transferred: bool = True) -> str:
    """The one message a user handed to a person gets, ending with how else to reach us (Bot.contact_line).
    `transferred` False: nothing can send a notice beside the transfer (an Official Account without the
    AppSecret), so this notice is the reply and the user's *next* messages go to a person: ask them to
    send (or repeat) their question."""
    first = say(bot, "handoff_unanswered" if reason == "unanswered" else "handoff_asked", language)
    then = say(bot, "handoff_transferred" if transferred else "handoff_send_again", language)
    hours = say(bot, "handoff_hours", language, hours=bot.settings.service_hours)
    return first + then + hours + bot.contact_line(language)


def answer_messages(
    bot: Bot, question: str, session_id: str, channel: str, user: str, can_send_more: bool = True
) -> Reply:
    """Never raises: a chat user gets a polite line rather than silence when something breaks."""
    try:
        turn = bot.turn(question, session_id=session_id, channel=channel, user=user)
    except BadQuestion as exc:
        if exc.kind == "too_long":
            return Reply([say(bot, "chat_too_long", limit=exc.limit)])
        return Reply([say(bot, "chat_empty")])
    except Exception:
        log.exception("answering %r failed", question[:80])
        return Reply([_unavailable(bot)])
    result = turn.answer
    if result.handoff:
        notice = handoff_notice(bot, result.handoff, result.language, transferred=can_send_more)
        return Reply([notice], result.handoff, turn.log_id)
    return Reply(messages_for(result, can_send_more))


def _unavailable(bot: Bot) -> str:
    try:
        return say(bot, "chat_unavailable")
    except Exception:  # the knowledge itself is what broke
        return LAST_RESORT
