"""Compare: the same prompt under several decoding presets, side by side, with Self-BLEU."""

import pandas as pd
import streamlit as st

from playground.lab.compare import (DEFAULT_COLUMNS, MAX_COLUMNS, MIN_COLUMNS, PRESETS,
                                    TUTORIAL_TOP_K_NOTE, Column, build_request,
                                    column_settings, preset, summarize)
from playground.errors import SettingsError
from playground.serving.settings import SEED
from playground.ui.board_view import post_columns
from playground.ui.made_with import made_with, remember
from playground.ui.inputs import KEEP, bounded_number
from playground.ui.resources import current_model
from playground.ui.text import as_text
from playground.ui.sampling_lab import (compare_chart, filter_widgets, load_values,
                                        prompt_input, show_problems)
from playground.ui.self_bleu_view import explain, self_bleu_mode
from playground.ui.widgets import collect_interrupted, show_error, stream_outputs
from playground.ui import presenter
from playground.ui.i18n import headers, t, tr

st.title(t("sampling_compare.compare_decoding_settings"))
st.caption(t("sampling_compare.one_prompt_one_seed"))

with st.sidebar:
    st.subheader(t("sampling_compare.compare"))
    k = st.slider(t("sampling_compare.columns"), MIN_COLUMNS, MAX_COLUMNS, 4, persist_state=KEEP, key="compare_k")
    n = st.slider(t("sampling_compare.samples_per_column"), 2, 8, 3, persist_state=KEEP, key="compare_n",
                  help=t("sampling_compare.self_bleu_compares_each"))
    max_new = st.slider("max_new_tokens", 8, 256, 48, persist_state=KEEP, key="compare_max_new")
    seed = bounded_number("seed", int(SEED.low), int(SEED.high), 0, key="compare_seed",
                           help=t("sampling_compare.sample_i_of_every"))
    mode = self_bleu_mode("compare")

if seed is None:  # out of range: the sidebar says which range
    st.stop()
loaded = current_model()
prompt = prompt_input("compare", loaded.is_chat)
st.caption(tr(TUTORIAL_TOP_K_NOTE))

columns, problems = [], False
for i, col in enumerate(st.columns(k)):
    prefix = f"compare_col{i}"
    name = col.selectbox(t("sampling_compare.column_v0", v0=i + 1), list(PRESETS), format_func=tr,
                         index=list(PRESETS).index(DEFAULT_COLUMNS[i]), persist_state=KEEP, key=f"{prefix}_preset",
                         on_change=lambda p=prefix: load_values(
                             p, preset(st.session_state[f"{p}_preset"])))
    with col.expander(t("sampling_compare.edit_settings")):
        values = filter_widgets(prefix, preset(name))
    try:
        s = column_settings(values, n, int(seed), max_new)
        edited = {f: getattr(s, f) for f in values} != {
            f: getattr(column_settings(preset(name), n, int(seed), max_new), f) for f in values}
        columns.append(Column(name + (t("sampling_compare.edited") if edited else ""), s))
        col.caption(s.label())
    except SettingsError as err:
        show_problems(err, col)
        problems = True

left, right, _ = st.columns([1, 1, 6])
go = left.button(t("sampling_compare.generate"), type="primary", key="compare_go", disabled=problems)
right.button(t("sampling_compare.stop"), key="compare_stop", help=t("sampling_compare.stops_only_your_own"))
presenter.results_start()  # the result: first on the projector

partial = collect_interrupted("compare_handle")
if partial is not None and st.session_state.get("compare_pending"):
    cols, owner = st.session_state["compare_pending"]
    st.session_state["compare_last"] = (summarize(partial, cols, owner, mode, prompt), True)

if go:
    remember("sampling_compare")  # the inputs (and lesson step) that make this result
    try:
        request, owner = build_request(prompt, columns, n)
        st.session_state["compare_pending"] = (columns, owner)
        handle = loaded.service.submit(request)
        live, slots = st.empty(), []
        with live.container():  # streamed text; replaced by the scored columns below
            for c, col in enumerate(st.columns(len(columns))):
                col.markdown(f"**{tr(columns[c].label)}**")
                slots += [col.empty() for o in owner if o == c]
        result = stream_outputs("compare_handle", handle, slots)
        live.empty()
        st.session_state["compare_last"] = (summarize(result, columns, owner, mode, prompt),
                                            False)
    except Exception as err:
        show_error(err)

last = st.session_state.get("compare_last")
if last is not None:
    results, stopped = last
    if stopped:
        st.warning(t("sampling_compare.stopped_the_scores_below"))
    made_with("sampling_compare")  # "Made with: …" (and whether the inputs changed since)
    table = pd.DataFrame([r.summary() for r in results])
    points = pd.DataFrame([{"column": f"{i + 1}. {tr(r.label)}", "sample": j + 1, "Self-BLEU": b}
                           for i, r in enumerate(results) for j, b in enumerate(r.self_bleu)])
    for i, (r, col) in enumerate(zip(results, st.columns(len(results)))):
        avg = r.self_bleu_avg
        col.markdown(f"**{i + 1}. {tr(r.label)}**  \n`{r.settings.label()}`")
        col.metric(t("sampling_compare.self_bleu_avg_0"), "–" if avg is None else f"{avg:.1f}")
        for j, text in enumerate(r.texts):
            score = f" · Self-BLEU {r.self_bleu[j]:.1f}" if j < len(r.self_bleu) else ""
            with col.container(border=True):
                st.caption(t("sampling_compare.sample_v0_v1_tokens", v0=j + 1, v1=r.tokens[j], score=score))
                st.markdown(as_text(text))
    post_columns(results, loaded.name)  # "Post to the room"
    st.subheader(t("sampling_compare.across_columns"))
    if not points.empty:
        presenter.chart(compare_chart(points))
    presenter.table(headers(table), hide_index=True, width="stretch")
    st.caption(t("sampling_compare.tokenized", tokenization=", ".join(sorted(set(table["tokenization"])))))
    st.caption(t("sampling_compare.distinct_n_lengths"))
    explain(mode)
