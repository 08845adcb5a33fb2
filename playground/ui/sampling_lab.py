"""Sampling lab glue: filter widgets with presets, the prompt box, and the lab's charts.

Colours are fixed per filter so that a token removed by top-p always looks different from one
removed by top-k, min-p or epsilon, on every page and in every chart.

Package ``playground.ui``: may import streamlit and every package below it (the feature
packages, ``serving``, ``config``, ``errors``); never ``cli``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from playground.serving.chat import build_messages
from playground.errors import SettingsError
from playground.serving.handles import Prompt
from playground.serving.settings import EPSILON, MIN_P, TEMPERATURE, TOP_K, TOP_P
from playground.ui.inputs import KEEP
from playground.ui.i18n import Labels, t, tr

STATUS_COLOURS = {"kept": "#4c78a8", "top_k": "#f58518", "top_p": "#d62728",
                  "min_p": "#9467bd", "epsilon": "#2ca02c"}
STATUS_LABELS = Labels("status", ["kept", "top_k", "top_p", "min_p", "epsilon"])
MEASURES = Labels("measures", ["raw", "tempered", "final"])
_FILTERS = ("temperature", "top_p", "top_k", "min_p", "epsilon_cutoff")


def load_values(prefix: str, values: dict) -> None:
    """Put a preset's values into the widgets of ``prefix`` (used as an on_change callback)."""
    st.session_state[f"{prefix}_do_sample"] = bool(values.get("do_sample", True))
    defaults = {"temperature": 1.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0,
                "epsilon_cutoff": 0.0}
    for name in _FILTERS:
        st.session_state[f"{prefix}_{name}"] = values.get(name, defaults[name])


def filter_widgets(prefix: str, values: dict, container=None, sampling_toggle=True) -> dict:
    """Sampling toggle plus temperature/top_p/top_k/min_p/epsilon sliders, keyed by ``prefix``.

    ``values`` fills widgets that have no state yet. Returns GenerationSettings fields.
    """
    c = container or st
    if f"{prefix}_temperature" not in st.session_state:
        load_values(prefix, values)
    do_sample = True
    if sampling_toggle:
        do_sample = c.toggle(t("sampling_lab.sampling"), persist_state=KEEP, key=f"{prefix}_do_sample",
                             help=t("sampling_lab.off_greedy_always_the"))
    if not do_sample:
        c.caption(t("sampling_lab.greedy_always_the_most"))
        return {"do_sample": False}
    out = {"do_sample": True}
    out["temperature"] = c.slider("temperature", 0.0, TEMPERATURE.slider_high,
                                  step=TEMPERATURE.step, persist_state=KEEP, key=f"{prefix}_temperature",
                                  help=tr(TEMPERATURE.help))
    out["top_p"] = c.slider("top_p", 0.0, TOP_P.high, step=TOP_P.step, persist_state=KEEP, key=f"{prefix}_top_p",
                            help=tr(TOP_P.help))
    out["top_k"] = c.slider(t("sampling_lab.top_k_0_off"), int(TOP_K.low), int(TOP_K.slider_high),
                            step=int(TOP_K.step), persist_state=KEEP, key=f"{prefix}_top_k", help=tr(TOP_K.help))
    out["min_p"] = c.slider(t("sampling_lab.min_p_0_off"), MIN_P.low, MIN_P.slider_high, step=MIN_P.step,
                            persist_state=KEEP, key=f"{prefix}_min_p", help=tr(MIN_P.help))
    out["epsilon_cutoff"] = c.slider(t("sampling_lab.epsilon_cutoff_0_off"), EPSILON.low,
                                     EPSILON.slider_high, step=EPSILON.step, format="%.3f",
                                     persist_state=KEEP, key=f"{prefix}_epsilon_cutoff", help=tr(EPSILON.help))
    return out


def prompt_input(prefix: str, is_chat: bool,
                 default: str = "Tell me a story about a dragon.") -> Prompt:
    """The prompt box and the chat-template switch."""
    # the switch under the box, not in a fifth of the row: there its label was cut at 1,400 px
    text = st.text_area(t("sampling_lab.prompt"), default, persist_state=KEEP, key=f"{prefix}_prompt", height=80)
    chat = st.toggle(t("sampling_lab.chat_template"), value=is_chat, persist_state=KEEP, key=f"{prefix}_chat",
                        help=t("sampling_lab.on_the_prompt_is"))
    return Prompt.chat(build_messages(text)) if chat else Prompt.raw(text)


