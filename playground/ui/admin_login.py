"""The instructor's login in this browser: restored from its cookie after a reload, written
after a right password, removed on logout (``playground.room.admin_token``).

Package ``playground.ui``: may import streamlit and every package below it.
"""

from __future__ import annotations

import re

import streamlit as st

from playground.room.admin import expected_password
from playground.room.admin_token import (ADMIN_TTL_S, COOKIE, issue_token, revoke_token,
                                         token_valid)

OK = "admin_ok"                  # session: logged in
TOKEN = "admin_token"            # session: this login's token
PENDING = "admin_cookie_write"   # session: the cookie still to write ("" = delete it)
_SAFE = re.compile(r"^[0-9a-f.]*$")


def admin_secret() -> str | None:
    try:  # st.secrets raises when there is no secrets.toml at all
        return st.secrets.get("admin_password")
    except Exception:
        return None


def expected(password_env: str) -> str | None:
    return expected_password(password_env, admin_secret())


def restore(password_env: str) -> None:
    """A new session (a reload) whose browser holds a valid token is the instructor again."""
    if st.session_state.get(OK):
        return
    cookies = getattr(st.context, "cookies", None) or {}
    token = cookies.get(COOKIE)
    if token and token_valid(token, expected(password_env)):
        st.session_state[OK] = True
        st.session_state[TOKEN] = token


def logged_in(password: str) -> None:
    """After the right password: this session, and the cookie for the next ones."""
    st.session_state[OK] = True
    token = st.session_state[TOKEN] = issue_token(password)
    st.session_state[PENDING] = token


def log_out() -> None:
    revoke_token(st.session_state.pop(TOKEN, None))
    st.session_state[OK] = False
    st.session_state[PENDING] = ""


def write_cookie() -> None:
    """Write (or delete) the cookie asked for; call inside the sidebar on every run."""
    token = st.session_state.pop(PENDING, None)
    if token is None or not _SAFE.match(token):
        return
    age = ADMIN_TTL_S if token else 0
    # our own script and token (hex digits and dots), never anything a participant typed
    st.iframe(f"<script>document.cookie = '{COOKIE}={token}; path=/; max-age={age}; "
              f"SameSite=Strict';</script>", height=1)
