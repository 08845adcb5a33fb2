"""Widgets of the Prompting pages: several requests streamed at once, token chips, the stop
choice, a second model picker, and the chat transcript.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import html
import time

import streamlit as st

from playground.errors import ModelNotInstalledError, PlaygroundError
from playground.prompting.templates import STOP_CHOICES
from playground.serving.registry import LoadedModel, package_dir
from playground.serving.service import GenerationHandle, GenerationResult
from playground.prompting.tokens import TokenView
from playground.ui.inputs import KEEP
from playground.ui.interrupted import tracked
from playground.ui.resources import TOKEN_KEY, registry
from playground.ui.text import as_text, show_error
from playground.ui.widgets import CURSOR
from playground.ui.i18n import t, tr

ROLE_COLOURS = {"system": "#ede7f6", "user": "#e3f2fd", "assistant": "#e8f5e9",
                "template": "#f5f5f5"}
CUSTOM_STOP = "a string of my own"
OTHER = "Other Hugging Face id…"


def stream_handles(key: str, handles: list[GenerationHandle],
                   slots: list[list]) -> list[GenerationResult | PlaygroundError]:
    """Stream several requests (one per model or prompt group) into their slots at once.

    ``slots[h][row]`` shows row ``row`` of ``handles[h]``. Like ``widgets.stream_outputs``:
    the handles are parked in ``st.session_state[key]``; if this run is cut short (Stop, or
    any other rerun of this session) they are cancelled, and only this session's requests stop.
    Returns each request's result, or its error (one failed request leaves the others' text).
    """
    st.session_state[key] = list(handles)
    finished = False
    try:
        with tracked():  # a restart while it streams is told to this browser afterwards
            while True:
                done = all(h.done for h in handles)
                for handle, row_slots in zip(handles, slots):
                    for slot, text in zip(row_slots, handle.texts()):
                        slot.markdown(as_text(text, "") + ("" if handle.done else CURSOR))
                if done:
                    break
                time.sleep(0.1)
        finished = True
    finally:
        if not finished:
            for h in handles:
                h.cancel()
    st.session_state[key] = None
    return [_result(h) for h in handles]


def _result(handle: GenerationHandle, timeout: float | None = None):
    try:
        return handle.result(timeout=timeout)
    except PlaygroundError as err:
        return err
    except TimeoutError:
        return PlaygroundError("the request did not stop in time")


def collect_interrupted_many(key: str) -> list[GenerationResult | PlaygroundError] | None:
    """Partial results (or errors) of requests whose streaming run was cut short, if any."""
    handles = st.session_state.get(key)
    if not handles:
        return None
    st.session_state[key] = None
    for h in handles:
        h.cancel()
    return [_result(h, timeout=30) for h in handles]


def chips_html(views: list[TokenView], roles: list[str] | None = None) -> str:
    """Tokens as small boxes: special tokens in red, the background colour says the role."""
    parts = []
    for i, v in enumerate(views):
        role = roles[i] if roles else "template"
        style = (f"background:{ROLE_COLOURS.get(role, '#f5f5f5')};border:1px solid "
                 + ("#c62828;color:#c62828;font-weight:600" if v.special else "#ccc")
                 + ";border-radius:4px;padding:1px 3px;margin:1px;display:inline-block;"
                 "font-family:monospace;font-size:0.85em;white-space:pre")
        title = html.escape(f"id {v.id} · {v.piece!r}" + (f" · {role}" if roles else ""))
        parts.append(f'<span title="{title}" style="{style}">{html.escape(v.shown)}</span>')
        if v.shown.endswith("↵"):
            parts.append("<br>")
    return '<div style="line-height:1.9">' + "".join(parts) + "</div>"


def show_tokens(views: list[TokenView], roles: list[str] | None = None) -> None:
    st.markdown(chips_html(views, roles), unsafe_allow_html=True)


def stop_strings(prefix: str, container=None) -> tuple[str, ...]:
    """Radio: stop at nothing / the first newline / a string of one's own."""
    c = container or st
    choice = c.radio(t("prompt_widgets.stop_generating_at"), [*STOP_CHOICES, CUSTOM_STOP], persist_state=KEEP, key=f"{prefix}_stop_at",
                     format_func=lambda c: t({"the first newline": "prompt_widgets.stop_newline",
                                            CUSTOM_STOP: "prompt_widgets.stop_custom"}.get(
                         c, "prompt_widgets.stop_nothing")),
                     help=t("prompt_widgets.the_stop_string_itself"))
    if choice != CUSTOM_STOP:
        return STOP_CHOICES[choice]
    custom = c.text_input(t("prompt_widgets.stop_string"), persist_state=KEEP, key=f"{prefix}_stop_text",
                          help=t("prompt_widgets.type_n_for_a"))
    return (custom.replace("\\n", "\n"),) if custom else ()


def model_picker(label: str, key: str, default: str) -> str:
    """A catalog name, one of this tab's (or the room's) LoRA adapters, or a typed Hugging Face
    id (this page only; the sidebar is untouched): Base vs chat compares a model before and
    after fine-tuning this way."""
    from playground.ui.identity import session_id

    names = list(registry().catalog) + registry().adapter_names(session_id()) + [OTHER]
    choice = st.selectbox(label, names, index=names.index(default) if default in names else 0,
                          persist_state=KEEP, key=key, format_func=lambda n: t("sidebar.other") if n == OTHER else n)
    if choice != OTHER:
        return choice
    return st.text_input(t("prompt_widgets.label_hugging_face_id", label=label), persist_state=KEEP, key=f"{key}_id",
                         placeholder=t("prompt_widgets.e_g_meta_llama")).strip()


def load_or_explain(name: str, where) -> LoadedModel | None:
    """The resident model, loading it with progress in ``where``; None after showing why not
    (e.g. "not installed: run `pip install …`"), so the rest of the page keeps working."""
    reg = registry()
    try:
        spec = reg.resolve(name)
        loaded = reg.get_loaded(spec.name)
        if loaded is not None:
            return loaded
        if spec.source in ("embedded", "gguf-package") and package_dir(spec.location) is None:
            raise ModelNotInstalledError(f"{spec.name} is not installed on this server: run "
                                         f"`{spec.install}` and restart the app")
    except PlaygroundError as err:
        show_error(err, where)
        return None
    box = where.status(t("prompt_widgets.loading_name", name=name), expanded=True)
    try:
        with box:
            loaded = reg.load(name, token=st.session_state.get(TOKEN_KEY) or None,
                              progress=lambda m: st.write(tr(m)))
    except PlaygroundError as err:
        box.update(label=t("prompt_widgets.name_could_not_be", name=name), state="error", expanded=False)
        show_error(err, where)
        return None
    box.update(label=t("prompt_widgets.name_loaded_in_load", name=name, load_seconds=loaded.load_seconds), state="complete",
               expanded=False)
    return loaded
