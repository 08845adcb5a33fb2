"""Toy distribution: the tutorial's ten next-token candidates through temperature and filters."""

import pandas as pd
import streamlit as st

from playground.errors import SettingsError
from playground.lab.toy import EXAMPLES, summary, toy_distribution, toy_settings
from playground.ui.sampling_lab import (STATUS_LABELS, coloured_status, distribution_chart,
                                        filter_widgets, load_values, show_problems)

st.title("Toy distribution")
st.caption("Ten made-up candidates for the word after \"Tell me a story about a dragon.\" "
           "Move the sliders and watch temperature reshape the distribution and the filters cut "
           "it; the numbers come from the same code that samples the real model.")

st.selectbox("Tutorial example", list(EXAMPLES), key="toy_example",
             on_change=lambda: load_values("toy", EXAMPLES[st.session_state["toy_example"]]),
             help="Loads the settings of one of the tutorial's worked examples.")
left, right = st.columns([1, 2])
with left:
    values = filter_widgets("toy", EXAMPLES[list(EXAMPLES)[0]], sampling_toggle=False)
    values.pop("do_sample")

try:
    rows = toy_distribution(toy_settings(**values))
except SettingsError as err:
    show_problems(err)
    st.stop()

table = pd.DataFrame([{"token": r.token, "raw": r.original, "tempered": r.tempered,
                       "status": r.status, "final": r.final} for r in rows])
shown = pd.DataFrame({
    "token": table["token"], "original": table["raw"].round(3),
    f"after T = {values['temperature']:g}": table["tempered"].round(3),
    "what happened": table["status"].map(STATUS_LABELS),
    "renormalized (sampled from)": table["final"].round(3)})
with right:
    st.markdown(summary(rows))
    st.dataframe(coloured_status(shown, "what happened", precision=3), hide_index=True,
                 width="stretch", height=388)
st.altair_chart(distribution_chart(table), width="stretch")

with st.expander("How the numbers are made"):
    st.markdown(
        "1. **Temperature**: each probability becomes a logit, $\\log q_i$, is divided by $T$ "
        "and goes through softmax again: $p_i = \\exp(\\log q_i / T) / \\sum_j "
        "\\exp(\\log q_j / T)$. $T<1$ sharpens, $T>1$ flattens, $T=1$ changes nothing.\n"
        "2. **top-k** keeps the $k$ most likely tokens.\n"
        "3. **top-p** keeps the smallest set of most likely tokens whose probability adds up "
        "to at least $p$ (with $p = 0.8$: 0.25 + 0.20 + 0.15 + 0.10 + 0.08 = 0.78 is not "
        "enough, adding \"and\" gives 0.85).\n"
        "4. **min-p** drops tokens below min_p × the top token's probability.\n"
        "5. **epsilon** drops tokens whose probability is below epsilon.\n\n"
        "Each filter works on what the previous one left. The kept tokens are renormalized to "
        "add up to 1, and sampling draws from that: with top_p = 0.8, \"the\" is drawn 29.4% "
        "of the time.")
