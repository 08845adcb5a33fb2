"""Prompt lab: instruction templates with a {content} slot, and a few-shot builder."""

import streamlit as st

from playground.ui.inputs import KEEP
from playground.ui.text import show_error
from playground.errors import PlaygroundError
from playground.prompting.templates import (DEFAULT_CONTENT, DEFAULT_TEMPLATES, SEPARATOR,
                                            lab_prompts, split_blocks)
from playground.serving.service import Prompt
from playground.serving.settings import GenerationSettings
from playground.ui.lab import few_shot_editor, run_prompts
from playground.ui.prompt_widgets import stop_strings
from playground.ui.resources import current_model
from playground.ui.widgets import settings_widgets
from playground.ui import presenter
from playground.ui.i18n import t

CHAT, RAW = "chat template (chat models)", "raw text (base models)"

st.title(t("prompt_lab.prompt_lab"))
st.caption(t("prompt_lab.a_prompt_is_an"))

with st.sidebar:
    st.subheader(t("prompt_lab.decoding"))
    settings = settings_widgets("lab", st.sidebar, defaults=GenerationSettings.transformers_defaults(max_new_tokens=48))
    stop = stop_strings("lab", st.sidebar)

loaded = current_model()
templates_tab, few_tab = st.tabs([t("prompt_lab.tab_templates"), t("prompt_lab.tab_few_shot")])

with templates_tab:
    left, right = st.columns([3, 2])
    templates = left.text_area(
        t("prompt_lab.instruction_templates"), f"\n{SEPARATOR}\n".join(DEFAULT_TEMPLATES), height=220,
        persist_state=KEEP, key="lab_templates", help=t("prompt_lab.put_content_where_the", SEPARATOR=SEPARATOR))
    if loaded.spec.source == "embedded" and "Japanese" in templates:  # the translation templates
        left.caption(t("prompt_lab.english_only", name=loaded.name))
    content = right.text_area(t("prompt_lab.content"), DEFAULT_CONTENT, height=120, persist_state=KEEP, key="lab_content",
                              help=t("prompt_lab.several_contents_separate_them", SEPARATOR=SEPARATOR))
    send = right.radio(t("prompt_lab.send_each_prompt_as"), [CHAT, RAW], index=0 if loaded.is_chat else 1,
                       format_func=lambda m: t("prompt_lab.send_chat" if m == CHAT else "prompt_lab.send_raw"),
                       persist_state=KEEP, key="lab_send")
    try:
        filled = lab_prompts(split_blocks(templates), split_blocks(content))
    except PlaygroundError as err:
        show_error(err)
        filled = []
    with st.expander(t("prompt_lab.the_len_prompts_filled", len=len(filled))):
        for p in filled:
            st.code(p.text, language=None, wrap_lines=True)
    go_col, stop_col, _ = st.columns([1, 1, 6])
    go = go_col.button(t("prompt_lab.generate"), type="primary", key="lab_go",
                       disabled=settings is None or not filled)
    stop_col.button(t("prompt_lab.stop"), key="lab_tpl_stop", help=t("prompt_lab.stops_only_your_own"))
    presenter.results_start()  # the result: first on the projector
    prompts = [Prompt.chat([{"role": "user", "content": p.text}]) if send == CHAT
               else Prompt.raw(p.text) for p in filled]
    labels = [t("prompt_lab.template_n", n=p.template) + (
        "" if p.content is None else " · " + t("prompt_lab.content_n", n=p.content)) for p in filled]
    run_prompts("lab_tpl", loaded, labels, prompts, settings, stop, go, page="prompt_lab")

with few_tab:
    few = few_shot_editor("lab_few")
    if few is not None:
        plain, chat = st.columns(2)
        plain.markdown(t("prompt_lab.as_plain_text_what"))
        plain.code(few.as_text(), language=None, wrap_lines=True)
        chat.markdown(t("prompt_lab.as_chat_turns_rendered", name=loaded.name))
        try:
            rendered = loaded.service.render(Prompt.chat(few.as_messages()))
            if rendered.fallback:
                chat.info(t("prompt_lab.fallback_plain") if rendered.fallback == "plain-text" else
                          t("prompt_lab.fallback_merged"))
            chat.code(rendered.text, language=None, wrap_lines=True)
        except PlaygroundError as err:
            show_error(err, chat)
        st.download_button(t("prompt_lab.download_as_few_shot"), few.to_json(), "few_shot.json",
                           mime="application/json", key="lab_few_download")
        st.caption(t("prompt_lab.the_same_strings_from"))
        fsend = st.radio(t("prompt_lab.send_as"), [CHAT, RAW], index=0 if loaded.is_chat else 1,
                         format_func=lambda m: t("prompt_lab.send_chat" if m == CHAT else "prompt_lab.send_raw"),
                         persist_state=KEEP, key="lab_few_send", horizontal=True)
        compare = st.toggle(t("prompt_lab.compare_0_1_shots"), value=True,
                            persist_state=KEEP, key="lab_few_compare")
        shots = range(len(few.examples) + 1) if compare else [len(few.examples)]
        versions = [few.with_shots(k) for k in shots]
        fprompts = [Prompt.chat(v.as_messages()) if fsend == CHAT else Prompt.raw(v.as_text())
                    for v in versions]
        go_col, stop_col, _ = st.columns([1, 1, 6])
        fgo = go_col.button(t("prompt_lab.generate_2"), type="primary", key="lab_few_go",
                            disabled=settings is None)
        stop_col.button(t("prompt_lab.stop_2"), key="lab_few_stop", help=t("prompt_lab.stops_only_your_own_2"))
        presenter.results_start("few")  # the result: first on the projector
        run_prompts("lab_few", loaded, [f"{k}-shot" for k in shots], fprompts, settings, stop,
                    fgo, page="prompt_lab")
