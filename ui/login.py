"""The operator password in front of the pages that see customers' questions and change the
articles (ui/operator.py, ui/knowledge.py): one try per submit, guesses slowed and locked out per
client (bot/state/logins.py), one unlock per browser session for every operator page."""

from __future__ import annotations

import streamlit as st

from bot.core.errors import NotReady
from bot.core.settings import get_settings
from bot.service import LoginResult
from ui.loading import load_gate, load_words


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
    say = load_words()
    if result.wait_s >= 90:
        wait = say("login_minutes", n=f"{result.wait_s / 60:.0f}")
    else:
        wait = say("login_seconds", n=f"{max(result.wait_s, 1):.0f}")
    return say("login_locked" if result.locked else "login_too_fast", wait=wait)


def unlocked() -> bool:
    say = load_words()
    if not get_settings().admin_password:
        st.error(say("login_off"))
        return False
    if st.session_state.get("operator_ok"):
        return True
    with st.form("operator_login", clear_on_submit=True):  # one try per submit, never again on a rerun
        entered = st.text_input(say("login_password"), type="password", key="operator_password")
        submitted = st.form_submit_button(say("login_enter"), key="operator_enter")
    if not submitted or not entered:
        return False
    try:
        result = load_gate().check(entered, client())
    except NotReady as exc:  # the failure counts' file is broken: it names the file and the repair
        st.error(say("login_unavailable", error=str(exc)))
        return False
    if result.ok:
        st.session_state.operator_ok = True
        st.rerun()
    if not result.compared:
        st.error(refusal(result))
    else:
        st.error(say("login_wrong_locked", refusal=refusal(result)) if result.locked else say("login_wrong"))
    return False
