"""Prompt lab: instruction templates with a {content} slot, and a few-shot builder."""

import streamlit as st

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

CHAT, RAW = "chat template (chat models)", "raw text (base models)"

st.title("Prompt lab")
st.caption("A prompt is an instruction plus content. Try several instructions on the same "
           "content at once, or teach the task with a few worked examples.")

with st.sidebar:
    st.subheader("Decoding")
    settings = settings_widgets("lab", st.sidebar, defaults=GenerationSettings(max_new_tokens=48))
    stop = stop_strings("lab", st.sidebar)

loaded = current_model()
templates_tab, few_tab = st.tabs(["Instruction templates", "Few-shot builder"])

with templates_tab:
    left, right = st.columns([3, 2])
    templates = left.text_area(
        "Instruction templates", f"\n{SEPARATOR}\n".join(DEFAULT_TEMPLATES), height=220,
        key="lab_templates", help=f"Put {{content}} where the content goes. Separate templates "
                                  f"with a line holding only {SEPARATOR}.")
    content = right.text_area("Content", DEFAULT_CONTENT, height=120, key="lab_content",
                              help=f"Several contents: separate them with a line holding only "
                                   f"{SEPARATOR}. Every template is filled with every content.")
    send = right.radio("Send each prompt as", [CHAT, RAW], index=0 if loaded.is_chat else 1,
                       key="lab_send")
    try:
        filled = lab_prompts(split_blocks(templates), split_blocks(content))
    except PlaygroundError as err:
        show_error(err)
        filled = []
    with st.expander(f"The {len(filled)} prompts, filled in"):
        for p in filled:
            st.code(p.text, language=None, wrap_lines=True)
    go_col, stop_col, _ = st.columns([1, 1, 6])
    go = go_col.button("Generate", type="primary", key="lab_go",
                       disabled=settings is None or not filled)
    stop_col.button("Stop", key="lab_tpl_stop", help="Stops only your own generation.")
    prompts = [Prompt.chat([{"role": "user", "content": p.text}]) if send == CHAT
               else Prompt.raw(p.text) for p in filled]
    run_prompts("lab_tpl", loaded, [p.label for p in filled], prompts, settings, stop, go)

with few_tab:
    few = few_shot_editor("lab_few")
    if few is not None:
        plain, chat = st.columns(2)
        plain.markdown("**As plain text** (what a base model gets)")
        plain.code(few.as_text(), language=None, wrap_lines=True)
        chat.markdown(f"**As chat turns**, rendered by {loaded.name}'s template")
        try:
            rendered = loaded.service.render(Prompt.chat(few.as_messages()))
            if rendered.fallback:
                chat.info("This model has no chat template (or no system role): this is the "
                          "playground's fallback." if rendered.fallback == "plain-text" else
                          "The system text was merged into the first user turn.")
            chat.code(rendered.text, language=None, wrap_lines=True)
        except PlaygroundError as err:
            show_error(err, chat)
        st.download_button("Download as few_shot.json", few.to_json(), "few_shot.json",
                           mime="application/json", key="lab_few_download")
        st.caption("The same strings from the command line: `python -m playground template "
                   "--few-shot few_shot.json --as text` (or `--as chat`), and "
                   "`python -m playground generate --few-shot few_shot.json`.")
        fsend = st.radio("Send as", [CHAT, RAW], index=0 if loaded.is_chat else 1,
                         key="lab_few_send", horizontal=True)
        compare = st.toggle("Compare 0, 1, … shots side by side", value=True,
                            key="lab_few_compare")
        shots = range(len(few.examples) + 1) if compare else [len(few.examples)]
        versions = [few.with_shots(k) for k in shots]
        fprompts = [Prompt.chat(v.as_messages()) if fsend == CHAT else Prompt.raw(v.as_text())
                    for v in versions]
        go_col, stop_col, _ = st.columns([1, 1, 6])
        fgo = go_col.button("Generate", type="primary", key="lab_few_go",
                            disabled=settings is None)
        stop_col.button("Stop", key="lab_few_stop", help="Stops only your own generation.")
        run_prompts("lab_few", loaded, [f"{k}-shot" for k in shots], fprompts, settings, stop,
                    fgo)
