"""The sidebar every page shares: model picker, access token, device and load state.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.diagnostics import device_summary
from playground.ui.resources import MODEL_KEY, TOKEN_KEY, registry

OTHER = "Other Hugging Face id…"


def _pick_model() -> None:
    reg = registry()
    names = list(reg.catalog) + [OTHER]
    current = st.session_state.get(MODEL_KEY) or reg.config.models.default
    index = names.index(current) if current in names else len(names) - 1
    choice = st.selectbox("Model", names, index=index,
                          format_func=lambda n: n if n == OTHER else
                          n + {"hf": "", "openai": " (remote)"}.get(reg.catalog[n].source,
                                                                 " (offline)"),
                          help="Every tab shares the loaded models; picking one here changes "
                               "only this tab.")
    if choice == OTHER:
        # a keyed field: with value= from the session the widget's identity changed on every
        # edit, so Streamlit reset it to the previous value (every second edit was undone)
        if "sidebar_hf_id" not in st.session_state:
            st.session_state["sidebar_hf_id"] = "" if current in reg.catalog else current
        typed = st.text_input("Hugging Face id", key="sidebar_hf_id", max_chars=200,
                              placeholder="org/model, e.g. Qwen/Qwen2.5-0.5B-Instruct")
        if typed.strip():
            st.session_state[MODEL_KEY] = typed.strip()
    else:
        st.session_state[MODEL_KEY] = choice
    if choice == OTHER or reg.catalog[choice].source == "hf":
        _token_field()


def _token_field() -> None:
    """For any model from the Hub (gated ones need it): a password field, empty until the
    participant types, kept only in this tab's session and never shown back."""
    st.text_input("Access token (gated models)", type="password", key=TOKEN_KEY,
                  placeholder="hf_…", help="Needed for gated models such as "
                  "meta-llama/Llama-2-7b-chat-hf. Used only for loads started from this tab; "
                  "never shown or logged.")


def _device_and_state() -> None:
    dev = device_summary()
    label = "GPU" if dev["device"] == "cuda" else "RAM"
    st.caption(f"Device: **{dev['device']}** · {dev['name']}  \n"
               f"{label}: {dev['memory_used_mb'] / 1024:.1f} / "
               f"{dev['memory_total_mb'] / 1024:.1f} GB used")
    reg = registry()
    resident = reg.resident()
    if not resident:
        st.caption("No model loaded yet: the first page that needs one loads it.")
    for m in resident:
        st.caption(f"● {m.name}: {m.footprint_bytes / 2**20:.0f} MB, "
                   f"{str(m.dtype).removeprefix('torch.')}, queue {m.service.queue_depth()}")


def render_sidebar() -> None:
    with st.sidebar:
        _pick_model()
        _device_and_state()
