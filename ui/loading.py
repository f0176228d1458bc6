"""The one Bot (and operator password gate) of a `licensebot ui` server process, shared by its pages
and every visitor."""

from __future__ import annotations

import streamlit as st

from bot.core.errors import NotReady
from bot.core.settings import get_settings
from bot.editing.desk import ArticleDesk
from bot.service import Bot, OperatorGate, operator_gate
from ui.view import PageWords


def _loading_words() -> str:
    """The spinner's words, read when this module is imported: a broken messages file or setting is said
    by the page when it loads them (ui/app.py), not by an import error here."""
    try:
        return PageWords.of_settings(get_settings())("op_loading")
    except (NotReady, ValueError):
        return "…"


@st.cache_resource(show_spinner=_loading_words())
def load_bot() -> Bot:
    """Once per server process: the model and index are the slow part."""
    bot = Bot(get_settings())
    bot.loaded()
    return bot


@st.cache_resource
def load_gate() -> OperatorGate:
    """Once per server process; the failure counts it keeps are in a file, shared by every session."""
    return operator_gate(get_settings())


@st.cache_resource
def load_desk() -> ArticleDesk:
    """The articles as editors change them, over the same Bot, so a change is answered at once."""
    return ArticleDesk(load_bot())


@st.cache_resource
def load_words() -> PageWords:
    """The staff pages' words (knowledge/messages, LICENSEBOT_PAGE_LANGUAGE), without loading the bot."""
    return PageWords.of_settings(get_settings())
