"""Quantization: the same model in 32, 16, 8 and 4 bits: memory, speed and how the output changes."""

import streamlit as st

from playground.ui.text import show_error
from playground.errors import PlaygroundError
from playground.quant.compare import DEFAULT_PROMPT, MAX_NEW_TOKENS, ComparisonRequest
from playground.quant.worker import comparison_queue
from playground.room.shared import shared_comparison
from playground.quant.labels import reference_note
from playground.quant.presets import DEFAULT_PRESETS, PRESETS, detect_machine, why_not
from playground.ui.quant_view import follow_job, show_comparison
from playground.ui.resources import TOKEN_KEY, ensure_app_shell, model_name, registry

ensure_app_shell()  # a first visit straight to /quantization still gets the sidebar
st.title("Quantization")
st.caption("Load one model as fp32, fp16, bf16, 8-bit and 4-bit, one copy after another, and "
           "compare memory, load time, speed, perplexity and how far each greedy answer "
           "drifts from the full-precision one.")

reg = registry()
with st.spinner("Checking what this server can run…"):
    machine = detect_machine(reg.device.type)

with st.sidebar:
    st.subheader("Quantization")
    max_new = st.slider("max_new_tokens", int(MAX_NEW_TOKENS.low), int(MAX_NEW_TOKENS.high),
                        32, key="quant_max_new", help=MAX_NEW_TOKENS.help)
    raw = st.toggle("raw text (no chat template)", key="quant_raw",
                    help="Continue the prompt as plain text instead of a chat message.")

name = model_name()
st.markdown(f"Model: **{name}** (pick another in the sidebar) · device: "
            f"**{machine.device.upper()}** ({machine.name})")
if (note := reference_note(reg, name)) is not None:
    st.info(note, icon=":material/info:")
presets = st.multiselect(
    "Presets", list(PRESETS), default=list(DEFAULT_PRESETS), key="quant_presets",
    format_func=lambda p: p if why_not(PRESETS[p], machine) is None else f"{p} (not here)",
    help="; ".join(f"{p.name}: {p.summary}" for p in PRESETS.values()))
unavailable = {p: why_not(PRESETS[p], machine) for p in presets if why_not(PRESETS[p], machine)}
for p, reason in unavailable.items():
    st.caption(f"{p} will be skipped here: {reason}")
prompt = st.text_area("Prompt", DEFAULT_PROMPT, key="quant_prompt", height=80)

left, right, _ = st.columns([1.3, 1, 5])
go = left.button("Run comparison", type="primary", key="quant_go")
stop = right.button("Cancel", key="quant_cancel", help="Stops only your own comparison.")
waiting = comparison_queue().busy()
if waiting and st.session_state.get("quant_job") is None:
    st.caption(f"{waiting} comparison(s) running or waiting on this server right now.")

job = st.session_state.get("quant_job")
if stop and job is not None:
    job.cancel()
if go:
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
    show_comparison(last)
elif job is None:
    st.info("Choose presets and press **Run comparison**. Each preset loads its own copy of "
            "the model (the 8-bit and 4-bit ones take longest on a CPU), so a run takes a "
            "minute or two.")
