"""The one Bot of a `licensebot ui` server process, shared by its pages and every visitor."""
from __future__ import annotations

import streamlit as st

from bot.core.settings import get_settings
from bot.service import Bot


@st.cache_resource(show_spinner="正在加载知识库和模型…")
def load_bot() -> Bot:
    """Once per server process: the model and index are the slow part."""
    bot = Bot(get_settings())
    bot.loaded()
    return bot
