"""Sweep: Self-BLEU over a grid of top_p x temperature, as a heatmap and a table."""

import pandas as pd
import streamlit as st

from playground.errors import SettingsError
from playground.serving.settings import SEED
from playground.lab.sweep import MAX_SWEEP_TOKENS, collect, make_plan, parse_values, submit
from playground.ui.prompt_widgets import collect_interrupted_many
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
    seed = st.number_input("seed", int(SEED.low), int(SEED.high), 0, key="sweep_seed")
    mode = self_bleu_mode("sweep")

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

if collect_interrupted_many("sweep_handles") is not None:
    st.warning("The sweep was stopped; its cells were cancelled.")
if go:
    bar = st.progress(0.0, text="waiting for the server…")
    try:
        handles = submit(loaded, prompt, plan)
        st.session_state["sweep_handles"] = handles  # a rerun (Stop) cancels them
        cells = collect(plan, handles, lambda f, msg: bar.progress(f, text=msg),
                        self_bleu_mode=mode, prompt=prompt)
        st.session_state["sweep_handles"] = None
        st.session_state["sweep_last"] = cells
        bar.empty()
    except Exception as err:  # one failed cell: drop the rest of the sweep too
        for h in st.session_state.get("sweep_handles") or []:
            h.cancel()
        st.session_state["sweep_handles"] = None
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
