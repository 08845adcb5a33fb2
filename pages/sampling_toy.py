"""Toy distribution: the tutorial's ten next-token candidates through temperature and filters."""

import pandas as pd
import streamlit as st

from playground.errors import SettingsError
from playground.lab.toy import EXAMPLES, summary, toy_distribution, toy_settings
from playground.ui import presenter
from playground.ui.inputs import KEEP
from playground.ui.sampling_lab import (STATUS_LABELS, coloured_status, distribution_chart,
                                        filter_widgets, load_values, show_problems)
from playground.ui.i18n import t, tr

st.title(t("sampling_toy.toy_distribution"))
st.caption(t("sampling_toy.ten_made_up_candidates"))

st.selectbox(t("sampling_toy.tutorial_example"), list(EXAMPLES), persist_state=KEEP, key="toy_example", format_func=tr,
             on_change=lambda: load_values("toy", EXAMPLES[st.session_state["toy_example"]]),
             help=t("sampling_toy.loads_the_settings_of"))
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
    t("sampling_lab.col_token"): table["token"], t("sampling_toy.original"): table["raw"].round(3),
    t("sampling_toy.after_t", temperature=values['temperature']): table["tempered"].round(3),
    t("sampling_lab.what_happened"): table["status"].map(dict(STATUS_LABELS)),
    t("measures.final"): table["final"].round(3)})
with right:
    st.markdown(tr(summary(rows)))
    presenter.table(coloured_status(shown, t("sampling_lab.what_happened"), precision=3), hide_index=True,
                 width="stretch", height=388)
presenter.chart(distribution_chart(table))

with st.expander(t("sampling_toy.how_the_numbers_are")):
    st.markdown(
        t("sampling_toy.s_1_temperature_each_probability"))
