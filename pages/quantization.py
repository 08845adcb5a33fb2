"""Quantization: the same model in 32, 16, 8 and 4 bits: memory, speed and how the output changes."""

import streamlit as st

from playground.ui.inputs import KEEP
from playground.ui.text import show_error
from playground.errors import PlaygroundError
from playground.quant.compare import DEFAULT_PROMPT, MAX_NEW_TOKENS, ComparisonRequest
from playground.quant.worker import comparison_queue
from playground.room.shared import shared_comparison
from playground.quant.labels import reference_note
from playground.quant.presets import (DEFAULT_PRESETS, PRESETS, QUICK_MAX_NEW_TOKENS,
                                      QUICK_PRESETS, detect_machine, why_not)
from playground.ui.quant_view import follow_job, show_comparison
from playground.ui.resources import TOKEN_KEY, ensure_app_shell, model_name, registry
from playground.ui import presenter
from playground.ui.made_with import made_with, remember
from playground.ui.i18n import t, tr

ensure_app_shell()  # a first visit straight to /quantization still gets the sidebar
st.title(t("quantization.quantization"))
st.caption(t("quantization.load_one_model_as"))

reg = registry()
with st.spinner(t("quantization.checking_what_this_server")):
    machine = detect_machine(reg.device.type)

with st.sidebar:
    st.subheader(t("quantization.quantization_2"))
    max_new = st.slider("max_new_tokens", int(MAX_NEW_TOKENS.low), int(MAX_NEW_TOKENS.high),
                        32, persist_state=KEEP, key="quant_max_new", help=tr(MAX_NEW_TOKENS.help))
    raw = st.toggle(t("quantization.raw_text_no_chat"), persist_state=KEEP, key="quant_raw",
                    help=t("quantization.continue_the_prompt_as"))

name = model_name()
st.markdown(t("quantization.model_name_pick_another", name=name, upper=machine.device.upper(), name2=tr(machine.name)))
if (note := reference_note(reg, name)) is not None:
    st.info(tr(note), icon=":material/info:")
quick = st.toggle(t("quant_tutorial.quick"), persist_state=KEEP, key="quant_quick",
                  help=t("quant_tutorial.quick_help"))
presets = st.multiselect(
    t("quantization.presets"), list(PRESETS), default=list(DEFAULT_PRESETS), persist_state=KEEP, key="quant_presets",
    disabled=quick,
    placeholder=t("common.choose"),
    format_func=lambda p: p if why_not(PRESETS[p], machine) is None else p + t("quantization.not_here"),
    help="; ".join(f"{p.name}: {tr(p.summary)}" for p in PRESETS.values()))
if quick:  # the reference and 4 bits, a few tokens: about half a minute on a CPU
    presets, max_new = list(QUICK_PRESETS), QUICK_MAX_NEW_TOKENS
unavailable = {p: why_not(PRESETS[p], machine) for p in presets if why_not(PRESETS[p], machine)}
for p, reason in unavailable.items():
    st.caption(t("quantization.p_will_be_skipped", p=p, reason=tr(reason)))
prompt = st.text_area(t("quantization.prompt"), DEFAULT_PROMPT, persist_state=KEEP, key="quant_prompt", height=80)

left, right, _ = st.columns([1.3, 1, 5])
go = left.button(t("quantization.run_comparison"), type="primary", key="quant_go")
stop = right.button(t("quantization.cancel"), key="quant_cancel", help=t("quantization.stops_only_your_own"))
presenter.results_start()  # the result: first on the projector
waiting = comparison_queue().busy()
if waiting and st.session_state.get("quant_job") is None:
    st.caption(t("quantization.waiting_comparison_s_running", waiting=waiting))

job = st.session_state.get("quant_job")
if stop and job is not None:
    job.cancel()
if go:
    remember("quantization")  # the inputs (and lesson step) that make this result
    try:
        request = ComparisonRequest(model=name, presets=tuple(presets), prompt=prompt,
                                    max_new_tokens=max_new, chat=False if raw else None,
                                    token=st.session_state.get(TOKEN_KEY) or None)
        if job is not None:  # a new run replaces this tab's previous one
            job.cancel()
        job = st.session_state["quant_job"] = shared_comparison(request, reg)
    except PlaygroundError as err:
        show_error(err)

if job is not None:
    result = follow_job(job)
    st.session_state["quant_job"] = None
    if result is not None:
        st.session_state["quant_last"] = result

last = st.session_state.get("quant_last")
if last is not None:
    made_with("quantization")  # "Made with: …" (and whether the inputs changed since)
    show_comparison(last)
elif job is None:
    st.info(t("quantization.choose_presets_and_press"))
