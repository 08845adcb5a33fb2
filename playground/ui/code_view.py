""""View code" on the Generate and Persona chat pages: the tutorial's API beside generate.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import streamlit as st

from playground.codegen import chat_loop_code, generate_code, pipeline_code
from playground.ui.i18n import t


def _placement(loaded, spec) -> dict:
    """dtype and GPU placement of the server's copy of ``spec`` (unknown: "auto", CPU)."""
    if loaded is None or loaded.spec != spec:
        return {"dtype": None, "gpu": False}
    return {"dtype": str(loaded.dtype).removeprefix("torch."),
            "gpu": getattr(loaded.device, "type", str(loaded.device)) == "cuda"}


def generation_code(spec, rendered, settings, loaded, prompt_tokens: int | None) -> None:
    """Two tabs: ``pipeline(...)`` as the tutorial writes it, and ``model.generate(...)``."""
    if spec.source == "openai":
        with st.expander(t("generate.view_code_openai")):
            st.code(generate_code(spec, rendered, settings), language="python")
        return
    where = _placement(loaded, spec)
    with st.expander(t("generate.view_code")):
        pipe_tab, gen_tab = st.tabs([t("code_view.pipeline_tab"), "model.generate(...)"])
        with pipe_tab:
            if settings.do_sample and settings.num_return_sequences > 1:
                st.caption(t("code_view.global_generator"))
            st.code(pipeline_code(spec, rendered, settings, prompt_tokens=prompt_tokens,
                                  **where), language="python")
        with gen_tab:
            st.code(generate_code(spec, rendered, settings, prompt_tokens=prompt_tokens,
                                  **where), language="python")


def chat_code(loaded, system: str, turns: list[dict], settings) -> None:
    """The Persona chat conversation as the chat loop (history, template, generate, append)."""
    if loaded.spec.source == "openai" or not turns:
        return
    with st.expander(t("code_view.chat_loop")):
        st.caption(t("code_view.chat_loop_caption"))
        st.code(chat_loop_code(loaded.spec, system, turns, settings,
                               **_placement(loaded, loaded.spec)), language="python")
