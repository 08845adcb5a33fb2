"""Inside the model: hidden states and sentence vectors, similarity, the logit lens, attention."""

import streamlit as st

from playground.inside import attention, hidden, lens, similarity
from playground.inside.forward import run
from playground.ui import inside_view as view
from playground.ui import presenter
from playground.ui.i18n import language, t
from playground.ui.inputs import KEEP
from playground.ui.resources import current_model

TEXT = {"en": "The capital of Japan is Tokyo. The capital of France is",
        "ja": "日本の首都は東京です。フランスの首都は"}
SENTENCES = {"en": similarity.EXAMPLES_EN, "ja": similarity.EXAMPLES_JA}

st.title(t("inside.title"))
st.caption(t("inside.caption"))
loaded = current_model(needs_local=t("inside.needs_local"))
lang = language()
text = st.text_area(t("inside.text"), TEXT[lang], height=80, help=t("inside.text_help"),
                    persist_state=KEEP, key="inside_text")
layers = int(loaded.model.config.num_hidden_layers)
heads = int(loaded.model.config.num_attention_heads)
# one pass (hidden states and attention weights) serves the hidden, lens and attention views
p = view.remember("pass", (loaded.name, text), lambda: run(loaded, text, attentions=True))
tab_hidden, tab_sim, tab_lens, tab_attn = st.tabs(
    [t("inside.tab_hidden"), t("inside.tab_similarity"), t("inside.tab_lens"),
     t("inside.tab_attention")])

with tab_hidden:
    layer = st.slider(t("inside.layer"), 0, layers, layers, key="inside_hidden_layer",
                      help=t("inside.layer_help", layers=layers))
    pooling = st.radio(t("inside.pooling"), hidden.POOLING, horizontal=True,
                       format_func=lambda p: t(f"inside.pooling_{p}"), key="inside_pooling")
    if p is not None:
        view.show_hidden(hidden.view_of(p, layer, pooling))

with tab_sim:
    st.info(t("inside.not_embedding"), icon=":material/info:")
    lines = st.text_area(t("inside.sentences"), "\n".join(SENTENCES[lang]), height=170,
                         persist_state=KEEP, key="inside_sentences")
    a, b = st.columns(2)
    sim_pooling = a.radio(t("inside.pooling"), hidden.POOLING, horizontal=True,
                          format_func=lambda p: t(f"inside.pooling_{p}"),
                          key="inside_sim_pooling")
    center = b.toggle(t("inside.center"), help=t("inside.center_help"), key="inside_center")
    sentences = [s for s in lines.splitlines() if s.strip()]
    s = view.remember("similarity", (loaded.name, tuple(sentences), sim_pooling, center),
                      lambda: similarity.similarity(loaded, sentences, sim_pooling, center))
    if s is not None:
        sim_layer = st.slider(t("inside.layer"), 0, layers, layers, key="inside_sim_layer",
                              help=t("inside.layer_help", layers=layers))
        left, right = st.columns(2)
        with left:
            presenter.chart(view.similarity_heatmap(s, sim_layer))
        with right:
            presenter.chart(view.pca_map(s, sim_layer))

with tab_lens:
    st.caption(t("inside.lens_explain"))
    last = st.slider(t("inside.positions"), 1, 16, lens.default_positions(loaded),
                     key="inside_positions",
                     help=t("inside.positions_help"))
    result = p and view.remember("lens", (loaded.name, text, last),
                                 lambda: lens.lens_of(loaded, p, lens.last_positions(p, last)))
    if result is not None:
        st.markdown(view.lens_summary(result))
        presenter.chart(view.lens_chart(result))

with tab_attn:
    st.caption(t("inside.attention_explain"))
    a, b = st.columns(2)
    attn_layer = a.slider(t("inside.layer"), 1, layers, 1, key="inside_attn_layer",
                          help=t("inside.attention_layer_help", layers=layers))
    head = b.selectbox(t("inside.head"), [None, *range(heads)], key="inside_head",
                       format_func=lambda h: t("inside.head_mean", heads=heads) if h is None
                       else t("inside.head_n", n=h))
    if p is not None:
        presenter.chart(view.attention_chart(attention.map_of(p, attn_layer, head)))
