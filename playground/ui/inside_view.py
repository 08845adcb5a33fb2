"""The "Inside the model" page's sections: each runs one ``playground.inside`` view (kept in
the session while its inputs stay the same, so moving a slider redraws without a new pass)
and draws it with Altair.

Package ``playground.ui``: may import streamlit and every package below it.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from playground.errors import PlaygroundError
from playground.inside import attention, hidden, lens, similarity
from playground.ui import presenter
from playground.ui.i18n import t
from playground.ui.text import as_text
from playground.ui.widgets import show_error

CACHE = "inside_results"  # session: view -> (inputs, result)


def remember(view: str, inputs: tuple, compute):
    """``compute()`` once per set of inputs (per session); None after an error (shown)."""
    kept = st.session_state.setdefault(CACHE, {})
    if view in kept and kept[view][0] == inputs:
        return kept[view][1]
    try:
        with st.spinner(t("inside.computing")):
            result = compute()
    except PlaygroundError as err:
        show_error(err)
        return None
    kept[view] = (inputs, result)
    return result


def _labels(tokens: list[str], start: int = 0) -> list[str]:
    """Unique axis labels: "3 ␣Japan" (a token may appear twice)."""
    return [f"{start + i} {tok}" for i, tok in enumerate(tokens)]


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


# -- hidden states -------------------------------------------------------------------------
def show_hidden(v: hidden.HiddenView) -> None:
    st.markdown(t("inside.shapes_intro", count=v.layers + 1))
    st.code("\n".join(f"{k:<28} torch.Size({shape})" for k, shape in v.shapes.items()),
            language="python")
    st.markdown(t("inside.dim_intro"))
    st.code("\n".join(f"{d['expr']:<44} # {list(d['shape'])}  {d['values']}"
                      for d in v.dim_demo), language="python")
    for d in v.dim_demo:
        st.caption(f"`{d['expr']}`: " + t(f"inside.dim_{d['kind']}", hidden=v.hidden_size))
    pooling = t(f"inside.pooling_{v.pooling}")
    st.markdown(t("inside.vector", pooling=pooling, layer=v.layer, hidden=v.hidden_size,
                  norm=v.vector_norm))
    st.code(", ".join(f"{x:.3f}" for x in v.vector[:12]) + ", …", language=None)
    left, right = st.columns(2)
    labels = _labels(v.tokens)
    norms = pd.DataFrame({"token": labels, "length": v.token_norms})
    with left:
        presenter.chart(alt.Chart(norms, title=t("inside.norms_chart", layer=v.layer))
                        .mark_bar().encode(
                            x=alt.X("token:N", sort=labels, title=t("inside.token_axis")),
                            y=alt.Y("length:Q", title=t("inside.length_axis")),
                            tooltip=["token", alt.Tooltip("length:Q", format=".2f")])
                        .properties(height=240))
    layers = pd.DataFrame({"layer": range(v.layers + 1), "length": v.layer_norms})
    with right:
        presenter.chart(alt.Chart(layers, title=t("inside.layers_chart"))
                        .mark_line(point=True).encode(
                            x=alt.X("layer:Q", title=t("inside.layer_axis")),
                            y=alt.Y("length:Q", title=t("inside.length_axis")),
                            tooltip=["layer", alt.Tooltip("length:Q", format=".2f")])
                        .properties(height=240))


# -- similarity ----------------------------------------------------------------------------
def similarity_heatmap(s: similarity.Similarity, layer: int) -> alt.Chart:
    m = s.matrix(layer)
    names = [f"{i + 1}. {_short(x)}" for i, x in enumerate(s.sentences)]
    df = pd.DataFrame([{"a": names[i], "b": names[j], "column": str(j + 1), "cosine": m[i][j]}
                       for i in range(len(names)) for j in range(len(names))])
    # the columns by number (the rows name the sentences): slanted full names overlapped, and
    # Vega then hid all but the first and the last
    base = alt.Chart(df).encode(
        x=alt.X("column:N", sort=[str(j + 1) for j in range(len(names))], title=None,
                axis=alt.Axis(labelAngle=0, labelOverlap=False, orient="top")),
        y=alt.Y("a:N", sort=names, title=None, axis=alt.Axis(labelLimit=200)))
    low = min(min(r) for r in m)
    rect = base.mark_rect().encode(
        color=alt.Color("cosine:Q", title=t("inside.cosine"),
                        scale=alt.Scale(scheme="viridis", domain=[min(low, 0.0), 1.0])),
        tooltip=[alt.Tooltip("a:N", title=t("inside.sentence_axis")),
                 alt.Tooltip("b:N", title=t("inside.sentence_axis")),
                 alt.Tooltip("cosine:Q", title=t("inside.cosine"), format=".3f")])
    mid = (min(low, 0.0) + 1.0) / 2
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text("cosine:Q", format=".2f"),
        color=alt.condition(f"datum.cosine > {mid}", alt.value("black"), alt.value("white")))
    return alt.layer(rect, text, title=t("inside.heatmap", layer=layer)).properties(
        height=40 * len(names) + 40)


def pca_map(s: similarity.Similarity, layer: int) -> alt.Chart:
    coords, share = s.pca(layer)
    df = pd.DataFrame([{"x": x, "y": y, "label": f"{i + 1}. {_short(text, 24)}"}
                       for i, ((x, y), text) in enumerate(zip(coords, s.sentences))])
    base = alt.Chart(df).encode(
        x=alt.X("x:Q", title=t("inside.pc1"), scale=alt.Scale(zero=False, padding=40)),
        y=alt.Y("y:Q", title=t("inside.pc2"), scale=alt.Scale(zero=False, padding=30)),
        tooltip=["label"])
    return alt.layer(base.mark_circle(size=120, color="#4c78a8"),
                     base.mark_text(align="left", dx=8, fontSize=13).encode(text="label"),
                     title=t("inside.pca_chart", layer=layer, share1=share[0],
                             share2=share[1])).properties(height=380)


# -- the logit lens ------------------------------------------------------------------------
def lens_chart(result: lens.Lens) -> alt.Chart:
    cols = _labels(result.tokens, result.positions[0])
    rows = []
    for layer, row in enumerate(result.grid):
        for k, cell in enumerate(row):
            rows.append({"layer": layer, "position": cols[k], "token": _short(cell.token, 9),
                         "full": cell.token, "prob": cell.prob,
                         "answer": cell.answer_prob,
                         "first": result.first_correct[k] == layer})
    df = pd.DataFrame(rows)
    layers = list(range(result.layers, -1, -1))  # the last layer on top
    base = alt.Chart(df).encode(
        x=alt.X("position:N", sort=cols, title=t("inside.position_axis"),
                axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=120)),
        y=alt.Y("layer:O", sort=layers, title=t("inside.layer_axis"),
                axis=alt.Axis(labelOverlap=False)))
    rect = base.mark_rect().encode(
        color=alt.Color("prob:Q", title=t("inside.probability"),
                        scale=alt.Scale(scheme="blues", domain=[0, 1])),
        tooltip=[alt.Tooltip("layer:O", title=t("inside.layer_axis")),
                 alt.Tooltip("position:N", title=t("inside.position_axis")),
                 alt.Tooltip("full:N", title=t("inside.next_token")),
                 alt.Tooltip("prob:Q", title=t("inside.probability"), format=".3f")])
    text = base.mark_text(fontSize=11).encode(
        text="token:N",
        color=alt.condition("datum.prob > 0.5", alt.value("white"), alt.value("black")))
    first = base.transform_filter("datum.first").mark_rect(
        fill=None, stroke="#e4572e", strokeWidth=3)
    return alt.layer(rect, text, first, title=t("inside.lens_chart")).properties(
        height=18 * (result.layers + 1) + 40)


def lens_summary(result: lens.Lens) -> str:
    k = len(result.positions) - 1
    cell, first = result.grid[-1][k], result.first_correct[k]
    # tokens as text: a piece like "](" or "<img" is shown, never read as Markdown or HTML
    params = {"token": as_text(result.tokens[k]), "answer": as_text(cell.token),
              "prob": cell.prob}
    if first is None or first >= result.layers:
        return t("inside.never_before", **params)
    return t("inside.first_correct", layer=first, layers=result.layers, **params)


# -- attention -----------------------------------------------------------------------------
def attention_chart(a: attention.AttentionMap) -> alt.Chart:
    labels = _labels(a.tokens)
    df = pd.DataFrame([{"query": labels[i], "key": labels[j], "weight": a.weights[i][j]}
                       for i in range(len(labels)) for j in range(i + 1)])
    head = t("inside.head_mean", heads=a.heads) if a.head is None else \
        t("inside.head_n", n=a.head)
    return alt.Chart(df, title=t("inside.attention_chart", layer=a.layer, head=head)) \
        .mark_rect().encode(
            x=alt.X("key:N", sort=labels, title=t("inside.key_axis"),
                    axis=alt.Axis(labelAngle=-45, labelLimit=100)),
            y=alt.Y("query:N", sort=labels, title=t("inside.query_axis"),
                    axis=alt.Axis(labelOverlap=False, labelLimit=120)),
            color=alt.Color("weight:Q", title=t("inside.weight"),
                            scale=alt.Scale(scheme="oranges", domain=[0, 1])),
            tooltip=[alt.Tooltip("query:N", title=t("inside.query_axis")),
                     alt.Tooltip("key:N", title=t("inside.key_axis")),
                     alt.Tooltip("weight:Q", title=t("inside.weight"), format=".3f")]
        ).properties(height=24 * len(labels) + 60)
