"""Persona chat: a system prompt gives the model a character; the history fits the context."""

import re

import streamlit as st

from playground.errors import PlaygroundError
from playground.room.langdefaults import persona_prompt
from playground.prompting.persona import (MIN_BUDGET, PERSONAS, chat_request, reply_settings,
                                          without_last_reply)
from playground.serving.settings import GenerationSettings
from playground.ui.board_view import post_reply
from playground.ui.made_with import forget, made_with, remember
from playground.ui.inputs import KEEP, bounded_number
from playground.ui.code_view import chat_code
from playground.ui.resources import current_model
from playground.ui.text import as_text
from playground.ui.widgets import collect_interrupted, settings_widgets, show_error, stream_outputs
from playground.ui.i18n import t, tr

HISTORY, NOTE, SENT, HANDLE = "persona_history", "persona_note", "persona_sent", "persona_handle"
DEFAULTS = GenerationSettings.transformers_defaults(do_sample=True, temperature=0.7, top_p=0.9, max_new_tokens=128)

st.title(t("persona_chat.persona_chat"))
st.caption(t("persona_chat.the_system_prompt_gives"))

loaded = current_model()
with st.sidebar:
    st.subheader(t("persona_chat.persona"))
    preset = st.selectbox(t("persona_chat.persona_2"), list(PERSONAS), persist_state=KEEP, key="persona_preset", format_func=tr)
    # One editor per preset: switching shows that preset's text with your edits to it, and a
    # rerun racing the switch cannot write one preset's text into another's editor.
    edits = st.session_state.setdefault("persona_edits", {})
    system = edits[preset] = st.text_area(
        t("persona_chat.system_prompt"), edits.get(preset, persona_prompt(preset, PERSONAS[preset])), persist_state=KEEP, key=f"persona_system_{preset}",
        height=130, help=t("persona_chat.edit_freely_it_is"))
    if loaded.spec.source == "embedded" and re.search("[\u3040-\u30ff\u4e00-\u9fff]", system):
        st.caption(t("persona_chat.english_only", name=loaded.name))  # e.g. the Kansai preset
    budget = bounded_number(
        t("persona_chat.context_budget_tokens"), MIN_BUDGET, loaded.context_length, loaded.context_length,
        step=64, persist_state=KEEP, key="persona_budget",
        help=t("persona_chat.prompt_reply_must_fit", name=loaded.name, context_length=loaded.context_length))
    st.subheader(t("persona_chat.decoding"))
    settings = settings_widgets("persona", st.sidebar, defaults=DEFAULTS,
                                samples=False)  # one reply per turn
    settings = None if budget is None else settings  # out of range: nothing is sent

turns = st.session_state.setdefault(HISTORY, [])
partial = collect_interrupted(HANDLE)  # a reply cut short by Stop (or any rerun of this tab)
if partial is not None and turns and turns[-1]["role"] == "user":
    turns.append({"role": "assistant", "content": partial.samples[0].text, "stopped": True})

chat_box = st.container()
stop_col, regen_col, clear_col, show_col = st.columns([1, 1.4, 1, 2])
stop_col.button(t("persona_chat.stop"), help=t("persona_chat.stops_only_your_own"))
answered = bool(turns) and turns[-1]["role"] == "assistant"
regen = regen_col.button(t("persona_chat.regenerate_last_reply"), disabled=settings is None or not answered)
clear = clear_col.button(t("persona_chat.clear_chat"))
show_prompt = show_col.toggle(t("persona_chat.show_the_rendered_prompt"), persist_state=KEEP, key="persona_show_prompt")
message = st.chat_input(t("persona_chat.say_something_to_the"), disabled=settings is None)

if clear:
    turns.clear()
    st.session_state[NOTE] = st.session_state[SENT] = None
    st.session_state["persona_replies"] = st.session_state["persona_dropped"] = 0
    forget("persona_chat")

candidate = None
try:
    if message:
        candidate = turns + [{"role": "user", "content": message}]
    elif regen:
        candidate = without_last_reply(turns)
    if candidate is not None:
        n = st.session_state.get("persona_replies", 0)  # a new seed for every reply asked for
        request, fitted = chat_request(loaded, system, candidate, reply_settings(settings, n),
                                       int(budget))
        st.session_state["persona_replies"] = n + 1
        remember("persona_chat")  # the persona and settings that make this reply
        before = list(turns)
        turns[:] = candidate
        st.session_state[NOTE] = fitted.note
        st.session_state["persona_dropped"] = fitted.dropped
        st.session_state[SENT] = loaded.service.render(request.prompts[0]).text
except PlaygroundError as err:
    show_error(err)
    candidate = None

with chat_box:
    if not turns:
        st.info(t("persona_chat.say_hello_below_name", name=loaded.name))
    dropped = st.session_state.get("persona_dropped", 0)
    for i, turn in enumerate(turns):
        with st.chat_message(turn["role"]):
            st.markdown(as_text(turn["content"], t("common.nothing")))  # the participant's too
            if turn.get("stopped"):
                st.caption(t("persona_chat.stopped"))
            if i < dropped:
                st.caption(t("persona_chat.left_out_of_the"))
    if st.session_state.get(NOTE):
        st.info(tr(st.session_state[NOTE]), icon=":material/content_cut:")
    if answered and candidate is None:
        made_with("persona_chat")  # the last reply's "Made with: …"
    if candidate is not None:
        try:
            handle = loaded.service.submit(request)
            with st.chat_message("assistant"):
                slot = st.empty()
                result = stream_outputs(HANDLE, handle, [slot])
                reply = result.samples[0].text
                slot.markdown(as_text(reply, t("common.nothing")))
            turns.append({"role": "assistant", "content": reply,
                          "seed": request.variants[0].seed,  # for "view code"
                          "settings": request.variants[0]})  # for "Post to the room"
        except Exception as err:  # busy server, failed request: the history as it was
            show_error(err)
            turns[:] = before
        else:
            st.rerun()  # redraw with the reply in the history (Regenerate becomes clickable)

post_reply(turns, loaded.name, settings)  # "Post to the room"
if settings is not None:
    chat_code(loaded, system, turns, settings)
if show_prompt:
    sent = st.session_state.get(SENT)
    st.caption(t("persona_chat.the_exact_text_sent"))
    st.code(sent or "(nothing sent yet)", language=None, wrap_lines=True)
