"""The operator password in front of the pages that see customers' questions and change the
articles (ui/operator.py, ui/knowledge.py): one try per submit, guesses slowed and locked out per
client (bot/state/logins.py), one unlock per browser session for every operator page."""

from __future__ import annotations

import streamlit as st

from bot.core.errors import NotReady
from bot.core.settings import get_settings
from bot.service import LoginResult
from ui.loading import load_gate


def client() -> str | None:
    """Who is trying the password, as far as the page can tell: the address a trusted reverse proxy
    puts in LICENSEBOT_ADMIN_CLIENT_HEADER (the last one, the proxy's own entry), else the connection's
    address; None on 127.0.0.1, where every visitor (or a local proxy) looks the same, and when
    Streamlit gives no address (AppTest)."""
    header = get_settings().admin_client_header
    named = ",".join(st.context.headers.get_all(header)).split(",")[-1].strip() if header else ""
    address = named or st.context.ip_address
    return address if isinstance(address, str) else None


def refusal(result: LoginResult) -> str:
    """Says how long to wait, and that a try inside the wait was not compared (so it is not a wrong password)."""
    wait = f"{result.wait_s / 60:.0f} 分钟" if result.wait_s >= 90 else f"{max(result.wait_s, 1):.0f} 秒"
    if result.locked:
        return f"密码错误次数过多，已暂时锁定，请 {wait}后再试。"
    return f"尝试太频繁，这次没有核对密码，请 {wait}后再试。"


def unlocked() -> bool:
    if not get_settings().admin_password:
        st.error("运营页未开启：设置 LICENSEBOT_ADMIN_PASSWORD 后重启。")
        return False
    if st.session_state.get("operator_ok"):
        return True
    with st.form("operator_login", clear_on_submit=True):  # one try per submit, never again on a rerun
        entered = st.text_input("运营密码", type="password", key="operator_password")
        submitted = st.form_submit_button("进入", key="operator_enter")
    if not submitted or not entered:
        return False
    try:
        result = load_gate().check(entered, client())
    except NotReady as exc:  # the failure counts' file is broken: it names the file and the repair
        st.error(f"暂时无法核对密码：{exc}")
        return False
    if result.ok:
        st.session_state.operator_ok = True
        st.rerun()
    if not result.compared:
        st.error(refusal(result))
    else:
        st.error("密码不正确。" + (refusal(result) if result.locked else ""))
    return False
