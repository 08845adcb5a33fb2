"""Tokenizer & model: text -> tokens -> ids -> text, the special tokens, and what the model is."""

import json

import streamlit as st

from playground.prompting.modelinfo import config_dict, summarize
from playground.prompting.tokens import special_tokens, tokenize, vocabulary_style
from playground.ui.prompt_widgets import show_tokens
from playground.ui.resources import current_model

EXAMPLE = "Tell me a story about a dragon.\nSupercalifragilisticexpialidocious! ドラゴンの物語"
STYLES = {"byte-level": "byte-level BPE: Ġ in a piece is a space, Ċ a newline",
          "sentencepiece": "SentencePiece: ▁ in a piece is a space, <0x..> a raw byte",
          "other": "pieces shown as the tokenizer decodes them"}

st.title("Tokenizer & model")
st.caption("The model never sees letters: the tokenizer cuts text into subword tokens and "
           "turns each into an id. Decoding turns ids back into text.")

loaded = current_model(
    needs_local="The tokenizer explorer reads the model's own tokenizer and weights")
text = st.text_area("Text", EXAMPLE, height=100, key="tok_text")
st.caption("Here a special-token string you type (e.g. `<|im_end|>`) is shown as the one token "
           "it stands for. In your prompts, chat messages and documents the playground keeps "
           "such strings as plain text, so typing one cannot end a turn or start a new one.")
add_special = st.toggle("Add the tokenizer's own special tokens (as for a raw prompt)",
                        key="tok_add_special")
if not text:
    st.info("Type some text to see its tokens.")
else:
    result = tokenize(loaded.tokenizer, text, add_special_tokens=add_special,
                      lock=loaded.tokenizer_lock)
    a, b, c = st.columns(3)
    a.metric("Tokens", f"{result.count}")
    b.metric("Characters", f"{len(text)}")
    c.metric("Characters per token", f"{len(text) / max(1, result.count):.2f}")
    st.caption(f"{loaded.name}: {STYLES[vocabulary_style(loaded.tokenizer)]}. "
               "Shown: ␣ space, ↵ newline, <0xE6> a byte that is only part of a character; "
               "red boxes are special tokens. Hover a token for its id.")
    show_tokens(result.views)
    st.dataframe([{"#": i, "token (shown)": v.shown, "piece in the vocabulary": v.piece,
                   "id": v.id, "special": v.special} for i, v in enumerate(result.views)],
                 hide_index=True, height=min(400, 38 + 35 * result.count))
    st.markdown("**ids**")
    st.code(json.dumps(result.ids), language=None, wrap_lines=True)
    st.markdown("**Decoded back** (`tokenizer.decode(ids)`)")
    st.code(result.decoded, language=None, wrap_lines=True)
    if result.round_trip:
        st.success("Decoding gives back exactly the text you typed.")
    else:
        st.warning("Decoding does not give back exactly the text you typed"
                   + (" (the added special tokens are part of it)." if add_special else "."))

st.subheader("Special tokens")
st.dataframe(special_tokens(loaded.tokenizer), hide_index=True, width="stretch")

summary = summarize(loaded)
st.subheader(f"The model: {summary.name}")
st.table({"": [k for k, _ in summary.rows()], "value": [v for _, v in summary.rows()]})
with st.expander("The full configuration (config.json)"):
    st.json(config_dict(loaded), expanded=False)
