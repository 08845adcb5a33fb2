"""Sweep: Self-BLEU over a grid of top_p x temperature, as a heatmap and a table."""

import pandas as pd
import streamlit as st

from playground.errors import SettingsError
from playground.serving.settings import SEED
from playground.lab.sweep import MAX_SWEEP_TOKENS, make_plan, parse_values
from playground.room.shared import shared_sweep
from playground.ui.shared_view import cached_note, follow, interrupted
from playground.ui.inputs import KEEP, bounded_number
from playground.ui.resources import current_model
from playground.ui.sampling_lab import prompt_input, show_problems, sweep_heatmap
from playground.ui.self_bleu_view import explain, self_bleu_mode
from playground.ui.widgets import show_error
from playground.ui import presenter
from playground.ui.made_with import made_with, remember
from playground.ui.i18n import headers, t

st.title(t("sampling_sweep.sweep_top_p_temperature"))
st.caption(t("sampling_sweep.every_cell_draws_n"))

with st.sidebar:
    st.subheader(t("sampling_sweep.sweep"))
    top_p_text = st.text_input(t("sampling_sweep.top_p_values"), "0.1, 0.5, 0.9", persist_state=KEEP, key="sweep_top_p",
                               help=t("sampling_sweep.comma_separated_each_in"))
    temp_text = st.text_input(t("sampling_sweep.temperature_values"), "0.5, 1.0, 1.5", persist_state=KEEP, key="sweep_temperature",
                              help=t("sampling_sweep.comma_separated_each_in_2"))
    n = st.slider(t("sampling_sweep.samples_per_cell"), 2, 8, 3, persist_state=KEEP, key="sweep_n")
    max_new = st.slider("max_new_tokens", 8, 128, 32, persist_state=KEEP, key="sweep_max_new")
    seed = bounded_number("seed", int(SEED.low), int(SEED.high), 0, key="sweep_seed")
    mode = self_bleu_mode("sweep")

if seed is None:  # out of range: the sidebar says which range
    st.stop()
try:
    plan = make_plan(parse_values(top_p_text, "top_p"),
                     parse_values(temp_text, "temperature"), n, max_new, int(seed))
    st.caption(t("sampling_sweep.cells_cells_n_samples", cells=plan.cells, n=plan.n, max_new_tokens=plan.max_new_tokens, token_budget=plan.token_budget, MAX_SWEEP_TOKENS=MAX_SWEEP_TOKENS))
except SettingsError as err:
    show_problems(err)
    plan = None

loaded = current_model()
prompt = prompt_input("sweep", loaded.is_chat)
row = st.container(horizontal=True)  # as wide as the labels: fixed columns cut 「スイープを実行」
go = row.button(t("sampling_sweep.run_sweep"), type="primary", key="sweep_go", disabled=plan is None)
row.button(t("sampling_sweep.stop"), key="sweep_stop", help=t("sampling_sweep.stops_only_your_own"))
presenter.results_start()  # the result: first on the projector

if interrupted("sweep_watch"):
    st.warning(t("sampling_sweep.you_stopped_the_sweep"))
if go:
    remember("sampling_sweep")  # the inputs (and lesson step) that make this result
watch = (shared_sweep(loaded, prompt, plan, self_bleu_mode=mode) if go
         else st.session_state.pop("sweep_again", None))
if watch is not None:  # one computation for everyone asking for the same sweep
    bar = st.progress(0.0, text=t("sampling_sweep.waiting_for_the_server"))
    try:
        st.session_state["sweep_last"] = follow("sweep_watch", watch, bar)
        bar.empty()
        cached_note(watch, "sweep_again")
    except Exception as err:
        show_error(err)

cells = st.session_state.get("sweep_last")
if cells:
    made_with("sampling_sweep")  # "Made with: …" (and whether the inputs changed since)
    df = pd.DataFrame([c.row() for c in cells]).rename(
        columns={"Self-BLEU (avg, 0-100)": "Self-BLEU"})
    presenter.chart(sweep_heatmap(df))
    presenter.table(headers(df), hide_index=True, width="stretch")
    st.caption(t("sampling_compare.tokenized", tokenization=", ".join(sorted(set(df["tokenization"])))))
    explain(mode)
    with st.expander(t("sampling_sweep.the_samples_of_each")):
        for c in cells:
            st.markdown(t("sampling_sweep.top_p_top_p", top_p=c.top_p, temperature=c.temperature, self_bleu=c.self_bleu))
            for text in c.texts:
                st.text(text)
