"""Who a participant is across reloads: a random id kept in a cookie of this browser.

A Streamlit session ends with its tab: reloading the page starts a new one, so a limit kept
per session (the board's posts per minute) resets with every reload. The first page a browser
opens gets a random id, which a zero-height component writes into a cookie for this site
(``SameSite=Strict``, 30 days); the next session of the same browser reads it back through
``st.context.cookies``. It is only an identity for limits: it opens nothing and proves nothing.
What it cannot stop: a participant who clears cookies, blocks them, or opens a private window
gets a new id (the room-wide cap, ``[room] room_posts_per_minute``, still holds).

Package ``playground.ui``: may import streamlit and every package below it.
"""

from __future__ import annotations

import re
import uuid

import streamlit as st

COOKIE = "playground_pid"
_KEY = "client_pid"
_VALID = re.compile(r"^[0-9a-f]{32}$")


def session_id() -> str:
    """This tab's Streamlit session ("bare" outside a session: AppTest's bare mode, scripts)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else "bare"


def client_id() -> str:
    """This browser's id (32 hex characters): the cookie's, else a new one that is written."""
    cookies = getattr(st.context, "cookies", None) or {}
    pid = cookies.get(COOKIE)
    if pid and _VALID.match(pid):
        st.session_state[_KEY] = pid
        return pid
    pid = st.session_state.get(_KEY)
    if not pid:
        pid = st.session_state[_KEY] = uuid.uuid4().hex
    return pid


def keep_client_id() -> None:
    """Write the id into the browser's cookie, once per session that did not send one."""
    client_id()
    cookies = getattr(st.context, "cookies", None) or {}
    if cookies.get(COOKIE) == st.session_state[_KEY] or st.session_state.get("client_pid_set"):
        return
    st.session_state["client_pid_set"] = True
    # our own script and id (32 hex characters), never anything a participant typed
    st.iframe(f"<script>document.cookie = '{COOKIE}={st.session_state[_KEY]}; path=/; "
              f"max-age=2592000; SameSite=Strict';</script>", height=1)
