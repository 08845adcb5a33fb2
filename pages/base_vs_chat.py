"""Base vs chat: the same prompts on two models side by side."""

import streamlit as st

from playground.errors import PlaygroundError
from playground.prompting.pairs import pair_note
from playground.prompting.templates import SEPARATOR, split_blocks
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings
from playground.ui.lab import comparison_grid
from playground.ui.prompt_widgets import (collect_interrupted_many, load_or_explain,
                                          model_picker, stop_strings, stream_handles)
from playground.ui.resources import ensure_app_shell
from playground.ui.widgets import settings_widgets, show_error, timings_caption

OWN, RAW, CHAT = ("each its own way: chat template for chat models, raw text for base models",
                  "raw text for both (what the tutorial's pipeline did)",
                  "chat template for both (a base model gets the plain transcript)")
PROMPTS = [
    "Please translate to Japanese: Tell me a story about a dragon.",
    "Please write a short sentence: Tell me a story about a dragon.",
    "Please paraphrase this sentence: Tell me a story about a dragon.",
]

ensure_app_shell()  # this page loads its own two models instead of calling current_model()
st.title("Base vs chat")
st.caption("A base model only continues text; a chat (instruction-tuned) model has learned to "
           "follow instructions. Send both the same prompts and compare.")

with st.sidebar:
    st.subheader("Decoding")
    settings = settings_widgets("bvc", st.sidebar, defaults=GenerationSettings(max_new_tokens=40))
    stop = stop_strings("bvc", st.sidebar)

pick = st.columns(2)
names, models = [], []
for col, label, default in zip(pick, ["Model A", "Model B"],
                               ["smollm2-135m-instruct", "gemma-3-270m"]):
    with col:
        names.append(model_picker(label, f"bvc_model_{len(names)}", default))
        loaded = load_or_explain(names[-1], col) if names[-1] else None
        if loaded is not None:
            kind = "chat template ✓" if loaded.is_chat \
                else "no chat template (base model)"
            col.caption(f"{loaded.name} · {kind} · {loaded.footprint_bytes / 2**20:,.0f} MB")
        models.append(loaded)
if all(names) and (note := pair_note(*names)) is not None:  # the pair, loaded or not
    st.info(note, icon=":material/info:")

text = st.text_area("Prompts", f"\n{SEPARATOR}\n".join(PROMPTS), height=150, key="bvc_prompts",
                    help=f"Separate prompts with a line holding only {SEPARATOR}.")
prompts = split_blocks(text)
mode = st.radio("Send the prompts as", [OWN, RAW, CHAT], key="bvc_send")
if not prompts:
    st.error("Type at least one prompt.")


def as_prompt(loaded, text: str) -> Prompt:
    chat = mode == CHAT or (mode == OWN and loaded.is_chat)
    return Prompt.chat([{"role": "user", "content": text}]) if chat else Prompt.raw(text)


ready = [m for m in models if m is not None]
left, right, _ = st.columns([1, 1, 6])
go = left.button("Generate", type="primary", key="bvc_go",
                 disabled=settings is None or not prompts or not ready)
right.button("Stop", key="bvc_stop", help="Stops only your own generation.")

partial = collect_interrupted_many("bvc_handles")
if partial:  # labelled with what was sent, not with what the boxes hold now
    st.session_state["bvc_last"] = (*st.session_state["bvc_sent"], partial)
if go:
    try:
        st.session_state["bvc_sent"] = (prompts, [m.name for m in ready])
        handles = [m.service.submit(GenerationRequest(
            prompts=tuple(as_prompt(m, p) for p in prompts), variants=(settings,),
            stop_strings=stop)) for m in ready]
        slots = comparison_grid(prompts, [m.name for m in ready], settings.num_return_sequences)
        results = stream_handles("bvc_handles", handles, slots)
        st.session_state["bvc_last"] = (prompts, [m.name for m in ready], results)
        st.rerun()  # draw the finished outputs once, below, in their final form
    except PlaygroundError as err:
        show_error(err)

last = st.session_state.get("bvc_last")
if last is not None:
    used_prompts, used_names, results = last
    slots = comparison_grid(used_prompts, used_names, 1)
    for model_slots, result in zip(slots, results):
        if isinstance(result, PlaygroundError):
            show_error(result, model_slots[0])
            continue
        n = len(result.samples) // max(1, len(used_prompts))
        for i, slot in enumerate(model_slots):
            box = slot.container()
            for sample in result.samples[i * n:(i + 1) * n]:
                box.code(sample.text or "(nothing)", language=None, wrap_lines=True)
                box.caption(f"{sample.n_tokens} tokens · {sample.finish_reason}")
    for col, result in zip(st.columns(len(results)), results):
        if not isinstance(result, PlaygroundError):
            col.caption(timings_caption(result))
