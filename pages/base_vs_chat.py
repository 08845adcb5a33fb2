"""Base vs chat: the same prompts on two models side by side."""

import streamlit as st

from playground.errors import PlaygroundError
from playground.prompting.pairs import pair_note
from playground.prompting.templates import SEPARATOR, split_blocks
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings
from playground.ui.inputs import KEEP
from playground.ui.lab import comparison_grid
from playground.ui.prompt_widgets import (collect_interrupted_many, load_or_explain,
                                          model_picker, stop_strings, stream_handles)
from playground.ui.resources import ensure_app_shell
from playground.ui.widgets import settings_widgets, show_error, timings_caption
from playground.ui import page_model, presenter
from playground.ui.i18n import t, tr
from playground.ui.made_with import made_with, remember

OWN, RAW, CHAT = ("each its own way: chat template for chat models, raw text for base models",
                  "raw text for both (what the tutorial's pipeline did)",
                  "chat template for both (a base model gets the plain transcript)")
PROMPTS = [
    "Please translate to Japanese: Tell me a story about a dragon.",
    "Please write a short sentence: Tell me a story about a dragon.",
    "Please paraphrase this sentence: Tell me a story about a dragon.",
]

ensure_app_shell()  # this page loads its own two models instead of calling current_model()
page_model.prepare()  # as the sidebar does: a Japanese tab's prompts (also without app.py)
st.title(t("base_vs_chat.base_vs_chat"))
st.caption(t("base_vs_chat.a_base_model_only"))

with st.sidebar:
    st.subheader(t("base_vs_chat.decoding"))
    settings = settings_widgets("bvc", st.sidebar, defaults=GenerationSettings.transformers_defaults(max_new_tokens=40))
    stop = stop_strings("bvc", st.sidebar)

pick = st.columns(2)
names, models = [], []
for col, label, default in zip(pick, [t("base_vs_chat.model_a"), t("base_vs_chat.model_b")],
                               ["smollm2-135m-instruct", "gemma-3-270m"]):
    with col:
        names.append(model_picker(label, f"bvc_model_{len(names)}", default))
        loaded = load_or_explain(names[-1], col) if names[-1] else None
        if loaded is not None:
            kind = t("base_vs_chat.kind_chat") if loaded.is_chat \
                else t("base_vs_chat.kind_base")
            col.caption(t("base_vs_chat.name_kind_v2_0f", name=loaded.name, kind=kind, v2=loaded.footprint_bytes / 2**20))
        models.append(loaded)
if all(names) and (note := pair_note(*names)) is not None:  # the pair, loaded or not
    st.info(tr(note), icon=":material/info:")

text = st.text_area(t("base_vs_chat.prompts"), f"\n{SEPARATOR}\n".join(PROMPTS), height=150, persist_state=KEEP, key="bvc_prompts",
                    help=t("base_vs_chat.separate_prompts_with_a", SEPARATOR=SEPARATOR))
prompts = split_blocks(text)
mode = st.radio(t("base_vs_chat.send_the_prompts_as"), [OWN, RAW, CHAT], persist_state=KEEP, key="bvc_send",
                format_func=lambda m: t("base_vs_chat.send_" + {OWN: "own", RAW: "raw", CHAT: "chat"}[m]))
if not prompts:
    st.error(t("base_vs_chat.type_at_least_one"))


def as_prompt(loaded, text: str) -> Prompt:
    chat = mode == CHAT or (mode == OWN and loaded.is_chat)
    return Prompt.chat([{"role": "user", "content": text}]) if chat else Prompt.raw(text)


ready = [m for m in models if m is not None]
left, right, _ = st.columns([1, 1, 6])
go = left.button(t("base_vs_chat.generate"), type="primary", key="bvc_go",
                 disabled=settings is None or not prompts or not ready)
right.button(t("base_vs_chat.stop"), key="bvc_stop", help=t("base_vs_chat.stops_only_your_own"))
presenter.results_start()  # the result: first on the projector

partial = collect_interrupted_many("bvc_handles")
if partial:  # labelled with what was sent, not with what the boxes hold now
    st.session_state["bvc_last"] = (*st.session_state["bvc_sent"], partial)
if go:
    remember("base_vs_chat")  # the inputs (and lesson step) that make this result
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
                box.code(sample.text or t("common.nothing_plain"), language=None, wrap_lines=True)
                box.caption(t("base_vs_chat.n_tokens_tokens_finish", n_tokens=sample.n_tokens, finish_reason=tr(sample.finish_reason)))
    for col, result in zip(st.columns(len(results)), results):
        if not isinstance(result, PlaygroundError):
            col.caption(timings_caption(result))
    made_with("base_vs_chat")  # "Made with: …" (and whether the inputs changed since)
