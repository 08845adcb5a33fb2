"""Sweep: Self-BLEU over a grid of top_p x temperature, as a heatmap and a table."""

import pandas as pd
import streamlit as st

from playground.errors import SettingsError
from playground.serving.settings import SEED
from playground.lab.sweep import MAX_SWEEP_TOKENS, make_plan, parse_values
from playground.room.shared import shared_sweep
from playground.ui.shared_view import cached_note, follow, interrupted
from playground.ui.inputs import bounded_number
from playground.ui.resources import current_model
from playground.ui.sampling_lab import prompt_input, show_problems, sweep_heatmap
from playground.ui.self_bleu_view import explain, self_bleu_mode
from playground.ui.widgets import show_error

st.title("Sweep top_p × temperature")
st.caption("Every cell draws n samples with the same seed and scores how alike they are "
           "(Self-BLEU, 0-100: 100 = all the same, lower = more diverse).")

with st.sidebar:
    st.subheader("Sweep")
    top_p_text = st.text_input("top_p values", "0.1, 0.5, 0.9", key="sweep_top_p",
                               help="Comma-separated, each in (0, 1].")
    temp_text = st.text_input("temperature values", "0.5, 1.0, 1.5", key="sweep_temperature",
                              help="Comma-separated, each in (0, 10].")
    n = st.slider("samples per cell", 2, 8, 3, key="sweep_n")
    max_new = st.slider("max_new_tokens", 8, 128, 32, key="sweep_max_new")
    seed = bounded_number("seed", int(SEED.low), int(SEED.high), 0, key="sweep_seed")
    mode = self_bleu_mode("sweep")

if seed is None:  # out of range: the sidebar says which range
    st.stop()
try:
    plan = make_plan(parse_values(top_p_text, "top_p"),
                     parse_values(temp_text, "temperature"), n, max_new, int(seed))
    st.caption(f"{plan.cells} cells × {plan.n} samples × {plan.max_new_tokens} tokens = "
               f"up to {plan.token_budget:,} tokens (cap: {MAX_SWEEP_TOKENS:,} tokens per "
               f"sweep, so that the shared server stays usable for everyone).")
except SettingsError as err:
    show_problems(err)
    plan = None

loaded = current_model()
prompt = prompt_input("sweep", loaded.is_chat)
left, right, _ = st.columns([1, 1, 6])
go = left.button("Run sweep", type="primary", key="sweep_go", disabled=plan is None)
right.button("Stop", key="sweep_stop", help="Stops only your own sweep.")

if interrupted("sweep_watch"):
    st.warning("You stopped the sweep (it goes on only if others are waiting for it).")
watch = (shared_sweep(loaded, prompt, plan, self_bleu_mode=mode) if go
         else st.session_state.pop("sweep_again", None))
if watch is not None:  # one computation for everyone asking for the same sweep
    bar = st.progress(0.0, text="waiting for the server…")
    try:
        st.session_state["sweep_last"] = follow("sweep_watch", watch, bar)
        bar.empty()
        cached_note(watch, "sweep_again")
    except Exception as err:
        show_error(err)

cells = st.session_state.get("sweep_last")
if cells:
    df = pd.DataFrame([c.row() for c in cells]).rename(
        columns={"Self-BLEU (avg, 0-100)": "Self-BLEU"})
    st.altair_chart(sweep_heatmap(df), width="stretch")
    st.dataframe(df, hide_index=True, width="stretch")
    explain(mode)
    with st.expander("The samples of each cell"):
        for c in cells:
            st.markdown(f"**top_p {c.top_p:g}, T {c.temperature:g}** · Self-BLEU "
                        f"{c.self_bleu:.1f}")
            for text in c.texts:
                st.text(text)