def show_problems(err: SettingsError, container=None) -> None:
    for problem in err.problems:
        (container or st).error(tr(problem))


def coloured_status(df: pd.DataFrame, column: str, precision: int = 2):
    """The table with each "what happened" cell in its filter's colour (same as the charts),
    and numbers shown with ``precision`` decimals (a Styler would otherwise print six)."""
    by_label = {STATUS_LABELS[s]: c for s, c in STATUS_COLOURS.items()}  # this session's labels

    def style(value):
        colour = by_label.get(value)
        return f"color: white; background-color: {colour}" if colour else ""
    return df.style.map(style, subset=[column]).format(precision=precision)


# -- charts ------------------------------------------------------------------------------

def distribution_chart(df: pd.DataFrame, token_col: str = "token", height: int = 320):
    """Grouped bars per token: raw / tempered / renormalized probability, coloured by what
    happened to the token. ``df`` has columns token, raw, tempered, final, status."""
    order = list(df[token_col])
    long = df.melt(id_vars=[token_col, "status"], value_vars=list(MEASURES),
                   var_name="measure", value_name="probability")
    long["measure"] = long["measure"].map(dict(MEASURES))
    long["what happened"] = long["status"].map(dict(STATUS_LABELS))
    colour = alt.Color("what happened:N", title=t("sampling_lab.chart_token"),
                       scale=alt.Scale(domain=list(STATUS_LABELS.values()),
                                       range=[STATUS_COLOURS[s] for s in STATUS_LABELS]),
                       legend=alt.Legend(labelLimit=260))
    return alt.Chart(long).mark_bar().encode(
        x=alt.X(f"{token_col}:N", sort=order, title=None,
                axis=alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=120)),
        xOffset=alt.XOffset("measure:N", sort=list(MEASURES.values())),
        y=alt.Y("probability:Q", title=t("sampling_lab.chart_probability"), axis=alt.Axis(format="%")),
        color=colour,
        opacity=alt.Opacity("measure:N", sort=list(MEASURES.values()),
                            scale=alt.Scale(range=[0.45, 0.7, 1.0]), title=t("sampling_lab.chart_bar"),
                            legend=alt.Legend(labelLimit=260)),
        tooltip=[token_col, "measure", alt.Tooltip("probability:Q", format=".2%"),
                 "what happened"],
    ).properties(height=height)


def compare_chart(df: pd.DataFrame):
    """Average Self-BLEU per column (bars) with each sample's score (dots)."""
    bars = alt.Chart(df).mark_bar(opacity=0.7).encode(
        x=alt.X("column:N", sort=None, title=None, axis=alt.Axis(labelAngle=-20)),
        y=alt.Y("mean(Self-BLEU):Q", title=t("sampling_lab.chart_self_bleu"),
                scale=alt.Scale(domain=[0, 100])),
        tooltip=["column", alt.Tooltip("mean(Self-BLEU):Q", format=".1f")])
    dots = alt.Chart(df).mark_circle(size=60, color="black").encode(
        x=alt.X("column:N", sort=None), y="Self-BLEU:Q",
        tooltip=["column", "sample", alt.Tooltip("Self-BLEU:Q", format=".1f")])
    return (bars + dots).properties(height=300)


def sweep_heatmap(df: pd.DataFrame):
    """Self-BLEU per (top_p, temperature) cell, the value written in each cell.

    The colours span the sweep's own values, not 0-100: a sweep's Self-BLEU often sits within a
    few points (3-6 measured), which on 0-100 was one colour. Cells are at least 80 px tall."""
    values = df["Self-BLEU"].dropna()
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 100.0)
    if high - low < 1e-9:  # one value: any colour will do, but the scale needs a width
        low, high = low - 0.5, high + 0.5
    base = alt.Chart(df).encode(x=alt.X("temperature:O", title="temperature"),
                                y=alt.Y("top_p:O", title="top_p", sort="descending"))
    cells = base.mark_rect().encode(
        color=alt.Color("Self-BLEU:Q", scale=alt.Scale(scheme="viridis", domain=[low, high]),
                        title="Self-BLEU"),
        tooltip=["top_p", "temperature", alt.Tooltip("Self-BLEU:Q", format=".1f")])
    text = base.mark_text(fontSize=16).encode(
        text=alt.Text("Self-BLEU:Q", format=".1f"),
        color=alt.condition(alt.datum["Self-BLEU"] > (low + high) / 2, alt.value("black"),
                            alt.value("white")))  # viridis is dark below its middle
    return (cells + text).properties(height=80 * max(3, df["top_p"].nunique()))
