"""Persona chat: a system prompt gives the model a character; the history fits the context."""

import streamlit as st

from playground.errors import PlaygroundError
from playground.prompting.persona import (MIN_BUDGET, PERSONAS, chat_request, reply_settings,
                                          without_last_reply)
from playground.serving.settings import GenerationSettings
from playground.ui.board_view import post_reply
from playground.ui.inputs import bounded_number
from playground.ui.code_view import chat_code
from playground.ui.resources import current_model
from playground.ui.text import as_text
from playground.ui.widgets import collect_interrupted, settings_widgets, show_error, stream_outputs

HISTORY, NOTE, SENT, HANDLE = "persona_history", "persona_note", "persona_sent", "persona_handle"
DEFAULTS = GenerationSettings(do_sample=True, temperature=0.7, top_p=0.9, max_new_tokens=128)

st.title("Persona chat")
st.caption("The system prompt gives the model a character; every turn sends it plus the whole "
           "conversation through the model's chat template.")

loaded = current_model()
with st.sidebar:
    st.subheader("Persona")
    preset = st.selectbox("Persona", list(PERSONAS), key="persona_preset")
    # One editor per preset: switching shows that preset's text with your edits to it, and a
    # rerun racing the switch cannot write one preset's text into another's editor.
    edits = st.session_state.setdefault("persona_edits", {})
    system = edits[preset] = st.text_area(
        "System prompt", edits.get(preset, PERSONAS[preset]), key=f"persona_system_{preset}",
        height=130, help="Edit freely; it is sent at the start of every turn.")
    budget = bounded_number(
        "Context budget (tokens)", MIN_BUDGET, loaded.context_length, loaded.context_length,
        step=64, key="persona_budget",
        help=f"Prompt + reply must fit in this many tokens ({loaded.name} takes at most "
             f"{loaded.context_length:,}). Lower it to watch old turns being left out.")
    st.subheader("Decoding")
    settings = settings_widgets("persona", st.sidebar, defaults=DEFAULTS)
    settings = None if budget is None else settings  # out of range: nothing is sent

turns = st.session_state.setdefault(HISTORY, [])
partial = collect_interrupted(HANDLE)  # a reply cut short by Stop (or any rerun of this tab)
if partial is not None and turns and turns[-1]["role"] == "user":
    turns.append({"role": "assistant", "content": partial.samples[0].text, "stopped": True})

chat_box = st.container()
stop_col, regen_col, clear_col, show_col = st.columns([1, 1.4, 1, 2])
stop_col.button("Stop", help="Stops only your own reply; other people's keep streaming.")
answered = bool(turns) and turns[-1]["role"] == "assistant"
regen = regen_col.button("Regenerate last reply", disabled=settings is None or not answered)
clear = clear_col.button("Clear chat")
show_prompt = show_col.toggle("Show the rendered prompt", key="persona_show_prompt")
message = st.chat_input("Say something to the persona", disabled=settings is None)

if clear:
    turns.clear()
    st.session_state[NOTE] = st.session_state[SENT] = None
    st.session_state["persona_replies"] = st.session_state["persona_dropped"] = 0

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
        st.info(f"Say hello below. {loaded.name} answers as the persona in the sidebar.")
    dropped = st.session_state.get("persona_dropped", 0)
    for i, turn in enumerate(turns):
        with st.chat_message(turn["role"]):
            st.markdown(as_text(turn["content"], "*(nothing)*"))  # the participant's too
            if turn.get("stopped"):
                st.caption("stopped")
            if i < dropped:
                st.caption("left out of the last prompt (over the context budget)")
    if st.session_state.get(NOTE):
        st.info(st.session_state[NOTE], icon=":material/content_cut:")
    if candidate is not None:
        try:
            handle = loaded.service.submit(request)
            with st.chat_message("assistant"):
                slot = st.empty()
                result = stream_outputs(HANDLE, handle, [slot])
                reply = result.samples[0].text
                slot.markdown(as_text(reply, "*(nothing)*"))
            turns.append({"role": "assistant", "content": reply,
                          "seed": request.variants[0].seed})  # for "view code"
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
    st.caption("The exact text sent for the last reply (chat template applied):")
    st.code(sent or "(nothing sent yet)", language=None, wrap_lines=True)
