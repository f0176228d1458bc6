"""The Streamlit app (`licensebot ui`). The chat page: ask, see per-licence badges, the answer with
its [n] markers, and each quote highlighted inside its paragraph; rate answers for the eval suites.
The operator page (ui/operator.py) is added when an admin password is configured."""

from __future__ import annotations

import logging
import uuid
from typing import Literal, TypeGuard, get_args

import streamlit as st

from bot.core.errors import BadQuestion, IndexMissing, NotReady
from bot.core.models import VERDICT_LABELS, Answer
from bot.core.settings import get_settings
from bot.service import Bot
from ui.loading import load_bot, load_words
from ui.view import (
    PageWords,
    caption,
    citation_caption,
    citation_heading,
    escape_markdown,
    examples,
    highlighted,
    knowledge_summary,
)

log = logging.getLogger("licensebot.ui")
RATINGS = {0: "down", 1: "up"}
BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]  # st.badge's
BADGE_COLORS: frozenset[str] = frozenset(get_args(BadgeColor))


def new_conversation() -> None:
    state = st.session_state
    if "session_id" in state:
        load_bot().forget(state.session_id)
    state.session_id = f"page:{uuid.uuid4().hex}"  # the page's own namespace of sessions
    state.history = []


def ask(bot: Bot, question: str, say: PageWords) -> dict:
    turn: dict = {"question": question, "answer": None, "error": None, "log_id": None}
    try:
        answered = bot.turn(
            question, session_id=st.session_state.session_id, channel="page", user=st.session_state.session_id
        )
        turn["answer"], turn["log_id"] = answered.answer, answered.log_id
    except BadQuestion as exc:
        turn["error"] = say("chat_too_long", limit=str(exc.limit)) if exc.kind == "too_long" else say("page_empty")
    except Exception:  # a visitor sees a sentence, the log gets the traceback
        log.exception("answering %r failed", question[:80])
        turn["error"] = say("page_failed")
    return turn


def save_rating(index: int) -> None:
    state = st.session_state
    score = state.get(f"rating-{index}")
    rating = RATINGS.get(score) if score is not None else None
    answer = state.history[index]["answer"]
    if rating and answer:
        load_bot().rate(
            f"{state.session_id}:{index}",
            answer,
            rating,
            state.get(f"comment-{index}", ""),
            state.history[index]["log_id"],
        )
        state[f"saved-{index}"] = True


def is_badge_color(color: str) -> TypeGuard[BadgeColor]:
    return color in BADGE_COLORS


def badge_color(color: str) -> BadgeColor:
    """A verdict label's colour as st.badge takes it (VERDICT_LABELS uses only these)."""
    if is_badge_color(color):
        return color
    raise ValueError(f"st.badge has no colour {color!r}")


def show_badges(answer: Answer) -> None:
    english = answer.language == "en"
    if not answer.licenses:
        label = VERDICT_LABELS[answer.verdict]
        st.badge(label.en if english else label.badge, color=badge_color(label.color))
        return
    for status in answer.licenses:
        label = VERDICT_LABELS[status.status]
        st.badge(
            f"{status.name}: {label.en}" if english else f"{status.name}：{label.badge}", color=badge_color(label.color)
        )


def show_answer(index: int, answer: Answer, say: PageWords) -> None:
    show_badges(answer)
    st.markdown(escape_markdown(answer.answer))
    if answer.carried_over:
        st.caption(say("page_carried") + say("sep").join(answer.carried_over))
    for citation in answer.citations:
        with st.expander(citation_heading(citation, say), expanded=True):
            st.markdown(highlighted(citation), unsafe_allow_html=True)
            st.caption(citation_caption(citation, say))
    st.feedback("thumbs", key=f"rating-{index}", on_change=save_rating, args=(index,))
    if st.session_state.get(f"rating-{index}") is not None:
        st.text_input(
            say("page_comment"),
            key=f"comment-{index}",
            on_change=save_rating,
            args=(index,),
            placeholder=say("page_comment_hint"),
        )
        if st.session_state.get(f"saved-{index}"):
            st.caption(say("page_thanks"))


def sidebar(bot: Bot, say: PageWords) -> None:
    with st.sidebar:
        st.header(say("page_knowledge"))
        for label, value in knowledge_summary(bot.status(), say).items():
            st.markdown(f"**{label}**{say('colon')}{escape_markdown(value)}")
        st.header(say("page_try"))
        for i, example in enumerate(examples(say)):
            if st.button(example, key=f"example-{i}", use_container_width=True):
                st.session_state.pending = example
        st.button(say("page_clear"), key="clear", on_click=new_conversation)
        st.caption(say("page_disclaimer"))


def chat() -> None:
    try:
        bot = load_bot()
    except IndexMissing:
        st.error(load_words()("page_no_index"))
        st.stop()
    except NotReady as exc:
        st.error(load_words()("page_load_failed", error=str(exc)))
        st.stop()
    if "session_id" not in st.session_state:
        new_conversation()
    say = PageWords.of(bot)
    sidebar(bot, say)
    st.title(say("page_title"))
    st.caption(caption(list(bot.licences(say.language).values()), say))
    question = st.chat_input(say("page_ask", example=say("example")))
    question = question or st.session_state.pop("pending", None)
    if question is not None:
        with st.spinner(say("page_searching")):
            st.session_state.history.append(ask(bot, question.strip(), say))
    for index, turn in enumerate(st.session_state.history):
        with st.chat_message("user"):
            st.text(turn["question"])
        with st.chat_message("assistant"):
            if turn["error"]:
                st.warning(turn["error"])
            else:
                show_answer(index, turn["answer"], say)


def main() -> None:
    """The chat page for everyone; the operator and knowledge pages only when LICENSEBOT_ADMIN_PASSWORD is set."""
    try:
        say = load_words()
    except NotReady as exc:  # knowledge/messages itself is broken: the error names its file and line
        st.error(str(exc))
        st.stop()
    st.set_page_config(page_title=say("page_tab"), page_icon="📜")
    pages = [st.Page(chat, title=say("op_chat_title"), icon=":material/chat:", default=True)]
    if get_settings().admin_password:
        pages.append(st.Page("operator.py", title=say("op_title"), icon=":material/monitoring:", url_path="operator"))
        pages.append(
            st.Page(
                "knowledge.py", title=say("op_knowledge_title"), icon=":material/library_books:", url_path="knowledge"
            )
        )
    st.navigation(pages, position="sidebar" if len(pages) > 1 else "hidden").run()


main()
