"""Decoding lens: the real next-token distribution at every step, and what each filter did."""

import pandas as pd
import streamlit as st

from playground.errors import SettingsError
from playground.serving.handles import GenerationRequest
from playground.serving.steps import MAX_CANDIDATES
from playground.serving.settings import SEED, GenerationSettings
from playground.ui.inputs import bounded_number
from playground.ui.lens_view import steer
from playground.ui.resources import current_model
from playground.ui.text import as_text
from playground.ui.sampling_lab import (MEASURES, STATUS_LABELS, coloured_status,
                                        distribution_chart, filter_widgets, prompt_input,
                                        show_problems)
from playground.ui.widgets import (collect_interrupted, output_slots, show_error,
                                   stream_outputs)

st.title("Decoding lens")
st.caption("Generate a short text and look inside each step: the model's top candidates, what "
           "temperature does to them, which filter removes which token, and what the sampler "
           "finally draws from.")

with st.sidebar:
    st.subheader("Decoding")
    # top_k below the candidates shown, so that top-k and top-p removals both show up
    values = filter_widgets("lens", {"do_sample": True, "temperature": 0.8, "top_p": 0.9,
                                     "top_k": 10, "epsilon_cutoff": 0.02})
    max_new = st.slider("max_new_tokens", 1, 64, 16, key="lens_max_new")
    seed = bounded_number("seed", int(SEED.low), int(SEED.high), 0, key="lens_seed")
    top_n = st.slider("candidates shown per step", 5, MAX_CANDIDATES, 15, key="lens_top")

if seed is None:  # out of range: the sidebar says which range
    st.stop()
try:
    settings = GenerationSettings(**values, max_new_tokens=max_new, seed=int(seed))
except SettingsError as err:
    show_problems(err)
    settings = None

loaded = current_model(
    needs_local="The decoding lens reads the model's logits at every step")
prompt = prompt_input("lens", loaded.is_chat)
left, right, _ = st.columns([1, 1, 6])
go = left.button("Generate", type="primary", key="lens_go", disabled=settings is None)
right.button("Stop", key="lens_stop", help="Stops only your own generation.")

partial = collect_interrupted("lens_handle")
if partial is not None:
    st.session_state["lens_last"] = partial
    st.session_state.pop("lens_step", None)  # a new text: start at its first step
if go:
    try:
        handle = loaded.service.submit(GenerationRequest((prompt,), (settings,),
                                                         record_steps=top_n))
        live = st.empty()
        with live.container():
            slots = output_slots(1)
        st.session_state["lens_last"] = stream_outputs("lens_handle", handle, slots)
        st.session_state["lens_made"] = (prompt, settings)  # what steering re-runs
        st.session_state.pop("lens_step", None)
        live.empty()
    except Exception as err:
        show_error(err)

result = st.session_state.get("lens_last")
if result is None:
    st.info("Press Generate: every step of the answer is recorded for the lens.")
    st.stop()
steps = result.samples[0].steps
st.markdown(f"**Output:** {as_text(result.samples[0].text)}")
if not steps:
    st.warning("No step was recorded (the request stopped before the first token).")
    st.stop()
step = st.slider("step", 0, len(steps) - 1, 0, key="lens_step",
                 help="0 = the first generated token.") if len(steps) > 1 else 0
rec = steps[step]
st.markdown("Tokens so far: " + "".join(  # token text as text: no Markdown from the model
    f"**\\[{as_text(s.chosen_text, '')}\\]**" if s.step == step else
    f"`{s.chosen_text}`" if "`" not in s.chosen_text else as_text(s.chosen_text, "")
    for s in steps[:step + 1]))

a, b, c, d = st.columns(4)
a.metric("chosen token", rec.chosen_text,
         help="Greedy: the most likely token." if rec.greedy else "Drawn from the final "
              "(renormalized) distribution with this sample's seed.")
b.metric("tokens kept", f"{rec.kept_tokens:,} of {rec.vocab_size:,}")
c.metric("kept probability mass", f"{rec.kept_mass:.1%}",
         help="Share of the tempered probability the filters kept, before renormalizing.")
d.metric("entropy", f"{rec.entropy_raw_bits:.2f} → {rec.entropy_final_bits:.2f} bits",
         help="Of the model's distribution → of the one sampled from. 0 bits = certain.")
if rec.greedy:
    st.info("Greedy decoding ignores temperature and filters: it takes the argmax, so the "
            "final distribution puts 100% on one token.")
elif rec.removed:
    st.caption("Removed at this step: " + ", ".join(
        f"{STATUS_LABELS[s].removeprefix('removed by ')} {n:,}" for s, n in rec.removed.items()
        if n) or "nothing (every filter is off or kept everything)")

table = pd.DataFrame([{"token": ("★ " if c.chosen else "") + c.text, "id": c.token_id,
                       "raw": c.raw, "tempered": c.tempered, "status": c.status,
                       "final": c.final} for c in rec.candidates])
st.altair_chart(distribution_chart(table), width="stretch")
shown = table.assign(status=table["status"].map(STATUS_LABELS)).rename(
    columns={"status": "what happened", **{k: f"{v} %" for k, v in MEASURES.items()}})
for col in [f"{v} %" for v in MEASURES.values()]:
    shown[col] = (shown[col] * 100).round(2)
st.dataframe(coloured_status(shown, "what happened"), hide_index=True, width="stretch")
st.caption("★ = the token chosen at this step. Tokens: ␣ is a space, ↵ a newline, <0x..> a "
           "piece of a multi-byte character. Candidates are the model's most likely tokens "
           "(plus the chosen one if it ranks lower).")
if st.session_state.get("lens_made"):
    steer(loaded, *st.session_state["lens_made"], result, step, top_n)
