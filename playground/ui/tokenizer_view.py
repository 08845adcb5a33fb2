"""The Tokenizer & model page's sections on what happens before the model: Unicode
normalization, padding / truncation / the attention mask, ``max_length`` against
``max_new_tokens``, and cased against uncased (logic: ``playground.inside.tokenizing``).

Package ``playground.ui``: may import streamlit and every package below it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from playground.errors import PlaygroundError
from playground.inside import tokenizing
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings
from playground.ui import presenter
from playground.ui.i18n import language, t
from playground.ui.inputs import KEEP
from playground.ui.text import as_text  # typed characters shown as text, never Markdown
from playground.ui.widgets import session_key, show_error

PAIRS = {"en": ("Tell me a story about a dragon.", "Hi!"),
         "ja": ("ドラゴンの物語を聞かせてください。", "こんにちは")}
# a prompt the model continues (SmolLM2-Instruct ends a raw "Tell me a story..." at once)
PROMPTS = {"en": "Once upon a time, in a land far away,", "ja": "昔々、あるところに"}


def normalization_section(loaded) -> None:
    st.subheader(t("inside_tok.normalization"))
    st.caption(t("inside_tok.normalization_explain"))
    a, b = st.columns([3, 1])
    text = a.text_input(t("inside_tok.example"), tokenizing.EXAMPLES[0], max_chars=tokenizing.MAX_TEXT,
                        persist_state=KEEP, key="tok_norm_text")
    form = b.radio(t("inside_tok.form"), tokenizing.NORMALIZATIONS, index=1, horizontal=True,
                   format_func=lambda f: t("inside_tok.form_off") if f == "off" else f.upper(),
                   key="tok_norm_form")
    st.caption("  ·  ".join(f"`{e}`" for e in tokenizing.EXAMPLES))
    try:
        r = tokenizing.normalization(loaded, text, form)
    except PlaygroundError as err:
        show_error(err)
        return
    name = t("inside_tok.form_off") if form == "off" else form.upper()
    c1, c2 = st.columns(2)
    c1.metric(t("inside_tok.count_before"), r.count)
    c2.metric(t("inside_tok.count_after", form=name), r.normalized_count,
              delta=r.normalized_count - r.count, delta_color="inverse")
    st.code(f"{r.text}\n{r.normalized}", language=None)
    if r.changes:
        st.markdown(t("inside_tok.changed") + ": " +
                    " · ".join(f"{as_text(a)} → {as_text(b)}" for a, b in r.changes[:24]))
    elif form != "off":
        st.caption(t("inside_tok.nothing_changed", form=name))


def padding_section(loaded) -> None:
    st.subheader(t("inside_tok.padding"))
    st.caption(t("inside_tok.padding_explain"))
    first, second = PAIRS[language()]
    a, b = st.columns(2)
    one = a.text_input(t("inside_tok.first_text"), first, max_chars=tokenizing.MAX_TEXT,
                       persist_state=KEEP, key="tok_pad_one")
    two = b.text_input(t("inside_tok.second_text"), second, max_chars=tokenizing.MAX_TEXT,
                       persist_state=KEEP, key="tok_pad_two")
    a, b, c = st.columns(3)
    side = a.radio("padding_side", tokenizing.PADDING_SIDES, horizontal=True, key="tok_pad_side",
                   format_func=lambda s: f'"{s}"')  # the value as one types it in code
    truncate = b.toggle(t("inside_tok.truncate"), key="tok_pad_truncate")
    max_length = c.number_input("max_length", 1, tokenizing.MAX_LENGTH, 4, key="tok_pad_max",
                                disabled=not truncate)
    try:
        batch = tokenizing.batch(loaded, [one, two], side, truncate, int(max_length))
    except PlaygroundError as err:
        show_error(err)
        return
    st.markdown(t("inside_tok.input_ids", pad_id=batch.pad_id, pad_token=f"`{batch.pad_token}`"))
    st.code(_tensor(batch.input_ids), language="python")
    st.markdown(t("inside_tok.attention_mask"))
    st.code(_tensor(batch.attention_mask), language="python")
    for n, (cut, length) in enumerate(zip(batch.truncated, batch.lengths), start=1):
        if cut:
            st.caption(t("inside_tok.truncated", n=n, length=length, max_length=batch.max_length))
    st.markdown(t("inside_tok.tokens_grid"))
    frame = pd.DataFrame(batch.tokens, index=[1, 2])
    mask = pd.DataFrame(batch.attention_mask, index=[1, 2])
    presenter.table(frame.style.apply(lambda _: mask.map(
        lambda m: "" if m else "color: #999; background-color: #eee"), axis=None),
        hide_index=False)


def _tensor(rows: list[list[int]]) -> str:
    width = max(len(str(x)) for row in rows for x in row)
    inner = ",\n        ".join("[" + ", ".join(f"{x:>{width}}" for x in row) + "]" for row in rows)
    return f"tensor([{inner}])"


def lengths_section(loaded) -> None:
    st.subheader(t("inside_tok.lengths"))
    st.caption(t("inside_tok.lengths_explain"))
    prompt = st.text_input(t("inside_tok.prompt"), PROMPTS[language()], max_chars=tokenizing.MAX_TEXT,
                           persist_state=KEEP, key="tok_len_prompt")
    a, b = st.columns(2)
    max_length = a.slider("max_length", 1, 64, 12, key="tok_len_max_length")
    max_new = b.slider("max_new_tokens", 1, 64, 12, key="tok_len_max_new")
    try:
        r = tokenizing.lengths(loaded, prompt, max_length, max_new)
    except PlaygroundError as err:
        show_error(err)
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("inside_tok.prompt_tokens"), r.prompt_tokens)
    c2.metric(t("inside_tok.by_max_length", n=max_length), r.new_by_max_length)
    c3.metric(t("inside_tok.by_max_new_tokens", n=max_new), r.new_by_max_new_tokens)
    if r.new_by_max_length == 0:
        st.warning(t("inside_tok.nothing_left", n=max_length, prompt=r.prompt_tokens))
    if st.button(t("inside_tok.try_both"), key="tok_len_go"):
        counts = [n for n in (r.new_by_max_length, r.new_by_max_new_tokens) if n > 0]
        variants = tuple(GenerationSettings(do_sample=False, max_new_tokens=n) for n in counts)
        try:
            result = loaded.service.submit(GenerationRequest(
                (Prompt.raw(prompt),), variants, session=session_key("tok_len"))).result(
                timeout=300)
        except Exception as err:  # noqa: BLE001 - shown as text (a bug: an error id)
            show_error(err)
            return
        texts = [s.text for s in result.samples]
        if r.new_by_max_length == 0:
            texts.insert(0, "")
        st.session_state["tok_len_out"] = (prompt, max_length, max_new, texts)
    kept = st.session_state.get("tok_len_out")
    if kept and kept[:3] == (prompt, max_length, max_new):
        st.markdown(t("inside_tok.output_max_length", n=max_length))
        st.code(prompt + kept[3][0], language=None, wrap_lines=True)
        st.markdown(t("inside_tok.output_max_new", n=max_new))
        st.code(prompt + kept[3][1], language=None, wrap_lines=True)


def casing_section(loaded) -> None:
    st.subheader(t("inside_tok.casing"))
    st.caption(t("inside_tok.casing_explain"))
    try:
        rows = tokenizing.casing(loaded, "Apple")
    except PlaygroundError as err:
        show_error(err)
        return
    st.code("\n".join(f"{r['text']!r:<8} -> {r['tokens']}  {r['ids']}" for r in rows),
            language="python")
