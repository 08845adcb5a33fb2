"""The Decoding lens's steering section: choose another token at a step, or draw 1,000 times.

Both send one request to the generation service (``playground.lab.lens``); results are kept
per tab under ``lens_*`` keys and shown only for the text and step they were made for.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from playground.lab import lens
from playground.ui.widgets import show_error

TIMEOUT_S = 300


def _branch_section(loaded, prompt, settings, sample, step: int, key: tuple) -> None:
    rec = sample.steps[step]
    options = [c for c in sorted(rec.candidates, key=lambda c: -c.raw) if not c.chosen]
    if not options:
        return
    by_id = {c.token_id: c for c in options}
    pick = by_id[st.selectbox(f"Another token at step {step}", list(by_id),
                              key="lens_branch_token",
                              format_func=lambda t: f"{by_id[t].text}  ({by_id[t].final:.1%} "
                                                    f"to be drawn, {by_id[t].status})")]
    if st.button("Continue from here", key="lens_branch_go",
                 help="Same settings and seed; the steps before this one are the original's."):
        try:
            with st.spinner("generating the branch…"):
                b = lens.branch(loaded, prompt, settings, sample.token_ids, step,
                                pick.token_id, timeout=TIMEOUT_S)
            st.session_state["lens_branch"] = (key, pick.text, b)
        except Exception as err:
            show_error(err)


def _show_branch(sample, step: int, key: tuple) -> None:
    saved = st.session_state.get("lens_branch")
    rec = sample.steps[step]
    if saved is not None and saved[0] == key:
        _, text, b = saved
        left, right = st.columns(2)
        with left.container(border=True):
            st.caption(f"original: {rec.chosen_text} at step {step}")
            st.markdown(sample.text or "*(empty)*")
        with right.container(border=True):
            st.caption(f"branch: {text} at step {step}")
            st.markdown(b.text or "*(empty)*")


def _draw_section(loaded, prompt, settings, sample, step: int, key: tuple, top_n: int) -> None:
    n = lens.DEFAULT_DRAWS
    if st.button(f"Draw {n:,} times", key="lens_draw_go",
                 help="The sampler draws this step's token again and again (a copy of this "
                      "sample's random generator, so the text above is unchanged)."):
        try:
            with st.spinner(f"drawing {n:,} tokens…"):
                st.session_state["lens_draw"] = (key, lens.draw(
                    loaded, prompt, settings, sample.token_ids, step, n, top_n,
                    timeout=TIMEOUT_S))
        except Exception as err:
            show_error(err)


def _show_draw(key: tuple) -> None:
    saved = st.session_state.get("lens_draw")
    if saved is None or saved[0] != key:
        return
    tally = saved[1]
    rows = [r for r in lens.draw_rows(tally) if r.count or r.probability >= 0.005]
    df = pd.DataFrame([{"token": r.text, "renormalized probability %": 100 * r.probability,
                        f"drawn / {tally.n:,} %": 100 * r.frequency, "count": r.count,
                        "difference (points)": 100 * r.difference,
                        "standard error (points)": 100 * r.std_error} for r in rows])
    long = df.head(20).melt(id_vars="token", value_vars=["renormalized probability %",
                                                f"drawn / {tally.n:,} %"],
                   var_name="measure", value_name="%")
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("token:N", sort=None), xOffset="measure:N", y="%:Q", color="measure:N",
        tooltip=["token", "measure", alt.Tooltip("%:Q", format=".2f")]).properties(height=260)
    st.altair_chart(chart, width="stretch")
    st.dataframe(df.round(2), hide_index=True, width="stretch")
    worst = lens.largest_difference(tally)
    st.caption(f"Largest difference: {worst.text}, {100 * worst.difference:+.2f} points "
               f"({abs(worst.difference) / worst.std_error:.1f} standard errors)"
               if worst.std_error else "Every draw gave the same token.")
    if tally.greedy:
        st.info("Greedy decoding: every draw is the most likely token.")


def steer(loaded, prompt, settings, result, step: int, top_n: int) -> None:
    """The section under the step table. ``prompt``/``settings``: what made ``result``."""
    sample = result.samples[0]
    key = (id(result), step)  # results belong to this text and this step
    st.subheader("Steer this step")
    st.caption("Choose another token here and the model continues from it, with the same "
               "settings and seed; or let the sampler draw this step many times and compare "
               "how often each token comes up with its probability.")
    left, right = st.columns(2)
    with left:
        _branch_section(loaded, prompt, settings, sample, step, key)
    with right:
        _draw_section(loaded, prompt, settings, sample, step, key, top_n)
    _show_branch(sample, step, key)
    _show_draw(key)
