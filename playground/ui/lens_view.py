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
from playground.ui import presenter
from playground.ui.widgets import show_error
from playground.ui.i18n import header, headers, t
from playground.ui.sampling_lab import STATUS_LABELS
from playground.ui.text import as_text

TIMEOUT_S = 300


def tokens_so_far(steps, step: int) -> str:
    """The chosen tokens up to ``step`` as Markdown: each in its own code span, the current one
    in bold brackets, one space apart. Adjacent spans (`a``b`) would read as a double-backtick
    span and show the backticks literally; a token with a backtick is shown as escaped text."""
    parts = []
    for s in steps[:step + 1]:
        if s.step == step:
            parts.append(f"**\\[{as_text(s.chosen_text, '')}\\]**")
        elif "`" in s.chosen_text:
            parts.append(as_text(s.chosen_text, ""))
        else:
            parts.append(f"`{s.chosen_text}`")
    return " ".join(parts)


def branch_options(rec) -> list:
    """The candidates "another token" offers at a step, the default first: tokens the sampler
    could draw (renormalized probability above 0) by that probability, then the removed ones by
    their raw probability. The chosen token is not offered."""
    others = [c for c in rec.candidates if not c.chosen]
    return sorted(others, key=lambda c: (c.final <= 0, -c.final, -c.raw))


def _branch_section(loaded, prompt, settings, sample, step: int, key: tuple) -> None:
    rec = sample.steps[step]
    options = branch_options(rec)
    if not options:
        return
    if rec.kept_tokens == 1 and not rec.greedy:  # nothing else can be drawn here
        st.caption(t("lens_view.only_one_kept"))
    by_id = {c.token_id: c for c in options}
    if st.session_state.get("lens_branch_for") != key:  # another step or text: start on the
        st.session_state["lens_branch_for"] = key     # first option, not the last step's pick
        st.session_state.pop("lens_branch_token", None)
    pick = by_id[st.selectbox(t("lens_view.another_token", step=step), list(by_id),
                              key="lens_branch_token",
                              format_func=lambda i: t("lens_view.option", text=by_id[i].text,
                                                      final=by_id[i].final,
                                                      status=STATUS_LABELS.get(by_id[i].status,
                                                                            by_id[i].status)))]
    if st.button(t("lens_view.continue"), key="lens_branch_go",
                 help=t("lens_view.continue_help")):
        try:
            with st.spinner(t("lens_view.generating_branch")):
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
            st.caption(t("lens_view.original", text=rec.chosen_text, step=step))
            st.markdown(as_text(sample.text))
        with right.container(border=True):
            st.caption(t("lens_view.branch", text=text, step=step))
            st.markdown(as_text(b.text))


def _draw_section(loaded, prompt, settings, sample, step: int, key: tuple, top_n: int) -> None:
    n = lens.DEFAULT_DRAWS
    if st.button(t("lens_view.draw", n=f"{n:,}"), key="lens_draw_go",
                 help=t("lens_view.draw_help")):
        try:
            with st.spinner(t("lens_view.drawing", n=f"{n:,}")):
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
    long["measure"] = long["measure"].map(header)  # the legend in this session's language
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("token:N", sort=None, title=t("columns.token")), xOffset="measure:N", y="%:Q",
        color=alt.Color("measure:N", title=t("columns.measure")),
        tooltip=[alt.Tooltip("token:N", title=t("columns.token")),
                 alt.Tooltip("measure:N", title=t("columns.measure")),
                 alt.Tooltip("%:Q", format=".2f")]).properties(height=260)
    presenter.chart(chart)
    presenter.table(headers(df.round(2)), hide_index=True, width="stretch")
    worst = lens.largest_difference(tally)
    st.caption(t("lens_view.largest_difference", text=worst.text,
                 points=f"{100 * worst.difference:+.2f}",
                 errors=f"{abs(worst.difference) / worst.std_error:.1f}")
               if worst.std_error else t("lens_view.every_draw_same"))
    if tally.greedy:
        st.info(t("lens_view.greedy"))


def steer(loaded, prompt, settings, result, step: int, top_n: int) -> None:
    """The section under the step table. ``prompt``/``settings``: what made ``result``."""
    sample = result.samples[0]
    key = (id(result), step)  # results belong to this text and this step
    st.subheader(t("lens_view.steer"))
    st.caption(t("lens_view.steer_caption"))
    left, right = st.columns(2)
    with left:
        _branch_section(loaded, prompt, settings, sample, step, key)
    with right:
        _draw_section(loaded, prompt, settings, sample, step, key, top_n)
    _show_branch(sample, step, key)
    _show_draw(key)


def remote_lens(loaded, prompt, settings, top_n: int) -> None:
    """The lens on a remote engine: the engine's own top-N per step (logprobs), labelled as its
    top N (not the full distribution; after its own filters where the engine says so)."""
    from playground.serving.remote_lens import top_candidates

    top = min(top_n, 20)  # what OpenAI-compatible engines accept as top_logprobs
    if st.button(t("sampling_lens.generate"), type="primary", key="lens_remote_go",
                 disabled=settings is None):
        try:
            st.session_state["lens_remote"] = (loaded.name, top_candidates(
                loaded, prompt, settings, top=top))
        except Exception as err:  # an engine without logprobs, a refused field, a dead engine
            show_error(err)
    name, out = st.session_state.get("lens_remote") or (None, None)
    if out is None or name != loaded.name:
        st.info(t("sampling_lens.remote_press_generate", name=loaded.name, engine=loaded.engine))
        return
    label = t("sampling_lens.remote_label", top=len(out["steps"][0]["candidates"]),
              engine=loaded.engine)
    if loaded.engine == "llama.cpp":
        label += t("sampling_lens.remote_after_filters")
    st.caption(label)
    st.markdown(t("sampling_lens.output_v0", v0=as_text(out["text"])))
    rows = []
    for i, step in enumerate(out["steps"]):
        row = {t("sampling_lens.step"): i,
               t("sampling_lens.chosen_token"): f"{step['token']!r} {step['prob']:.1%}"}
        for rank, (token, p) in enumerate(step["candidates"], 1):
            row[f"#{rank}"] = f"{token!r} {p:.1%}"
        rows.append(row)
    presenter.table(pd.DataFrame(rows), hide_index=True, width="stretch")
