"""Decoding lens: the real next-token distribution at every step, and what each filter did."""

import pandas as pd
import streamlit as st

from playground.errors import SettingsError
from playground.room.pages import LENS
from playground.serving.handles import GenerationRequest
from playground.serving.steps import MAX_CANDIDATES
from playground.serving.settings import SEED, GenerationSettings
from playground.ui.inputs import KEEP, bounded_number
from playground.ui.lens_view import remote_lens, steer, tokens_so_far
from playground.ui.resources import current_model
from playground.ui.text import as_text
from playground.ui.sampling_lab import (MEASURES, STATUS_LABELS, coloured_status,
                                        distribution_chart, filter_widgets, prompt_input,
                                        show_problems)
from playground.ui.widgets import (collect_interrupted, output_slots, show_error,
                                   stream_outputs)
from playground.ui import presenter
from playground.ui.i18n import t
from playground.ui.made_with import made_with, remember

st.title(t("sampling_lens.decoding_lens"))
st.caption(t("sampling_lens.generate_a_short_text"))

with st.sidebar:
    st.subheader(t("sampling_lens.decoding"))
    values = filter_widgets("lens", dict(LENS))  # the same defaults as the lens's links
    max_new = st.slider("max_new_tokens", 1, 64, 16, persist_state=KEEP, key="lens_max_new")
    seed = bounded_number("seed", int(SEED.low), int(SEED.high), 0, key="lens_seed")
    top_n = st.slider(t("sampling_lens.candidates_shown_per_step"), 5, MAX_CANDIDATES, 15, persist_state=KEEP, key="lens_top")

if seed is None:  # out of range: the sidebar says which range
    st.stop()
try:
    settings = GenerationSettings(**values, max_new_tokens=max_new, seed=int(seed))
except SettingsError as err:
    show_problems(err)
    settings = None

loaded = current_model()
prompt = prompt_input("lens", loaded.is_chat)
if loaded.tokenizer is None:  # a remote engine: its own top-N per step, from its logprobs
    remote_lens(loaded, prompt, settings, top_n)
    st.stop()
left, right, _ = st.columns([1, 1, 6])
go = left.button(t("sampling_lens.generate"), type="primary", key="lens_go", disabled=settings is None)
right.button(t("sampling_lens.stop"), key="lens_stop", help=t("sampling_lens.stops_only_your_own"))
presenter.results_start()  # the result: first on the projector

partial = collect_interrupted("lens_handle")
if partial is not None:
    st.session_state["lens_last"] = partial
    st.session_state.pop("lens_step", None)  # a new text: start at its first step
if go:
    remember("sampling_lens")  # the inputs (and lesson step) that make this result
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
    st.info(t("sampling_lens.press_generate_every_step"))
    st.stop()
steps = result.samples[0].steps
st.markdown(t("sampling_lens.output_v0", v0=as_text(result.samples[0].text)))
made_with("sampling_lens")  # "Made with: …" (and whether the inputs changed since)
if not steps:
    st.warning(t("sampling_lens.no_step_was_recorded"))
    st.stop()
step = st.slider(t("sampling_lens.step"), 0, len(steps) - 1, 0, key="lens_step",
                 help=t("sampling_lens.s_0_the_first_generated")) if len(steps) > 1 else 0
rec = steps[step]
st.markdown(t("sampling_lens.tokens_so_far") + tokens_so_far(steps, step))

# two by two: four metrics in a row cut off '49,152 個中 …' and '4.29 → 2.55 …' at 1,400 px
(a, b), (c, d) = st.columns(2), st.columns(2)
a.metric(t("sampling_lens.chosen_token"), rec.chosen_text,
         help=t("sampling_lens.chosen_greedy") if rec.greedy else t("sampling_lens.chosen_drawn"))
b.metric(t("sampling_lens.tokens_kept"), t("sampling_lens.kept_of", kept=rec.kept_tokens, vocab=rec.vocab_size))
c.metric(t("sampling_lens.kept_probability_mass"), f"{rec.kept_mass:.1%}",
         help=t("sampling_lens.share_of_the_tempered"))
d.metric(t("sampling_lens.entropy"), t("sampling_lens.bits", raw=rec.entropy_raw_bits, final=rec.entropy_final_bits),
         help=t("sampling_lens.of_the_model_s"))
if rec.greedy:
    st.info(t("sampling_lens.greedy_decoding_ignores_temperature"))
elif rec.removed:
    st.caption(t("sampling_lens.removed_at_step") + ", ".join(
        f"{STATUS_LABELS[s].removeprefix('removed by ')} {n:,}" for s, n in rec.removed.items()
        if n) or t("sampling_lens.removed_nothing"))

table = pd.DataFrame([{"token": ("★ " if c.chosen else "") + c.text, "id": c.token_id,
                       "raw": c.raw, "tempered": c.tempered, "status": c.status,
                       "final": c.final} for c in rec.candidates])
presenter.chart(distribution_chart(table))
shown = table.assign(status=table["status"].map(dict(STATUS_LABELS))).rename(
    columns={"status": t("sampling_lab.what_happened"), "token": t("sampling_lab.col_token"),
             **{k: f"{v} %" for k, v in MEASURES.items()}})
for col in [f"{v} %" for v in MEASURES.values()]:
    shown[col] = (shown[col] * 100).round(2)
presenter.table(coloured_status(shown, t("sampling_lab.what_happened")), hide_index=True, width="stretch")
if shown.astype(str).apply(lambda c: c.str.contains("<0x", regex=False)).any().any():
    st.caption(t("langmodel.byte_fallback"))  # byte-fallback tokens: part of a character
st.caption(t("sampling_lens.the_token_chosen_at"))
if st.session_state.get("lens_made"):
    steer(loaded, *st.session_state["lens_made"], result, step, top_n)
