"""Tokenizer & model: text -> tokens -> ids -> text, the special tokens, and what the model is."""

import json

import streamlit as st

from playground.prompting.modelinfo import config_dict, summarize
from playground.prompting.tokens import special_tokens, tokenize, vocabulary_style
from playground.ui import presenter
from playground.ui.inputs import KEEP
from playground.ui.prompt_widgets import show_tokens
from playground.ui.resources import current_model
from playground.ui import tokenizer_view
from playground.ui.i18n import Labels, headers, t, tr

EXAMPLE = "Tell me a story about a dragon.\nSupercalifragilisticexpialidocious! ドラゴンの物語"
PAIR = ("Tell me a story about a dragon.", "ドラゴンの物語を聞かせてください。")  # same meaning
STYLES = Labels("tokenizer_styles", ["byte-level", "sentencepiece", "other"])

st.title(t("tokenizer_model.tokenizer_model"))
st.caption(t("tokenizer_model.the_model_never_sees"))

loaded = current_model(
    needs_local=t("resources.tokenizer_reads_local"))
text = st.text_area(t("tokenizer_model.text"), EXAMPLE, height=100, persist_state=KEEP, key="tok_text")
st.caption(t("tokenizer_model.special_tokens_typed"))
add_special = st.toggle(t("tokenizer_model.add_the_tokenizer_s"),
                        persist_state=KEEP, key="tok_add_special")
if not text:
    st.info(t("tokenizer_model.type_some_text_to"))
else:
    result = tokenize(loaded.tokenizer, text, add_special_tokens=add_special,
                      lock=loaded.tokenizer_lock)
    a, b, c = st.columns(3)
    a.metric(t("tokenizer_model.tokens"), f"{result.count}")
    b.metric(t("tokenizer_model.characters"), f"{len(text)}")
    c.metric(t("tokenizer_model.characters_per_token"), f"{len(text) / max(1, result.count):.2f}")
    st.caption(t("tokenizer_model.name_v1_shown_space", name=loaded.name, v1=STYLES[vocabulary_style(loaded.tokenizer)]))
    en, ja = (tokenize(loaded.tokenizer, s, lock=loaded.tokenizer_lock).count for s in PAIR)
    st.caption(t("tokenizer_model.language_cost", en=PAIR[0], ja=PAIR[1], en_tokens=en, ja_tokens=ja,
                 en_cpt=len(PAIR[0]) / en, ja_cpt=len(PAIR[1]) / ja,
                 ratio=(len(PAIR[0]) / en) / (len(PAIR[1]) / ja)))
    show_tokens(result.views)
    presenter.table(headers([{"#": i, "token (shown)": v.shown, "piece in the vocabulary": v.piece,
                   "id": v.id, "special": v.special} for i, v in enumerate(result.views)]),
                 hide_index=True, height=min(400, 38 + 35 * result.count))
    st.markdown(t("tokenizer_model.ids"))
    st.code(json.dumps(result.ids), language=None, wrap_lines=True)
    st.markdown(t("tokenizer_model.decoded_back_tokenizer_decode"))
    st.code(result.decoded, language=None, wrap_lines=True)
    if result.round_trip:
        st.success(t("tokenizer_model.decoding_gives_back_exactly"))
    else:
        st.warning(t("tokenizer_model.round_trip_special" if add_special else
                     "tokenizer_model.round_trip_differs"))

tokenizer_view.normalization_section(loaded)
tokenizer_view.padding_section(loaded)
tokenizer_view.lengths_section(loaded)
tokenizer_view.casing_section(loaded)

st.subheader(t("tokenizer_model.special_tokens"))
presenter.table(headers([{**row, "name": tr(row["name"])}  # 'added special token'
                         for row in special_tokens(loaded.tokenizer)]),
                hide_index=True, width="stretch")

summary = summarize(loaded)
st.subheader(t("tokenizer_model.the_model_name", name=summary.name))
st.table({"": [tr(k) for k, _ in summary.rows()], t("tokenizer_model.value"): [tr(v) for _, v in summary.rows()]})
with st.expander(t("tokenizer_model.the_full_configuration_config")):
    st.json(config_dict(loaded), expanded=False)
