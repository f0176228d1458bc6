"""The one Bot (and operator password gate) of a `licensebot ui` server process, shared by its pages
and every visitor."""

from __future__ import annotations

import streamlit as st

from bot.core.settings import get_settings
from bot.editing.desk import ArticleDesk
from bot.service import Bot, OperatorGate, operator_gate


@st.cache_resource(show_spinner="正在加载知识库和模型…")
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
