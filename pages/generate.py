"""Generate: one prompt, every decoding setting, streamed samples, and the code behind them."""

import streamlit as st

from playground.room.pages import DRAGON
from playground.serving.chat import build_messages
from playground.serving.determinism import seed_promise
from playground.errors import PlaygroundError
from playground.serving.service import GenerationRequest, Prompt
from playground.ui.inputs import KEEP
from playground.ui.board_view import post_samples
from playground.ui.made_with import made_with, remember
from playground.ui.code_view import generation_code
from playground.ui.decoding_more import length_note
from playground.ui.resources import current_model, registry
from playground.ui.text import as_text
from playground.ui.widgets import (collect_interrupted, output_slots, session_key,
                                   settings_widgets, show_error, show_warnings, stream_outputs,
                                   timings_caption)
from playground.ui import presenter
from playground.ui.i18n import t, tr

st.title(t("generate.generate"))
st.caption(t("generate.type_a_prompt_choose") + " "
           + tr(seed_promise(registry().device)))  # on a GPU, batches may change a sample

with st.sidebar:
    st.subheader(t("generate.decoding"))
    settings = settings_widgets("gen", st.sidebar)

loaded = current_model()

chat = st.radio(t("generate.input"), ["Chat (the model's chat template)", "Raw text (plain continuation)"],
                index=0 if loaded.is_chat else 1, horizontal=True, persist_state=KEEP, key="gen_input",
                format_func=lambda m: t("generate.input_" + m[:3].lower())).startswith("Chat")
system = st.text_input(t("generate.system_prompt_optional"), persist_state=KEEP, key="gen_system",
                       placeholder=t("generate.e_g_you_are")) if chat else None
text = st.text_area(t("generate.prompt"), "Tell me a story about a dragon.", persist_state=KEEP, key="gen_prompt", height=100)
if loaded.spec.source == "embedded":  # SmolLM2-135M-Instruct: English in, English out
    st.caption(t("generate.english_only", name=loaded.name) + (  # the gloss: its prompt only
        " " + t("walk.dragon_means") if text.strip() == DRAGON else ""))
elif chat and loaded.is_chat is False:  # gemma-3-270m: a base model, no chat template
    st.caption(t("langmodel.gemma_no_chat", name=loaded.name))

prompt = Prompt.chat(build_messages(text, system)) if chat else Prompt.raw(text)
if chat and not text.strip():
    st.info(t("generate.prompt_is_empty"))
try:
    rendered = loaded.service.render(prompt)
except PlaygroundError as err:
    show_error(err)
    rendered = None

if rendered is not None:
    ids = loaded.service.tokenize(rendered)  # None: a remote engine tokenizes
    with st.expander(t("generate.model_input", name=loaded.name) + " " +
                     (t("generate.tokenized_remotely") if ids is None else
                      t("generate.n_tokens", tokens=len(ids)))):
        if rendered.fallback == "plain-text":
            st.info(t("generate.this_model_has_no"))
        elif rendered.fallback == "system-merged":
            st.info(t("generate.this_model_s_template"))
        st.code(rendered.text, language=None, wrap_lines=True)
    share = length_note(settings, None if ids is None else len(ids))  # max_length's part
    if share:
        st.caption(share)

left, right, _ = st.columns([1, 1, 6])
go = left.button(t("generate.generate_2"), type="primary", disabled=settings is None or rendered is None)
right.button(t("generate.stop"), key="gen_stop", help=t("generate.stops_only_your_own"))
presenter.results_start()  # the result: first on the projector

slots = None
result = collect_interrupted("gen_handle")
if result is not None:
    st.session_state["gen_last"] = (result, loaded.spec, settings, rendered)
if go:
    st.session_state.pop("gen_last", None)  # a new run: the old result goes, even if this fails
    remember("generate")  # the inputs (and lesson step) that make this result
    try:
        handle = loaded.service.submit(GenerationRequest((prompt,), (settings,),
                                                         session=session_key("generate")))
        slots = output_slots(settings.num_return_sequences)
        result = stream_outputs("gen_handle", handle, slots)
        st.session_state["gen_last"] = (result, loaded.spec, settings, rendered)
    except Exception as err:
        show_error(err)

last = st.session_state.get("gen_last")
if last is not None:
    result, spec, used_settings, used_rendered = last
    if slots is None or len(slots) != len(result.samples):
        slots = output_slots(len(result.samples))
    for slot, sample in zip(slots, result.samples):
        why = ((t("decoding.finish_max_length") if used_settings.max_length else t("finish.length"))
               if sample.finish_reason == "length" else tr(sample.finish_reason))
        note = "" if sample.finish_reason in ("eos", None) else f"  \n*({why})*"
        slot.markdown(as_text(sample.text) + note)
    st.caption(timings_caption(result))
    made_with("generate")  # "Made with: …" (and whether the inputs changed since)
    show_warnings(result.warnings)
    post_samples(result, spec.name, used_settings)  # "Post to the room"
    generation_code(spec, used_rendered, used_settings, loaded,
                    result.prompt_tokens[0] if result.prompt_tokens else None)
